"""KPIs (ตัวชี้วัด), their quarter results and the evaluators' scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Avg, Case, Max, OuterRef, Prefetch, Q, Subquery, Sum, When
from django.db.models.functions import Round
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects import approval, progress, quality
from projects.fields import NormalizedCharField, NormalizedTextField, person_field
from projects.models import (
    FISCAL_YEAR_VALIDATORS,
    PERCENT_VALIDATORS,
    QUARTER_VALIDATORS,
    Department,
    PortalHistoricalRecords,
    Project,
    Reviewed,
    localized,
)
from projects.thaicalendar import quarter_bounds

VALUE_FIELD = models.DecimalField(max_digits=15, decimal_places=2)
indicator_code_validator = RegexValidator(
    r"^\d{4}-\d{1,6}$",
    _("A KPI code is four digits, a dash and a number, e.g. 2100-1044."),
)


@dataclass
class QuarterRow:
    """One quarter of a KPI as its pages show it."""

    quarter: int
    result: IndicatorResult | None
    evaluation: IndicatorEvaluation | None
    scores: list[Decimal | None]
    flags: list[quality.Flag]
    target: Decimal | None = None  # the target in force at the quarter's end
    achievement: Decimal | None = None  # the quarter's result against that target


class IndicatorQuerySet(models.QuerySet):
    def for_fiscal_year(self, fiscal_year: int) -> IndicatorQuerySet:
        return self.filter(fiscal_year=fiscal_year)

    def for_page(self) -> IndicatorQuerySet:
        """What a KPI block shows: achievement, results, target revisions,
        evaluations and scores."""
        return (
            self.with_achievement()
            .select_related("department")
            .prefetch_related(*self.page_prefetches())
        )

    @staticmethod
    def page_prefetches() -> list[Prefetch]:
        """The related rows ``for_page`` fetches, for ``prefetch_related_objects``
        on a KPI already read."""
        scores = CriterionScore.objects.select_related("criterion")
        return [
            Prefetch("results", queryset=IndicatorResult.objects.published()),
            Prefetch(
                "revisions",
                queryset=TargetRevision.objects.select_related("author"),
            ),
            Prefetch(
                "evaluations",
                queryset=IndicatorEvaluation.objects.prefetch_related(
                    Prefetch("scores", queryset=scores)
                ),
            ),
        ]

    def with_achievement(self) -> IndicatorQuerySet:
        """Annotate ``achieved``: the results combined by each KPI's aggregation."""
        results = (
            IndicatorResult.objects.published()
            .filter(indicator=OuterRef("pk"))
            .order_by()
        )

        def over_results(aggregate) -> Subquery:
            return Subquery(
                results.values("indicator").annotate(v=aggregate).values("v"),
                output_field=VALUE_FIELD,
            )

        latest = Subquery(
            results.order_by("-quarter").values("value")[:1], output_field=VALUE_FIELD
        )
        return self.annotate(
            achieved=Case(
                When(
                    aggregation=progress.Aggregation.SUM,
                    then=over_results(Sum("value")),
                ),
                When(
                    aggregation=progress.Aggregation.MAX,
                    then=over_results(Max("value")),
                ),
                When(
                    aggregation=progress.Aggregation.MEAN,
                    then=Round(over_results(Avg("value")), 2, output_field=VALUE_FIELD),
                ),
                default=latest,
                output_field=VALUE_FIELD,
            ),
        )


class EvaluationCriterion(models.Model):
    """A criterion KPIs are scored on in a fiscal year (the seed's 2.1 and 2.2)."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=FISCAL_YEAR_VALIDATORS
    )
    code = NormalizedCharField(_("code"), max_length=20)
    name_th = NormalizedCharField(_("name (Thai)"), max_length=255)
    name_en = NormalizedCharField(_("name (English)"), max_length=255, blank=True)
    max_score = models.DecimalField(
        _("maximum score"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=PERCENT_VALIDATORS,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["fiscal_year", "code"]
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "code"], name="criterion_unique_code_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.code} {self.name_th}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized(self.name_th, self.name_en)


class Indicator(models.Model):
    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic KPI")
        ROUTINE = "routine", _("Routine KPI")
        NEGOTIATED = "negotiated", _("Negotiated KPI")
        OBJECTIVE = "objective", _("Objective-level KPI")

    class Level(models.TextChoices):
        OUTPUT = "output", _("Output")
        OUTCOME = "outcome", _("Outcome")

    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[indicator_code_validator]
    )
    name_th = NormalizedTextField(_("name (Thai)"))
    name_en = NormalizedTextField(_("name (English)"), blank=True)
    unit = NormalizedCharField(_("unit"), max_length=50)
    target = models.DecimalField(_("target"), max_digits=15, decimal_places=2)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.STRATEGIC
    )
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.OUTPUT
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=FISCAL_YEAR_VALIDATORS
    )
    definition = NormalizedTextField(_("definition"), blank=True)
    calculation_method = NormalizedTextField(_("calculation method"), blank=True)
    aggregation = models.CharField(
        _("aggregation of quarters"),
        max_length=10,
        choices=progress.Aggregation.choices,
        default=progress.Aggregation.LATEST,
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=progress.Direction.choices,
        default=progress.Direction.HIGHER,
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects"), blank=True, related_name="indicators"
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IndicatorQuerySet.as_manager()
    history = PortalHistoricalRecords(m2m_fields=["projects"])

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        indexes = [models.Index(fields=["fiscal_year", "department"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2500, fiscal_year__lte=2700),
                name="indicator_fiscal_year_be",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:detail", args=[self.code])

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized(self.name_th, self.name_en)

    @property
    def is_percentage(self) -> bool:
        """True when the unit is a percentage (ร้อยละ), so values above 100 are odd."""
        return self.unit.strip() in {"ร้อยละ", "%", "percent"}

    def achievement_percent(
        self, achieved: Decimal | None, quarter: int | None = None
    ) -> Decimal | None:
        """The achieved value against the target in %, respecting the direction.

        Against the current target, or the one in force at the end of ``quarter``.
        """
        target = self.target if quarter is None else self.quarter_target(quarter)
        return progress.achievement_percent(achieved, target, self.direction)

    def target_on(self, day: date) -> Decimal:
        """The target in force on a day (reads prefetched ``revisions``)."""
        return progress.target_on(
            [(r.valid_from, r.valid_until, r.target) for r in self.revisions.all()],
            self.target,
            day,
        )

    def quarter_target(self, quarter: int) -> Decimal:
        """The target in force at the end of a quarter of the KPI's year."""
        return self.target_on(quarter_bounds(self.fiscal_year, quarter)[1])

    def value_flags(self, quarter: int, value: Decimal) -> list[quality.Flag]:
        """Data-quality flags of a quarter's result, against that quarter's target."""
        return quality.indicator_value_flags(
            value, self.quarter_target(quarter), self.is_percentage
        )

    def needs_checking(self, values: dict[int, Decimal | None]) -> bool:
        """True when a quarter's result carries a data-quality flag (by quarter)."""
        return quality.needs_checking(
            [
                self.value_flags(quarter, value)
                for quarter, value in values.items()
                if value is not None
            ]
        )

    def quarter_rows(self, criteria: list[EvaluationCriterion]) -> list[QuarterRow]:
        """Quarters 1–4 with result, evaluation, a score per criterion and flags.

        Reads the prefetched results and evaluations of ``for_page()``.
        """
        results = {result.quarter: result for result in self.results.all()}
        evaluations = {e.quarter: e for e in self.evaluations.all()}
        rows = []
        for quarter in range(1, 5):
            result = results.get(quarter)
            evaluation = evaluations.get(quarter)
            by_criterion = (
                {s.criterion_id: s.score for s in evaluation.scores.all()}
                if evaluation
                else {}
            )
            target = self.quarter_target(quarter)
            flags = []
            if result is not None:
                flags += self.value_flags(quarter, result.value)
            if evaluation is not None and by_criterion:
                flags += quality.scored_without_result(
                    quarter, result.value if result else None
                )
            rows.append(
                QuarterRow(
                    quarter=quarter,
                    result=result,
                    evaluation=evaluation,
                    scores=[by_criterion.get(c.pk) for c in criteria],
                    flags=flags,
                    target=target,
                    achievement=progress.achievement_percent(
                        result.value if result else None, target, self.direction
                    ),
                )
            )
        return rows

    def target_changes(self) -> list[tuple[Decimal, TargetRevision]]:
        """Each revision of the target with the target it replaced, oldest first.

        Reads prefetched ``revisions``; the original target is no change.
        """
        revisions = list(self.revisions.all())
        return [
            (before.target, after)
            for before, after in zip(revisions, revisions[1:], strict=False)
        ]

    def quarter_values(self) -> dict[int, Decimal | None]:
        """Each quarter's result value (reads prefetched ``results``)."""
        return {result.quarter: result.value for result in self.results.all()}


class TargetRevision(models.Model):
    """A KPI's target over a span of days, with why and by whom it was changed.

    A KPI whose target changes after it has results keeps every target it had:
    the original (``valid_from`` None) and each revision. A revision holds from
    ``valid_from`` up to the day before ``valid_until`` (None: still in force);
    the one in force is also ``Indicator.target``.
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    target = models.DecimalField(_("target"), max_digits=15, decimal_places=2)
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_until = models.DateField(_("replaced from"), null=True, blank=True)
    reason = NormalizedTextField(_("reason for the change"), blank=True)
    author = person_field(_("changed by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "number"]
        verbose_name = _("KPI target revision")
        verbose_name_plural = _("KPI target revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "number"], name="target_revision_number_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} #{self.number}: {self.target}"


class IndicatorResultQuerySet(models.QuerySet):
    def published(self) -> IndicatorResultQuerySet:
        """Approved results: the only ones pages and KPI achievement use."""
        return self.filter(status=approval.State.APPROVED)

    def for_review(self) -> IndicatorResultQuerySet:
        """Submitted results as the approver's queue shows them, newest first."""
        return (
            self.filter(status=approval.State.SUBMITTED)
            .select_related("indicator__department", "author")
            .order_by("-submitted_at", "-pk")
        )


class IndicatorResult(Reviewed):
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=QUARTER_VALIDATORS
    )
    value = models.DecimalField(_("result"), max_digits=15, decimal_places=2)
    report = NormalizedTextField(_("report"), blank=True)
    author = person_field(_("author"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IndicatorResultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "quarter"]
        verbose_name = _("KPI result")
        verbose_name_plural = _("KPI results")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "quarter"],
                name="indicator_result_one_per_quarter",
                violation_error_message=_(
                    "This KPI already has a result for that quarter."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="indicator_result_quarter_1_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} Q{self.quarter}: {self.value}"


class IndicatorEvaluation(models.Model):
    """The evaluators' verdict on one KPI in one quarter, scored per criterion."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=QUARTER_VALIDATORS
    )
    comment = NormalizedTextField(_("comment"), blank=True)
    evaluator = person_field(_("evaluator"))
    evaluated_at = models.DateTimeField(_("evaluated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "quarter"]
        verbose_name = _("KPI evaluation")
        verbose_name_plural = _("KPI evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "quarter"],
                name="indicator_evaluation_one_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="indicator_evaluation_quarter_1_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} Q{self.quarter}"


class CriterionScore(models.Model):
    evaluation = models.ForeignKey(
        IndicatorEvaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    criterion = models.ForeignKey(
        EvaluationCriterion,
        verbose_name=_("criterion"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["evaluation", "criterion__code"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="criterion_score_once"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="criterion_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.criterion.code}: {self.score}"
