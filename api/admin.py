"""Admins issue and revoke agency systems' API tokens here. The secret is shown
once, when the token is issued; only its hash is kept."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import services
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    filter_horizontal = ["departments"]
    fields = [
        "name",
        "departments",
        "prefix",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "prefix",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked, never deleted: the audit history keeps what the token wrote.
        return False

    def save_model(self, request, obj, form, change) -> None:
        # The departments are set with the token, in save_related's place.
        self._departments = form.cleaned_data["departments"]
        if change:
            services.save_token(
                token=obj, departments=self._departments, by=request.user
            )
            return
        token, secret = services.issue_token(
            name=obj.name, departments=self._departments, by=request.user
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _(
                "The token's secret, shown this once (it is not kept): %(secret)s — "
                "give it to the system's operator now."
            )
            % {"secret": secret},
        )

    def save_related(self, request, form, formsets, change) -> None:
        # issue_token and save_token set the departments.
        return None

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        count = 0
        for token in queryset.active():
            services.revoke_token(token=token, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )
