"""Workflows that write projects, their plans and progress updates.

Each is one keyword-only function called from a view, in one transaction. Saves of
an object someone else may be editing compare the version the person saw with the
stored one and refuse with ConflictError, so no one overwrites another's work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from notifications import outbox
from projects import access, approval, quality, thaicalendar
from projects.cache import bump_data_version, scope_of
from projects.models import (
    BudgetLine,
    Department,
    DisbursementPlan,
    DisbursementPlanMonth,
    PlanRevision,
    PlanRevisionStep,
    PlanStep,
    ProgressUpdate,
    Project,
)


class ConflictError(Exception):
    """Someone else saved the same thing after the person opened the form."""


class LockedError(Exception):
    """The quarter is locked, or the fiscal year closed: nobody can change it."""

    def __init__(self, lock: access.Lock) -> None:
        super().__init__(lock.message)
        self.lock = lock


def check_unlocked(
    *, fiscal_year: int, department_id: int, days: Sequence[date]
) -> None:
    """Raise LockedError when any of the days falls in a read-only quarter."""
    locks = access.quarter_locks(fiscal_year, department_id)
    for day in days:
        if thaicalendar.fiscal_year_of(day) != fiscal_year:
            continue
        lock = locks.get(thaicalendar.quarter_of(day))
        if lock is not None:
            raise LockedError(lock)


def check_year_open(*, fiscal_year: int, today: date | None = None) -> None:
    """Raise LockedError when the fiscal year has closed (by ``today``)."""
    lock = access.year_lock(fiscal_year, today)
    if lock is not None:
        raise LockedError(lock)


class DuplicateError(Exception):
    """The save would break a uniqueness rule (another transaction got there first)."""


_change_reason: ContextVar[str | None] = ContextVar("change_reason", default=None)


@contextmanager
def change_reason(reason: str) -> Iterator[None]:
    """Give every change saved inside the block this reason in the audit history
    (an import names its file)."""
    token = _change_reason.set(reason)
    try:
        yield
    finally:
        _change_reason.reset(token)


def current_change_reason() -> str | None:
    """The reason ``change_reason`` gives the changes saved in its block."""
    return _change_reason.get()


def stamp(instance, user) -> None:
    # Makes the audit history name the person even outside a request, and makes
    # the cached pages and figures the write changes stale once it commits.
    instance._history_user = user
    reason = _change_reason.get()
    if reason:
        instance._change_reason = reason
    bump_data_version(scope_of(instance))


def next_project_code(department: Department) -> str:
    """The department's next free project code: its code, a dash, the next number."""
    numbers = [
        int(match.group(1))
        for code in Project.objects.filter(code__startswith=f"{department.code}-")
        .order_by()
        .values_list("code", flat=True)
        if (match := re.fullmatch(rf"{department.code}-(\d+)", code))
    ]
    return f"{department.code}-{max(numbers, default=1000) + 1}"


class TransitionError(Exception):
    """The approval rules refuse the move (``approval.check`` says why)."""

    def __init__(self, refusal: approval.Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def apply_transition(
    item, *, user, action: str, department_id: int, comment: str = ""
) -> None:
    """Apply an approval action to a locked report or KPI result (any row with
    ``status``, ``author`` and the review fields): refuse it (TransitionError) or
    set its state, who and when, and the reason its audit history records."""
    reviewing = action in approval.REVIEW_ACTIONS
    refusal = approval.check(
        action,
        item.status if item.pk else None,
        is_author=item.author_id is not None and item.author_id == user.pk,
        may_write=True,  # the callers check access.can_edit before saving
        may_review=reviewing and access.can_approve(user, department_id),
        comment=comment,
    )
    if refusal is not None:
        raise TransitionError(refusal)
    now = timezone.now()
    item.status = approval.target(action, required=settings.APPROVAL_REQUIRED)
    if item.status != approval.State.DRAFT and item.submitted_at is None:
        item.submitted_at = now
    if reviewing:
        item.reviewed_by = user
        item.reviewed_at = now
        item.review_comment = comment.strip()
    reason = approval.HISTORY_REASONS[action]
    if item.status == approval.State.APPROVED and not reviewing:
        reason = approval.APPROVED_AT_ONCE
    text = f"{reason}: {comment.strip()}" if comment.strip() else reason
    # The history's reason holds 100 characters; the comment is kept whole on the
    # row (review_comment), and so in the history's copy of the row.
    item._change_reason = text if len(text) <= 100 else f"{text[:99]}…"


def save_update(
    *,
    project: Project,
    user,
    values: dict,
    update: ProgressUpdate | None = None,
    version: int | None = None,
    submit: bool = True,
    warnings: Sequence[str] = (),
) -> ProgressUpdate:
    """Create a progress update, or change one nobody changed since ``version``.

    ``submit`` sends it for approval (a correction of an approved report too),
    else it is kept as a draft; with APPROVAL_REQUIRED off it is approved at once.
    ``warnings``: the data-quality warnings the author confirmed, for the approver.
    """
    action = approval.Action.SUBMIT if submit else approval.Action.SAVE
    try:
        with transaction.atomic():
            days = [values["report_date"]] if "report_date" in values else []
            if update is None:
                update = ProgressUpdate(project=project, author=user, **values)
            else:
                # Gone (deleted meanwhile) is a conflict too, as in delete_update.
                update = (
                    ProgressUpdate.objects.select_for_update().filter(pk=update.pk)
                ).first()
                if update is None or update.version != version:
                    raise ConflictError
                days.append(update.report_date)
                for name, value in values.items():
                    setattr(update, name, value)
                update.version += 1
            check_unlocked(
                fiscal_year=project.fiscal_year,
                department_id=project.department_id,
                days=days,
            )
            update.project = project
            apply_transition(
                update, user=user, action=action, department_id=project.department_id
            )
            update.confirmed_warnings = "\n".join(warnings)
            stamp(update, user)
            update.save()
            outbox.report_moved(update, action=action, actor=user)
    except IntegrityError as error:
        raise DuplicateError from error
    return update


def _review(update: ProgressUpdate, user, version: int, action: str, comment: str):
    """One approval move on a report nobody changed since ``version``."""
    with transaction.atomic():
        locked = ProgressUpdate.objects.select_for_update().filter(pk=update.pk).first()
        if locked is None or locked.version != version:
            raise ConflictError
        locked.project = update.project
        # A locked quarter or a closed year freezes approval states too.
        check_unlocked(
            fiscal_year=locked.project.fiscal_year,
            department_id=locked.project.department_id,
            days=[locked.report_date],
        )
        apply_transition(
            locked,
            user=user,
            action=action,
            department_id=locked.project.department_id,
            comment=comment,
        )
        locked.version += 1
        stamp(locked, user)
        locked.save()
        outbox.report_moved(locked, action=action, actor=user)
    return locked


def submit_update(*, update: ProgressUpdate, user, version: int) -> ProgressUpdate:
    """Send a draft or returned report for approval, unchanged."""
    return _review(update, user, version, approval.Action.SUBMIT, "")


def approve_update(
    *, update: ProgressUpdate, user, version: int, comment: str = ""
) -> ProgressUpdate:
    """Publish a submitted report: the department's approver or an evaluator, never
    its author."""
    return _review(update, user, version, approval.Action.APPROVE, comment)


def return_update(
    *, update: ProgressUpdate, user, version: int, comment: str
) -> ProgressUpdate:
    """Send a submitted report back to its department with a required comment."""
    return _review(update, user, version, approval.Action.RETURN, comment)


@dataclass
class Batch:
    """What approve_many did: the reports approved, and why the others were not."""

    approved: list[ProgressUpdate]
    refused: list[tuple[int, str]]


def approve_many(*, items: Sequence[tuple[int, int]], user) -> Batch:
    """Approve each (pk, version) on its own: one refused report (changed meanwhile,
    locked, one's own) does not hold back the others."""
    batch = Batch([], [])
    updates = ProgressUpdate.objects.in_bulk([pk for pk, _version in items])
    for pk, version in items:
        update = updates.get(pk)
        try:
            if update is None:
                raise ConflictError
            batch.approved.append(
                approve_update(update=update, user=user, version=version)
            )
        except ConflictError:
            batch.refused.append((pk, str(approval.CONFLICT_MESSAGE)))
        except (TransitionError, LockedError) as error:
            batch.refused.append((pk, str(error)))
    return batch


def delete_update(*, update: ProgressUpdate, user, version: int) -> None:
    """Delete a progress update unless someone changed it since ``version``."""
    with transaction.atomic():
        locked = ProgressUpdate.objects.select_for_update().filter(pk=update.pk).first()
        if locked is None or locked.version != version:
            raise ConflictError
        check_unlocked(
            fiscal_year=update.project.fiscal_year,
            department_id=update.project.department_id,
            days=[locked.report_date],
        )
        stamp(locked, user)
        locked.delete()


@dataclass(frozen=True)
class StepValues:
    """One row of the work plan as the person typed it; pk is None for a new step."""

    pk: int | None
    description: str
    weight: Decimal
    planned_start: date
    planned_end: date


class ReasonRequiredError(Exception):
    """A revision of the plan (or of a target) needs the reason it was made."""


class RuleError(Exception):
    """The values break a hard rule; ``flags`` say which (quality.Flag)."""

    def __init__(self, flags: Sequence) -> None:
        super().__init__("; ".join(flag.message for flag in flags))
        self.flags = list(flags)


def plan_needs_revision(project: Project) -> bool:
    """A changed plan is kept as a dated revision once the project has reports or
    a locked quarter: from then on, changing it in place would rewrite the past."""
    return project.updates.exists() or bool(
        access.locked_quarters(project.fiscal_year, project.department_id)
    )


def revision_start(*, fiscal_year: int, department_id: int, today: date) -> date:
    """The day a revision (of a plan or a KPI target) made today comes into force:
    today, or the day after the last locked quarter of the year, so that a revision
    never reaches into a locked quarter."""
    start = today
    for quarter in access.locked_quarters(fiscal_year, department_id):
        end = thaicalendar.quarter_bounds(fiscal_year, quarter)[1]
        start = max(start, end + timedelta(days=1))
    return start


def _plan_rows(steps: Sequence) -> list[tuple]:
    return [
        (step.description, step.weight, step.planned_start, step.planned_end)
        for step in steps
    ]


def save_plan(
    *,
    project: Project,
    user,
    steps: Sequence[StepValues],
    version: int,
    reason: str = "",
    today: date | None = None,
) -> PlanRevision | None:
    """Replace the project's work plan with ``steps``, numbered in their order.

    Before the project has reports or a locked quarter, the plan is changed in
    place. After that a changed plan is a new revision (``plan_needs_revision``),
    which needs a reason: the plan in force is frozen and stays in force until the
    day the new one starts. Returns the new revision, if one was made. A closed
    fiscal year's plan cannot change.
    """
    today = today or timezone.localdate()
    errors = quality.plan_errors(steps, project.fiscal_year)
    if errors:
        raise RuleError(errors)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.plan_version != version:
            raise ConflictError
        check_year_open(fiscal_year=locked.fiscal_year, today=today)
        existing = {step.pk: step for step in locked.steps.all()}
        if _plan_rows(sorted(existing.values(), key=lambda s: s.number)) == _plan_rows(
            steps
        ):
            # Nothing to revise; still a save of this version, so a second save
            # made from the same version is refused like any other.
            Project.objects.filter(pk=locked.pk).update(
                plan_version=F("plan_version") + 1
            )
            return None
        revision = None
        if existing and plan_needs_revision(locked):
            if not reason.strip():
                raise ReasonRequiredError
            revision = _start_revision(
                locked, list(existing.values()), user, reason, today
            )
        kept = {values.pk for values in steps if values.pk in existing}
        for pk in existing.keys() - kept:
            stamp(existing[pk], user)
            existing[pk].delete()
        # Move kept steps out of the way first: numbers are unique per project.
        PlanStep.objects.filter(pk__in=kept).update(number=F("number") + 10000)
        for number, values in enumerate(steps, start=1):
            # A second row naming the same step is a new step, not an overwrite.
            step = existing.pop(values.pk, None) or PlanStep(project=locked)
            step.number = number
            step.description = values.description
            step.weight = values.weight
            step.planned_start = values.planned_start
            step.planned_end = values.planned_end
            stamp(step, user)
            step.save()
        Project.objects.filter(pk=locked.pk).update(plan_version=F("plan_version") + 1)
    return revision


def _start_revision(
    project: Project, steps: list[PlanStep], user, reason: str, today: date
) -> PlanRevision:
    """Freeze the plan in force (its steps copied) and open the next revision."""
    revisions = list(project.plan_revisions.select_for_update().order_by("number"))
    current = revisions[-1] if revisions else None
    if current is None:
        # The original plan becomes revision 1, in force from the start.
        current = PlanRevision(project=project, number=1)
        stamp(current, user)
        current.save()
    start = max(
        revision_start(
            fiscal_year=project.fiscal_year,
            department_id=project.department_id,
            today=today,
        ),
        current.valid_from or today,
    )
    current.valid_until = start
    stamp(current, user)
    current.save()
    PlanRevisionStep.objects.bulk_create(
        PlanRevisionStep(
            revision=current,
            number=step.number,
            description=step.description,
            weight=step.weight,
            planned_start=step.planned_start,
            planned_end=step.planned_end,
        )
        for step in sorted(steps, key=lambda s: s.number)
    )
    revision = PlanRevision(
        project=project,
        number=current.number + 1,
        valid_from=start,
        reason=reason,
        author=user,
    )
    stamp(revision, user)
    revision.save()
    return revision


@dataclass(frozen=True)
class BudgetLineValues:
    """One line of the allocation as the person typed it."""

    category_id: int
    amount: Decimal
    source: str = ""


def save_budget(
    *,
    project: Project,
    user,
    lines: Sequence[BudgetLineValues],
    version: int,
    citizen_benefit: str | None = None,
    today: date | None = None,
) -> Project:
    """Replace the project's allocation lines; its budget_amount becomes their
    total (None with no lines). ``citizen_benefit`` changes that text too. A
    closed fiscal year's budget cannot change."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.budget_version != version:
            raise ConflictError
        check_year_open(fiscal_year=locked.fiscal_year, today=today)
        existing = list(locked.budget_lines.order_by("number"))
        rows = [(line.category_id, line.amount, line.source) for line in existing]
        typed = [(line.category_id, line.amount, line.source) for line in lines]
        if rows != typed:
            for line in existing:
                stamp(line, user)
                line.delete()
            for number, values in enumerate(lines, start=1):
                line = BudgetLine(
                    project=locked,
                    number=number,
                    category_id=values.category_id,
                    amount=values.amount,
                    source=values.source,
                )
                stamp(line, user)
                line.save()
        locked.budget_amount = quality.allocation_total(
            [values.amount for values in lines], locked.budget_amount
        )
        if citizen_benefit is not None:
            locked.citizen_benefit = citizen_benefit
        locked.budget_version += 1
        stamp(locked, user)
        locked.save()
    return locked


def save_money(
    *,
    project: Project,
    user,
    lines: Sequence[BudgetLineValues],
    months: Sequence[tuple[date, Decimal]] | None,
    version: int,
    citizen_benefit: str | None = None,
    reason: str = "",
    today: date | None = None,
    follows_work_plan: bool = False,
) -> tuple[Project, DisbursementPlan | None]:
    """The budget page's save, in one transaction: the allocation lines (and what
    citizens get), then the disbursement plan: ``months``, or with
    ``follows_work_plan`` back to the default that follows the work plan
    (``follow_work_plan``); unchanged when ``months`` is None."""
    with transaction.atomic():
        saved = save_budget(
            project=project,
            user=user,
            lines=lines,
            version=version,
            citizen_benefit=citizen_benefit,
            today=today,
        )
        plan = None
        if follows_work_plan:
            plan = follow_work_plan(
                project=saved,
                user=user,
                version=saved.budget_version,
                reason=reason,
                today=today,
            )
        elif months is not None:
            plan = save_disbursement_plan(
                project=saved,
                user=user,
                months=months,
                version=saved.budget_version,
                reason=reason,
                today=today,
            )
    return saved, plan


def save_disbursement_plan(
    *,
    project: Project,
    user,
    months: Sequence[tuple[date, Decimal]],
    version: int,
    reason: str = "",
    today: date | None = None,
) -> DisbursementPlan | None:
    """Replace the disbursement plan with ``months``: (month end, cumulative %).

    The same rules as the work plan (``save_plan``): before the project has
    reports or a locked quarter the plan in force is changed in place; after that
    (``plan_needs_revision``) a change needs a reason, and the plan in force (its
    own version, or the default that follows the work plan) stays in force until
    ``revision_start``. Returns the version made or changed, if any.
    """
    errors = quality.disbursement_plan_errors(months, project.fiscal_year)
    if errors:
        raise RuleError(errors)
    return _revise_disbursement_plan(
        project=project,
        user=user,
        months=sorted(months),
        version=version,
        reason=reason,
        today=today or timezone.localdate(),
    )


def follow_work_plan(
    *,
    project: Project,
    user,
    version: int,
    reason: str = "",
    today: date | None = None,
) -> DisbursementPlan | None:
    """Take the disbursement plan back to the default that follows the work plan.

    The rules of ``save_disbursement_plan``: before the project has reports or a
    locked quarter the own plan is removed (its history keeps it); after that a
    reason is needed, the own plan stays in force until ``revision_start`` and a
    new version that follows the work plan (``follows_work_plan``) starts then.
    Nothing changes when the plan follows the work plan already. Returns the
    version made, if any.
    """
    return _revise_disbursement_plan(
        project=project,
        user=user,
        months=None,
        version=version,
        reason=reason,
        today=today or timezone.localdate(),
    )


def _revise_disbursement_plan(
    *,
    project: Project,
    user,
    months: list[tuple[date, Decimal]] | None,
    version: int,
    reason: str,
    today: date,
) -> DisbursementPlan | None:
    """The one writer of disbursement plans: ``months``, or None to follow the
    work plan (see save_disbursement_plan and follow_work_plan)."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.budget_version != version:
            raise ConflictError
        check_year_open(fiscal_year=locked.fiscal_year, today=today)
        plans = list(locked.disbursement_plans.select_for_update().order_by("number"))
        current = plans[-1] if plans and plans[-1].is_current else None
        follows_now = current is None or current.follows_work_plan
        if months is None:
            unchanged = follows_now
        else:
            unchanged = not follows_now and months == [
                (m.month_end, m.percent) for m in current.months.order_by("month_end")
            ]
        if unchanged:
            Project.objects.filter(pk=locked.pk).update(
                budget_version=F("budget_version") + 1
            )
            return None
        if plan_needs_revision(locked):
            if not reason.strip():
                raise ReasonRequiredError
            start = revision_start(
                fiscal_year=locked.fiscal_year,
                department_id=locked.department_id,
                today=today,
            )
            if current is not None:
                start = max(start, current.valid_from or start)
                current.valid_until = start
                stamp(current, user)
                current.save()
            plan = DisbursementPlan(
                project=locked,
                number=plans[-1].number + 1 if plans else 1,
                valid_from=start,
                reason=reason.strip(),
                author=user,
                follows_work_plan=months is None,
            )
        elif current is not None:
            plan = current
            for month in list(plan.months.all()):
                stamp(month, user)
                month.delete()
            if months is None:
                # Before any report the own plan simply goes; history keeps it.
                stamp(plan, user)
                plan.delete()
                Project.objects.filter(pk=locked.pk).update(
                    budget_version=F("budget_version") + 1
                )
                return None
            plan.follows_work_plan = False
        else:
            number = plans[-1].number + 1 if plans else 1
            plan = DisbursementPlan(project=locked, number=number, author=user)
        stamp(plan, user)
        plan.save()
        for month_end, percent in months or ():
            month = DisbursementPlanMonth(
                plan=plan, month_end=month_end, percent=percent
            )
            stamp(month, user)
            month.save()
        Project.objects.filter(pk=locked.pk).update(
            budget_version=F("budget_version") + 1
        )
    return plan


def save_project(
    *,
    project: Project,
    user,
    strategies: Sequence | None = None,
) -> Project:
    """Create or change a project with its strategy links."""
    try:
        with transaction.atomic():
            stamp(project, user)
            project.save()
            if strategies is not None:
                project.strategies.set(strategies)
    except IntegrityError as error:
        raise DuplicateError from error
    return project


@dataclass(frozen=True)
class NewProject:
    """A project that does not exist yet, its strategy links and its work plan."""

    project: Project
    strategies: Sequence
    steps: Sequence[StepValues]


BULK_SIZE = 500


def create_projects(
    *, items: Sequence[NewProject], user, today: date | None = None
) -> list[Project]:
    """Create many new projects with their strategy links and work plans in a few
    queries (an import of the year's plan).

    What ``save_project`` then ``save_plan`` do for a project that does not exist
    yet, in bulk: the plan rules (``quality.plan_errors``), a closed year refused,
    the plan's version counted as saved once, and the same audit history (the
    person and the reason of ``change_reason``).
    """
    today = today or timezone.localdate()
    for item in items:
        if item.steps:
            errors = quality.plan_errors(item.steps, item.project.fiscal_year)
            if errors:
                raise RuleError(errors)
    for fiscal_year in {item.project.fiscal_year for item in items if item.steps}:
        check_year_open(fiscal_year=fiscal_year, today=today)
    reason = current_change_reason()
    projects = [item.project for item in items]
    try:
        with transaction.atomic():
            for item in items:
                if item.steps:
                    item.project.plan_version = 2  # created, then its plan saved
            bulk_create_with_history(
                projects,
                Project,
                batch_size=BULK_SIZE,
                default_user=user,
                default_change_reason=reason,
            )
            steps = []
            for item in items:
                if item.strategies:
                    # One by one, so the links are in the history as a form's are.
                    stamp(item.project, user)
                    item.project.strategies.set(item.strategies)
                steps += [
                    PlanStep(
                        project=item.project,
                        number=number,
                        description=values.description,
                        weight=values.weight,
                        planned_start=values.planned_start,
                        planned_end=values.planned_end,
                    )
                    for number, values in enumerate(item.steps, start=1)
                ]
            bulk_create_with_history(
                steps,
                PlanStep,
                batch_size=BULK_SIZE,
                default_user=user,
                default_change_reason=reason,
            )
            bump_data_version()
    except IntegrityError as error:
        raise DuplicateError from error
    return projects
