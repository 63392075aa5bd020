"""The figures of the report dashboards, each computed in a constant number of queries.

The queries start from the querysets the reading pages use (``with_progress``,
``progress_by_department``, ``with_achievement``), so a dashboard can never
disagree with the overview, the department pages or the KPI pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import (
    Avg,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from indicators.models import (
    VALUE_FIELD,
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorResult,
)
from projects import progress, thaicalendar
from projects.models import Department, ProjectEvaluation, localized

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


def progress_over_year(
    projects: QuerySet, fiscal_year: int, on: date
) -> list[ProgressPoint]:
    """The average planned and actual % at each month end, in one query.

    ``projects`` is a plain project queryset (not yet ``with_progress``). Each
    day is one ``with_progress(on=day)`` aggregate; the parts are sent as one
    UNION ALL. The average actual counts a project without reports as 0, as
    ``progress_summary`` does. Empty when there is no project.
    """
    days = progress_days(fiscal_year, on)
    parts = [
        projects.with_progress(day)
        .order_by()
        .annotate(point=Value(index, output_field=IntegerField()))
        .values("point")
        .annotate(
            count=Count("pk"),
            actual=Avg(Coalesce("actual_percent", Value(Decimal(0)))),
            planned=Avg("planned_percent"),
        )
        for index, day in enumerate(days)
    ]
    rows = {row["point"]: row for row in parts[0].union(*parts[1:], all=True)}
    if not any(row["count"] for row in rows.values()):
        return []
    points = []
    for index, day in enumerate(days):
        row = rows[index]
        points.append(
            ProgressPoint(
                day=day,
                planned=_decimal(row["planned"]),
                actual=_decimal(row["actual"]) if day <= on else None,
            )
        )
    return points


def department_rows(projects: QuerySet) -> list[dict]:
    """``progress_by_department`` of projects with progress, with each Department.

    Sorted by average actual %, highest first, then by code. Two queries.
    """
    departments = {department.pk: department for department in Department.objects.all()}
    rows = [
        {**row, "department": departments[row["department"]]}
        for row in projects.progress_by_department()
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
