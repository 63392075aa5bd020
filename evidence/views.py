"""Serving evidence files, each request checked (``services.can_view``).

Files have random storage names and no public URL: the only way to a file is
this view, which answers 404 to anyone who may not see it (so a file's existence
is not given away), with the stored content type, ``Content-Disposition``
(inline for photos and PDFs, a download otherwise, with the person's file name
in RFC 5987 form), ``X-Content-Type-Options: nosniff`` and a sandboxing CSP.
Internal files are cached privately only; public ones for an hour.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from evidence import services
from evidence.models import Attachment


def _attachment_for(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_object_or_404(
        Attachment.objects.select_related("update__project", "result__indicator"),
        pk=pk,
    )
    if not services.can_view(request.user, attachment):
        raise Http404
    return attachment


def _respond(
    attachment: Attachment, field, content_type: str, inline: bool, name: str
) -> FileResponse:
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


@require_safe
def file(request: HttpRequest, pk: int) -> FileResponse:
    """The file as attached (photos re-encoded)."""
    attachment = _attachment_for(request, pk)
    return _respond(
        attachment,
        attachment.file,
        attachment.content_type,
        attachment.inline,
        attachment.original_name,
    )


@require_safe
def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    """A photo's thumbnail (320 px, JPEG)."""
    attachment = _attachment_for(request, pk)
    if not attachment.thumbnail:
        raise Http404
    stem = attachment.original_name.rsplit(".", 1)[0]
    return _respond(
        attachment, attachment.thumbnail, "image/jpeg", True, f"{stem}-thumb.jpg"
    )
