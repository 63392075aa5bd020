"""Attaching, publishing and removing evidence: the one path every write takes.

``prepare`` checks an uploaded file by its content (``evidence.checks``) and
makes the copy to keep; ``attach`` stores prepared files on a progress report or
KPI result; ``set_visibility`` and ``remove`` change one file. The report's own
form and view call them inside the transaction that saves the report, so a
refused file leaves nothing saved; every change is stamped for the audit
history and makes cached pages stale (``projects.services.stamp``).

Who may read a file is decided by ``can_view``, from the portal's own access
rules (``projects.access``): the report's internal audience (its department,
approvers, evaluators and admins: ``access.sees_pending``) sees every file kept;
everyone else, when PUBLIC_READ allows, public files of approved reports. Admins
also reach removed files until the retention period ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from evidence import checks
from evidence.models import Attachment
from indicators.models import IndicatorResult
from projects import access, thaicalendar
from projects.models import ProgressUpdate
from projects.services import check_unlocked, stamp
from projects.text import normalize_text

T = TypeVar("T")


class EvidenceError(Exception):
    """A file, or the set of files, that cannot be attached; says why."""


@dataclass
class Prepared:
    """An uploaded file that passed the checks, ready to attach."""

    original_name: str
    inspected: checks.Inspected
    caption: str = ""
    visibility: str = Attachment.Visibility.INTERNAL


def limits() -> checks.Limits:
    """The limits of the settings (EVIDENCE_*)."""
    return checks.Limits(
        max_bytes=settings.EVIDENCE_MAX_FILE_BYTES,
        max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS,
        max_side=settings.EVIDENCE_IMAGE_MAX_SIDE,
    )


def prepare(
    upload,
    *,
    caption: str = "",
    visibility: str = Attachment.Visibility.INTERNAL,
) -> Prepared:
    """Check an uploaded file by its bytes; raise EvidenceError with the reason."""
    name = normalize_text(
        getattr(upload, "name", "") or "file", single_line=True
    ).rsplit("/", 1)[-1]
    # Check the size the upload declares before reading a byte of it.
    declared = getattr(upload, "size", None)
    if declared is not None and declared > settings.EVIDENCE_MAX_FILE_BYTES:
        raise EvidenceError(
            _("%(name)s: the file is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": name,
                "size": checks.human_size(declared),
                "limit": checks.human_size(settings.EVIDENCE_MAX_FILE_BYTES),
            }
        )
    if visibility not in Attachment.Visibility.values:
        raise EvidenceError(_("Choose who may see the file."))
    try:
        inspected = checks.inspect(upload, limits())
    except checks.Refused as refused:
        raise EvidenceError(f"{name}: {refused}") from refused
    return Prepared(
        original_name=name[:255],
        inspected=inspected,
        caption=normalize_text(caption or "", single_line=True)[:300],
        visibility=visibility,
    )


def _target_fields(target) -> dict:
    if isinstance(target, ProgressUpdate):
        return {"update": target}
    if isinstance(target, IndicatorResult):
        return {"result": target}
    raise TypeError(f"evidence cannot be attached to {type(target).__name__}")


def department_id_of(target) -> int:
    """The department whose report or KPI result it is."""
    if isinstance(target, ProgressUpdate):
        return target.project.department_id
    return target.indicator.department_id


def _check_target_unlocked(target) -> None:
    """A locked quarter's or closed year's report keeps its evidence as it is."""
    if isinstance(target, ProgressUpdate):
        check_unlocked(
            fiscal_year=target.project.fiscal_year,
            department_id=target.project.department_id,
            days=[target.report_date],
        )
    else:
        indicator = target.indicator
        first_day, _last_day = thaicalendar.quarter_bounds(
            indicator.fiscal_year, target.quarter
        )
        check_unlocked(
            fiscal_year=indicator.fiscal_year,
            department_id=indicator.department_id,
            days=[first_day],
        )


def check_count(target, adding: int) -> None:
    """Raise EvidenceError when the report would hold more files than allowed."""
    kept = Attachment.objects.filter(**_target_fields(target)).active().count()
    limit = settings.EVIDENCE_MAX_FILES_PER_REPORT
    if kept + adding > limit:
        raise EvidenceError(
            _(
                "A report may have at most %(limit)s files; it has %(kept)s and "
                "%(adding)s more were chosen."
            )
            % {"limit": limit, "kept": kept, "adding": adding}
        )


def attach(
    *, target, user, files: Sequence[Prepared], stored: list[str] | None = None
) -> list[Attachment]:
    """Store prepared files on a progress report or KPI result, in one transaction.

    Raises EvidenceError (too many files) or projects.services.LockedError. The
    names of the files written are appended to ``stored``, so that a caller whose
    own transaction fails afterwards deletes them (``save_with_evidence``).
    """
    if not files:
        return []
    created = []
    written: list[str] = []
    try:
        with transaction.atomic():
            _check_target_unlocked(target)
            check_count(target, len(files))
            for prepared in files:
                created.append(_store(target, user, prepared, written))
    except BaseException:
        _delete_files(written)
        raise
    if stored is not None:
        stored.extend(written)
    return created


def _store(target, user, prepared: Prepared, written: list[str]) -> Attachment:
    found = prepared.inspected
    attachment = Attachment(
        **_target_fields(target),
        kind=found.kind,
        content_type=found.content_type,
        original_name=prepared.original_name,
        size=found.size,
        caption=prepared.caption,
        visibility=prepared.visibility,
        uploaded_by=user,
    )
    found.content.seek(0)
    attachment.file.save(f"file.{found.extension}", File(found.content), save=False)
    written.append(attachment.file.name)
    if found.thumbnail:
        attachment.thumbnail.save("thumb.jpg", ContentFile(found.thumbnail), save=False)
        written.append(attachment.thumbnail.name)
    stamp(attachment, user)
    attachment.save()
    return attachment


@dataclass
class Changes:
    """What a report's form asks of its evidence: new files, files to remove
    and files whose visibility changes (by pk)."""

    new: list[Prepared]
    remove: list[int]
    visibility: dict[int, str]

    def __bool__(self) -> bool:
        return bool(self.new or self.remove or self.visibility)


def save_with_evidence(*, save: Callable[[], T], user, changes: Changes | None) -> T:
    """Run ``save`` (the report's own service) and apply the evidence changes to
    what it returns, in one transaction: a refused file saves nothing, and the
    files already written are deleted again."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            target = save()
            if changes:
                apply_changes(target=target, user=user, changes=changes, stored=stored)
    except BaseException:
        _delete_files(stored)
        raise
    return target


def apply_changes(
    *, target, user, changes: Changes, stored: list[str] | None = None
) -> None:
    """Remove, re-publish and add a report's files (its own only)."""
    kept = Attachment.objects.filter(**_target_fields(target)).active()
    owned = {
        a.pk: a for a in kept.filter(pk__in=[*changes.remove, *changes.visibility])
    }
    for pk in changes.remove:
        if pk in owned:
            remove(attachment=owned[pk], user=user)
    for pk, visibility in changes.visibility.items():
        if pk in owned and pk not in changes.remove:
            set_visibility(attachment=owned[pk], user=user, visibility=visibility)
    attach(target=target, user=user, files=changes.new, stored=stored)


def _delete_files(names: Sequence[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        if name:
            storage.delete(name)


def _locked_attachment(attachment: Attachment) -> Attachment:
    return (
        # Only the attachment's row: its report links are outer joins.
        Attachment.objects.select_for_update(of=("self",))
        .select_related("update__project", "result__indicator")
        .get(pk=attachment.pk)
    )


def set_visibility(*, attachment: Attachment, user, visibility: str) -> Attachment:
    """Make a file public or internal (kept in the audit history)."""
    if visibility not in Attachment.Visibility.values:
        raise EvidenceError(_("Choose who may see the file."))
    with transaction.atomic():
        locked = _locked_attachment(attachment)
        _check_target_unlocked(locked.target)
        if locked.removed_at is not None or locked.visibility == visibility:
            return locked
        locked.visibility = visibility
        stamp(locked, user)
        locked.save()
    return locked


def remove(*, attachment: Attachment, user) -> Attachment:
    """Remove a file from its report; admins can still retrieve it until
    EVIDENCE_RETENTION_DAYS have passed (``purge``)."""
    with transaction.atomic():
        locked = _locked_attachment(attachment)
        _check_target_unlocked(locked.target)
        if locked.removed_at is not None:
            return locked
        locked.removed_at = timezone.now()
        locked.removed_by = user
        stamp(locked, user)
        locked.save()
    return locked


def purge(*, now=None) -> int:
    """Delete the files and rows of evidence removed longer ago than the
    retention period; returns how many. The history keeps that they existed."""
    now = now or timezone.now()
    moment = now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    count = 0
    for attachment in Attachment.objects.removed_before(moment):
        names = [attachment.file.name, attachment.thumbnail.name]
        with transaction.atomic():
            stamp(attachment, attachment.removed_by)
            attachment.delete()
        _delete_files(names)
        count += 1
    return count


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The file (or a photo's 320 px JPEG thumbnail) as served to a reader who may
    see it: the stored content type, ``Content-Disposition`` (inline for photos and
    PDFs, a download otherwise, with the person's file name in RFC 5987 form),
    ``X-Content-Type-Options: nosniff`` and a sandboxing CSP. Internal files are
    cached privately only; public ones for five minutes. 404 when it is gone."""
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404
        stem = attachment.original_name.rsplit(".", 1)[0]
        field, content_type = attachment.thumbnail, "image/jpeg"
        inline, name = True, f"{stem}-thumb.jpg"
    else:
        field, content_type = attachment.file, attachment.content_type
        inline, name = attachment.inline, attachment.original_name
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A document opened in the browser runs nothing and frames nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if attachment.is_public and attachment.removed_at is None:
        patch_cache_control(response, public=True, max_age=300)
    else:
        patch_cache_control(response, private=True, max_age=3600)
    return response


def target_published(attachment: Attachment) -> bool:
    target = attachment.target
    return target is not None and target.is_published


def can_view(user, attachment: Attachment) -> bool:
    """Whether ``user`` may open the file (see the module's docstring)."""
    department_id = department_id_of(attachment.target)
    if attachment.removed_at is not None:
        return access.is_admin(user) and (
            attachment.removed_at
            > timezone.now() - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
        )
    if not settings.PUBLIC_READ and not user.is_authenticated:
        return False
    return attachment.shown_to(
        sees_internal=access.sees_pending(user, department_id),
        target_published=target_published(attachment),
    )


def can_manage(user, target) -> bool:
    """Who attaches, publishes and removes a report's files: who writes it."""
    return access.can_edit(user, department_id_of(target))
