"""The outbox: the services record what people must be told, in the transaction
that makes the change, so an event exists exactly when its change committed.

Called from ``projects.services``, ``indicators.services`` and
``projects.evaluations``; imports only the notifications' models (it sits below
the services in the import layers). The worker (``notifications.worker``) turns
each event into notifications, later and outside the request.
"""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Event, Kind
from projects import approval

# Who an event is for; the worker resolves these when it fans the event out.
AUTHOR = "author"
APPROVERS = "approvers"
MEMBERS = "members"
ALL_MEMBERS = "all_members"
EVALUATORS = "evaluators"


def record(
    *,
    kind: str,
    key: str,
    recipients: dict,
    project=None,
    department_id: int | None = None,
    actor=None,
    params: dict | None = None,
    url: str = "",
) -> None:
    """Write one event; a second write of the same key is ignored."""
    Event.objects.bulk_create(
        [
            Event(
                key=key,
                kind=kind,
                project=project,
                department_id=department_id,
                actor=actor if actor is not None and actor.pk else None,
                recipients=recipients,
                params=params or {},
                url=url,
            )
        ],
        ignore_conflicts=True,
    )


def report_moved(update, *, action: str, actor) -> None:
    """A monthly report was submitted (its approvers are told), or approved or
    returned (its author is told)."""
    project = update.project
    params = {
        "code": project.code,
        "name": project.name_th,
        "name_en": project.name_en,
        "report_date": update.report_date.isoformat(),
        "comment": update.review_comment if action == approval.Action.RETURN else "",
    }
    if update.status == approval.State.SUBMITTED:
        kind, recipients = Kind.SUBMITTED, {APPROVERS: project.department_id}
        url = reverse("projects:approvals")
    elif action == approval.Action.APPROVE:
        kind, recipients = Kind.APPROVED, {AUTHOR: update.author_id}
        url = project.get_absolute_url()
    elif action == approval.Action.RETURN:
        kind, recipients = Kind.RETURNED, {AUTHOR: update.author_id}
        url = reverse("projects:update-edit", args=[project.code, update.pk])
    else:
        return
    record(
        kind=kind,
        key=f"{kind}:update:{update.pk}:v{update.version}",
        recipients=recipients,
        project=project,
        department_id=project.department_id,
        actor=actor,
        params=params,
        url=url,
    )


def result_moved(result, *, action: str, actor) -> None:
    """A KPI quarter result was submitted, approved or returned (as report_moved)."""
    indicator = result.indicator
    params = {
        "indicator": indicator.code,
        "name": indicator.name_th,
        "name_en": indicator.name_en,
        "fiscal_year": indicator.fiscal_year,
        "quarter": result.quarter,
        "comment": result.review_comment if action == approval.Action.RETURN else "",
    }
    if result.status == approval.State.SUBMITTED:
        kind, recipients = Kind.SUBMITTED, {APPROVERS: indicator.department_id}
        url = reverse("projects:approvals")
    elif action == approval.Action.APPROVE:
        kind, recipients = Kind.APPROVED, {AUTHOR: result.author_id}
        url = reverse("indicators:detail", args=[indicator.code])
    elif action == approval.Action.RETURN:
        kind, recipients = Kind.RETURNED, {AUTHOR: result.author_id}
        url = reverse("indicators:result-edit", args=[indicator.code, result.quarter])
    else:
        return
    record(
        kind=kind,
        key=f"{kind}:result:{result.pk}:v{result.version}",
        recipients=recipients,
        department_id=indicator.department_id,
        actor=actor,
        params=params,
        url=url,
    )


def quarter_lock_changed(lock, *, reopened: bool, actor) -> None:
    """A quarter was locked or reopened: the department's staff (all staff for a
    lock of every department) are told."""
    kind = Kind.QUARTER_REOPENED if reopened else Kind.QUARTER_LOCKED
    recipients = (
        {MEMBERS: lock.department_id} if lock.department_id else {ALL_MEMBERS: True}
    )
    record(
        kind=kind,
        key=f"{kind}:{lock.pk}",
        recipients=recipients,
        department_id=lock.department_id,
        actor=actor,
        params={
            "fiscal_year": lock.fiscal_year,
            "quarter": lock.quarter,
            "reason": lock.reopen_reason if reopened else "",
        },
        url=reverse("projects:my-work"),
    )


def project_scored(evaluation, *, actor) -> None:
    """An evaluator scored a project's quarter: the department's staff are told."""
    project = evaluation.project
    record(
        kind=Kind.SCORED,
        key=f"{Kind.SCORED}:{evaluation.pk}:v{evaluation.version}",
        recipients={MEMBERS: project.department_id},
        project=project,
        department_id=project.department_id,
        actor=actor,
        params={
            "code": project.code,
            "name": project.name_th,
            "name_en": project.name_en,
            "fiscal_year": project.fiscal_year,
            "quarter": evaluation.quarter,
            "score": str(evaluation.score),
        },
        url=project.get_absolute_url(),
    )
