"""Notifications: the outbox of events, each person's inbox and email, their
preferences, and the worker's state.

An ``Event`` is written by the service that makes the change, in the same
transaction (``notifications.outbox``), or by the worker's scheduled checks; the
worker turns each into one ``Notification`` per recipient. The unique key of an
event and person makes every notification exist once, whichever worker wrote it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Department, Project


class Kind(models.TextChoices):
    DUE_SOON = "due_soon", _("Monthly report due soon")
    OVERDUE = "overdue", _("Monthly report overdue")
    SUBMITTED = "submitted", _("Report waiting for your approval")
    RETURNED = "returned", _("Report returned to you")
    APPROVED = "approved", _("Report approved")
    KPI_DUE = "kpi_due", _("KPI results due")
    SCORING_OPEN = "scoring_open", _("Quarter ready for scoring")
    UNSCORED = "unscored", _("Projects not scored yet")
    QUARTER_LOCKED = "quarter_locked", _("Quarter locked")
    QUARTER_REOPENED = "quarter_reopened", _("Quarter reopened")
    YEAR_CLOSING = "year_closing", _("Fiscal year closing")
    SCORED = "scored", _("Project scored")


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("Email at once")
    DIGEST = "digest", _("Daily digest email")
    OFF = "off", _("No email (inbox only)")


# What a person gets until they choose: what needs them now at once, reminders
# and news in the morning digest.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.DUE_SOON: Channel.DIGEST,
    Kind.OVERDUE: Channel.DIGEST,
    Kind.SUBMITTED: Channel.IMMEDIATE,
    Kind.RETURNED: Channel.IMMEDIATE,
    Kind.APPROVED: Channel.DIGEST,
    Kind.KPI_DUE: Channel.DIGEST,
    Kind.SCORING_OPEN: Channel.IMMEDIATE,
    Kind.UNSCORED: Channel.DIGEST,
    Kind.QUARTER_LOCKED: Channel.DIGEST,
    Kind.QUARTER_REOPENED: Channel.DIGEST,
    Kind.YEAR_CLOSING: Channel.IMMEDIATE,
    Kind.SCORED: Channel.DIGEST,
}


class Event(models.Model):
    """Something that happened and that people are told about: the outbox.

    Written once per cause (``key`` is unique); ``processed_at`` is set when the
    worker has made its notifications. The scheduled checks record their
    reminders here too, already processed, so that the next check skips them
    without offering every person's notification again.
    """

    key = models.CharField(_("event key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who is told, decided by the writer: an author, or everyone of a role.
    recipients = models.JSONField(_("recipients"), default=dict, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events (outbox)")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="event_unprocessed_idx",
            )
        ]

    def __str__(self) -> str:
        return self.key


class EmailState(models.TextChoices):
    PENDING = "pending", _("To send at once")
    DIGEST = "digest", _("Waiting for the digest")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    OFF = "off", _("No email")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """A person's own notifications, newest first, with their project."""
        return (
            self.filter(recipient=user)
            .select_related("project")
            .order_by("-created_at", "-pk")
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def email_due(self, now) -> NotificationQuerySet:
        """Emails to send at once whose next try has come."""
        return self.filter(
            email_state__in=(EmailState.PENDING, EmailState.FAILED),
            next_attempt_at__lte=now,
        )


class Notification(models.Model):
    """One event told to one person: in their inbox, and by email as they chose."""

    # Indexed by notification_inbox_idx, which starts with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(_("event key"), max_length=200)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("email"), max_length=10, choices=EmailState.choices
    )
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "recipient"], name="notification_once_per_person"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "read_at"], name="notification_inbox_idx"
            ),
            # What the worker takes: emails due at once, and each person's digest.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(email_state__in=["pending", "failed"]),
                name="notification_email_due_idx",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(email_state="digest"),
                name="notification_digest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a person wants one kind of notification by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("email"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class WorkerState(models.Model):
    """The background worker's last run (one row), shown in admin and /healthz."""

    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_scan_at = models.DateTimeField(
        _("last scheduled check"), null=True, blank=True
    )
    last_summary = models.JSONField(_("last run's counts"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("worker state")
        verbose_name_plural = _("worker state")

    def __str__(self) -> str:
        return str(_("Notification worker"))
