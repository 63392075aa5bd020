"""The language a person chooses, kept on their account as well as in the browser.

Switching language (the header's buttons) saves the choice to the person's
Profile when they are logged in; logging in, on any browser, brings it back by
setting the language cookie that LocaleMiddleware reads. Nothing is read per
request, so no page pays a query for it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from projects.models import Profile

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Set the language cookie as Django's own set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also saves the choice to the person's account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in LANGUAGE_CODES:
        Profile.objects.update_or_create(
            user=request.user, defaults={"language": language}
        )
    return response


class LoginView(auth_views.LoginView):
    """Django's login, which brings back the language saved to the account."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        profile = Profile.objects.filter(user=form.get_user()).first()
        if profile and profile.language in LANGUAGE_CODES:
            set_language_cookie(response, profile.language)
        return response
