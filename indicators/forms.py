"""Forms of the indicators app."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator
from projects.forms import FiscalYearField
from projects.models import Department


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
