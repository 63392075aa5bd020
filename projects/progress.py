"""The derived figures of a project and a KPI, as pure functions of plain values.

The same rules run in SQL in ``projects.querysets`` for lists of projects; the tests
check that both agree.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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


# Charts, tables and counts always list the statuses in this order.
STATUS_ORDER = (Status.COMPLETE, Status.ON_TRACK, Status.BEHIND, Status.NOT_STARTED)


def status_counts(summary: Mapping[str, int]) -> dict[str, int]:
    """The number of projects in each status of a progress summary, in display order."""
    return {status.value: summary[status] for status in STATUS_ORDER}


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
    """Part of a step elapsed: 0 before it starts, 1 from its end, linear between."""
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


def actual_percent(updates: Iterable[tuple[date, Decimal]], on: date) -> Decimal | None:
    """The cumulative % of the latest update on or before a date (None before any)."""
    latest = max(((day, pct) for day, pct in updates if day <= on), default=None)
    return latest[1] if latest else None


def planned_curve(
    steps: Sequence[StepLike], start: date, end: date
) -> list[tuple[date, Decimal]]:
    """The planned % at every date where its slope can change, start to end."""
    days = {start, end}
    for step in steps:
        edges = [step.planned_start, step.planned_end]
        if step.planned_start == step.planned_end:
            # A milestone is a jump: show the day before it too.
            edges.append(step.planned_start - timedelta(days=1))
        days.update(day for day in edges if start <= day <= end)
    return [(day, planned_percent(steps, day)) for day in sorted(days)]


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


@dataclass(frozen=True)
class Figures:
    """A project's derived figures on the date they are read at."""

    on: date
    actual: Decimal | None
    planned: Decimal
    gap: Decimal
    status: Status
    last_report: date | None
    missing_months: tuple[tuple[int, int], ...] = ()

    @property
    def report_overdue(self) -> bool:
        """True while any month's report is past due and missing."""
        return bool(self.missing_months)


def figures(
    steps: Sequence[StepLike],
    updates: Sequence[tuple[date, Decimal]],
    *,
    on: date,
    threshold: int,
    due_day: int,
    months: Sequence[tuple[int, int]] = (),
    revisions: Sequence[Revision] = (),
    reported: Sequence[tuple[date, Decimal]] | None = None,
) -> Figures:
    """All derived figures of one project on a date, from its steps and updates.

    ``updates`` are the published (approved) ones, for the figures; ``reported``
    the ones sent, approved or not, for the missing monthly reports (default: the
    updates). ``months`` are the (year, month) pairs of its fiscal year;
    ``revisions`` its superseded plans.
    """
    actual = actual_percent(updates, on)
    planned = planned_in_force(revisions, steps, on)
    state = status(actual, planned, threshold)
    last = max((day for day, _percent in updates if day <= on), default=None)
    sent = updates if reported is None else reported
    until_on = [(day, percent) for day, percent in sent if day <= on]
    missing = missing_months(
        months,
        reported_mask=months_mask(day for day, _percent in until_on),
        plan_start=min((step.planned_start for step in steps), default=None),
        completed_on=min(
            (day for day, percent in until_on if percent >= HUNDRED), default=None
        ),
        on=on,
        due_day=due_day,
    )
    return Figures(
        on=on,
        actual=actual,
        planned=planned,
        gap=(actual or Decimal(0)) - planned,
        status=state,
        last_report=last,
        missing_months=tuple(missing),
    )


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


# Plan revisions: planned % on a date comes from the revision in force on it.


def in_force(valid_from: date | None, valid_until: date | None, on: date) -> bool:
    """True when a dated version (a plan revision, a KPI target) holds on a day:
    from ``valid_from`` (None: the start) to the day before ``valid_until`` (None:
    open-ended)."""
    return (valid_from is None or valid_from <= on) and (
        valid_until is None or on < valid_until
    )


@dataclass(frozen=True)
class Revision:
    """A superseded work plan: its steps, in force from ``valid_from`` (None: from
    the start) until the day before ``valid_until``."""

    valid_from: date | None
    valid_until: date
    steps: Sequence[StepLike]

    def in_force(self, on: date) -> bool:
        """True when this plan was the one in force on the date."""
        return in_force(self.valid_from, self.valid_until, on)


def steps_in_force(
    revisions: Sequence[Revision], current: Sequence[StepLike], on: date
) -> Sequence[StepLike]:
    """The plan in force on a date: a superseded revision's, else the current one."""
    for revision in revisions:
        if revision.in_force(on):
            return revision.steps
    return current


def planned_in_force(
    revisions: Sequence[Revision], current: Sequence[StepLike], on: date
) -> Decimal:
    """The planned cumulative % on a date from the plan in force on that date."""
    return planned_percent(steps_in_force(revisions, current, on), on)


# Monthly reports: which months a project owed a report and did not send one.


def month_bit(month: int) -> int:
    """The bit of a calendar month in a fiscal year's month mask (October is 1)."""
    return 1 << ((month - 10) % 12)


def months_mask(days: Iterable[date]) -> int:
    """The fiscal-year month mask of the months the dates fall in."""
    mask = 0
    for day in days:
        mask |= month_bit(day.month)
    return mask


@functools.lru_cache(maxsize=1024)
def month_due(year: int, month: int, due_day: int) -> date:
    """The day a month's report is due: its due day, or its last day if shorter.

    Remembered: a year's summary asks it for every month of every project (1.2
    million times at 100,000 projects), always for the same few months."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(due_day, last))


def month_owed(
    year: int,
    month: int,
    *,
    plan_start: date | None,
    completed_on: date | None,
    due_day: int,
) -> bool:
    """A project owes a month's report once its plan has started by the month's due
    day, unless it reported 100% before the month began."""
    if plan_start is None or plan_start > month_due(year, month, due_day):
        return False
    return completed_on is None or completed_on >= date(year, month, 1)


def missing_months(
    months: Iterable[tuple[int, int]],
    *,
    reported_mask: int,
    plan_start: date | None,
    completed_on: date | None,
    on: date,
    due_day: int,
) -> list[tuple[int, int]]:
    """The (year, month) pairs whose report was owed, is past due on ``on`` and is
    missing: no report dated in the month (``reported_mask``, see months_mask)."""
    return [
        (year, month)
        for year, month in months
        if month_due(year, month, due_day) < on
        and not reported_mask & month_bit(month)
        and month_owed(
            year,
            month,
            plan_start=plan_start,
            completed_on=completed_on,
            due_day=due_day,
        )
    ]


def report_due_now(
    *,
    reported_mask: int,
    plan_start: date | None,
    completed_on: date | None,
    on: date,
    due_day: int,
) -> bool:
    """True when the month of ``on`` owes a report not sent yet, due day or not."""
    return not reported_mask & month_bit(on.month) and month_owed(
        on.year,
        on.month,
        plan_start=plan_start,
        completed_on=completed_on,
        due_day=due_day,
    )


def target_on(
    revisions: Iterable[tuple[date | None, date | None, Decimal]],
    current: Decimal,
    on: date,
) -> Decimal:
    """The KPI target in force on a day.

    ``revisions`` are (valid_from, valid_until, target), oldest first; one holds
    from ``valid_from`` (None: from the start) to the day before ``valid_until``
    (None: open-ended). The latest revision holding on the day wins; with none,
    the current target.
    """
    found = current
    for valid_from, valid_until, target in revisions:
        if in_force(valid_from, valid_until, on):
            found = target
    return found


# Money: the allocation, what was disbursed, and the disbursement plan.


class MoneyStatus(models.TextChoices):
    ON_PLAN = "on_plan", _("Disbursing on plan")
    BEHIND = "money_behind", _("Disbursing behind plan")
    NO_BUDGET = "no_budget", _("No allocation")


@dataclass(frozen=True)
class MoneyPlan:
    """One version of a disbursement plan: (month end, cumulative %) pairs, in
    force from ``valid_from`` (None: the start) until the day before
    ``valid_until`` (None: open-ended)."""

    valid_from: date | None
    valid_until: date | None
    months: Sequence[tuple[date, Decimal]]
    follows_work_plan: bool = False  # a revision back to the default plan


def latest_amount(
    updates: Iterable[tuple[date, Decimal | None]], on: date
) -> Decimal | None:
    """The cumulative amount of the latest report on or before a date that gives
    one (None before any)."""
    latest = max(
        ((day, amount) for day, amount in updates if day <= on and amount is not None),
        default=None,
    )
    return latest[1] if latest else None


def share_percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """``part`` as a % of ``whole``, two decimals (None without both or whole 0)."""
    if part is None or not whole:
        return None
    return quantize(part * HUNDRED / whole)


def planned_amount(allocation: Decimal | None, planned_pct: Decimal) -> Decimal | None:
    """The baht planned as disbursed: the planned % of the allocation."""
    if allocation is None:
        return None
    return quantize(allocation * planned_pct / HUNDRED)


def of_plan_percent(
    allocation: Decimal | None, disbursed: Decimal | None, planned_pct: Decimal
) -> Decimal | None:
    """Disbursed against the plan in %: 100 means exactly as planned (None without
    an allocation or before anything was planned)."""
    return share_percent(
        disbursed or Decimal(0), planned_amount(allocation, planned_pct)
    )


def planned_disbursed_percent(
    plans: Sequence[MoneyPlan], work_planned: Decimal, on: date
) -> Decimal:
    """The cumulative % of the allocation planned as disbursed on a date.

    From the disbursement plan in force on the date: the figure of the latest
    month ended by then (0 before the first). With none in force, or one that
    follows the work plan, the plan follows the work plan: ``work_planned``, the
    planned progress % on the date.
    """
    for plan in plans:
        if in_force(plan.valid_from, plan.valid_until, on):
            if plan.follows_work_plan:
                return work_planned
            return max(
                ((day, pct) for day, pct in plan.months if day <= on),
                default=(on, Decimal(0)),
            )[1]
    return work_planned


def months_from_quarters(
    month_ends: Sequence[date], quarters: Sequence[Decimal | None]
) -> list[tuple[date, Decimal]]:
    """A disbursement plan typed by quarter, as the month points it is kept as.

    ``month_ends`` are the twelve month ends of the fiscal year in order,
    ``quarters`` the cumulative % planned by the end of Q1 to Q4 (None: the same
    as the quarter before). Each quarter's increase is spread evenly over its
    three months, so its last month holds exactly the typed figure and the months
    between rise in equal steps (two decimals, half up).
    """
    result, before = [], Decimal(0)
    for quarter, target in enumerate(quarters):
        target = before if target is None else target
        for step, day in enumerate(month_ends[quarter * 3 : quarter * 3 + 3], 1):
            result.append((day, quantize(before + (target - before) * step / 3)))
        before = target
    return result


def quarter_figures(months: Sequence[tuple[date, Decimal]]) -> list[Decimal]:
    """The cumulative % at the end of each quarter of twelve month points (the
    form's quarter view of a plan kept by month)."""
    return [months[index][1] for index in (2, 5, 8, 11)]


def money_status(
    allocation: Decimal | None,
    disbursed_pct: Decimal | None,
    planned_pct: Decimal,
    threshold: int,
) -> MoneyStatus:
    """Disbursement status: behind when the disbursed % of the allocation falls
    more than ``threshold`` points below the planned %; none without allocation."""
    if not allocation:
        return MoneyStatus.NO_BUDGET
    if (disbursed_pct or Decimal(0)) - planned_pct < -threshold:
        return MoneyStatus.BEHIND
    return MoneyStatus.ON_PLAN


@dataclass(frozen=True)
class Money:
    """A project's money figures on the date they are read at."""

    on: date
    allocation: Decimal | None
    disbursed: Decimal | None
    committed: Decimal | None
    disbursed_percent: Decimal | None  # of the allocation
    planned_percent: Decimal  # of the allocation, planned by the date
    status: MoneyStatus

    @property
    def planned_amount(self) -> Decimal | None:
        """The baht planned as disbursed by the date."""
        return planned_amount(self.allocation, self.planned_percent)

    @property
    def of_plan_percent(self) -> Decimal | None:
        """Disbursed against the plan: 100 means exactly as planned."""
        return of_plan_percent(self.allocation, self.disbursed, self.planned_percent)


def money(
    *,
    allocation: Decimal | None,
    reports: Sequence[tuple[date, Decimal | None, Decimal | None]],
    plans: Sequence[MoneyPlan],
    work_planned: Decimal,
    on: date,
    threshold: int,
) -> Money:
    """All money figures of one project on a date: ``reports`` are the published
    (date, disbursed, committed) triples, ``plans`` its disbursement plans,
    ``work_planned`` its planned progress % on the date (the default plan)."""
    disbursed = latest_amount(((d, amount) for d, amount, _c in reports), on)
    committed = latest_amount(((d, amount) for d, _a, amount in reports), on)
    disbursed_pct = share_percent(disbursed, allocation)
    planned = planned_disbursed_percent(plans, work_planned, on)
    return Money(
        on=on,
        allocation=allocation,
        disbursed=disbursed,
        committed=committed,
        disbursed_percent=disbursed_pct,
        planned_percent=planned,
        status=money_status(allocation, disbursed_pct, planned, threshold),
    )
