"""What the read API returns for each object.

Each serializer lists its fields in ``Meta.fields`` (or ``FIELDS``): a new column
of a model (a project's money, an update's evidence files) is published by adding
its name to that list, one line. Derived figures are read from the querysets that
compute them (``Project.objects.with_progress``, ``Indicator...with_achievement``)
and the model methods that apply the rules; nothing is computed here.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.models import Attachment
from indicators.models import (
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import progress
from projects.models import (
    Department,
    PlanRevision,
    PlanRevisionStep,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)

PERCENT = {"max_digits": 6, "decimal_places": 2, "read_only": True, "allow_null": True}
MONEY = {"max_digits": 15, "decimal_places": 2, "read_only": True, "allow_null": True}


def code_of(field: str = "code", **kwargs) -> serializers.SlugRelatedField:
    """A link shown as the other object's code (department 21000000)."""
    return serializers.SlugRelatedField(slug_field=field, read_only=True, **kwargs)


class DepartmentSerializer(serializers.ModelSerializer):
    parent = code_of(allow_null=True)

    class Meta:
        model = Department
        fields = ["code", "name_th", "name_en", "short_name", "kind", "parent"]


class StrategyNodeSerializer(serializers.ModelSerializer):
    parent = code_of(allow_null=True)

    class Meta:
        model = StrategyNode
        fields = ["code", "level", "title_th", "title_en", "parent"]


class FiscalYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Buddhist Era, e.g. 2563")
    starts = serializers.DateField()
    ends = serializers.DateField()
    closes_on = serializers.DateField(
        help_text="The day its reports and results become read-only."
    )
    closed = serializers.BooleanField()
    projects = serializers.IntegerField()
    indicators = serializers.IntegerField()


class ProjectSerializer(serializers.ModelSerializer):
    department = code_of()
    strategies = code_of(many=True)
    predecessor = code_of(allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    # Derived figures, from with_progress() and the model's rules.
    progress_on = serializers.DateField(read_only=True)
    actual_percent = serializers.DecimalField(**PERCENT)
    planned_percent = serializers.DecimalField(**PERCENT)
    gap = serializers.DecimalField(**PERCENT)
    status = serializers.ChoiceField(choices=progress.Status.choices, read_only=True)
    last_report_date = serializers.DateField(read_only=True, allow_null=True)
    report_overdue = serializers.BooleanField(read_only=True)
    overdue_months = serializers.SerializerMethodField()
    # Money, from with_money() and the model's rules (issue 18).
    disbursed_amount = serializers.DecimalField(**MONEY)
    committed_amount = serializers.DecimalField(**MONEY)
    disbursed_percent = serializers.DecimalField(**PERCENT)
    planned_disbursed_percent = serializers.DecimalField(**PERCENT)
    disbursed_of_plan = serializers.DecimalField(**PERCENT)
    money_status = serializers.ChoiceField(
        choices=progress.MoneyStatus.choices, read_only=True
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name_th",
            "name_en",
            "kind",
            "department",
            "fiscal_year",
            "officer_name",
            "budget_owner_unit",
            "budget_implementing_unit",
            "budget_amount",
            "rationale",
            "objectives",
            "targets",
            "is_routine",
            "strategies",
            "predecessor",
            "url",
            "progress_on",
            "actual_percent",
            "planned_percent",
            "gap",
            "status",
            "last_report_date",
            "report_overdue",
            "overdue_months",
            "citizen_benefit",
            "disbursed_amount",
            "committed_amount",
            "disbursed_percent",
            "planned_disbursed_percent",
            "disbursed_of_plan",
            "money_status",
            "updated_at",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_overdue_months(self, project: Project) -> list[str]:
        """Months whose report is past due and missing, as YYYY-MM."""
        return [f"{year}-{month:02d}" for year, month in project.missing_months]


class PlanStepSerializer(serializers.ModelSerializer):
    project = code_of()
    is_milestone = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanStep
        fields = [
            "project",
            "number",
            "description",
            "weight",
            "planned_start",
            "planned_end",
            "is_milestone",
        ]


class FrozenStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanRevisionStep
        fields = ["number", "description", "weight", "planned_start", "planned_end"]


class PlanRevisionSerializer(serializers.ModelSerializer):
    project = code_of()
    steps = FrozenStepSerializer(
        many=True,
        read_only=True,
        help_text="The frozen plan of a superseded revision; empty for the one in "
        "force, whose steps are the project's plan steps.",
    )

    class Meta:
        model = PlanRevision
        fields = [
            "project",
            "number",
            "valid_from",
            "valid_until",
            "reason",
            "created_at",
            "steps",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    """A photo or document kept as evidence of a progress report or KPI result."""

    progress_update = serializers.IntegerField(
        source="update_id", read_only=True, allow_null=True
    )
    indicator_result = serializers.IntegerField(
        source="result_id", read_only=True, allow_null=True
    )
    file_name = serializers.CharField(source="original_name", read_only=True)
    public = serializers.BooleanField(source="is_public", read_only=True)
    url = serializers.SerializerMethodField(help_text="The file itself.")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A photo's 320 px JPEG thumbnail; null for documents."
    )

    class Meta:
        model = Attachment
        fields = [
            "id",
            "progress_update",
            "indicator_result",
            "kind",
            "caption",
            "file_name",
            "content_type",
            "size",
            "public",
            "uploaded_at",
            "url",
            "thumbnail_url",
        ]

    def get_url(self, attachment: Attachment) -> str:
        return reverse("api:evidence-file", args=[attachment.pk])

    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        if not attachment.thumbnail:
            return None
        return reverse("api:evidence-thumbnail", args=[attachment.pk])


class ProgressUpdateSerializer(serializers.ModelSerializer):
    project = code_of()
    evidence = EvidenceSerializer(source="shown_evidence", many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "project",
            "report_date",
            "percent",
            "disbursed",
            "committed",
            "done",
            "problems",
            "obstacles",
            "status",
            "version",
            "submitted_at",
            "created_at",
            "updated_at",
            "evidence",
        ]


class IndicatorResultSerializer(serializers.ModelSerializer):
    indicator = code_of()
    evidence = EvidenceSerializer(source="shown_evidence", many=True, read_only=True)

    class Meta:
        model = IndicatorResult
        fields = [
            "id",
            "indicator",
            "quarter",
            "value",
            "report",
            "status",
            "version",
            "submitted_at",
            "created_at",
            "updated_at",
            "evidence",
        ]


class QuarterSerializer(serializers.Serializer):
    quarter = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=15, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=15, decimal_places=2, allow_null=True)
    achievement_percent = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True
    )
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True),
        help_text="The evaluators' score per criterion code.",
    )


class IndicatorSerializer(serializers.ModelSerializer):
    department = code_of()
    projects = code_of(many=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    achieved = serializers.DecimalField(
        max_digits=15, decimal_places=2, read_only=True, allow_null=True
    )
    achievement_percent = serializers.SerializerMethodField()
    quarters = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name_th",
            "name_en",
            "unit",
            "target",
            "kind",
            "level",
            "department",
            "fiscal_year",
            "definition",
            "calculation_method",
            "aggregation",
            "direction",
            "projects",
            "url",
            "achieved",
            "achievement_percent",
            "quarters",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_achievement_percent(self, indicator: Indicator):
        value = indicator.achievement_percent(indicator.achieved)
        return None if value is None else round(value, 2)

    @extend_schema_field(QuarterSerializer(many=True))
    def get_quarters(self, indicator: Indicator) -> list[dict]:
        criteria = self.context["criteria"].get(indicator.fiscal_year, [])
        return QuarterSerializer(
            [
                {
                    "quarter": row.quarter,
                    "value": row.result.value if row.result else None,
                    "target": row.target,
                    "achievement_percent": None
                    if row.achievement is None
                    else round(row.achievement, 2),
                    "scores": {
                        criterion.code: score
                        for criterion, score in zip(criteria, row.scores, strict=True)
                    },
                }
                for row in indicator.quarter_rows(criteria)
            ],
            many=True,
        ).data


class ProjectEvaluationSerializer(serializers.ModelSerializer):
    project = code_of()

    class Meta:
        model = ProjectEvaluation
        fields = ["project", "quarter", "score", "comment", "evaluated_at"]


class CriterionScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)


class IndicatorEvaluationSerializer(serializers.ModelSerializer):
    indicator = code_of()
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorEvaluation
        fields = ["indicator", "quarter", "comment", "scores", "evaluated_at"]


# Request bodies of the write API (documentation of what the forms read).


def baht(help_text: str) -> serializers.DecimalField:
    """An optional amount in baht that a report carries (disbursed, committed)."""
    return serializers.DecimalField(
        max_digits=15,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=help_text,
    )


class ProgressUpdateWrite(serializers.Serializer):
    project = serializers.CharField(help_text="Project code, e.g. 21000000-3152.")
    report_date = serializers.DateField(help_text="ISO (2020-09-15) or 15/9/2563.")
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="Cumulative progress, 0 to 100."
    )
    disbursed = baht("Cumulative disbursed, baht (optional).")
    committed = baht("Committed, baht (optional).")
    done = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    obstacles = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(
        default=True, help_text="false keeps it as a draft."
    )
    confirm = serializers.BooleanField(
        default=False, help_text="true accepts the data-quality warnings returned."
    )


class ProgressUpdateChange(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version you read.")
    report_date = serializers.DateField(required=False)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    disbursed = baht("Cumulative disbursed, baht (optional).")
    committed = baht("Committed, baht (optional).")
    done = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    obstacles = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=True)
    confirm = serializers.BooleanField(default=False)


class ResultWrite(serializers.Serializer):
    indicator = serializers.CharField(help_text="KPI code, e.g. 2100-1044.")
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    value = serializers.DecimalField(max_digits=15, decimal_places=2)
    report = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=True)
    confirm = serializers.BooleanField(default=False)


class ResultChange(serializers.Serializer):
    version = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=15, decimal_places=2, required=False)
    report = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=True)
    confirm = serializers.BooleanField(default=False)


class VersionWrite(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version you read.")


class MessageSerializer(serializers.Serializer):
    th = serializers.CharField()
    en = serializers.CharField()


class ErrorEntry(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = MessageSerializer()


class WarningEntry(serializers.Serializer):
    code = serializers.CharField()
    message = MessageSerializer()


class ErrorSerializer(serializers.Serializer):
    errors = ErrorEntry(many=True)
    warnings = WarningEntry(many=True, required=False)
