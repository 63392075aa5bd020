"""The derived figures of a project and a KPI, as pure functions of plain values.

The same rules run in SQL in ``projects.querysets`` for lists of projects; the tests
check that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Status(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    BEHIND = "behind", _("Behind plan")
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")


class Aggregation(models.TextChoices):
    LATEST = "latest", _("Latest quarter")
    SUM = "sum", _("Sum of quarters")
    MAX = "max", _("Highest quarter")
    MEAN = "mean", _("Mean of quarters")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class StepLike(Protocol):
    weight: Decimal
    planned_start: date
    planned_end: date


def quantize(value: Decimal) -> Decimal:
    """Round to two decimals, half up, as percentages are stored."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def step_fraction(start: date, end: date, on: date) -> Decimal:
    """The part of a step elapsed: 0 before its start, 1 from its end, linear between."""
    if on >= end:
        return Decimal(1)
    if on < start:
        return Decimal(0)
    return Decimal((on - start).days) / Decimal((end - start).days)


def planned_percent(steps: Iterable[StepLike], on: date) -> Decimal:
    """The planned cumulative % on a date: Σ weight × the part of each step elapsed."""
    total = sum(
        (
            step.weight * step_fraction(step.planned_start, step.planned_end, on)
            for step in steps
        ),
        Decimal(0),
    )
    return quantize(min(total, HUNDRED))


def status(actual: Decimal | None, planned: Decimal, threshold: int) -> Status:
    """The project's status from its actual and planned % (threshold in points)."""
    actual_value = actual or Decimal(0)
    if actual_value >= HUNDRED:
        return Status.COMPLETE
    if actual_value - planned < -threshold:
        return Status.BEHIND
    if actual_value == 0:
        return Status.NOT_STARTED
    return Status.ON_TRACK


def report_overdue(
    last_report: date | None, on: date, due_day: int, complete: bool = False
) -> bool:
    """True when the month of ``on`` is past its due day with no update in it."""
    if complete or on.day <= due_day:
        return False
    return last_report is None or last_report < on.replace(day=1)


def aggregate(values: Sequence[tuple[int, Decimal]], how: str) -> Decimal | None:
    """A KPI's achieved value from its (quarter, value) results by its aggregation."""
    if not values:
        return None
    numbers = [value for _quarter, value in sorted(values)]
    if how == Aggregation.SUM:
        return sum(numbers, Decimal(0))
    if how == Aggregation.MAX:
        return max(numbers)
    if how == Aggregation.MEAN:
        return quantize(sum(numbers, Decimal(0)) / len(numbers))
    return numbers[-1]


def achievement_percent(
    achieved: Decimal | None, target: Decimal | None, direction: str
) -> Decimal | None:
    """Achieved against target in %, 100 meaning the target is met exactly."""
    if achieved is None or target is None:
        return None
    if direction == Direction.LOWER:
        if achieved == 0:
            return HUNDRED if target >= 0 else None
        return quantize(target / achieved * HUNDRED)
    if target == 0:
        return HUNDRED if achieved >= 0 else None
    return quantize(achieved / target * HUNDRED)
