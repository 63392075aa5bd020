"""The pages of the spreadsheet imports: upload, preview (a dry run), confirm.

Two imports: the annual plan (evaluators and admins) and a department's monthly
progress (its staff, and admins). The uploaded file is kept between the preview
and the confirmation in the default storage (shared by every replica) under a
random name that only the person's session knows; on confirmation it is read and
checked again, imported, then deleted.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from projects import access, importing, services, thaicalendar
from projects.forms import FiscalYearField, ImportConfirmForm, ImportUploadForm
from projects.models import Department

SESSION_KEY = "imports"
PLAN, MONTH = "plan", "month"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FiscalYearForm(forms.Form):
    fy = FiscalYearField()


def _check_access(request: HttpRequest, kind: str, department: str | None) -> None:
    """Plans are imported by evaluators and admins; a month by the department's
    staff and admins."""
    if kind == PLAN:
        allowed = access.is_evaluator(request.user)
    else:
        allowed = department is not None and access.can_edit(
            request.user, get_object_or_404(Department, code=department).pk
        )
    if not allowed:
        raise PermissionDenied


def _progress_path(token: str) -> str:
    return f"imports/{token}.progress.json"


def progress_state(token: str) -> dict | None:
    """How far the checks or the writes of an upload have come, or None."""
    if not _is_token(token):
        return None
    try:
        with default_storage.open(_progress_path(token), "rb") as file:
            state = json.loads(file.read())
    except (OSError, ValueError):  # not yet written, or being written
        return None
    return state if isinstance(state, dict) else None


def _save_progress(token: str, state: dict) -> None:
    """Keep the progress beside the kept file, in the default storage: every
    replica reads it, and it is seen at once even while the import's writes are
    in their transaction (the database cache would show them only at the end)."""
    path = _progress_path(token)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(json.dumps(state).encode()))


def _forget_progress(token: str) -> None:
    if default_storage.exists(_progress_path(token)):
        default_storage.delete(_progress_path(token))


def _is_token(token: str) -> bool:
    """Upload tokens are 32 hex digits; nothing else names a kept file."""
    return re.fullmatch(r"[0-9a-f]{32}", token) is not None


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
    _forget_progress(token)


def _reporter(token: str) -> importing.ProgressCallback:
    """The progress of the checks and then of the writes of an upload, kept for
    the page's progress bar (``import_progress``)."""
    state = {"stage": "", "done": 0, "total": 0}

    def progress(stage: str, done: int) -> None:
        if stage == importing.TO_CHECK:
            state["total"] = done
            return
        if stage == importing.TO_WRITE:
            state.update(stage=importing.COMMIT, done=0, total=done)
        else:
            state.update(stage=stage, done=done)
        _save_progress(token, state)

    return progress


def _preview(
    token: str, stored: dict, progress: importing.ProgressCallback | None = None
) -> importing.Preview:
    progress = progress or _reporter(token)
    with default_storage.open(stored["path"], "rb") as file:
        if stored["kind"] == PLAN:
            return importing.build_plan_preview(file, stored["name"], progress)
        return importing.build_month_preview(
            file,
            stored["name"],
            department=Department.objects.get(code=stored["department"]),
            today=timezone.localdate(),
            progress=progress,
        )


def _upload_url(stored: dict) -> str:
    if stored["kind"] == PLAN:
        return reverse("projects:import-plan")
    return reverse("projects:import-month", args=[stored["department"]])


def _render_preview(
    request: HttpRequest,
    token: str,
    stored: dict,
    preview: importing.Preview,
    form: ImportConfirmForm | None = None,
) -> HttpResponse:
    form = form or ImportConfirmForm(
        warnings=preview.warnings, needs_reason=preview.needs_reason
    )
    return render(
        request,
        "projects/import_preview.html",
        {
            "preview": preview,
            "token": token,
            "form": form,
            "upload_url": _upload_url(stored),
        },
    )


def _upload_page(
    request: HttpRequest, kind: str, department: Department | None
) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # One pending import a session: an earlier, unconfirmed file goes.
        for earlier in list(request.session.get(SESSION_KEY, {})):
            _forget(request, earlier)
        upload = form.cleaned_data["file"]
        token = form.cleaned_data["token"] or uuid.uuid4().hex
        suffix = PurePath(upload.name).suffix.lower()
        path = default_storage.save(f"imports/{token}{suffix}", upload)
        stored = {
            "path": path,
            "name": PurePath(upload.name).name[:200],
            "kind": kind,
            "department": department.code if department else None,
        }
        request.session.setdefault(SESSION_KEY, {})[token] = stored
        request.session.modified = True
        try:
            preview = _preview(token, stored)
        except importing.ImportFileError as error:
            _forget(request, token)
            form.add_error("file", str(error))
        else:
            return _render_preview(request, token, stored, preview)
        finally:
            _forget_progress(token)  # the page has its answer
    if kind == PLAN:
        template_url = reverse("projects:import-plan-template")
    else:
        template_url = reverse("projects:import-month-template", args=[department.code])
    return render(
        request,
        "projects/import_upload.html",
        {
            "form": form,
            "token": uuid.uuid4().hex,
            "kind": kind,
            "department": department,
            "template_url": template_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """The annual plan import: the upload form, and on upload the preview."""
    _check_access(request, PLAN, None)
    return _upload_page(request, PLAN, None)


@login_required
@require_http_methods(["GET", "POST"])
def month_import(request: HttpRequest, code: str) -> HttpResponse:
    """A department's monthly progress import: upload form, then the preview."""
    department = get_object_or_404(Department, code=code)
    _check_access(request, MONTH, department.code)
    return _upload_page(request, MONTH, department)


@login_required
@require_safe
def month_import_choose(request: HttpRequest) -> HttpResponse:
    """The departments whose monthly progress the person may import."""
    departments = access.editable_departments(request.user).order_by("code")
    if not departments:
        raise PermissionDenied
    if len(departments) == 1:
        return redirect("projects:import-month", departments[0].code)
    return render(request, "projects/import_choose.html", {"departments": departments})


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Check the kept file again and, when it is clean and confirmed, import it."""
    stored = _stored(request, token)
    _check_access(request, stored["kind"], stored["department"])
    try:
        return _confirm(request, token, stored)
    finally:
        _forget_progress(token)  # the page has its answer


def _confirm(request: HttpRequest, token: str, stored: dict) -> HttpResponse:
    progress = _reporter(token)
    preview = _preview(token, stored, progress)
    form = ImportConfirmForm(
        request.POST, warnings=preview.warnings, needs_reason=preview.needs_reason
    )
    if preview.errors or not form.is_valid():
        return _render_preview(request, token, stored, preview, form)
    try:
        if stored["kind"] == PLAN:
            written = importing.commit_plan(
                preview,
                user=request.user,
                reason=form.cleaned_data.get("reason", ""),
                confirmed=True,
                progress=progress,
            )
        else:
            written = importing.commit_month(
                preview, user=request.user, confirmed=True, progress=progress
            )
    except importing.ImportRefused as error:
        form.add_error(None, str(error))
        return _render_preview(request, token, stored, preview, form)
    except services.ReasonRequiredError:
        form.add_error(
            "reason", _("Give the reason for the revised plans and targets.")
        )
        return _render_preview(request, token, stored, preview, form)
    _forget(request, token)
    messages.success(
        request,
        ngettext(
            "Imported %(count)s row from %(file)s.",
            "Imported %(count)s rows from %(file)s.",
            written,
        )
        % {"count": written, "file": stored["name"]},
    )
    return redirect(_upload_url(stored))


@login_required
@require_safe
def import_progress(request: HttpRequest, token: str) -> JsonResponse:
    """How far the checks (the preview, or the confirmation's second look) and
    then the writes of an upload have come, for the page's progress bar."""
    state = progress_state(token)
    return JsonResponse(state or {"stage": "", "done": 0})


@login_required
@require_safe
def plan_template(request: HttpRequest) -> FileResponse:
    """The annual plan's .xlsx template."""
    _check_access(request, PLAN, None)
    return FileResponse(
        importing.plan_template(),
        as_attachment=True,
        filename="plan-template.xlsx",
        content_type=XLSX_TYPE,
    )


@login_required
@require_safe
def month_template(request: HttpRequest, code: str) -> FileResponse:
    """A department's monthly template, its projects of the current year listed."""
    department = get_object_or_404(Department, code=code)
    _check_access(request, MONTH, department.code)
    form = FiscalYearForm(request.GET)
    fiscal_year = (form.is_valid() and form.cleaned_data["fy"]) or (
        thaicalendar.fiscal_year_of(timezone.localdate())
    )
    return FileResponse(
        importing.month_template(department, fiscal_year),
        as_attachment=True,
        filename=f"progress-{fiscal_year}-{department.code}.xlsx",
        content_type=XLSX_TYPE,
    )
