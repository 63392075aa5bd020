"""Quarterly evaluation: scoring projects and KPIs, locking quarters, and what the
evaluators' pages show.

Writes are keyword-only functions, one transaction each, with the person stamped
on the audit history (``stamp``, which also makes the cached pages stale).
Scores carry the version of the evaluation the person saw (0 when the quarter was
not scored yet); a save over one that someone else made after that is refused
with ConflictError, as in ``projects.services``.

Reads gather a quarter's projects and KPIs with their evidence in a constant
number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from notifications import outbox
from projects import access, progress, quality, thaicalendar
from projects.models import (
    PERCENT_FIELD,
    Department,
    FiscalYearReopening,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
)
from projects.services import ConflictError, stamp


class AlreadyLockedError(Exception):
    """The quarter is already locked for that department (or for all)."""


class NotLockedError(Exception):
    """There is no active lock of that quarter and department to reopen."""


# Writes


@dataclass(frozen=True)
class ProjectScore:
    """A project's score for the quarter, and the version of it the person saw."""

    project: Project
    score: Decimal
    version: int = 0
    comment: str | None = None  # None keeps the comment as it is


@dataclass(frozen=True)
class IndicatorScores:
    """A KPI's scores by criterion, and the version of its evaluation the person saw.

    Only the criteria given are written; the others keep their scores.
    """

    indicator: Indicator
    scores: Mapping[EvaluationCriterion, Decimal]
    version: int = 0
    comment: str | None = None  # None keeps the comment as it is


def score_project(
    *,
    project: Project,
    quarter: int,
    user,
    score: Decimal,
    comment: str | None = None,
    version: int = 0,
) -> ProjectEvaluation:
    """Score a project's quarter, unless someone scored it since ``version``."""
    saved = score_many(
        quarter=quarter,
        user=user,
        projects=[ProjectScore(project, score, version, comment)],
    )
    return saved.projects[0]


def score_indicator(
    *,
    indicator: Indicator,
    quarter: int,
    user,
    scores: Mapping[EvaluationCriterion, Decimal],
    comment: str | None = None,
    version: int = 0,
) -> IndicatorEvaluation:
    """Score a KPI's quarter per criterion, unless scored since ``version``."""
    saved = score_many(
        quarter=quarter,
        user=user,
        indicators=[IndicatorScores(indicator, scores, version, comment)],
    )
    return saved.indicators[0]


@dataclass
class Saved:
    """The evaluations score_many wrote or found unchanged, in the order given."""

    projects: list[ProjectEvaluation] = field(default_factory=list)
    indicators: list[IndicatorEvaluation] = field(default_factory=list)
    changed: int = 0


def score_many(
    *,
    quarter: int,
    user,
    projects: Sequence[ProjectScore] = (),
    indicators: Sequence[IndicatorScores] = (),
) -> Saved:
    """Score many projects and KPIs of one quarter: all of them, or none.

    A score equal to the stored one writes nothing. Any conflict rolls back
    every score and raises ConflictError.
    """
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")
    saved = Saved()
    try:
        with transaction.atomic():
            stored = {
                e.project_id: e
                for e in ProjectEvaluation.objects.select_for_update()
                .filter(project__in=[row.project for row in projects], quarter=quarter)
                .order_by("pk")
            }
            for row in projects:
                evaluation, changed = _score_project(
                    row, stored.get(row.project.pk), quarter, user
                )
                saved.projects.append(evaluation)
                saved.changed += changed
            kpi_stored = {
                e.indicator_id: e
                for e in IndicatorEvaluation.objects.select_for_update()
                .filter(
                    indicator__in=[row.indicator for row in indicators],
                    quarter=quarter,
                )
                .order_by("pk")
            }
            kpi_scores: dict[int, dict[int, CriterionScore]] = defaultdict(dict)
            for score in CriterionScore.objects.filter(
                evaluation__in=list(kpi_stored.values())
            ):
                kpi_scores[score.evaluation_id][score.criterion_id] = score
            for row in indicators:
                existing = kpi_stored.get(row.indicator.pk)
                evaluation, changed = _score_indicator(
                    row,
                    existing,
                    kpi_scores[existing.pk] if existing else {},
                    quarter,
                    user,
                )
                saved.indicators.append(evaluation)
                saved.changed += changed
    except IntegrityError as error:
        # Another evaluator scored the same quarter first, between read and write.
        raise ConflictError from error
    return saved


def _score_project(
    row: ProjectScore, existing: ProjectEvaluation | None, quarter: int, user
) -> tuple[ProjectEvaluation, bool]:
    if (existing.version if existing else 0) != row.version:
        raise ConflictError
    if existing is None:
        evaluation = ProjectEvaluation(
            project=row.project,
            quarter=quarter,
            score=row.score,
            comment=row.comment or "",
            evaluator=user,
        )
    else:
        evaluation = existing
        same_comment = row.comment is None or row.comment == evaluation.comment
        if evaluation.score == row.score and same_comment:
            return evaluation, False
        evaluation.score = row.score
        if row.comment is not None:
            evaluation.comment = row.comment
        evaluation.evaluator = user
        evaluation.version += 1
    stamp(evaluation, user)
    evaluation.save()
    outbox.project_scored(evaluation, actor=user)
    return evaluation, True


def _score_indicator(
    row: IndicatorScores,
    existing: IndicatorEvaluation | None,
    stored: dict[int, CriterionScore],
    quarter: int,
    user,
) -> tuple[IndicatorEvaluation, bool]:
    if (existing.version if existing else 0) != row.version:
        raise ConflictError
    for criterion, value in row.scores.items():
        if criterion.fiscal_year != row.indicator.fiscal_year:
            raise ValueError(f"criterion {criterion} is not of the KPI's fiscal year")
        if not 0 <= value <= criterion.max_score:
            raise ValueError(f"score {value} is outside 0 to {criterion.max_score}")
    evaluation = existing or IndicatorEvaluation(
        indicator=row.indicator, quarter=quarter, comment=row.comment or ""
    )
    changed_scores = [
        (criterion, value)
        for criterion, value in row.scores.items()
        if criterion.pk not in stored or stored[criterion.pk].score != value
    ]
    new_comment = row.comment is not None and row.comment != evaluation.comment
    if existing is not None and not changed_scores and not new_comment:
        return existing, False
    if existing is not None:
        evaluation.version += 1
    if row.comment is not None:
        evaluation.comment = row.comment
    evaluation.evaluator = user
    stamp(evaluation, user)
    evaluation.save()
    for criterion, value in changed_scores:
        score = stored.get(criterion.pk) or CriterionScore(
            evaluation=evaluation, criterion=criterion
        )
        score.score = value
        stamp(score, user)
        score.save()
    return evaluation, True


def lock_quarter(
    *, fiscal_year: int, quarter: int, department: Department | None, user
) -> QuarterLock:
    """Lock a quarter for one department, or for all when ``department`` is None."""
    thaicalendar.quarter_bounds(fiscal_year, quarter)
    try:
        with transaction.atomic():
            covering = QuarterLock.objects.active().filter(
                fiscal_year=fiscal_year, quarter=quarter
            )
            if department is None:
                covering = covering.filter(department__isnull=True)
            else:
                covering = covering.filter(
                    Q(department=department) | Q(department__isnull=True)
                )
            if covering.exists():
                raise AlreadyLockedError
            lock = QuarterLock(
                fiscal_year=fiscal_year,
                quarter=quarter,
                department=department,
                locked_by=user,
            )
            stamp(lock, user)
            lock.save()
            outbox.quarter_lock_changed(lock, reopened=False, actor=user)
    except IntegrityError as error:
        # Another evaluator locked it between the check and the write.
        raise AlreadyLockedError from error
    return lock


def reopen_quarter(
    *,
    fiscal_year: int,
    quarter: int,
    department: Department | None,
    user,
    reason: str,
) -> QuarterLock:
    """Reopen a locked quarter of one department (or the lock for all), saying why."""
    if not reason.strip():
        raise ValueError("a reason is required to reopen a quarter")
    with transaction.atomic():
        lock = (
            QuarterLock.objects.active()
            .select_for_update()
            .filter(fiscal_year=fiscal_year, quarter=quarter, department=department)
            .order_by("pk")  # the default ordering joins the department
            .first()
        )
        if lock is None:
            raise NotLockedError
        lock.reopened_at = timezone.now()
        lock.reopened_by = user
        lock.reopen_reason = reason
        stamp(lock, user)
        lock.save()
        outbox.quarter_lock_changed(lock, reopened=True, actor=user)
    return lock


class YearNotClosedError(Exception):
    """The fiscal year is open: it has not closed yet, or is reopened already."""


class YearNotReopenedError(Exception):
    """There is no active reopening of the fiscal year to close again."""


def reopen_year(*, fiscal_year: int, user, reason: str) -> FiscalYearReopening:
    """Reopen a fiscal year that closed by itself, saying why (audited)."""
    if not reason.strip():
        raise ValueError("a reason is required to reopen a fiscal year")
    try:
        with transaction.atomic():
            if not access.year_closed(fiscal_year):
                raise YearNotClosedError
            reopening = FiscalYearReopening(
                fiscal_year=fiscal_year, reason=reason, reopened_by=user
            )
            stamp(reopening, user)
            reopening.save()
    except IntegrityError as error:
        # Another evaluator reopened it between the check and the write.
        raise YearNotClosedError from error
    return reopening


def close_year(*, fiscal_year: int, user) -> FiscalYearReopening:
    """Close a reopened fiscal year again; the reopening keeps who closed it."""
    with transaction.atomic():
        reopening = (
            FiscalYearReopening.objects.active()
            .select_for_update()
            .filter(fiscal_year=fiscal_year)
            .first()
        )
        if reopening is None:
            raise YearNotReopenedError
        reopening.closed_at = timezone.now()
        reopening.closed_by = user
        stamp(reopening, user)
        reopening.save()
    return reopening


# Reads


def reading_date(fiscal_year: int, quarter: int, today: date) -> date:
    """The date a quarter's progress is read at: its last day, or today if earlier."""
    _start, end = thaicalendar.quarter_bounds(fiscal_year, quarter)
    return thaicalendar.within_fiscal_year(min(end, today), fiscal_year)


def has_started(fiscal_year: int, quarter: int, today: date) -> bool:
    """True once the quarter's first day has come."""
    return thaicalendar.quarter_bounds(fiscal_year, quarter)[0] <= today


@dataclass(frozen=True)
class Counts:
    total: int
    reported: int
    scored: int

    @property
    def left(self) -> int:
        """What the evaluators still have to score."""
        return self.total - self.scored


@dataclass
class ProjectRow:
    """A project in a quarter: ``project`` carries with_progress at the quarter's
    reading date, ``quarter_report_date`` and ``quarter_percent`` (its latest
    update dated in the quarter, or None) and ``quarter_reports``."""

    project: Project
    evaluation: ProjectEvaluation | None
    flags: list[quality.Flag]

    @property
    def reported(self) -> bool:
        return self.project.quarter_report_date is not None

    @property
    def scored(self) -> bool:
        return self.evaluation is not None


@dataclass
class IndicatorRow:
    """A KPI in a quarter: its result, evaluation, a score per criterion, flags."""

    indicator: Indicator
    result: IndicatorResult | None
    evaluation: IndicatorEvaluation | None
    scores: list[tuple[EvaluationCriterion, Decimal | None]]
    flags: list[quality.Flag]

    @property
    def reported(self) -> bool:
        return self.result is not None

    @property
    def scored(self) -> bool:
        """Every criterion of the year scored (or, without criteria, an evaluation)."""
        if self.evaluation is None:
            return False
        return all(score is not None for _criterion, score in self.scores)

    @property
    def partly_scored(self) -> bool:
        return not self.scored and any(s is not None for _c, s in self.scores)

    @property
    def target(self) -> Decimal:
        """The target in force at the end of the result's quarter (else the current)."""
        if self.result is None:
            return self.indicator.target
        return self.indicator.quarter_target(self.result.quarter)

    @property
    def achievement(self) -> Decimal | None:
        """The quarter's result against the target in force at the quarter's end."""
        if self.result is None:
            return None
        return self.indicator.achievement_percent(
            self.result.value, quarter=self.result.quarter
        )


@dataclass
class QuarterReview:
    """Everything the evaluators look at in one quarter, for one department or all."""

    fiscal_year: int
    quarter: int
    on: date
    department: Department | None
    criteria: list[EvaluationCriterion]
    projects: list[ProjectRow]
    indicators: list[IndicatorRow]

    @property
    def bounds(self) -> tuple[date, date]:
        return thaicalendar.quarter_bounds(self.fiscal_year, self.quarter)

    @property
    def project_counts(self) -> Counts:
        return Counts(
            len(self.projects),
            sum(row.reported for row in self.projects),
            sum(row.scored for row in self.projects),
        )

    @property
    def indicator_counts(self) -> Counts:
        return Counts(
            len(self.indicators),
            sum(row.reported for row in self.indicators),
            sum(row.scored for row in self.indicators),
        )


def quarter_projects(
    fiscal_year: int, quarter: int, on: date, department: Department | None = None
):
    """The year's projects with progress on ``on``, their latest update dated in
    the quarter and their evaluation of the quarter (``quarter_evaluations``)."""
    start, end = thaicalendar.quarter_bounds(fiscal_year, quarter)
    in_quarter = (
        ProgressUpdate.objects.published()
        .filter(project=OuterRef("pk"), report_date__gte=start, report_date__lte=end)
        .order_by("-report_date")
    )
    projects = Project.objects.for_fiscal_year(fiscal_year)
    if department is not None:
        projects = projects.filter(department=department)
    return (
        projects.select_related("department")
        .with_progress(on)
        .annotate(
            quarter_report_date=Subquery(in_quarter.values("report_date")[:1]),
            quarter_percent=Subquery(
                in_quarter.values("percent")[:1], output_field=PERCENT_FIELD
            ),
        )
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=ProjectEvaluation.objects.filter(
                    quarter=quarter
                ).select_related("evaluator"),
                to_attr="quarter_evaluations",
            )
        )
        .order_by("department__code", "code")
    )


def quarter_project_flags(
    project: Project,
    steps: list[tuple],
    updates: list[tuple],
    quarter: int,
    scored: bool,
    today: date,
) -> list[quality.Flag]:
    """The data-quality flags of a project as of a quarter: the rules of the
    data-quality report, on the updates up to the quarter's end, keeping the
    flags of reports dated in the quarter and those of no one report. An update
    may carry its cumulative disbursed as a fourth value (the money flags)."""
    start, end = thaicalendar.quarter_bounds(project.fiscal_year, quarter)
    updates = [update for update in updates if update[0] <= end]
    flags = quality.project_flags(
        fiscal_year=project.fiscal_year,
        behind=project.status == progress.Status.BEHIND,
        steps=steps,
        updates=[tuple(update[:3]) for update in updates],
        quarters_scored=[quarter] if scored else [],
        today=today,
        allocation=project.budget_amount,
        disbursed=[update[3] if len(update) > 3 else None for update in updates],
    )
    return [flag for flag in flags if flag.day is None or start <= flag.day <= end]


def _project_facts(
    projects: Sequence[Project],
) -> tuple[dict[int, list[tuple]], dict[int, list[tuple]]]:
    """Plan steps (weight, start, end) and updates (date, %, problems, disbursed)
    by project."""
    ids = [project.pk for project in projects]
    steps: dict[int, list[tuple]] = defaultdict(list)
    updates: dict[int, list[tuple]] = defaultdict(list)
    if not ids:
        return steps, updates
    for project_id, *step in (
        PlanStep.objects.filter(project__in=ids)
        .order_by("project_id", "number")
        .values_list("project_id", "weight", "planned_start", "planned_end")
    ):
        steps[project_id].append(tuple(step))
    for project_id, *update in (
        ProgressUpdate.objects.published()
        .filter(project__in=ids)
        .order_by("project_id", "report_date")
        .values_list("project_id", "report_date", "percent", "problems", "disbursed")
    ):
        updates[project_id].append(tuple(update))
    return steps, updates


def project_rows(
    projects: Sequence[Project], quarter: int, today: date
) -> list[ProjectRow]:
    """Rows of projects from quarter_projects(), with their flags; two queries."""
    steps, updates = _project_facts(projects)
    rows = []
    for project in projects:
        evaluation = next(iter(project.quarter_evaluations), None)
        rows.append(
            ProjectRow(
                project,
                evaluation,
                quarter_project_flags(
                    project,
                    steps[project.pk],
                    updates[project.pk],
                    quarter,
                    evaluation is not None,
                    today,
                ),
            )
        )
    return rows


def indicator_rows(
    indicators: Sequence[Indicator],
    criteria: list[EvaluationCriterion],
    quarter: int,
) -> list[IndicatorRow]:
    """Rows of KPIs from ``Indicator.objects.for_page()`` for one quarter."""
    rows = []
    for indicator in indicators:
        row = indicator.quarter_rows(criteria)[quarter - 1]
        rows.append(
            IndicatorRow(
                indicator,
                row.result,
                row.evaluation,
                list(zip(criteria, row.scores, strict=True)),
                row.flags,
            )
        )
    return rows


def quarter_review(
    *,
    fiscal_year: int,
    quarter: int,
    today: date,
    department: Department | None = None,
) -> QuarterReview:
    """A quarter's projects and KPIs with their evidence; eight queries."""
    on = reading_date(fiscal_year, quarter, today)
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fiscal_year))
    projects = list(quarter_projects(fiscal_year, quarter, on, department))
    indicators = Indicator.objects.for_fiscal_year(fiscal_year)
    if department is not None:
        indicators = indicators.filter(department=department)
    indicators = list(indicators.for_page().order_by("department__code", "code"))
    return QuarterReview(
        fiscal_year=fiscal_year,
        quarter=quarter,
        on=on,
        department=department,
        criteria=criteria,
        projects=project_rows(projects, quarter, today),
        indicators=indicator_rows(indicators, criteria, quarter),
    )


def quarter_locks(fiscal_year: int, quarter: int) -> list[QuarterLock]:
    """Every lock of the quarter, active first, then reopened ones, newest first."""
    return sorted(
        QuarterLock.objects.filter(fiscal_year=fiscal_year, quarter=quarter)
        .select_related("department", "locked_by", "reopened_by")
        .order_by("-locked_at", "-pk"),
        key=lambda lock: not lock.is_active,
    )


# The summary


@dataclass(frozen=True)
class Average:
    score: Decimal
    count: int


@dataclass
class DepartmentScores:
    """A department's average scores: ``cells`` holds (quarter, averages) for
    quarters 1–4, the averages being the projects' first, then one per criterion
    (None where nothing is scored)."""

    department: Department
    cells: list[tuple[int, list[Average | None]]]


def _average(value: Decimal | float | None, count: int) -> Average | None:
    if value is None or not count:
        return None
    # SQLite averages decimals as floats; str() keeps their shortest form.
    return Average(Decimal(str(value)).quantize(Decimal("0.01")), count)


def department_scores(
    fiscal_year: int, criteria: list[EvaluationCriterion]
) -> list[DepartmentScores]:
    """Average project and KPI criterion scores per department and quarter, computed
    in the database; departments with a project or KPI in the year, by code."""
    departments = Department.objects.filter(
        Exists(
            Project.objects.filter(department=OuterRef("pk"), fiscal_year=fiscal_year)
        )
        | Exists(
            Indicator.objects.filter(department=OuterRef("pk"), fiscal_year=fiscal_year)
        )
    ).order_by("code")
    projects = (
        ProjectEvaluation.objects.filter(project__fiscal_year=fiscal_year)
        .order_by()
        .values_list("project__department", "quarter")
        .annotate(average=Avg("score"), count=Count("pk"))
    )
    kpis = (
        CriterionScore.objects.filter(evaluation__indicator__fiscal_year=fiscal_year)
        .order_by()
        .values_list(
            "evaluation__indicator__department", "evaluation__quarter", "criterion"
        )
        .annotate(average=Avg("score"), count=Count("pk"))
    )
    averages: dict[tuple, Average | None] = {}
    for department_id, quarter, average, count in projects:
        averages[department_id, quarter, None] = _average(average, count)
    for department_id, quarter, criterion_id, average, count in kpis:
        averages[department_id, quarter, criterion_id] = _average(average, count)
    series = [None, *(criterion.pk for criterion in criteria)]
    return [
        DepartmentScores(
            department,
            [
                (quarter, [averages.get((department.pk, quarter, s)) for s in series])
                for quarter in range(1, 5)
            ],
        )
        for department in departments
    ]
