"""Evidence: photos and documents attached to a progress report or a KPI result."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import IndicatorResult
from projects import approval
from projects.models import ProgressUpdate


class EvidenceStorage(Storage):
    """STORAGES["evidence"] (local files or S3), looked up on every use, so that
    the storage follows the settings (tests switch it) rather than being fixed
    when the model is defined."""

    def __getattribute__(self, name: str):
        if name.startswith("__"):
            return object.__getattribute__(self, name)
        return getattr(storages["evidence"], name)


def evidence_storage() -> Storage:
    """The storage of evidence files (EvidenceStorage)."""
    return EvidenceStorage()


def random_name(instance, filename: str) -> str:
    """An unguessable storage name; the person's file name is kept on the row."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    token = secrets.token_urlsafe(24)
    return f"{token[:2]}/{token}.{extension}"


class AttachmentQuerySet(models.QuerySet):
    def active(self) -> AttachmentQuerySet:
        """Files not removed, oldest first."""
        return self.filter(removed_at__isnull=True).order_by("uploaded_at", "pk")

    def shown(self, internal_departments=None) -> AttachmentQuerySet:
        """The files a reader sees, in SQL (``Attachment.shown_to`` row by row):
        every kept file of the departments in ``internal_departments`` (a query
        of the departments whose internal audience the reader is; None for
        none), and public files of approved reports and results otherwise."""
        seen = Q(visibility=Attachment.Visibility.PUBLIC) & (
            Q(update__status=approval.State.APPROVED)
            | Q(result__status=approval.State.APPROVED)
        )
        if internal_departments is not None:
            seen |= Q(update__project__department__in=internal_departments) | Q(
                result__indicator__department__in=internal_departments
            )
        return self.active().filter(seen)

    def removed_before(self, moment) -> AttachmentQuerySet:
        """Removed files whose retention ended before ``moment``."""
        return self.filter(removed_at__lt=moment)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("photo")
        DOCUMENT = "document", _("document")

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("internal")
        PUBLIC = "public", _("public")

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress report"),
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
    )
    result = models.ForeignKey(
        IndicatorResult,
        verbose_name=_("KPI result"),
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
    )
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=random_name, max_length=200
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        storage=evidence_storage,
        upload_to=random_name,
        max_length=200,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AttachmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["thumbnail", "file"])

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(update__isnull=False, result__isnull=True)
                    | Q(update__isnull=True, result__isnull=False)
                ),
                name="evidence_attachment_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("evidence:file", args=[self.pk])

    def thumbnail_url(self) -> str:
        return reverse("evidence:thumbnail", args=[self.pk])

    @property
    def target(self):
        """The progress report or KPI result the file is evidence for."""
        return self.update if self.update_id else self.result

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def inline(self) -> bool:
        """Photos and PDFs open in the browser; office documents download."""
        return self.is_image or self.content_type == "application/pdf"

    def shown_to(self, *, sees_internal: bool, target_published: bool) -> bool:
        """Whether a reader sees the file: the report's internal audience sees
        every file kept; everyone else public files of approved reports only."""
        if self.removed_at is not None:
            return False
        if sees_internal:
            return True
        return self.is_public and target_published
