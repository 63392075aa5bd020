"""Writes a person makes to their own notifications: read marks and email
preferences. Each touches only the person's own rows."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from notifications.models import (
    DEFAULT_CHANNELS,
    EmailState,
    Notification,
    NotificationPreference,
)


def mark_read(*, user, pk: int) -> bool:
    """Mark one of the person's notifications read; False if it is not theirs."""
    own = Notification.objects.filter(pk=pk, recipient=user)
    if not own.exists():
        return False
    own.filter(read_at__isnull=True).update(read_at=timezone.now())
    return True


def mark_all_read(*, user) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def channels_of(user) -> dict[str, str]:
    """The person's email channel per kind, defaults filled in."""
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "channel")
    )
    return {
        kind: chosen.get(kind, default) for kind, default in DEFAULT_CHANNELS.items()
    }


def save_preferences(*, user, channels: Mapping[str, str]) -> None:
    """Store the person's email channel per kind. Emails already waiting for a
    digest follow a change to "off"; what was sent stays sent."""
    with transaction.atomic():
        for kind, channel in channels.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"channel": channel}
            )
            if channel == "off":
                Notification.objects.filter(
                    recipient=user,
                    kind=kind,
                    email_state__in=(EmailState.DIGEST, EmailState.PENDING),
                ).update(email_state=EmailState.OFF, next_attempt_at=None)
