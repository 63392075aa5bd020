"""Tokens an administrator issues to an agency's own system, so that it can write
its monthly progress and KPI results through the API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.fields import NormalizedCharField
from projects.models import Department, PortalHistoricalRecords


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        """Tokens not revoked."""
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret for one agency system, scoped to the departments it may write.

    Only a hash of the secret is kept; the secret itself is shown once, when the
    token is issued (``api.services.issue_token``). The system writes as the
    token's own account (``user``), so the audit history names it.
    """

    name = NormalizedCharField(_("system name"), max_length=200)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments it may write"),
        related_name="api_tokens",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account the system writes as"),
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(
        _("revoked"), null=True, blank=True, editable=False
    )
    last_used_at = models.DateTimeField(
        _("last used"), null=True, blank=True, editable=False
    )

    objects = ApiTokenQuerySet.as_manager()
    history = PortalHistoricalRecords(
        m2m_fields=["departments"], excluded_fields=["last_used_at"]
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """True until an administrator revokes it."""
        return self.revoked_at is None
