"""Forms of the projects app, and the BE date field and widget they share."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from projects.models import Department, Project, StrategyNode
from projects.progress import Status
from projects.thaicalendar import DateInputError, parse_date, to_input


class ThaiDateInput(forms.TextInput):
    """A text input showing a date as typed in Thailand: d/m/yyyy with the BE year."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # A numeric keypad has no slash, so inputmode stays unset.
        defaults = {"placeholder": _("dd/mm/yyyy (B.E.)"), "autocomplete": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        """Show a date in BE; leave text as typed so a mistake can be corrected."""
        if isinstance(value, date):
            return to_input(value)
        return super().format_value(value)


class ThaiDateField(forms.DateField):
    """A date typed in BE (15/9/2563) or ISO (2020-09-15), with clear errors."""

    widget = ThaiDateInput
    default_error_messages = {
        "invalid": _("Enter a date such as 15/9/2563 (Buddhist year) or 2020-09-15."),
        "ambiguous": _(
            "The year %(year)s could be Buddhist or Christian era; type all four "
            "digits, e.g. 2563 or 2020."
        ),
    }

    def to_python(self, value: Any) -> date | None:
        """Return the date typed, or None when nothing was typed."""
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except DateInputError as error:
            if error.code == "empty":
                return None
            raise forms.ValidationError(
                self.error_messages[error.code],
                code=error.code,
                params={"year": error.year},
            ) from None


class FiscalYearField(forms.IntegerField):
    """A fiscal year in BE (2563); a CE year or junk is an error, never a crash."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 2500)
        kwargs.setdefault("max_value", 2700)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Fiscal year"))
        super().__init__(**kwargs)


class ProjectFilterForm(forms.Form):
    """The filters of the project list, read from the query string."""

    SORTS = {
        "code": ("code",),
        "name": ("name_th", "code"),
        "progress": ("actual_percent", "code"),
        "-progress": ("-actual_percent", "code"),
        "gap": ("gap", "code"),
        "department": ("department__code", "code"),
    }

    fy = FiscalYearField()
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("All departments"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    strategy = forms.ModelChoiceField(
        label=_("Strategy"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("Any strategy"),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("code", _("Code")),
            ("name", _("Name")),
            ("-progress", _("Progress, highest first")),
            ("progress", _("Progress, lowest first")),
            ("gap", _("Furthest behind plan first")),
            ("department", _("Department")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()
        self.fields["strategy"].queryset = StrategyNode.objects.all()
        self.fields["status"].choices = [
            ("", _("Any status")),
            *Status.choices,
            ("overdue", _("Report overdue")),
        ]
        self.fields["kind"].choices = [("", _("Any kind")), *Project.Kind.choices]
        for name in ("status", "kind", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict[str, Any]:
        """The valid filters; invalid ones are dropped (and shown as form errors)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def apply(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        """Narrow and order an annotated project queryset by the valid filters."""
        if "department" in filters:
            queryset = queryset.filter(department=filters["department"])
        if "kind" in filters:
            queryset = queryset.filter(kind=filters["kind"])
        if "strategy" in filters:
            code = filters["strategy"].code
            queryset = queryset.filter(
                Q(strategies__code=code) | Q(strategies__code__startswith=f"{code}.")
            ).distinct()
        if "status" in filters:
            if filters["status"] == "overdue":
                queryset = queryset.filter(report_overdue=True)
            else:
                queryset = queryset.filter(status=filters["status"])
        if "q" in filters:
            text = filters["q"]
            queryset = queryset.filter(
                Q(code__icontains=text)
                | Q(name_th__icontains=text)
                | Q(name_en__icontains=text)
            )
        return queryset.order_by(*self.SORTS[filters.get("sort", "code")])
