"""Query filters of the lists that have no page of their own (django-filter);
projects and KPIs use their list pages' own forms (``views``)."""

from __future__ import annotations

from django_filters import rest_framework as filters

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
