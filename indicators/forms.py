"""Forms of the indicators app."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from indicators import services
from indicators.models import EvaluationCriterion, Indicator, IndicatorResult
from projects import quality
from projects.forms import (
    BaseBulkScoreFormSet,
    ConfirmWarningsForm,
    EvaluationVersionField,
    FiscalYearField,
    KnownRows,
    KnownRowsMixin,
    QueryFilterForm,
    check_quarter_started,
)
from projects.models import Department
from projects.thaicalendar import quarter_bounds


class IndicatorFilterForm(QueryFilterForm):
    """The filters of the KPI list, read from the query string."""

    fy = FiscalYearField()
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("All departments"),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()
        self.fields["kind"].choices = [("", _("Any kind")), *Indicator.Kind.choices]
        self.fields["level"].choices = [("", _("Any level")), *Indicator.Level.choices]
        for name in ("kind", "level"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def apply(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        """Narrow a KPI queryset by the valid filters, ordered by code."""
        if "department" in filters:
            queryset = queryset.filter(department=filters["department"])
        if "kind" in filters:
            queryset = queryset.filter(kind=filters["kind"])
        if "level" in filters:
            queryset = queryset.filter(level=filters["level"])
        if "q" in filters:
            text = filters["q"]
            queryset = queryset.filter(
                Q(code__icontains=text)
                | Q(name_th__icontains=text)
                | Q(name_en__icontains=text)
            )
        return queryset.order_by("code")


class IndicatorResultForm(ConfirmWarningsForm, forms.ModelForm):
    """A KPI's result for one quarter; odd values need confirmation."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = IndicatorResult
        fields = ["value", "report"]
        widgets = {
            "value": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "report": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {"report": _("What was achieved this quarter, and how.")}

    def __init__(
        self, *args: Any, indicator: Indicator, quarter: int, today: date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.quarter = quarter
        self.today = today
        self.fields["value"].label = _("Result (%(unit)s)") % {"unit": indicator.unit}
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        start, _end = quarter_bounds(self.indicator.fiscal_year, self.quarter)
        if start > self.today:
            raise forms.ValidationError(
                _("This quarter has not started yet; report it once it has."),
                code="future_quarter",
            )
        return super().clean()

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        return self.indicator.value_flags(self.quarter, cleaned_data["value"])


# Quarterly evaluation


def criterion_score_field(
    criterion: EvaluationCriterion, *, required: bool = True
) -> forms.DecimalField:
    """A KPI's score on one criterion: 0 to the criterion's maximum score."""
    maximum = criterion.max_score
    shown = f"{maximum.normalize():f}"  # 100.00 reads 100, 50.50 reads 50.5
    message = _("The score for %(code)s is from 0 to %(max)s.") % {
        "code": criterion.code,
        "max": shown,
    }
    return forms.DecimalField(
        label=f"{criterion.code} {criterion.name}",
        help_text=_("From 0 to %(max)s.") % {"max": shown},
        required=required,
        min_value=Decimal(0),
        max_value=maximum,
        max_digits=5,
        decimal_places=2,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class _CriterionScores:
    """Fields named ``criterion_<pk>``, one per criterion of the year."""

    criteria: list[EvaluationCriterion]

    def add_criterion_fields(self, *, required: bool) -> None:
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = criterion_score_field(
                criterion, required=required
            )

    def criterion_fields(self) -> list[tuple[EvaluationCriterion, forms.BoundField]]:
        """Each criterion with its bound field, for the template."""
        return [(c, self[f"criterion_{c.pk}"]) for c in self.criteria]

    def typed_scores(self) -> dict[EvaluationCriterion, Decimal]:
        """The criteria given a score, with the score."""
        return {
            criterion: self.cleaned_data[f"criterion_{criterion.pk}"]
            for criterion in self.criteria
            if self.cleaned_data.get(f"criterion_{criterion.pk}") is not None
        }


class IndicatorScoreForm(_CriterionScores, ConfirmWarningsForm):
    """An evaluator's scores of a KPI's quarter, one per criterion; a quarter with
    no result, or a result of 0, needs confirmation."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the KPI page with the scores."),
    )
    version = EvaluationVersionField()

    def __init__(
        self,
        *args: Any,
        indicator: Indicator,
        quarter: int,
        today: date,
        criteria: list[EvaluationCriterion],
        result_value: Decimal | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.quarter = quarter
        self.today = today
        self.criteria = criteria
        self.result_value = result_value
        self.add_criterion_fields(required=True)

    def clean(self) -> dict[str, Any]:
        if not self.criteria:
            raise forms.ValidationError(
                _(
                    "Fiscal year %(year)s has no evaluation criteria yet; an "
                    "administrator adds them in the admin."
                )
                % {"year": self.indicator.fiscal_year},
                code="no_criteria",
            )
        check_quarter_started(self.indicator.fiscal_year, self.quarter, self.today)
        return super().clean()

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        return quality.scored_without_result(self.quarter, self.result_value)


class BulkIndicatorScoreForm(_CriterionScores, forms.Form):
    """One KPI's row on the page that scores a department's list."""

    indicator = forms.IntegerField(widget=forms.HiddenInput)
    version = EvaluationVersionField()

    def __init__(
        self, *args: Any, criteria: list[EvaluationCriterion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.add_criterion_fields(required=False)


BulkIndicatorScoreFormSet = forms.formset_factory(
    BulkIndicatorScoreForm, formset=BaseBulkScoreFormSet, extra=0, max_num=5000
)


CONFLICT_MESSAGE = _(
    "Someone else saved this after you opened it, so your changes were not saved. "
    "Reload the page to see theirs, then make your change again."
)
REASON_MESSAGE = _(
    "This KPI already has results, so a new target is a revision: give the reason "
    "for changing the target."
)


class IndicatorForm(KnownRowsMixin, forms.ModelForm):
    """A KPI, as the admin and the annual plan import write it; a new target on a
    KPI with results needs a reason (``services.check_indicator``)."""

    reason = forms.CharField(
        label=_("Reason for changing the target"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the target of a KPI that already has results changes. "
            "The old target stays on record; the new one holds from today, or "
            "from the day after the last locked quarter."
        ),
    )
    # Not named "version": a model admin may not list the model's own
    # non-editable field.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
        ]

    def __init__(
        self, *args: Any, known: KnownRows | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Given by an import: checked against facts read once for the file.
        self.known = known
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if self.instance.pk is None or "target" not in cleaned_data:
            return cleaned_data
        try:
            # self.instance still holds the stored values: the form's are put
            # on it only after clean().
            services.check_indicator(
                stored=self.instance,
                target=cleaned_data["target"],
                reason=cleaned_data.get("reason") or "",
                version=cleaned_data.get("seen_version"),
            )
        except services.ConflictError:
            raise forms.ValidationError(CONFLICT_MESSAGE, code="conflict") from None
        except services.ReasonRequiredError:
            self.add_error("reason", forms.ValidationError(REASON_MESSAGE, "reason"))
        return cleaned_data
