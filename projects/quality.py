"""Data-quality rules: what to flag for evaluators and warn the person typing about.

Pure functions of plain values, shared by the pages, the forms and the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects import money, thaicalendar

JUMP_LIMIT = Decimal(50)
OVER_TARGET_FACTOR = Decimal(5)


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    severity: str = "warning"  # "warning" (allowed, flagged) or "error" (blocked)
    day: date | None = None  # the report the flag is about, when there is one


@dataclass(frozen=True)
class UpdateFact:
    report_date: date
    percent: Decimal
    problems: str = ""
    disbursed: Decimal | None = None


def _label(day: date) -> str:
    return thaicalendar.format_date(day, "short", get_language() or "th")


def pair_flags(before: UpdateFact, after: UpdateFact) -> list[Flag]:
    """A fall in cumulative %, or a jump of more than 50 points, from one report
    to the next; and a fall in the cumulative amount disbursed."""
    return progress_pair_flags(before, after) + disbursed_down(before, after)


def disbursed_down(before: UpdateFact, after: UpdateFact) -> list[Flag]:
    """A fall in the cumulative amount disbursed from one report to the next."""
    if (
        before.disbursed is None
        or after.disbursed is None
        or after.disbursed >= before.disbursed
    ):
        return []
    return [
        Flag(
            "disbursed_down",
            _("Cumulative disbursed fell from %(before)s to %(after)s on %(date)s.")
            % {
                "before": money.baht(before.disbursed),
                "after": money.baht(after.disbursed),
                "date": _label(after.report_date),
            },
            day=after.report_date,
        )
    ]


def disbursed_over_allocation(
    disbursed: Decimal | None, allocation: Decimal | None, day: date | None = None
) -> list[Flag]:
    """Cumulative disbursed above the project's allocation."""
    if disbursed is None or allocation is None or disbursed <= allocation:
        return []
    return [
        Flag(
            "disbursed_over_allocation",
            _(
                "Cumulative disbursed %(disbursed)s exceeds the allocation "
                "%(allocation)s."
            )
            % {
                "disbursed": money.baht(disbursed),
                "allocation": money.baht(allocation),
            },
            day=day,
        )
    ]


def money_progress_flags(
    percent: Decimal | None, disbursed: Decimal | None, allocation: Decimal | None
) -> list[Flag]:
    """For evaluators: reported done with little disbursed, or mostly disbursed
    with little progress (thresholds: DONE_LOW_DISBURSED_PERCENT,
    SPENT_HIGH_DISBURSED_PERCENT and SPENT_LOW_PROGRESS_PERCENT)."""
    if percent is None or disbursed is None or not allocation:
        return []
    share = disbursed * 100 / allocation
    if percent >= 100 and share < settings.DONE_LOW_DISBURSED_PERCENT:
        return [
            Flag(
                "done_little_disbursed",
                _("Reported done, yet only %(share)s%% of the allocation is disbursed.")
                % {"share": round(share, 2)},
            )
        ]
    if (
        share >= settings.SPENT_HIGH_DISBURSED_PERCENT
        and percent < settings.SPENT_LOW_PROGRESS_PERCENT
    ):
        return [
            Flag(
                "spent_little_progress",
                _(
                    "%(share)s%% of the allocation is disbursed, yet progress is "
                    "only %(percent)s%%."
                )
                % {"share": round(share, 2), "percent": percent},
            )
        ]
    return []


def progress_pair_flags(before: UpdateFact, after: UpdateFact) -> list[Flag]:
    """A fall in cumulative %, or a jump of more than 50 points."""
    if after.percent < before.percent:
        return [
            Flag(
                "percent_down",
                _("Progress fell from %(before)s%% to %(after)s%% on %(date)s.")
                % {
                    "before": before.percent,
                    "after": after.percent,
                    "date": _label(after.report_date),
                },
                day=after.report_date,
            )
        ]
    if after.percent - before.percent > JUMP_LIMIT:
        return [
            Flag(
                "percent_jump",
                _("Progress jumped by more than %(limit)s points on %(date)s.")
                % {"limit": JUMP_LIMIT, "date": _label(after.report_date)},
                day=after.report_date,
            )
        ]
    return []


def update_flags(updates: Sequence[UpdateFact]) -> list[Flag]:
    """Cumulative % going down, and jumps of more than 50 points between reports."""
    ordered = sorted(updates, key=lambda u: u.report_date)
    flags: list[Flag] = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        flags += pair_flags(before, after)
    return flags


def neighbour_flags(report: UpdateFact, others: Sequence[UpdateFact]) -> list[Flag]:
    """The flags a report raises against its neighbours: the report before it and
    the report after it (a report inserted between two is checked both ways)."""
    before = max(
        (u for u in others if u.report_date < report.report_date),
        key=lambda u: u.report_date,
        default=None,
    )
    after = min(
        (u for u in others if u.report_date > report.report_date),
        key=lambda u: u.report_date,
        default=None,
    )
    flags = pair_flags(before, report) if before else []
    return flags + (pair_flags(report, after) if after else [])


def report_date_errors(day: date, fiscal_year: int, today: date) -> list[Flag]:
    """A report dated in the future or outside the project's fiscal year."""
    start, end = thaicalendar.fiscal_year_bounds(fiscal_year)
    if day > today:
        return [Flag("date_future", _("The report date is in the future."), "error")]
    if not start <= day <= end:
        return [
            Flag(
                "date_outside_year",
                _("The report date is outside fiscal year %(year)s.")
                % {"year": fiscal_year},
                "error",
            )
        ]
    return []


def weights_total(weights: Iterable[Decimal]) -> Decimal:
    """The sum of a plan's step weights."""
    return sum(weights, Decimal(0))


def weights_errors(weights: Sequence[Decimal]) -> list[Flag]:
    """A plan whose step weights do not total exactly 100 (an empty plan is none)."""
    total = weights_total(weights)
    if weights and total != 100:
        return [
            Flag(
                "weights_total",
                _(
                    "The plan's weights total %(total)s%%; they must total "
                    "exactly 100%%."
                )
                % {"total": total},
                "error",
            )
        ]
    return []


def step_day_errors(day: date, fiscal_year: int) -> list[Flag]:
    """A plan date outside the project's fiscal year."""
    first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
    if first <= day <= last:
        return []
    return [
        Flag(
            "step_outside_year",
            _("Dates must be inside fiscal year %(year)s.") % {"year": fiscal_year},
            "error",
        )
    ]


def step_span_errors(start: date, end: date) -> list[Flag]:
    """A step that ends before it starts."""
    if end >= start:
        return []
    return [
        Flag("end_before_start", _("The end must not be before the start."), "error")
    ]


def plan_errors(steps: Sequence, fiscal_year: int) -> list[Flag]:
    """Every hard rule of a whole work plan: at least one step, dates inside the
    fiscal year, ends after starts, weights totalling exactly 100."""
    if not steps:
        return [Flag("no_steps", _("A work plan needs at least one step."), "error")]
    flags: list[Flag] = []
    for step in steps:
        flags += step_day_errors(step.planned_start, fiscal_year)
        flags += step_day_errors(step.planned_end, fiscal_year)
        flags += step_span_errors(step.planned_start, step.planned_end)
    return flags + weights_errors([step.weight for step in steps])


def plan_flags(weights: Sequence[Decimal], milestones: int, steps: int) -> list[Flag]:
    """Weights that do not total 100, and a plan made only of one-day steps."""
    flags = weights_errors(weights)
    if steps and milestones == steps:
        flags.append(
            Flag(
                "all_milestones",
                _(
                    "Every step starts and ends on the same day, so the plan has no "
                    "durations."
                ),
            )
        )
    return flags


def allocation_total(
    amounts: Sequence[Decimal], unsplit: Decimal | None
) -> Decimal | None:
    """A project's allocation: the total of its budget lines; a project not split
    into lines keeps the single amount it was given (``unsplit``)."""
    return sum(amounts, Decimal(0)) if amounts else unsplit


def budget_amount_errors(
    amount: Decimal | None, line_amounts: Sequence[Decimal]
) -> list[Flag]:
    """A budget typed for a project split into lines must be their total."""
    total = allocation_total(line_amounts, amount)
    if not line_amounts or amount == total:
        return []
    return [
        Flag(
            "budget_not_lines_total",
            _(
                "The budget is the total of its allocation lines, %(total)s; change "
                "the lines on the budget page instead."
            )
            % {"total": money.baht(total)},
            "error",
        )
    ]


def disbursement_plan_errors(
    months: Sequence[tuple[date, Decimal]], fiscal_year: int
) -> list[Flag]:
    """A disbursement plan: month ends inside the fiscal year, each once, cumulative
    % between 0 and 100 that never falls from one month to the next."""
    flags: list[Flag] = []
    first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
    days = [day for day, _percent in months]
    if any(not first <= day <= last for day in days):
        flags += step_day_errors(
            min(days) if min(days) < first else max(days), fiscal_year
        )
    if len(set(days)) != len(days):
        flags.append(Flag("month_twice", _("A month is given twice."), "error"))
    ordered = sorted(months)
    if any(not 0 <= percent <= 100 for _day, percent in ordered):
        flags.append(
            Flag(
                "plan_percent_range",
                _("A percentage must be between 0 and 100."),
                "error",
            )
        )
    if any(b[1] < a[1] for a, b in zip(ordered, ordered[1:], strict=False)):
        flags.append(
            Flag(
                "plan_percent_down",
                _(
                    "The planned disbursement is cumulative: it must not fall from "
                    "one month to the next."
                ),
                "error",
            )
        )
    return flags


def behind_without_problems(behind: bool, latest_problems: str | None) -> list[Flag]:
    """A project behind plan whose latest update says nothing about problems."""
    if behind and latest_problems is not None and not latest_problems:
        return [
            Flag(
                "behind_no_problems",
                _("Behind plan, yet the latest report gives no problems."),
            )
        ]
    return []


def indicator_value_flags(
    value: Decimal, target: Decimal | None, is_percentage: bool
) -> list[Flag]:
    """A KPI value over 5× its target, or a percentage above 100."""
    flags: list[Flag] = []
    if is_percentage and value > 100:
        flags.append(
            Flag(
                "percent_over_100",
                _("A percentage above 100: %(value)s.") % {"value": value},
            )
        )
    if target and target > 0 and value > OVER_TARGET_FACTOR * target:
        flags.append(
            Flag(
                "over_target",
                _(
                    "The value %(value)s is more than %(factor)s times the target "
                    "%(target)s."
                )
                % {"value": value, "factor": OVER_TARGET_FACTOR, "target": target},
            )
        )
    return flags


def scored_without_result(quarter: int, value: Decimal | None) -> list[Flag]:
    """A quarter scored although it has no result, or a result of zero."""
    if value is None or value == 0:
        return [
            Flag(
                "scored_no_result",
                _("Quarter %(quarter)s is scored but has no result.")
                % {"quarter": quarter},
            )
        ]
    return []


def reported_without_plan(steps: int, updates: int) -> list[Flag]:
    """Progress reported on a project that has no work plan to weigh it against."""
    if updates and not steps:
        return [
            Flag(
                "no_plan",
                _("Progress is reported, but the project has no work plan."),
                "error",
            )
        ]
    return []


def evaluated_without_report(quarter: int, reports: int) -> list[Flag]:
    """A project scored for a quarter in which it reported no progress."""
    if not reports:
        return [
            Flag(
                "scored_no_report",
                _("Quarter %(quarter)s is scored but has no progress report.")
                % {"quarter": quarter},
            )
        ]
    return []


def project_flags(
    *,
    fiscal_year: int,
    behind: bool,
    steps: Sequence[tuple[Decimal, date, date]],
    updates: Sequence[tuple[date, Decimal, str]],
    quarters_scored: Iterable[int],
    today: date,
    allocation: Decimal | None = None,
    disbursed: Sequence[Decimal | None] = (),
) -> list[Flag]:
    """Every flag of one project: the one list the project page, the data-quality
    report and the evaluators' pages show.

    ``steps`` are (weight, start, end) of its current plan, ``updates`` (report
    date, percent, problems) oldest first, ``behind`` its status on the day read,
    ``disbursed`` the cumulative amount of each update (same order, None where not
    given) and ``allocation`` the project's budget.
    """
    amounts = list(disbursed) or [None] * len(updates)
    flags: list[Flag] = []
    for day, _percent, _problems in updates:
        flags += report_date_errors(day, fiscal_year, today)
    flags += reported_without_plan(len(steps), len(updates))
    flags += plan_flags(
        [weight for weight, _start, _end in steps],
        sum(start == end for _weight, start, end in steps),
        len(steps),
    )
    flags += update_flags(
        [
            UpdateFact(day, percent, problems, amount)
            for (day, percent, problems), amount in zip(updates, amounts, strict=True)
        ]
    )
    flags += behind_without_problems(behind, updates[-1][2] if updates else None)
    given = [
        (u[0], u[1], a) for u, a in zip(updates, amounts, strict=True) if a is not None
    ]
    if given:
        day, percent, latest = given[-1]
        flags += disbursed_over_allocation(latest, allocation, day)
        flags += money_progress_flags(updates[-1][1], latest, allocation)
    for quarter in quarters_scored:
        reports = sum(
            thaicalendar.fiscal_quarter_of(day) == (fiscal_year, quarter)
            for day, _percent, _problems in updates
        )
        flags += evaluated_without_report(quarter, reports)
    return flags


def needs_checking(quarter_flags: Iterable[Sequence[Flag]]) -> bool:
    """A KPI whose quarter results carry any data-quality flag needs checking
    (ต้องตรวจสอบ) before its achievement counts: the dashboards and the KPI page
    show it so instead of as met or not."""
    return any(flags for flags in quarter_flags)
