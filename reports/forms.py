"""The filters of the report pages and exports, read from the query string.

Invalid values are dropped (and shown as form errors), never a crash: the same
pattern as the project list's ProjectFilterForm.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.forms import IndicatorFilterForm
from projects.forms import FiscalYearField, QueryFilterForm
from projects.models import Department
from reports.compliance import State
from reports.dashboard import Band


class ReportFilterForm(QueryFilterForm):
    """A fiscal year and, optionally, one department."""

    fy = FiscalYearField()
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("All departments"),
    )

    def __init__(
        self, *args: Any, departments: QuerySet | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            Department.objects.all() if departments is None else departments
        )


class ComplianceFilterForm(ReportFilterForm):
    """The compliance matrix: a department's projects in one month and state."""

    month = forms.RegexField(
        label=_("Month"), regex=r"^\d{4}-\d{2}$", required=False, max_length=7
    )
    state = forms.ChoiceField(
        label=_("Reporting"),
        required=False,
        choices=[("", _("Any")), *State.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def month_of(self, filters: dict[str, Any]) -> tuple[int, int] | None:
        """The (CE year, month) asked for with ?month=2020-03, if any."""
        if "month" not in filters:
            return None
        year, month = filters["month"].split("-")
        return int(year), int(month)


class EvaluationFilterForm(ReportFilterForm):
    """The evaluators' project scores of a year, optionally of one quarter."""

    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All quarters")), *((q, q) for q in range(1, 5))],
    )


class KpiReportForm(IndicatorFilterForm):
    """The KPI list's filters, plus the achievement band a dashboard bar stands for."""

    band = forms.ChoiceField(label=_("Achievement"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].choices = [("", _("Any achievement")), *Band.choices]
        self.fields["band"].widget.attrs["class"] = "form-select form-select-sm"
