"""Forms of the indicators app."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, IndicatorResult
from projects import quality
from projects.forms import ConfirmWarningsForm, FiscalYearField
from projects.models import Department
from projects.thaicalendar import quarter_bounds


class IndicatorFilterForm(forms.Form):
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

    def filters(self) -> dict[str, Any]:
        """The valid filters; invalid ones are dropped (and shown as form errors)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

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
        return quality.indicator_value_flags(
            cleaned_data["value"], self.indicator.target, self.indicator.is_percentage
        )
