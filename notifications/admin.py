"""Admins see the outbox, every notification with its email state (failures
first to find), preferences, and the worker's last run and backlog."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications import worker
from notifications.models import (
    Event,
    Notification,
    NotificationPreference,
    WorkerState,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services and the worker only: admins read them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "created_at", "processed_at"]
    list_filter = ["kind", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["key"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "recipient",
        "kind",
        "created_at",
        "read_at",
        "email_state",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["email_state", "kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "recipient__username", "recipient__email", "last_error"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "channel"]
    list_filter = ["kind", "channel"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(WorkerState)
class WorkerStateAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "last_run_at", "last_scan_at", "backlog", "last_error"]
    readonly_fields = ["last_run_at", "last_scan_at", "last_summary", "last_error"]

    @admin.display(description=_("backlog"))
    def backlog(self, obj) -> str:
        status = worker.status()
        return ", ".join(
            f"{name}: {status[name]}"
            for name in (
                "events_waiting",
                "emails_due",
                "emails_failing",
                "digest_waiting",
            )
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
