"""Serving evidence files, each request checked (``services.can_view``).

Files have random storage names and no public URL: the only ways to a file are
this view and the API's (``/api/v1/evidence/<id>/file/``), which answer 404 to
anyone who may not see it (so a file's existence is not given away), through
``services.file_response``.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
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


@require_safe
def file(request: HttpRequest, pk: int) -> FileResponse:
    """The file as attached (photos re-encoded)."""
    return services.file_response(_attachment_for(request, pk))


@require_safe
def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    """A photo's thumbnail (320 px, JPEG)."""
    return services.file_response(_attachment_for(request, pk), thumbnail=True)
