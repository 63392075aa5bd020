"""Django admin for KPIs, their results, criteria and scores."""

from django.contrib import admin

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(admin.ModelAdmin):
    list_display = ["fiscal_year", "code", "name_th", "name_en", "max_score"]
    list_filter = ["fiscal_year"]
    search_fields = ["code", "name_th", "name_en"]


class IndicatorResultInline(admin.TabularInline):
    model = IndicatorResult
    extra = 0
    fields = ["quarter", "value", "report", "author"]
    raw_id_fields = ["author"]


class IndicatorEvaluationInline(admin.TabularInline):
    model = IndicatorEvaluation
    extra = 0
    fields = ["quarter", "comment", "evaluator"]
    raw_id_fields = ["evaluator"]
    show_change_link = True


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "unit", "target", "kind", "level", "department"]
    list_filter = ["fiscal_year", "kind", "level", "aggregation", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["department", "projects"]
    inlines = [IndicatorResultInline, IndicatorEvaluationInline]


@admin.register(IndicatorResult)
class IndicatorResultAdmin(admin.ModelAdmin):
    list_display = ["indicator", "quarter", "value", "author", "updated_at"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "author"]
    search_fields = ["indicator__code", "indicator__name_th"]
    raw_id_fields = ["indicator", "author"]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0


@admin.register(IndicatorEvaluation)
class IndicatorEvaluationAdmin(admin.ModelAdmin):
    list_display = ["indicator", "quarter", "evaluator", "evaluated_at"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "evaluator"]
    search_fields = ["indicator__code", "indicator__name_th"]
    raw_id_fields = ["indicator", "evaluator"]
    inlines = [CriterionScoreInline]


@admin.register(CriterionScore)
class CriterionScoreAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "criterion", "score"]
    list_filter = ["criterion__fiscal_year", "criterion"]
    list_select_related = ["evaluation__indicator", "criterion"]
    search_fields = ["evaluation__indicator__code"]
    raw_id_fields = ["evaluation"]
