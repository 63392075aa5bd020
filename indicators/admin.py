"""Django admin for KPIs, their results, criteria and scores.

The admin writes under the portal's rules: a KPI's save goes through
``services.save_indicator`` (version check, target revisions with a reason) and a
result's through ``services.save_result`` (locks, version check), with the value
rules of the portal's result form. Evaluations and scores are read-only here:
they are scored on the portal's scoring page, which checks each criterion's
maximum score, the locks and the evaluation's version.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from indicators import services
from indicators.forms import (
    CONFLICT_MESSAGE,
    REASON_MESSAGE,
    IndicatorForm,
    IndicatorResultForm,
)
from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
    TargetRevision,
)
from projects.admin import PortalModelAdmin


class ServiceErrorsMixin:
    """A save refused by a service (someone saved first, a locked quarter) shows
    the reason and saves nothing: the admin's transaction is rolled back."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ConflictError:
            messages.error(request, CONFLICT_MESSAGE)
        except services.LockedError as error:
            messages.error(request, str(error))
        except services.ReasonRequiredError:
            messages.error(request, REASON_MESSAGE)
        return HttpResponseRedirect(request.get_full_path())


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(PortalModelAdmin):
    list_display = ["fiscal_year", "code", "name_th", "name_en", "max_score"]
    list_filter = ["fiscal_year"]
    search_fields = ["code", "name_th", "name_en"]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for reading: they are written on the portal's own pages."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class IndicatorResultInline(ReadOnlyInline):
    model = IndicatorResult
    fields = ["quarter", "value", "report", "author", "edit_link"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("indicator", "author")

    @admin.display(description=_("change"))
    def edit_link(self, result: IndicatorResult) -> str:
        url = reverse("admin:indicators_indicatorresult_change", args=[result.pk])
        return format_html('<a href="{}">{}</a>', url, _("Change the result"))


class IndicatorEvaluationInline(ReadOnlyInline):
    model = IndicatorEvaluation
    fields = ["quarter", "comment", "evaluator", "score_link"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("indicator", "evaluator")

    @admin.display(description=_("scores"))
    def score_link(self, evaluation: IndicatorEvaluation) -> str:
        return _scoring_link(evaluation)


class TargetRevisionInline(ReadOnlyInline):
    model = TargetRevision
    fields = ["number", "target", "valid_from", "valid_until", "reason", "author"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author")


def _scoring_link(evaluation: IndicatorEvaluation) -> str:
    url = reverse(
        "indicators:evaluate", args=[evaluation.indicator.code, evaluation.quarter]
    )
    return format_html('<a href="{}">{}</a>', url, _("Score on the portal"))


@admin.register(Indicator)
class IndicatorAdmin(ServiceErrorsMixin, PortalModelAdmin):
    form = IndicatorForm
    fields = [
        *IndicatorForm.Meta.fields[:5],
        "reason",
        *IndicatorForm.Meta.fields[5:],
        "seen_version",
    ]
    list_display = ["code", "name_th", "unit", "target", "kind", "level", "department"]
    list_filter = ["fiscal_year", "kind", "level", "aggregation", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["department", "projects"]
    inlines = [TargetRevisionInline, IndicatorResultInline, IndicatorEvaluationInline]

    def save_model(
        self,
        request: HttpRequest,
        obj: Indicator,
        form: IndicatorForm,
        change: bool,
    ) -> None:
        services.save_indicator(
            indicator=obj,
            user=request.user,
            reason=form.cleaned_data.get("reason") or "",
            version=form.cleaned_data.get("seen_version"),
        )


class IndicatorResultAdminForm(IndicatorResultForm):
    """The portal's result form for a stored result: the same value rules, and
    the warnings to confirm listed with the error."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs["instance"]
        super().__init__(
            *args,
            indicator=instance.indicator,
            quarter=instance.quarter,
            today=timezone.localdate(),
            **kwargs,
        )
        self.fields["seen_version"].initial = instance.version

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError as error:
            warnings = [flag.message for flag in getattr(self, "warnings", [])]
            raise forms.ValidationError([*error.messages, *warnings]) from None


@admin.register(IndicatorResult)
class IndicatorResultAdmin(ServiceErrorsMixin, PortalModelAdmin):
    """Results are added on the KPI page; the admin corrects stored ones."""

    form = IndicatorResultAdminForm
    fields = [
        "indicator",
        "quarter",
        "value",
        "report",
        "author",
        "seen_version",
        "confirm",
    ]
    readonly_fields = ["indicator", "quarter", "author"]
    list_display = ["indicator", "quarter", "value", "author", "updated_at"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "author"]
    search_fields = ["indicator__code", "indicator__name_th"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(
        self,
        request: HttpRequest,
        obj: IndicatorResult,
        form: IndicatorResultAdminForm,
        change: bool,
    ) -> None:
        services.save_result(
            indicator=obj.indicator,
            quarter=obj.quarter,
            user=request.user,
            values={name: form.cleaned_data[name] for name in ("value", "report")},
            result=obj,
            version=form.cleaned_data.get("seen_version"),
        )


class ReadOnlyAdmin(PortalModelAdmin):
    """Shown for reading: scores are given on the portal's scoring page, which
    keeps each criterion's maximum, the locks and the evaluation's version."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CriterionScoreInline(ReadOnlyInline):
    model = CriterionScore
    fields = ["criterion", "score"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset.select_related("evaluation__indicator", "criterion")


@admin.register(IndicatorEvaluation)
class IndicatorEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "quarter", "evaluator", "evaluated_at", "score_link"]
    list_filter = ["indicator__fiscal_year", "quarter", "indicator__department"]
    list_select_related = ["indicator", "evaluator"]
    search_fields = ["indicator__code", "indicator__name_th"]
    inlines = [CriterionScoreInline]

    @admin.display(description=_("scores"))
    def score_link(self, evaluation: IndicatorEvaluation) -> str:
        return _scoring_link(evaluation)


@admin.register(CriterionScore)
class CriterionScoreAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "criterion", "score"]
    list_filter = ["criterion__fiscal_year", "criterion"]
    list_select_related = ["evaluation__indicator", "criterion"]
    search_fields = ["evaluation__indicator__code"]
