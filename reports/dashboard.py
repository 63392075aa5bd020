"""The figures of the report dashboards, each computed in a constant number of queries.

The queries start from the querysets the reading pages use (``with_progress``,
``progress_by_department``, ``with_achievement``), so a dashboard can never
disagree with the overview, the department pages or the KPI pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import (
    Avg,
    Count,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext_lazy as _

from indicators.models import (
    VALUE_FIELD,
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorResult,
)
from projects import progress, thaicalendar
from projects.models import (
    PROGRESS_ROW_FIELDS,
    Department,
    ProjectEvaluation,
    localized,
    progress_breakdown_of,
)
from reports import charts

QUARTERS = (1, 2, 3, 4)


class Band(models.TextChoices):
    """How far a KPI has come against its target (the achievement %)."""

    # xgettext:no-python-format
    MET = "met", _("Target met (100% or more)")
    NEAR = "near", _("80% to under 100%")
    PARTIAL = "partial", _("50% to under 80%")
    LOW = "low", _("Under 50%")
    NEEDS_CHECKING = "needs_checking", _("Needs checking")
    NO_RESULT = "no_result", _("No result yet")


BAND_ORDER = (
    Band.MET,
    Band.NEAR,
    Band.PARTIAL,
    Band.LOW,
    Band.NEEDS_CHECKING,
    Band.NO_RESULT,
)


def _decimal(value: Decimal | float | int | None) -> Decimal:
    """An average from the database as a Decimal rounded to two places.

    PostgreSQL averages decimals as decimals, SQLite as floats; str() keeps a
    float's shortest form, so 12.345 rounds up on both.
    """
    if value is None:
        return Decimal(0)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return progress.quantize(number)


def achievement_band(achievement: Decimal | None, needs_checking: bool = False) -> Band:
    """The band of an achievement % (None: no result, or no target to compare).

    A KPI whose results carry a data-quality flag (``Indicator.needs_checking``)
    needs checking, whatever its achievement: it is not counted as met.
    """
    if needs_checking:
        return Band.NEEDS_CHECKING
    if achievement is None:
        return Band.NO_RESULT
    if achievement >= 100:
        return Band.MET
    if achievement >= 80:
        return Band.NEAR
    if achievement >= 50:
        return Band.PARTIAL
    return Band.LOW


@dataclass(frozen=True)
class ProgressPoint:
    """The projects' average planned and actual % on one day of the year."""

    day: date
    planned: Decimal
    actual: Decimal | None  # None after the reading date: not reported yet

    @property
    def gap(self) -> Decimal | None:
        """Average actual minus average planned, in points."""
        return None if self.actual is None else self.actual - self.planned


def progress_days(fiscal_year: int, on: date) -> list[date]:
    """Every month end of the fiscal year, and the reading date between them."""
    days = {
        thaicalendar.month_end(year, month)
        for year, month in thaicalendar.fiscal_months(fiscal_year)
    }
    days.add(thaicalendar.within_fiscal_year(on, fiscal_year))
    return sorted(days)


def year_series(
    projects: QuerySet, fiscal_year: int, on: date
) -> tuple[list[ProgressPoint], list[MoneyPoint]]:
    """The year's progress points and money points at each month end and the
    reading date, in one query (``figures_over``).

    ``projects`` is a plain project queryset (not yet ``with_progress``). The
    average actual counts a project without reports as 0, as ``progress_summary``
    does; actual and disbursed are None after the reading date. Both lists are
    empty when there is no project.
    """
    figures = projects.figures_over(progress_days(fiscal_year, on))
    if not any(figure["count"] for figure in figures):
        return [], []
    progress_points = [
        ProgressPoint(
            day=figure["day"],
            planned=_decimal(figure["planned"]),
            actual=_decimal(figure["actual"]) if figure["day"] <= on else None,
        )
        for figure in figures
    ]
    money_points = [
        MoneyPoint(
            day=figure["day"],
            allocated=_decimal(figure["allocated"]),
            planned=_decimal(figure["planned_money"]),
            disbursed=_decimal(figure["disbursed"]) if figure["day"] <= on else None,
        )
        for figure in figures
    ]
    return progress_points, money_points


def department_rows(projects: QuerySet) -> list[dict]:
    """``progress_by_department`` of projects with progress, with each Department.

    Sorted by average actual %, highest first, then by code. Two queries.
    """
    return with_departments(projects.progress_by_department())


def with_departments(by_department: list[dict]) -> list[dict]:
    """Rows of ``progress_by_department`` with each Department, sorted as
    department_rows sorts them. One query."""
    departments = {department.pk: department for department in Department.objects.all()}
    rows = [
        {**row, "department": departments[row["department"]]} for row in by_department
    ]
    return sorted(rows, key=lambda row: (-(row["actual"] or 0), row["department"].code))


@dataclass(frozen=True)
class KpiRow:
    """A KPI with its achievement % and band."""

    indicator: Indicator
    achievement: Decimal | None
    band: Band


def _quarter_results(indicators: QuerySet) -> QuerySet:
    """KPIs with each quarter's result annotated (``q1`` to ``q4``) and their target
    revisions prefetched: what a band needs. One query more than ``indicators``."""
    results = IndicatorResult.objects.published().filter(indicator=OuterRef("pk"))
    return indicators.annotate(
        **{
            f"q{quarter}": Subquery(
                results.filter(quarter=quarter).values("value")[:1],
                output_field=VALUE_FIELD,
            )
            for quarter in QUARTERS
        }
    ).prefetch_related("revisions")


def _band(indicator: Indicator, achievement: Decimal | None) -> Band:
    values = {quarter: getattr(indicator, f"q{quarter}") for quarter in QUARTERS}
    return achievement_band(achievement, indicator.needs_checking(values))


def kpi_rows(indicators: QuerySet) -> list[KpiRow]:
    """KPIs annotated ``with_achievement()``, with their achievement % and band.

    Two queries: the KPIs with their quarter results, and their target revisions.
    """
    rows = []
    for indicator in _quarter_results(indicators):
        achievement = indicator.achievement_percent(indicator.achieved)
        rows.append(KpiRow(indicator, achievement, _band(indicator, achievement)))
    return rows


def band_counts(rows: list[KpiRow]) -> dict[str, int]:
    """The number of KPIs in each band, every band present, in BAND_ORDER."""
    counts = dict.fromkeys(BAND_ORDER, 0)
    for row in rows:
        counts[row.band] += 1
    return {str(band): count for band, count in counts.items()}


@dataclass
class ScoreSeries:
    """Average scores per quarter: the projects' or one KPI criterion's."""

    key: str
    label: str
    name: str = ""
    quarters: dict[int, tuple[Decimal, int]] = field(default_factory=dict)

    def cells(self) -> list[tuple[int, Decimal | None, int]]:
        """(quarter, average, number scored) for quarters 1–4."""
        return [
            (quarter, *self.quarters.get(quarter, (None, 0))) for quarter in QUARTERS
        ]


PROJECT_SERIES = "projects"


def evaluation_scores(
    fiscal_year: int, department: Department | None = None
) -> list[ScoreSeries]:
    """The evaluators' average scores per quarter, in two queries.

    First the projects' scores, then one series per KPI evaluation criterion of
    the year (the seed's 2.1 and 2.2).
    """
    evaluations = ProjectEvaluation.objects.filter(project__fiscal_year=fiscal_year)
    scores = CriterionScore.objects.filter(
        evaluation__indicator__fiscal_year=fiscal_year
    )
    if department is not None:
        evaluations = evaluations.filter(project__department=department)
        scores = scores.filter(evaluation__indicator__department=department)
    projects = ScoreSeries(PROJECT_SERIES, str(_("Projects")))
    for row in (
        evaluations.order_by()
        .values("quarter")
        .annotate(average=Avg("score"), count=Count("pk"))
    ):
        projects.quarters[row["quarter"]] = (
            _decimal(row["average"]),
            row["count"],
        )
    series = [projects]
    by_criterion: dict[str, ScoreSeries] = {}
    for row in (
        scores.order_by()
        .values(
            "criterion__code",
            "criterion__name_th",
            "criterion__name_en",
            "evaluation__quarter",
        )
        .annotate(average=Avg("score"), count=Count("pk"))
        .order_by("criterion__code", "evaluation__quarter")
    ):
        code = row["criterion__code"]
        if code not in by_criterion:
            by_criterion[code] = ScoreSeries(
                code,
                str(_("KPI %(code)s") % {"code": code}),
                localized(row["criterion__name_th"], row["criterion__name_en"]),
            )
            series.append(by_criterion[code])
        by_criterion[code].quarters[row["evaluation__quarter"]] = (
            _decimal(row["average"]),
            row["count"],
        )
    return series


@dataclass(frozen=True)
class KpiReportRow:
    """A KPI's line in the KPI results report: each quarter's result and scores."""

    indicator: Indicator
    achievement: Decimal | None
    band: Band
    quarters: list[tuple[int, Decimal | None, list[Decimal | None]]]


def kpi_report_rows(
    indicators: QuerySet, criteria: list[EvaluationCriterion]
) -> list[KpiReportRow]:
    """KPIs with achievement, band, and each quarter's result and criterion scores.

    Two queries: results and scores are correlated subqueries, not prefetches;
    the second fetches the target revisions.
    """
    scores = CriterionScore.objects.filter(evaluation__indicator=OuterRef("pk"))
    annotations = {}
    for quarter in QUARTERS:
        for criterion in criteria:
            annotations[f"s{quarter}_{criterion.pk}"] = Subquery(
                scores.filter(evaluation__quarter=quarter, criterion=criterion).values(
                    "score"
                )[:1],
                output_field=VALUE_FIELD,
            )
    rows = []
    for indicator in _quarter_results(indicators.with_achievement()).annotate(
        **annotations
    ):
        achievement = indicator.achievement_percent(indicator.achieved)
        quarters = [
            (
                quarter,
                getattr(indicator, f"q{quarter}"),
                [getattr(indicator, f"s{quarter}_{c.pk}") for c in criteria],
            )
            for quarter in QUARTERS
        ]
        band = _band(indicator, achievement)
        rows.append(KpiReportRow(indicator, achievement, band, quarters))
    return rows


# Money: allocated, planned and disbursed, city-wide, by department, by state.


class WorkState(models.TextChoices):
    """How the dashboards count projects beside their money (the city's own
    dashboards: done, in progress, behind, not reported)."""

    DONE = "done", _("Done")
    IN_PROGRESS = "in_progress", _("In progress")
    BEHIND = "behind", _("Behind plan")
    NOT_REPORTED = "not_reported", _("Not reported")


def work_state(actual: Decimal | None, planned: Decimal, threshold: int) -> WorkState:
    """A project's state for the money dashboards, from progress.status."""
    if actual is None:
        return WorkState.NOT_REPORTED
    status = progress.status(actual, planned, threshold)
    if status == progress.Status.COMPLETE:
        return WorkState.DONE
    if status == progress.Status.BEHIND:
        return WorkState.BEHIND
    return WorkState.IN_PROGRESS


def money_figures(
    allocation: Decimal | None,
    planned_percent: Decimal,
    disbursed: Decimal | None,
    disbursed_percent: Decimal | None,
) -> tuple[Decimal, Decimal, Decimal, bool]:
    """What one project adds to MoneyTotals: allocation, planned baht, disbursed
    and whether it is disbursing behind plan (progress.money_status)."""
    status = progress.money_status(
        allocation,
        disbursed_percent,
        planned_percent,
        settings.DISBURSEMENT_BEHIND_THRESHOLD,
    )
    return (
        allocation or Decimal(0),
        progress.planned_amount(allocation, planned_percent) or Decimal(0),
        disbursed or Decimal(0),
        status == progress.MoneyStatus.BEHIND,
    )


@dataclass
class MoneyTotals:
    """Sums of projects' money: allocation, planned to date, disbursed."""

    count: int = 0
    allocated: Decimal = Decimal(0)
    planned: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    behind: int = 0

    def add_figures(
        self,
        allocation: Decimal,
        planned: Decimal,
        disbursed: Decimal,
        behind: bool,
    ) -> None:
        """Add one project's money_figures()."""
        self.count += 1
        self.allocated += allocation
        self.planned += planned
        self.disbursed += disbursed
        self.behind += behind

    def merge(self, other: MoneyTotals) -> None:
        """Add another MoneyTotals' projects."""
        self.count += other.count
        self.allocated += other.allocated
        self.planned += other.planned
        self.disbursed += other.disbursed
        self.behind += other.behind

    @property
    def disbursed_percent(self) -> Decimal | None:
        """Disbursed as a % of the allocation."""
        return progress.share_percent(self.disbursed, self.allocated)

    @property
    def of_plan_percent(self) -> Decimal | None:
        """Disbursed against the plan to date, in %."""
        return progress.share_percent(self.disbursed, self.planned)


@dataclass
class MoneyOverview:
    totals: MoneyTotals
    by_department: list[tuple[Department, MoneyTotals]]
    by_state: list[tuple[WorkState, MoneyTotals]]


# What money_overview reads of each row besides the PROGRESS_ROW_FIELDS.
MONEY_COLUMNS = (
    "department__code",
    "department__name_th",
    "department__name_en",
    "department__short_name",
    "budget_amount",
    "planned_disbursed_percent",
    "disbursed_amount",
)


def money_overview(projects: QuerySet, on: date) -> MoneyOverview:
    """The money of projects on a date: totals, per department (largest allocation
    first) and per work state, in one query."""
    return year_overview(projects.with_progress(on), on)[2]


def year_overview(
    projects: QuerySet, on: date
) -> tuple[dict, list[dict], MoneyOverview]:
    """``progress_summary()``, ``progress_by_department()`` and money_overview of
    projects ``with_progress(on)`` on that date, from one read of their rows."""
    progress_rows, money_rows = _overview_rows(projects, on)
    summary, by_department = progress_breakdown_of(progress_rows)
    return summary, by_department, summarize_money(money_rows)


def department_overviews(
    projects: QuerySet, on: date
) -> tuple[list[dict], dict[int, MoneyOverview]]:
    """``progress_by_department()`` and each department's money_overview of
    projects ``with_progress(on)``, from one read of their rows: the parts a
    city-wide page adds up (``combine_money``) and caches per department."""
    progress_rows, money_rows = _overview_rows(projects, on)
    _summary, by_department = progress_breakdown_of(progress_rows)
    grouped: dict[int, list[tuple]] = {}
    for row in money_rows:
        grouped.setdefault(row[0], []).append(row)
    return by_department, {pk: summarize_money(rows) for pk, rows in grouped.items()}


def combine_money(overviews: Iterable[MoneyOverview]) -> MoneyOverview:
    """The money_overview of the projects of several overviews (of departments):
    exactly the one of all their rows, since every figure is a sum."""
    totals = MoneyTotals()
    states = {state: MoneyTotals() for state in WorkState}
    departments: list[tuple[Department, MoneyTotals]] = []
    for overview in overviews:
        totals.merge(overview.totals)
        departments.extend(overview.by_department)
        for state, state_totals in overview.by_state:
            states[state].merge(state_totals)
    by_department = sorted(
        departments, key=lambda pair: (-pair[1].allocated, pair[0].code)
    )
    return MoneyOverview(totals, by_department, list(states.items()))


def _overview_rows(projects: QuerySet, on: date) -> tuple[list[tuple], list[tuple]]:
    """The progress rows (PROGRESS_ROW_FIELDS) and the money rows (summarize_money's
    columns) of projects ``with_progress(on)``, from one query."""
    rows = list(
        projects.with_money(on)
        .order_by()
        .values_list(*PROGRESS_ROW_FIELDS, *MONEY_COLUMNS)
    )
    size = len(PROGRESS_ROW_FIELDS)
    # The disbursed % by its Python rule (the SQL mirror's disbursed_percent
    # would run the disbursed subquery a second time for every row).
    money_rows = [
        (
            row[0],
            *row[size : size + 4],
            row[1],
            row[2],
            *row[size + 4 :],
            progress.share_percent(row[-1], row[size + 4]),
        )
        for row in rows
    ]
    return [row[:size] for row in rows], money_rows


def summarize_money(rows) -> MoneyOverview:
    """Totals, per department and per work state of money rows (see
    money_overview for their columns)."""
    threshold = settings.BEHIND_THRESHOLD
    totals = MoneyTotals()
    departments: dict[int, tuple[Department, MoneyTotals]] = {}
    states = {state: MoneyTotals() for state in WorkState}
    for pk, code, name_th, name_en, short_name, actual, planned, *money in rows:
        # Each project's figures once, added to its three totals.
        figures = money_figures(*money)
        totals.add_figures(*figures)
        if pk not in departments:
            department = Department(
                pk=pk,
                code=code,
                name_th=name_th,
                name_en=name_en,
                short_name=short_name,
            )
            departments[pk] = (department, MoneyTotals())
        departments[pk][1].add_figures(*figures)
        states[work_state(actual, planned, threshold)].add_figures(*figures)
    by_department = sorted(
        departments.values(), key=lambda pair: (-pair[1].allocated, pair[0].code)
    )
    return MoneyOverview(totals, by_department, list(states.items()))


@dataclass(frozen=True)
class MoneyPoint:
    """City-wide money at a month end: planned and (up to the reading date)
    disbursed, in baht."""

    day: date
    allocated: Decimal
    planned: Decimal
    disbursed: Decimal | None


def money_over_year(projects: QuerySet, fiscal_year: int, on: date) -> list[MoneyPoint]:
    """Planned and disbursed baht at each month end, in one query (see
    year_series)."""
    return year_series(projects, fiscal_year, on)[1]


def money_context(
    base: QuerySet,
    fiscal_year: int,
    on: date,
    points: list,
    lang: str,
    *,
    by_month: bool = True,
    overview: MoneyOverview | None = None,
    money_points: list[MoneyPoint] | None = None,
) -> dict:
    """Allocated, planned and disbursed money of the projects: totals, by work
    state, by department and (``by_month``) by month, with their charts (no
    query when given the ``overview`` and the ``money_points`` of year_series;
    else one for each)."""
    overview = overview or money_overview(base, on)
    # The month series costs a with_money() per month end; pages that do not
    # show the year's curve leave it out.
    if not by_month:
        money_points = []
    elif money_points is None:
        money_points = money_over_year(base, fiscal_year, on)
    return {
        "money": overview,
        "money_points": money_points,
        "money_figure": charts.money_curve(
            [
                (p.day, progress.share_percent(p.planned, p.allocated) or 0)
                for p in money_points
            ],
            [
                (p.day, progress.share_percent(p.disbursed, p.allocated) or 0)
                for p in money_points
                if p.disbursed is not None
            ],
            [(p.day, p.actual) for p in points if p.actual is not None],
            lang,
            today=on,
        )
        if overview.totals.allocated and money_points
        else None,
        "money_department_figure": charts.money_by_department(
            [
                (
                    department.short_name or department.code,
                    sums.allocated,
                    sums.planned,
                    sums.disbursed,
                )
                for department, sums in overview.by_department
                if sums.allocated
            ][:15],
            lang,
        )
        # Drawn beside the year's curve only (the table gives the same figures).
        if money_points
        else None,
    }
