"""Query filters of the lists that have no page of their own (django-filter);
projects and KPIs use their list pages' own forms (``views``)."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

from evidence.models import Attachment
from indicators.models import IndicatorEvaluation, IndicatorResult
from projects import approval
from projects.models import (
    Department,
    PlanRevision,
    PlanStep,
    ProgressUpdate,
    ProjectEvaluation,
    StrategyNode,
)


class DepartmentFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent__code")

    class Meta:
        model = Department
        fields = ["kind", "parent"]


class StrategyFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent__code")

    class Meta:
        model = StrategyNode
        fields = ["level", "parent"]


class ProjectScoped(filters.FilterSet):
    """Rows of a project: by project code, fiscal year and department code."""

    project = filters.CharFilter(field_name="project__code")
    fiscal_year = filters.NumberFilter(field_name="project__fiscal_year")
    department = filters.CharFilter(field_name="project__department__code")


class PlanStepFilter(ProjectScoped):
    class Meta:
        model = PlanStep
        fields = ["project", "fiscal_year", "department"]


class PlanRevisionFilter(ProjectScoped):
    class Meta:
        model = PlanRevision
        fields = ["project", "fiscal_year", "department"]


class ProgressUpdateFilter(ProjectScoped):
    status = filters.ChoiceFilter(choices=approval.State.choices)
    report_date_from = filters.DateFilter(field_name="report_date", lookup_expr="gte")
    report_date_to = filters.DateFilter(field_name="report_date", lookup_expr="lte")

    class Meta:
        model = ProgressUpdate
        fields = ["project", "fiscal_year", "department", "status"]


class ProjectEvaluationFilter(ProjectScoped):
    class Meta:
        model = ProjectEvaluation
        fields = ["project", "fiscal_year", "department", "quarter"]


class IndicatorScoped(filters.FilterSet):
    indicator = filters.CharFilter(field_name="indicator__code")
    fiscal_year = filters.NumberFilter(field_name="indicator__fiscal_year")
    department = filters.CharFilter(field_name="indicator__department__code")


class IndicatorResultFilter(IndicatorScoped):
    status = filters.ChoiceFilter(choices=approval.State.choices)

    class Meta:
        model = IndicatorResult
        fields = ["indicator", "fiscal_year", "department", "quarter", "status"]


class IndicatorEvaluationFilter(IndicatorScoped):
    class Meta:
        model = IndicatorEvaluation
        fields = ["indicator", "fiscal_year", "department", "quarter"]


class IdFilter(filters.NumberFilter):
    """A row's id: a whole number a database key can hold, else a clear 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class EvidenceFilter(filters.FilterSet):
    progress_update = IdFilter(field_name="update_id")
    indicator_result = IdFilter(field_name="result_id")
    kind = filters.ChoiceFilter(choices=Attachment.Kind.choices)

    class Meta:
        model = Attachment
        fields = ["progress_update", "indicator_result", "kind"]
