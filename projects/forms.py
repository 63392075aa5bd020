"""Forms of the projects app, and the BE date field and widget they share."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, router
from django.db.models import CheckConstraint, F, ForeignKey, Model, Q, QuerySet
from django.forms.models import InlineForeignKeyField, construct_instance
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from projects import evaluations, progress, quality
from projects.models import (
    BudgetCategory,
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    StrategyNode,
    project_code_validator,
)
from projects.progress import Status
from projects.thaicalendar import (
    DateInputError,
    days_in_month,
    format_month,
    parse_date,
    to_input,
)


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
        "unknown_era": _(
            "The year %(year)s is neither a Buddhist year (2400 to 2800) nor a "
            "Christian one (1900 to 2200); check its digits."
        ),
        "no_such_month": _("There is no month %(month)s; months go from 1 to 12."),
        "no_such_day": _(
            "That day does not exist: %(month_name)s has %(days)s days, not %(day)s."
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
                params=self._error_params(error),
            ) from None

    @staticmethod
    def _error_params(error: DateInputError) -> dict[str, Any]:
        """The facts the error message names: the year, or the month and its days."""
        params: dict[str, Any] = {"year": error.year, "month": error.month}
        if error.code == "no_such_day":
            params |= {
                "day": error.day,
                "days": days_in_month(error.year_ce, error.month),
                "month_name": format_month(
                    error.year_ce, error.month, get_language() or "th"
                ),
            }
        return params


class FiscalYearField(forms.IntegerField):
    """A fiscal year in BE (2563); a CE year or junk is an error, never a crash."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 2500)
        kwargs.setdefault("max_value", 2700)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Fiscal year"))
        super().__init__(**kwargs)


class QueryFilterForm(forms.Form):
    """Filters read from a query string: junk is dropped, never an error page."""

    def filters(self) -> dict[str, Any]:
        """The valid filters; invalid ones are dropped (and shown as form errors)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ProjectFilterForm(QueryFilterForm):
    """The filters of the project list, read from the query string."""

    SORTS = {
        "code": ("code",),
        "name": ("name_th", "code"),
        "progress": ("actual_percent", "code"),
        "-progress": ("-actual_percent", "code"),
        "gap": ("gap", "code"),
        "department": ("department__code", "code"),
        "-budget": (F("budget_amount").desc(nulls_last=True), "code"),
        "budget": (F("budget_amount").asc(nulls_last=True), "code"),
        "disbursed": (F("disbursed_percent").asc(nulls_first=True), "code"),
        "-disbursed": (F("disbursed_percent").desc(nulls_last=True), "code"),
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
            ("-budget", _("Budget, largest first")),
            ("budget", _("Budget, smallest first")),
            ("disbursed", _("Disbursed %, lowest first")),
            ("-disbursed", _("Disbursed %, highest first")),
        ],
    )
    money = forms.ChoiceField(label=_("Disbursement"), required=False)

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
        self.fields["money"].choices = [("", _("Any")), *progress.MoneyStatus.choices]
        for name in ("status", "kind", "sort", "money"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def apply(self, queryset: QuerySet, filters: dict[str, Any], on: date) -> QuerySet:
        """Narrow and order a queryset of with_progress(on) by the valid filters."""
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
                queryset = queryset.overdue(on)
            else:
                queryset = queryset.filter(status=filters["status"])
        if "money" in filters:
            queryset = queryset.with_money_status().filter(money_state=filters["money"])
        if "q" in filters:
            text = filters["q"]
            queryset = queryset.filter(
                Q(code__icontains=text)
                | Q(name_th__icontains=text)
                | Q(name_en__icontains=text)
            )
        return queryset.order_by(*self.SORTS[filters.get("sort", "code")])


class VersionForm(forms.Form):
    """The version of an object the person saw, to refuse saving over a newer one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PlanSaveForm(VersionForm):
    """The version of the plan the person saw, and why a revision is made."""

    reason = forms.CharField(
        label=_("Reason for revising the plan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed once the project has reports or a locked quarter: the plan in "
            "force is kept, and the revision applies from today on."
        ),
    )


class ConfirmWarningsForm(forms.Form):
    """A form whose odd-but-allowed input needs an explicit confirmation.

    Subclasses return the warnings of their cleaned data from ``find_warnings``;
    while there are any and the box is not ticked, the form is not valid and
    ``warnings`` holds what to show the person.
    """

    confirm = forms.BooleanField(
        label=_("I have checked the warnings: these figures are right."),
        required=False,
    )

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        return []

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self.warnings: list[quality.Flag] = []
        if not self.errors:
            self.warnings = self.find_warnings(cleaned_data)
            if self.warnings and not cleaned_data.get("confirm"):
                raise forms.ValidationError(
                    _("Please check the warnings and confirm before saving."),
                    code="unconfirmed",
                )
        return cleaned_data


class ProgressUpdateForm(ConfirmWarningsForm, forms.ModelForm):
    """A monthly progress report: hard rules block, odd figures need confirmation."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProgressUpdate
        fields = [
            "report_date",
            "percent",
            "disbursed",
            "committed",
            "done",
            "problems",
            "obstacles",
        ]
        field_classes = {"report_date": ThaiDateField}
        widgets = {
            "percent": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "max": "100", "inputmode": "decimal"}
            ),
            "disbursed": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}
            ),
            "committed": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}
            ),
            "done": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "obstacles": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "report_date": _("Type 15/9/2563 or 2020-09-15."),
            "percent": _("Cumulative: all work done so far, 0 to 100."),
            "disbursed": _(
                "Cumulative: all money disbursed so far from the allocation, in baht."
            ),
            "committed": _("Optional: contracts signed but not yet paid, in baht."),
            "problems": _('Leave empty, or type "-" or "ไม่มี", when there are none.'),
            "obstacles": _('Leave empty, or type "-" or "ไม่มี", when there are none.'),
        }

    def __init__(
        self,
        *args: Any,
        project: Project,
        today: date,
        steps: list[PlanStep],
        others: list[ProgressUpdate],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.today = today
        self.steps = steps
        self.others = [u for u in others if u.pk != self.instance.pk]
        self.fields["percent"].widget.attrs.update({"min": "0", "max": "100"})
        if self.instance.pk and "version" in self.fields:
            self.fields["version"].initial = self.instance.version

    def clean_report_date(self) -> date:
        day = self.cleaned_data["report_date"]
        for flag in quality.report_date_errors(
            day, self.project.fiscal_year, self.today
        ):
            raise forms.ValidationError(flag.message, code=flag.code)
        if any(other.report_date == day for other in self.others):
            raise forms.ValidationError(
                _("This project already has a report on that date; edit that one."),
                code="duplicate",
            )
        return day

    def clean(self) -> dict[str, Any]:
        plan = quality.weights_errors([step.weight for step in self.steps])
        if plan or not self.steps:
            raise forms.ValidationError(
                _(
                    "The work plan's weights total %(total)s%%; they must total "
                    "exactly 100%% before the project can be reported on."
                )
                % {"total": quality.weights_total(s.weight for s in self.steps)},
                code="plan_weights",
            )
        return super().clean()

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        day, percent = cleaned_data["report_date"], cleaned_data["percent"]
        disbursed = cleaned_data.get("disbursed")
        facts = [
            quality.UpdateFact(u.report_date, u.percent, u.problems, u.disbursed)
            for u in self.others
        ]
        mine = quality.UpdateFact(
            day, percent, cleaned_data.get("problems", ""), disbursed
        )
        warnings = quality.neighbour_flags(mine, facts)
        warnings += quality.disbursed_over_allocation(
            disbursed, self.project.budget_amount, day
        )
        planned = self.project.planned_percent(day)
        behind = progress.status(percent, planned, settings.BEHIND_THRESHOLD) == (
            progress.Status.BEHIND
        )
        warnings += quality.behind_without_problems(behind, mine.problems)
        return warnings


class NumberField(forms.DecimalField):
    """A DecimalField that refuses "sNaN" as it refuses "NaN".

    Django compares a row's typed number with its initial one to skip untouched
    rows, and comparing a signalling NaN raises instead of answering.
    """

    def to_python(self, value: Any) -> Decimal | None:
        number = super().to_python(value)
        if number is not None and number.is_snan():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class PlanStepForm(forms.Form):
    """One row of the work plan."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = NumberField(
        label=_("Weight (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "plan-weight"}),
    )
    planned_start = ThaiDateField(label=_("Start"))
    planned_end = ThaiDateField(label=_("End"))

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        start, end = cleaned_data.get("planned_start"), cleaned_data.get("planned_end")
        if start and end:
            for flag in quality.step_span_errors(start, end):
                self.add_error("planned_end", flag.message)
        return cleaned_data


class BasePlanFormSet(forms.BaseFormSet):
    """The whole plan: weights total exactly 100, dates inside the fiscal year."""

    def __init__(self, *args: Any, fiscal_year: int, **kwargs: Any) -> None:
        self.fiscal_year = fiscal_year
        super().__init__(*args, **kwargs)

    def steps(self) -> list[dict[str, Any]]:
        """The cleaned rows that stay: filled in and not marked for deletion."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            for name in ("planned_start", "planned_end"):
                for flag in quality.step_day_errors(data[name], self.fiscal_year):
                    form.add_error(name, flag.message)
        steps = self.steps()
        if not steps:
            raise forms.ValidationError(_("A work plan needs at least one step."))
        for flag in quality.weights_errors([step["weight"] for step in steps]):
            raise forms.ValidationError(flag.message, code=flag.code)


PlanFormSet = forms.formset_factory(
    PlanStepForm, formset=BasePlanFormSet, extra=2, can_delete=True, max_num=100
)


class BudgetLineForm(forms.Form):
    """One line of the allocation: a category, an amount in baht, its source."""

    category = forms.ModelChoiceField(
        label=_("Budget category"), queryset=BudgetCategory.objects.none()
    )
    amount = NumberField(
        label=_("Amount (baht)"),
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    source = forms.CharField(label=_("Source of funds"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Retired categories stay valid on the lines that already use them.
        used = self.initial.get("category")
        self.fields["category"].queryset = BudgetCategory.objects.filter(
            Q(active=True) | Q(pk=getattr(used, "pk", used))
        )


class BaseBudgetFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict[str, Any]]:
        """The cleaned lines that stay: filled in and not marked for deletion."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


BudgetFormSet = forms.formset_factory(
    BudgetLineForm, formset=BaseBudgetFormSet, extra=2, can_delete=True, max_num=50
)


def _plan_percent_field(label: str) -> NumberField:
    """A cumulative % of a disbursement plan (a month's or a quarter's), 0 to 100."""
    return NumberField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class MoneyPlanForm(VersionForm):
    """What citizens get, and the disbursement plan: the cumulative % of the
    allocation planned as disbursed by the end of each month of the year."""

    citizen_benefit = forms.CharField(
        label=_("What citizens get"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In a sentence or two: what people gain (ประชาชนได้อะไร)."),
    )
    follow_work_plan = forms.BooleanField(
        label=_("Disburse as the work plan progresses"),
        required=False,
        help_text=_(
            "Untick to plan the disbursement by month or by quarter below; tick "
            "to go back to following the work plan."
        ),
    )
    plan_by = forms.ChoiceField(
        label=_("Plan the disbursement"),
        choices=[("month", _("by month")), ("quarter", _("by quarter"))],
        initial="month",
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "By quarter, each quarter's increase is spread evenly over its three "
            "months, so its last month holds the figure typed."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for revising the disbursement plan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, month_ends: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.month_ends = month_ends
        for index, day in enumerate(month_ends):
            self.fields[f"month_{index}"] = _plan_percent_field(
                format_month(day.year, day.month, get_language() or "th")
            )

        for quarter in range(len(month_ends) // 3):
            last_month = month_ends[quarter * 3 + 2]
            self.fields[f"quarter_{quarter}"] = _plan_percent_field(
                _("Q%(quarter)s, by the end of %(month)s")
                % {
                    "quarter": quarter + 1,
                    "month": format_month(
                        last_month.year, last_month.month, get_language() or "th"
                    ),
                }
            )

    def month_fields(self) -> list[forms.BoundField]:
        return [self[f"month_{index}"] for index in range(len(self.month_ends))]

    def quarter_fields(self) -> list[forms.BoundField]:
        return [self[f"quarter_{index}"] for index in range(len(self.month_ends) // 3)]

    def months(self) -> list[tuple[date, Decimal]]:
        """The typed plan as month points: by quarter, spread over the months
        (``progress.months_from_quarters``); by month, a month left empty carries
        the month before it."""
        if self.cleaned_data.get("plan_by") == "quarter":
            return progress.months_from_quarters(
                self.month_ends,
                [
                    self.cleaned_data.get(f"quarter_{index}")
                    for index in range(len(self.month_ends) // 3)
                ],
            )
        result, last = [], Decimal(0)
        for index, day in enumerate(self.month_ends):
            value = self.cleaned_data.get(f"month_{index}")
            last = last if value is None else value
            result.append((day, last))
        return result


class StrategyChoiceField(forms.ModelMultipleChoiceField):
    """Strategies chosen by id; an id too big for any table is refused like an
    unknown one (SQLite's driver raises OverflowError on it)."""

    def clean(self, value: Any) -> QuerySet:
        try:
            return super().clean(value)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["invalid_pk_value"],
                code="invalid_pk_value",
                params={"pk": max(value, key=len)},
            ) from None


class KnownRows:
    """Facts about the database read once for many rows (an import's file), so
    that a model form checks each row against them instead of asking the
    database three or four times a row.

    The rules stay the model's own, with the same messages: a foreign key names
    an existing row (``ForeignKey.validate``), a unique field's value is not taken
    by another row (``Model.validate_unique``), the check constraints hold
    (``Model.validate_constraints``). Only where the answer comes from changes:

    - ``rows(model, pks)``: every row of the model was read; a foreign key to a
      pk that is not among them names no row.
    - ``taken(model, field, asked, holders)``: the values ``asked`` were looked
      up; ``holders`` maps those in use to the pk of the row holding each. A
      value not asked is looked up in the database as without the facts.
    - A check constraint's answer is kept by the values of the fields it reads,
      so a file of one fiscal year asks the database once, not once a row.
    """

    def __init__(self) -> None:
        self._pks: dict[type[Model], set] = {}
        self._taken: dict[tuple[type[Model], str], tuple[set, dict]] = {}
        self._checks: dict[tuple, ValidationError | None] = {}

    def rows(self, model: type[Model], pks) -> None:
        self._pks[model] = set(pks)

    def taken(self, model: type[Model], field: str, asked, holders: dict) -> None:
        self._taken[(model, field)] = (set(asked), dict(holders))

    def _knows_key(self, field) -> bool:
        remote = field.remote_field
        return (
            isinstance(field, ForeignKey)
            and remote.model in self._pks
            and remote.field_name == remote.model._meta.pk.name
            and not field.get_limit_choices_to()
        )

    def full_clean(self, instance: Model, exclude: set[str]) -> None:
        """``Model.full_clean(exclude, validate_unique=False)`` from the facts."""
        errors: dict = {}
        exclude = set(exclude)
        try:
            self._clean_fields(instance, exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
        try:
            self.validate_constraints(instance, exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_fields(self, instance: Model, exclude: set[str]) -> None:
        """``Model.clean_fields``; a known foreign key's row found in the facts."""
        fields = instance._meta.fields
        keys = {f.name for f in fields if f.name not in exclude and self._knows_key(f)}
        errors = {}
        try:
            instance.clean_fields(exclude=exclude | keys)
        except ValidationError as error:
            errors = error.error_dict
        for field in fields:
            if field.name not in keys:
                continue
            value = getattr(instance, field.attname)
            if field.blank and value in field.empty_values:
                continue
            try:
                value = field.to_python(value)
                # The field's own checks (null, blank), without the query.
                super(ForeignKey, field).validate(value, instance)
                if value is not None and value not in self._pks[field.related_model]:
                    raise ValidationError(
                        field.error_messages["invalid"],
                        code="invalid",
                        params={
                            "model": field.related_model._meta.verbose_name,
                            "pk": value,
                            "field": field.remote_field.field_name,
                            "value": value,
                        },
                    )
                field.run_validators(value)
                setattr(instance, field.attname, value)
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            # In the order of the model's fields, as clean_fields gives them.
            order = [f.name for f in fields]
            raise ValidationError(
                dict(sorted(errors.items(), key=lambda item: order.index(item[0])))
            )

    def validate_constraints(self, instance: Model, exclude: set[str]) -> None:
        """``Model.validate_constraints``; a check constraint asked once for the
        same values of the fields it reads."""
        errors: dict = {}
        for model_class, constraints in instance.get_constraints():
            for constraint in constraints:
                try:
                    self._validate(constraint, model_class, instance, exclude)
                except ValidationError as error:
                    if (
                        getattr(error, "code", None) == "unique"
                        and len(constraint.fields) == 1
                    ):
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _validate(self, constraint, model_class, instance: Model, exclude) -> None:
        key = None
        if isinstance(constraint, CheckConstraint):
            names = sorted(Q(constraint.condition).referenced_base_fields)
            key = (
                constraint.name,
                model_class,
                tuple(
                    None
                    if name in exclude
                    else getattr(instance, model_class._meta.get_field(name).attname)
                    for name in names
                ),
                tuple(name in exclude for name in names),
            )
            try:
                hash(key)
            except TypeError:
                key = None
        if key is not None and key in self._checks:
            if self._checks[key] is not None:
                raise self._checks[key]
            return
        try:
            constraint.validate(
                model_class,
                instance,
                exclude=exclude,
                using=router.db_for_write(instance.__class__, instance=instance),
            )
        except ValidationError as error:
            if key is not None:
                self._checks[key] = error
            raise
        if key is not None:
            self._checks[key] = None

    def validate_unique(self, instance: Model, exclude: set[str]) -> None:
        """``Model.validate_unique``; a value the facts looked up answered from them."""
        unique_checks, date_checks = instance._get_unique_checks(exclude=exclude)
        errors: dict = {}
        asked = []
        for model_class, check in unique_checks:
            facts = self._taken.get((model_class, check[0]))
            field = instance._meta.get_field(check[0])
            value = getattr(instance, field.attname)
            if len(check) != 1 or facts is None or value not in facts[0]:
                asked.append((model_class, check))
                continue
            if value is None or (
                value == "" and connection.features.interprets_empty_strings_as_nulls
            ):
                continue
            holder = facts[1].get(value)
            if holder is not None and (instance._state.adding or holder != instance.pk):
                errors.setdefault(check[0], []).append(
                    instance.unique_error_message(model_class, check)
                )
        for name, messages in instance._perform_unique_checks(asked).items():
            errors.setdefault(name, []).extend(messages)
        for name, messages in instance._perform_date_checks(date_checks).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


class KnownRowsMixin:
    """A model form checked against ``KnownRows`` when it is given them
    (``known=``); without them, exactly Django's ModelForm checks."""

    known: KnownRows | None = None

    def _post_clean(self) -> None:
        if self.known is None:
            super()._post_clean()
            return
        # ModelForm._post_clean, the model's checks answered by the facts.
        opts = self._meta
        exclude = self._get_validation_exclusions()
        for name, field in self.fields.items():
            if isinstance(field, InlineForeignKeyField):
                exclude.add(name)
        try:
            self.instance = construct_instance(
                self, self.instance, opts.fields, opts.exclude
            )
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.known.full_clean(self.instance, exclude)
        except ValidationError as error:
            self._update_errors(error)
        if self._validate_unique:
            self.validate_unique()

    def validate_unique(self) -> None:
        if self.known is None:
            super().validate_unique()
            return
        try:
            self.known.validate_unique(self.instance, self._get_validation_exclusions())
        except ValidationError as error:
            self._update_errors(error)


class ProjectForm(KnownRowsMixin, forms.ModelForm):
    """A project's own data, written by staff of its department."""

    class Meta:
        model = Project
        fields = [
            "department",
            "code",
            "fiscal_year",
            "kind",
            "name_th",
            "name_en",
            "officer_name",
            "officer_contact",
            "budget_owner_unit",
            "budget_implementing_unit",
            "budget_amount",
            "citizen_benefit",
            "rationale",
            "objectives",
            "targets",
            "is_routine",
            "strategies",
            "predecessor",
        ]
        field_classes = {"strategies": StrategyChoiceField}
        widgets = {
            "rationale": forms.Textarea(attrs={"rows": 6}),
            "citizen_benefit": forms.Textarea(attrs={"rows": 2}),
            "strategies": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "code": _(
                "Proposed from the department's next number; change it if needed."
            ),
            "strategies": _("Hold Ctrl (or ⌘) to choose more than one."),
        }

    def __init__(
        self,
        *args: Any,
        departments: QuerySet,
        strategies: QuerySet | None = None,
        predecessors: QuerySet | None = None,
        known: KnownRows | None = None,
        **kwargs: Any,
    ) -> None:
        """``strategies`` and ``predecessors`` (the projects of ``departments``)
        are the choices' querysets, given by an import that builds them once for
        every row; ``known``, facts read once for the model's checks."""
        super().__init__(*args, **kwargs)
        self.known = known
        self.fields["department"].queryset = departments
        self.fields["strategies"].queryset = (
            StrategyNode.objects.select_related("parent")
            if strategies is None
            else strategies
        )
        if predecessors is None:
            predecessors = Project.objects.filter(department__in=departments)
        if self.instance.pk:
            predecessors = predecessors.filter(
                fiscal_year__lt=self.instance.fiscal_year
            ).exclude(pk=self.instance.pk)
            # The code and department of an existing project stay as they are.
            self.fields["code"].disabled = True
            self.fields["department"].disabled = True
        self.fields["predecessor"].queryset = predecessors.order_by(
            "-fiscal_year", "code"
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        # The model's \d also matches Thai digits: 21000000-๑๒ would be a second
        # spelling of 21000000-12.
        if not code.isascii():
            raise forms.ValidationError(
                project_code_validator.message, code=project_code_validator.code
            )
        return code

    def clean_budget_amount(self) -> Decimal | None:
        amount = self.cleaned_data["budget_amount"]
        # Only a changed amount can break the rule (and costs the lines' query).
        changed = self.instance.pk and amount != self.instance.budget_amount
        lines = (
            [line.amount for line in self.instance.budget_lines.all()]
            if changed
            else []
        )
        for flag in quality.budget_amount_errors(amount, lines):
            raise forms.ValidationError(flag.message, code=flag.code)
        return amount

    def clean_fiscal_year(self) -> int:
        fiscal_year = self.cleaned_data["fiscal_year"]
        project = self.instance
        if (
            project.pk
            and fiscal_year != project.fiscal_year
            and (project.steps.exists() or project.updates.exists())
        ):
            raise forms.ValidationError(
                _(
                    "The work plan and progress reports are dated in fiscal year "
                    "%(year)s, so the fiscal year cannot change."
                )
                % {"year": project.fiscal_year},
                code="dated_work",
            )
        return fiscal_year

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        predecessor = cleaned_data.get("predecessor")
        fiscal_year = cleaned_data.get("fiscal_year")
        if predecessor and fiscal_year and predecessor.fiscal_year >= fiscal_year:
            self.add_error(
                "predecessor",
                _("The predecessor must be from an earlier fiscal year."),
            )
        return cleaned_data


# Quarterly evaluation


def project_score_field(*, required: bool = True) -> forms.DecimalField:
    """A project's score for a quarter: 0 to 100, two decimals."""
    message = _("A project's score is from 0 to 100.")
    return forms.DecimalField(
        label=_("Score (0–100)"),
        required=required,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def check_quarter_started(fiscal_year: int, quarter: int, today: date) -> None:
    """Refuse to score a quarter that has not started yet."""
    if not evaluations.has_started(fiscal_year, quarter, today):
        raise forms.ValidationError(
            _("This quarter has not started yet; score it once it has."),
            code="future_quarter",
        )


class EvaluationVersionField(forms.IntegerField):
    """The version of the evaluation the person saw; 0 when it was not scored yet."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, required=False, **kwargs)

    def clean(self, value: Any) -> int:
        return super().clean(value) or 0


class ProjectScoreForm(ConfirmWarningsForm):
    """An evaluator's score of a project's quarter; a quarter with no progress
    report needs confirmation."""

    score = project_score_field()
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the project page with the score."),
    )
    version = EvaluationVersionField()

    def __init__(
        self,
        *args: Any,
        project: Project,
        quarter: int,
        today: date,
        reports: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.quarter = quarter
        self.today = today
        self.reports = reports

    def clean(self) -> dict[str, Any]:
        check_quarter_started(self.project.fiscal_year, self.quarter, self.today)
        return super().clean()

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        return quality.evaluated_without_report(self.quarter, self.reports)


class QuarterFilterForm(QueryFilterForm):
    """The department the evaluation pages are narrowed to, read from ?department=."""

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All departments"),
    )

    def selected(self) -> Department | None:
        """The valid department asked for, or None (an invalid one shows an error)."""
        return self.filters().get("department")


class QuarterScopeForm(forms.Form):
    """What a quarter lock covers: one department, by code, or "all" of them."""

    ALL = "all"

    department = forms.CharField(label=_("Department"), max_length=20)

    def clean_department(self) -> Department | None:
        code = self.cleaned_data["department"]
        if code == self.ALL:
            return None
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise forms.ValidationError(
                _("Choose a department, or all departments."), code="invalid"
            )
        return department


class ReopenForm(QuarterScopeForm):
    """Reopening a locked quarter, which needs a reason."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _(
                "Give the reason for reopening: staff will be able to change "
                "this quarter again."
            )
        },
    )


class BulkProjectScoreForm(forms.Form):
    """One project's row on the page that scores a department's list."""

    project = forms.IntegerField(widget=forms.HiddenInput)
    version = EvaluationVersionField()
    score = project_score_field(required=False)


class BaseBulkScoreFormSet(forms.BaseFormSet):
    """Rows of the bulk scoring page; each names one object of the page's list.

    ``key`` is the field naming the object, ``known`` the ids the page lists.
    """

    def __init__(self, *args: Any, key: str, known: set[int], **kwargs: Any) -> None:
        self.key = key
        self.known = known
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        ids = [form.cleaned_data.get(self.key) for form in self.forms]
        if len(set(ids)) != len(ids) or not set(ids) <= self.known:
            raise forms.ValidationError(
                _(
                    "The list changed since the page was opened. Reload it and "
                    "type the scores again."
                ),
                code="stale_list",
            )


BulkProjectScoreFormSet = forms.formset_factory(
    BulkProjectScoreForm, formset=BaseBulkScoreFormSet, extra=0, max_num=5000
)


class BulkConfirmForm(ConfirmWarningsForm):
    """The confirmation box of the bulk scoring page, for the rows' warnings."""

    def __init__(self, *args: Any, warnings: list[quality.Flag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_warnings = warnings

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list[quality.Flag]:
        return self.row_warnings


class ReviewForm(VersionForm):
    """Approve or return one report: the version the approver saw and a comment,
    which returning requires (the services refuse a return without one)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PairsField(forms.MultipleChoiceField):
    """Ticked rows, each "pk:version" of the report the person saw."""

    def valid_value(self, value: str) -> bool:
        return re.fullmatch(r"r?\d{1,12}:\d{1,9}", str(value)) is not None


class BulkApproveForm(forms.Form):
    """The reports ticked on the approver's queue, to approve at once."""

    selected = PairsField(
        error_messages={"required": _("Tick the reports to approve first.")}
    )

    def items(self) -> list[tuple[int, int]]:
        """The (pk, version) pairs of the monthly reports ticked."""
        return self._pairs(kpi=False)

    def result_items(self) -> list[tuple[int, int]]:
        """The (pk, version) pairs of the KPI results ticked ("r12:3")."""
        return self._pairs(kpi=True)

    def _pairs(self, *, kpi: bool) -> list[tuple[int, int]]:
        pairs = (value.split(":") for value in self.cleaned_data["selected"])
        return [
            (int(pk.removeprefix("r")), int(version))
            for pk, version in pairs
            if pk.startswith("r") == kpi
        ]


# Spreadsheet imports


class ImportUploadForm(forms.Form):
    """The file of an import: an Excel workbook or a CSV file."""

    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "Start from the template. CSV may be UTF-8 or Thai Windows (TIS-620)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, required=False
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(
                _("Upload an Excel (.xlsx) or CSV (.csv) file."), code="file_type"
            )
        return file


class ImportConfirmForm(ConfirmWarningsForm):
    """Confirming an import: the file's warnings checked, the reason for revised
    plans given."""

    reason = forms.CharField(
        label=_("Reason for the revised plans and targets"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, warnings: list, needs_reason: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.file_warnings = warnings
        self.needs_reason = needs_reason
        if not needs_reason:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _(
                "Projects with reports and KPIs with results change their plans "
                "and targets as dated revisions: give the reason."
            )

    def find_warnings(self, cleaned_data: dict[str, Any]) -> list:
        return self.file_warnings
