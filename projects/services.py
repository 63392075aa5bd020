"""Workflows that write projects, their plans and progress updates.

Each is one keyword-only function called from a view, in one transaction. Saves of
an object someone else may be editing compare the version the person saw with the
stored one and refuse with ConflictError, so no one overwrites another's work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from projects import access, thaicalendar
from projects.cache import bump_data_version
from projects.models import Department, PlanStep, ProgressUpdate, Project


class ConflictError(Exception):
    """Someone else saved the same thing after the person opened the form."""


class LockedError(Exception):
    """The quarter is locked by the evaluators; staff can no longer change it."""


def check_unlocked(
    *, user, fiscal_year: int, department_id: int, days: Sequence[date]
) -> None:
    """Raise LockedError when any of the days falls in a quarter locked for the user."""
    locked = access.locked_quarters(user, fiscal_year, department_id)
    if any(thaicalendar.quarter_of(day) in locked for day in days):
        raise LockedError


class DuplicateError(Exception):
    """The save would break a uniqueness rule (another transaction got there first)."""


def _stamp(instance, user) -> None:
    # Makes the audit history name the person even outside a request, and makes
    # every cached page and figure stale once the write commits.
    instance._history_user = user
    bump_data_version()


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


def save_update(
    *,
    project: Project,
    user,
    values: dict,
    update: ProgressUpdate | None = None,
    version: int | None = None,
) -> ProgressUpdate:
    """Create a progress update, or change one nobody changed since ``version``."""
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
                user=user,
                fiscal_year=project.fiscal_year,
                department_id=project.department_id,
                days=days,
            )
            _stamp(update, user)
            update.save()
    except IntegrityError as error:
        raise DuplicateError from error
    return update


def delete_update(*, update: ProgressUpdate, user, version: int) -> None:
    """Delete a progress update unless someone changed it since ``version``."""
    with transaction.atomic():
        locked = ProgressUpdate.objects.select_for_update().filter(pk=update.pk).first()
        if locked is None or locked.version != version:
            raise ConflictError
        check_unlocked(
            user=user,
            fiscal_year=update.project.fiscal_year,
            department_id=update.project.department_id,
            days=[locked.report_date],
        )
        _stamp(locked, user)
        locked.delete()


@dataclass(frozen=True)
class StepValues:
    """One row of the work plan as the person typed it; pk is None for a new step."""

    pk: int | None
    description: str
    weight: Decimal
    planned_start: date
    planned_end: date


def save_plan(
    *, project: Project, user, steps: Sequence[StepValues], version: int
) -> None:
    """Replace the project's work plan with ``steps``, numbered in their order."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.plan_version != version:
            raise ConflictError
        existing = {step.pk: step for step in locked.steps.all()}
        kept = {values.pk for values in steps if values.pk in existing}
        for pk in existing.keys() - kept:
            _stamp(existing[pk], user)
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
            _stamp(step, user)
            step.save()
        Project.objects.filter(pk=locked.pk).update(plan_version=F("plan_version") + 1)


def save_project(
    *,
    project: Project,
    user,
    strategies: Sequence | None = None,
) -> Project:
    """Create or change a project with its strategy links."""
    try:
        with transaction.atomic():
            _stamp(project, user)
            project.save()
            if strategies is not None:
                project.strategies.set(strategies)
    except IntegrityError as error:
        raise DuplicateError from error
    return project
