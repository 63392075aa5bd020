"""Who is told: the people behind an event's recipients, and how each wants email.

Loaded once a worker run, in a few queries, whatever the number of events:
departments' staff and approvers, evaluators, everyone's email address and
language, and every preference. (2,000 people and their preferences take a few
megabytes.)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.contrib.auth import get_user_model

from notifications import outbox
from notifications.models import (
    DEFAULT_CHANNELS,
    Channel,
    EmailState,
    Notification,
    NotificationPreference,
)
from projects.models import Department, Profile


class Audience:
    """The people of the portal as the worker needs them."""

    def __init__(self) -> None:
        users = get_user_model().objects.filter(is_active=True)
        self.emails: dict[int, str] = dict(users.values_list("pk", "email"))
        self.members: dict[int, list[int]] = defaultdict(list)
        for department_id, user_id in Department.members.through.objects.values_list(
            "department_id", "user_id"
        ):
            if user_id in self.emails:
                self.members[department_id].append(user_id)
        self.approvers: dict[int, list[int]] = defaultdict(list)
        for department_id, user_id in Department.approvers.through.objects.values_list(
            "department_id", "user_id"
        ):
            if user_id in self.emails:
                self.approvers[department_id].append(user_id)
        self.evaluators: list[int] = [
            pk
            for pk in Profile.objects.filter(role=Profile.Role.EVALUATOR).values_list(
                "user_id", flat=True
            )
            if pk in self.emails
        ]
        self.channels: dict[tuple[int, str], str] = {
            (user_id, kind): channel
            for user_id, kind, channel in NotificationPreference.objects.values_list(
                "user_id", "kind", "channel"
            )
        }

    def all_members(self) -> list[int]:
        return sorted({pk for people in self.members.values() for pk in people})

    def resolve(self, recipients: dict) -> list[int]:
        """The people an event's ``recipients`` name (see ``notifications.outbox``)."""
        people: set[int] = set()
        if recipients.get(outbox.AUTHOR) in self.emails:
            people.add(recipients[outbox.AUTHOR])
        if outbox.APPROVERS in recipients:
            people.update(self.approvers.get(recipients[outbox.APPROVERS], ()))
        if outbox.MEMBERS in recipients:
            people.update(self.members.get(recipients[outbox.MEMBERS], ()))
        if recipients.get(outbox.ALL_MEMBERS):
            people.update(self.all_members())
        if recipients.get(outbox.EVALUATORS):
            people.update(self.evaluators)
        return sorted(people)

    def email_state(self, user_id: int, kind: str) -> str:
        """How the person's notification of this kind is emailed."""
        if not self.emails.get(user_id):
            return EmailState.OFF
        channel = self.channels.get((user_id, kind), DEFAULT_CHANNELS[kind])
        return {
            Channel.IMMEDIATE: EmailState.PENDING,
            Channel.DIGEST: EmailState.DIGEST,
        }.get(channel, EmailState.OFF)

    def notification(
        self,
        user_id: int,
        *,
        kind: str,
        key: str,
        now: datetime,
        created_at: datetime | None = None,
        project_id: int | None = None,
        params: dict,
        url: str,
    ) -> Notification:
        """An unsaved notification of one person, with its email state: made at
        ``created_at`` (the event's time; default ``now``), emailed from ``now``."""
        state = self.email_state(user_id, kind)
        return Notification(
            recipient_id=user_id,
            kind=kind,
            key=key,
            project_id=project_id,
            params=params,
            url=url,
            created_at=created_at or now,
            email_state=state,
            next_attempt_at=now if state == EmailState.PENDING else None,
        )
