"""The approver's queue: every report waiting for the person, newest first, to
approve one, return one with a comment, or approve a selection at once.

For the department's approvers (``Department.approvers``), evaluators and admins.
The transitions themselves are decided by ``projects.approval`` through the
services; these views only collect what the approver saw and chose.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from evidence.models import Attachment
from indicators import services as indicator_services
from indicators.models import IndicatorResult
from projects import access, approval, progress, quality, services
from projects.forms import BulkApproveForm, ReviewForm
from projects.models import ProgressUpdate


@dataclass
class QueueItem:
    """One report waiting for approval, with what the approver compares it to."""

    update: ProgressUpdate
    previous: ProgressUpdate | None
    planned: Decimal
    flags: list[quality.Flag]
    warnings: list[str]
    own: bool

    @property
    def change(self) -> Decimal | None:
        """Points gained since the previous approved report."""
        if self.previous is None:
            return None
        return self.update.percent - self.previous.percent


def reviewable(
    user,
) -> tuple[QuerySet[ProgressUpdate], QuerySet[IndicatorResult]] | None:
    """The submitted reports and KPI results the user may review; None when they
    approve for no department (evaluators and admins review every department's)."""
    departments = access.approval_departments(user)
    updates = ProgressUpdate.objects.for_review()
    results = IndicatorResult.objects.for_review()
    if departments is None:
        return updates, results
    if not departments.exists():
        return None
    return (
        updates.filter(project__department__in=departments),
        results.filter(indicator__department__in=departments),
    )


def waiting_count(user) -> int | None:
    """How many reports and KPI results wait for the user (None: not an approver)."""
    found = reviewable(user)
    if found is None:
        return None
    updates, results = found
    return updates.order_by().count() + results.order_by().count()


@dataclass
class ResultItem:
    """One KPI result waiting for approval, with its target and flags."""

    result: IndicatorResult
    flags: list[quality.Flag]
    own: bool


def queue_item(update: ProgressUpdate, user) -> QueueItem:
    """A queue row from the prefetched plan and reports of its project."""
    project = update.project
    others = [u for u in project.updates.all() if u.pk != update.pk]
    previous = max(
        (u for u in others if u.is_published and u.report_date < update.report_date),
        key=lambda u: u.report_date,
        default=None,
    )
    revisions = [
        progress.Revision(r.valid_from, r.valid_until, list(r.steps.all()))
        for r in project.plan_revisions.all()
        if not r.is_current
    ]
    facts = [
        quality.UpdateFact(u.report_date, u.percent, u.problems, u.disbursed)
        for u in others
        if u.is_published
    ]
    return QueueItem(
        update=update,
        previous=previous,
        planned=progress.planned_in_force(
            revisions, list(project.steps.all()), update.report_date
        ),
        flags=quality.neighbour_flags(
            quality.UpdateFact(
                update.report_date, update.percent, update.problems, update.disbursed
            ),
            facts,
        )
        + quality.disbursed_over_allocation(
            update.disbursed, project.budget_amount, update.report_date
        ),
        warnings=[line for line in update.confirmed_warnings.splitlines() if line],
        own=update.author_id == user.pk,
    )


@require_safe
@login_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    """Everything waiting for this approver, newest first."""
    found = reviewable(request.user)
    if found is None:
        raise PermissionDenied
    updates, results = found
    # Approvers see every file kept (evidence.models.Attachment.shown_to).
    files = Prefetch("attachments", queryset=Attachment.objects.active())
    updates = updates.prefetch_related(files)
    results = results.prefetch_related(files)
    items = [queue_item(update, request.user) for update in updates]
    result_items = [
        ResultItem(
            result=result,
            flags=quality.indicator_value_flags(
                result.value,
                result.indicator.target,
                result.indicator.is_percentage,
            ),
            own=result.author_id == request.user.pk,
        )
        for result in results
    ]
    return render(
        request,
        "projects/approval_queue.html",
        {
            "items": items,
            "result_items": result_items,
            "waiting": len(items) + len(result_items),
            "selectable": sum(not item.own for item in [*items, *result_items]),
        },
    )


def _review(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    update = get_object_or_404(ProgressUpdate.objects.select_related("project"), pk=pk)
    return _apply_review(
        request,
        department_id=update.project.department_id,
        move=functools.partial(
            services.approve_update if approve else services.return_update,
            update=update,
        ),
        label=f"{update.project.code} ({update.percent}%)",
        approve=approve,
    )


def _review_result(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    result = get_object_or_404(
        IndicatorResult.objects.select_related("indicator"), pk=pk
    )
    return _apply_review(
        request,
        department_id=result.indicator.department_id,
        move=functools.partial(
            indicator_services.approve_result
            if approve
            else indicator_services.return_result,
            result=result,
        ),
        label=f"{result.indicator.code} Q{result.quarter}",
        approve=approve,
    )


def _apply_review(
    request: HttpRequest,
    *,
    department_id: int,
    move: Callable[..., object],
    label: str,
    approve: bool,
) -> HttpResponse:
    """Approve or return one report or KPI result with the posted version and
    comment, telling the approver what happened; back to the queue either way."""
    if not access.can_approve(request.user, department_id):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return redirect("projects:approvals")
    try:
        move(
            user=request.user,
            version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except services.ConflictError:
        messages.error(request, str(approval.CONFLICT_MESSAGE))
    except (services.TransitionError, services.LockedError) as error:
        messages.error(request, str(error))
    else:
        if approve:
            messages.success(request, _("Approved: %(report)s.") % {"report": label})
        else:
            messages.success(
                request,
                _("Returned with your comment: %(report)s.") % {"report": label},
            )
    return redirect("projects:approvals")


@require_POST
@login_required
def approve_result(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_result(request, pk, approve=True)


@require_POST
@login_required
def send_back_result(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_result(request, pk, approve=False)


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, approve=True)


@require_POST
@login_required
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, approve=False)


@require_POST
@login_required
def approve_selected(request: HttpRequest) -> HttpResponse:
    """Approve the ticked reports; each one the rules refuse is named with why."""
    if reviewable(request.user) is None:
        raise PermissionDenied
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the reports to approve first."))
        return redirect("projects:approvals")
    batch = services.approve_many(items=form.items(), user=request.user)
    kpis = indicator_services.approve_many_results(
        items=form.result_items(), user=request.user
    )
    batch.approved += kpis.approved
    batch.refused += kpis.refused
    if batch.approved:
        count = len(batch.approved)
        messages.success(
            request,
            ngettext("%(count)s report approved.", "%(count)s reports approved.", count)
            % {"count": count},
        )
    for _pk, reason in batch.refused:
        messages.error(request, reason)
    return redirect("projects:approvals")
