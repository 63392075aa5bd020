"""The inbox, its read marks and the email preferences: each person's own only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import PreferencesForm
from notifications.models import Notification
from notifications.texts import describe

PER_PAGE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, unread marked."""
    queryset = Notification.objects.for_user(request.user)
    if request.GET.get("show") == "unread":
        queryset = queryset.unread()
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    lang = get_language() or "th"
    rows = [(item, describe(item.kind, item.params, lang)) for item in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "rows": rows, "show": request.GET.get("show", "")},
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "notifications:inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read: the recipient's own, else 404."""
    if not services.mark_read(user=request.user, pk=pk):
        raise Http404
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    messages.success(
        request, _("%(count)s notifications marked read.") % {"count": count}
    )
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: email at once, in the daily digest, or not at all."""
    current = services.channels_of(request.user)
    form = PreferencesForm(request.POST or None, initial_channels=current)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(user=request.user, channels=form.cleaned_data)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
