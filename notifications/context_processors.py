"""The bell: the signed-in person's unread count, on every page.

Lazy: one COUNT query, made only when a page draws the bell (signed-in pages).
"""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(
                recipient=user, read_at__isnull=True
            ).count()
        )
    }
