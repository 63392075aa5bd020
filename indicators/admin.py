"""Django admin for KPIs, their results, criteria and scores."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects.admin import PortalModelAdmin, record_user_on_new_rows


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(PortalModelAdmin):
    list_display = ["fiscal_year", "code", "name_th", "name_en", "max_score"]
    list_filter = ["fiscal_year"]
    search_fields = ["code", "name_th", "name_en"]


class IndicatorResultInline(admin.TabularInline):
    model = IndicatorResult
    extra = 0
    fields = ["quarter", "value", "report", "author"]
    # Read-only: the author is who typed the result, recorded on save.
    readonly_fields = ["author"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("indicator", "author")


class IndicatorEvaluationInline(admin.TabularInline):
    model = IndicatorEvaluation
    extra = 0
    fields = ["quarter", "comment", "evaluator"]
    readonly_fields = ["evaluator"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("indicator", "evaluator")


@admin.register(Indicator)
class IndicatorAdmin(PortalModelAdmin):
    list_display = ["code", "name_th", "unit", "target", "kind", "level", "department"]
    list_filter = ["fiscal_year", "kind", "level", "aggregation", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["department", "projects"]
    inlines = [IndicatorResultInline, IndicatorEvaluationInline]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is IndicatorResult:
            record_user_on_new_rows(formset, request.user, "author")
        elif formset.model is IndicatorEvaluation:
            record_user_on_new_rows(formset, request.user, "evaluator")
        super().save_formset(request, form, formset, change)


@admin.register(IndicatorResult)
class IndicatorResultAdmin(PortalModelAdmin):
    list_display = ["indicator", "quarter", "value", "author", "updated_at"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "author"]
    search_fields = ["indicator__code", "indicator__name_th"]
    raw_id_fields = ["indicator", "author"]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset.select_related("evaluation__indicator", "criterion")


@admin.register(IndicatorEvaluation)
class IndicatorEvaluationAdmin(PortalModelAdmin):
    list_display = ["indicator", "quarter", "evaluator", "evaluated_at"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "evaluator"]
    search_fields = ["indicator__code", "indicator__name_th"]
    raw_id_fields = ["indicator", "evaluator"]
    inlines = [CriterionScoreInline]


@admin.register(CriterionScore)
class CriterionScoreAdmin(PortalModelAdmin):
    list_display = ["evaluation", "criterion", "score"]
    list_filter = ["criterion__fiscal_year", "criterion"]
    list_select_related = ["evaluation__indicator", "criterion"]
    search_fields = ["evaluation__indicator__code"]
    raw_id_fields = ["evaluation"]
