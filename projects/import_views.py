"""The pages of the spreadsheet imports: upload, preview (a dry run), confirm.

The uploaded file is kept between the preview and the confirmation in the
default storage (shared by every replica) under a random name that the person's
session knows; it is read again and checked again on confirmation, then deleted.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from projects import access, importing, services
from projects.forms import ImportConfirmForm, ImportUploadForm

SESSION_KEY = "imports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_TIMEOUT = 60 * 60


def _require_evaluator(request: HttpRequest) -> None:
    if not access.is_evaluator(request.user):
        raise PermissionDenied


def _progress_key(token: str) -> str:
    return f"import-progress:{token}"


def _stored(request: HttpRequest, token: str) -> dict:
    stored = request.session.get(SESSION_KEY, {}).get(token)
    if stored is None or not default_storage.exists(stored["path"]):
        raise Http404
    return stored


def _forget(request: HttpRequest, token: str) -> None:
    stored = request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
    if stored and default_storage.exists(stored["path"]):
        default_storage.delete(stored["path"])
    cache.delete(_progress_key(token))


def _preview(token: str, stored: dict) -> importing.Preview:
    def progress(stage: str, done: int) -> None:
        cache.set(
            _progress_key(token), {"stage": stage, "done": done}, PROGRESS_TIMEOUT
        )

    with default_storage.open(stored["path"], "rb") as file:
        return importing.build_plan_preview(file, stored["name"], progress)


def _render_preview(
    request: HttpRequest,
    token: str,
    preview: importing.Preview,
    form: ImportConfirmForm | None = None,
) -> HttpResponse:
    form = form or ImportConfirmForm(
        warnings=preview.warnings, needs_reason=bool(preview.revisions)
    )
    return render(
        request,
        "projects/import_preview.html",
        {"preview": preview, "token": token, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """The annual plan import: the upload form, and on upload the preview."""
    _require_evaluator(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # One pending import a session: an earlier, unconfirmed file goes.
        for earlier in list(request.session.get(SESSION_KEY, {})):
            _forget(request, earlier)
        upload = form.cleaned_data["file"]
        token = form.cleaned_data["token"] or uuid.uuid4().hex
        suffix = PurePath(upload.name).suffix.lower()
        path = default_storage.save(f"imports/{token}{suffix}", upload)
        stored = {"path": path, "name": PurePath(upload.name).name[:200]}
        request.session.setdefault(SESSION_KEY, {})[token] = stored
        request.session.modified = True
        try:
            preview = _preview(token, stored)
        except importing.ImportFileError as error:
            _forget(request, token)
            form.add_error("file", str(error))
        else:
            return _render_preview(request, token, preview)
    return render(
        request,
        "projects/import_upload.html",
        {"form": form, "token": uuid.uuid4().hex},
    )


@login_required
@require_POST
def plan_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Check the kept file again and, when it is clean and confirmed, import it."""
    _require_evaluator(request)
    stored = _stored(request, token)
    preview = _preview(token, stored)
    form = ImportConfirmForm(
        request.POST, warnings=preview.warnings, needs_reason=bool(preview.revisions)
    )
    if preview.errors or not form.is_valid():
        return _render_preview(request, token, preview, form)
    try:
        written = importing.commit_plan(
            preview, user=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except importing.ImportRefused as error:
        form.add_error(None, str(error))
        return _render_preview(request, token, preview, form)
    except services.ReasonRequiredError:
        form.add_error("reason", _("Give the reason for the revised plans."))
        return _render_preview(request, token, preview, form)
    _forget(request, token)
    messages.success(
        request,
        ngettext(
            "Imported %(count)s project from %(file)s.",
            "Imported %(count)s projects from %(file)s.",
            written,
        )
        % {"count": written, "file": stored["name"]},
    )
    return redirect("projects:import-plan")


@login_required
@require_safe
def plan_import_progress(request: HttpRequest, token: str) -> JsonResponse:
    """How far the preview of an upload has come, for the page's progress bar."""
    _require_evaluator(request)
    return JsonResponse(cache.get(_progress_key(token)) or {"stage": "", "done": 0})


@login_required
@require_safe
def plan_template(request: HttpRequest) -> FileResponse:
    """The annual plan's .xlsx template."""
    _require_evaluator(request)
    return FileResponse(
        importing.plan_template(),
        as_attachment=True,
        filename="plan-template.xlsx",
        content_type=XLSX_TYPE,
    )
