"""Emails of notifications: one at once, or a person's daily digest grouped by
project; plain text and HTML, in the person's language, dates in BE, absolute
links (SITE_URL) to act on and to change preferences."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.texts import describe
from projects import thaicalendar


def language_of(user) -> str:
    """The person's language (Profile.language), Thai when not chosen."""
    profile = getattr(user, "profile", None)
    chosen = profile.language if profile else ""
    return "en" if chosen.startswith("en") else "th"


def absolute(path: str) -> str:
    """A portal path as a link that works from a mail client."""
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _item(notification: Notification, lang: str) -> dict:
    text = describe(notification.kind, notification.params, lang)
    return {
        "title": text.title,
        "body": text.body,
        "url": absolute(notification.url or reverse("notifications:inbox")),
    }


def _message(user, lang: str, subject: str, template: str, context: dict, msgid: str):
    context = {
        **context,
        "site_url": settings.SITE_URL.rstrip("/"),
        "inbox_url": absolute(reverse("notifications:inbox")),
        "preferences_url": absolute(reverse("notifications:preferences")),
        "name": user.get_full_name() or user.get_username(),
        "lang": lang,
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "Message-ID": f"<{msgid}@{_domain()}>",
            "Content-Language": lang,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{context['preferences_url']}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def single(notification: Notification) -> EmailMultiAlternatives:
    """The email of one notification, sent at once."""
    user = notification.recipient
    lang = language_of(user)
    with translation.override(lang):
        item = _item(notification, lang)
        prefix = _("BMA projects")
        subject = f"{prefix}: {item['title']}"
        return _message(
            user,
            lang,
            subject,
            "notification",
            {"item": item},
            f"notification-{notification.pk}",
        )


def digest(items: list[Notification], *, now: datetime) -> EmailMultiAlternatives:
    """One person's digest: their waiting notifications grouped by project."""
    user = items[0].recipient
    lang = language_of(user)
    with translation.override(lang):
        groups: OrderedDict = OrderedDict()
        # Projects first, in order; notices about no project last.
        for notification in sorted(items, key=lambda n: n.project_id is None):
            project = notification.project
            if project is None:
                heading = _("Other notices")
            else:
                english = lang == "en" and project.name_en
                heading = f"{project.code} {english or project.name_th}"
            groups.setdefault(heading, []).append(_item(notification, lang))
        day = thaicalendar.format_date(timezone.localdate(now), "long", lang)
        subject = ngettext(
            "BMA projects: %(count)d notification, %(date)s",
            "BMA projects: %(count)d notifications, %(date)s",
            len(items),
        ) % {"count": len(items), "date": day}
        return _message(
            user,
            lang,
            subject,
            "digest",
            {"groups": list(groups.items()), "count": len(items), "date": day},
            f"digest-{user.pk}-{items[0].pk}-{len(items)}",
        )
