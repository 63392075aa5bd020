"""Evidence in the admin: read-only rows with a link to each file (admins reach
removed files too, until the retention ends), and actions that go through the
same service as the report forms."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from evidence import services
from evidence.models import Attachment
from projects.services import LockedError


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    list_display = (
        "original_name",
        "kind",
        "visibility",
        "report",
        "size",
        "uploaded_by",
        "uploaded_at",
        "removed_at",
    )
    list_filter = ("kind", "visibility", ("removed_at", admin.EmptyFieldListFilter))
    search_fields = ("original_name", "caption")
    list_select_related = ("update__project", "result__indicator", "uploaded_by")
    readonly_fields = [field.name for field in Attachment._meta.fields] + ["open"]
    actions = ["make_public", "make_internal", "remove_files"]

    def has_add_permission(self, request) -> bool:
        # Files are attached on the report's own form, where they are checked.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("report"))
    def report(self, obj: Attachment) -> str:
        if obj.update_id:
            return f"{obj.update.project.code} · {obj.update.report_date}"
        return f"{obj.result.indicator.code} · Q{obj.result.quarter}"

    @admin.display(description=_("open"))
    def open(self, obj: Attachment) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("open"))

    def _each(self, request, queryset, change) -> None:
        done = 0
        for attachment in queryset:
            try:
                change(attachment)
            except (LockedError, services.EvidenceError) as error:
                self.message_user(
                    request, f"{attachment}: {error}", level=messages.WARNING
                )
            else:
                done += 1
        self.message_user(request, _("%(count)s files changed.") % {"count": done})

    @admin.action(description=_("Make the selected files public"))
    def make_public(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda a: services.set_visibility(
                attachment=a, user=request.user, visibility=Attachment.Visibility.PUBLIC
            ),
        )

    @admin.action(description=_("Make the selected files internal"))
    def make_internal(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda a: services.set_visibility(
                attachment=a,
                user=request.user,
                visibility=Attachment.Visibility.INTERNAL,
            ),
        )

    @admin.action(description=_("Remove the selected files"))
    def remove_files(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda a: services.remove(attachment=a, user=request.user),
        )
