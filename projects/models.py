"""Departments, the strategy tree, projects, their plans, progress and evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cached_property

import simple_history
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Least, Round
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects import approval, progress, thaicalendar
from projects.dbfunctions import AsReal, DayNumber
from projects.fields import (
    NormalizedCharField,
    NormalizedTextField,
    TextListField,
    person_field,
)

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
FISCAL_YEAR_VALIDATORS = [MinValueValidator(2500), MaxValueValidator(2700)]
QUARTER_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]
MONEY_VALIDATORS = [MinValueValidator(Decimal(0))]
PERCENT_FIELD = models.DecimalField(max_digits=5, decimal_places=2)
MONEY_FIELD = models.DecimalField(max_digits=15, decimal_places=2)
department_code_validator = RegexValidator(
    r"^\d{8}$", _("A department code is eight digits, e.g. 21000000.")
)
project_code_validator = RegexValidator(
    r"^\d{8}-\d{1,6}$", _("A project code is the department code, a dash and a number.")
)


class PortalHistoricalRecords(HistoricalRecords):
    """django-simple-history's records, which also follow links changed from the
    other side (``user.departments.add(department)``): simple-history records a
    many-to-many change only for the model that declares the field. A save of
    excluded fields only (``update_fields``) records nothing."""

    def post_save(self, instance, created, using=None, **kwargs):
        # A save of fields the history leaves out (a user's last login) is no
        # change to record, and a GET that logs in must not write one.
        update_fields = kwargs.get("update_fields")
        if (
            not created
            and update_fields
            and set(update_fields) <= set(self.excluded_fields)
        ):
            return None
        return super().post_save(instance, created, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse)
        owner = kwargs["model"]
        if action == "pre_clear":
            accessor = instance._meta.get_field(
                owner._meta.get_field(attr).related_query_name()
            ).get_accessor_name()
            pk_set = set(getattr(instance, accessor).values_list("pk", flat=True))
            instance._history_cleared = pk_set
            return None
        if action == "post_clear":
            pk_set = getattr(instance, "_history_cleared", set())
        if action in ("post_add", "post_remove", "post_clear") and pk_set:
            for owner_instance in owner._default_manager.filter(pk__in=pk_set):
                super().m2m_changed(owner_instance, action, attr, None, False)
        return None


def localized(thai: str, english: str) -> str:
    """Return the English text when English is active and there is one."""
    lang = get_language() or "th"
    return english if lang.startswith("en") and english else thai


class ProjectQuerySet(models.QuerySet):
    def for_fiscal_year(self, fiscal_year: int) -> ProjectQuerySet:
        return self.filter(fiscal_year=fiscal_year)

    def visible_list(self) -> ProjectQuerySet:
        """What a list row shows: the project with its department."""
        return self.select_related("department")

    def with_progress(self, on: date) -> ProjectQuerySet:
        """Annotate the derived figures of each project on a date, in one query.

        actual_percent and last_report_date come from the latest approved update on
        or before the date (``ProgressUpdate.objects.published()``); planned_percent
        from the plan; gap, status and report_overdue follow the rules of
        ``projects.progress``, with the months counted from reports sent (approved
        or not, ``reported()``); progress_on is the date itself.
        """
        latest = _latest_published(on)
        start_of_year = thaicalendar.fiscal_year_bounds(
            thaicalendar.fiscal_year_of(on)
        )[0]
        # Compliance counts reports sent, approved or not (a draft is not a report).
        until_on = (
            ProgressUpdate.objects.reported()
            .filter(project=OuterRef("pk"), report_date__lte=on)
            .order_by()
        )
        month_bits = Case(
            *(
                When(report_date__month=month, then=Value(progress.month_bit(month)))
                for month in range(1, 13)
            ),
            output_field=models.IntegerField(),
        )
        threshold = settings.BEHIND_THRESHOLD
        actual = Coalesce(
            F("actual_percent"), Value(Decimal(0)), output_field=PERCENT_FIELD
        )
        queryset = self.annotate(
            progress_on=Value(on, output_field=models.DateField()),
            actual_percent=Subquery(
                latest.values("percent")[:1], output_field=PERCENT_FIELD
            ),
            last_report_date=Subquery(latest.values("report_date")[:1]),
            planned_percent=_planned_percent(on),
        ).annotate(gap=actual - F("planned_percent"))
        queryset = queryset.annotate(
            status=Case(
                When(actual_percent__gte=100, then=Value(progress.Status.COMPLETE)),
                When(gap__lt=-threshold, then=Value(progress.Status.BEHIND)),
                When(
                    Q(actual_percent__isnull=True) | Q(actual_percent=0),
                    then=Value(progress.Status.NOT_STARTED),
                ),
                default=Value(progress.Status.ON_TRACK),
                output_field=models.CharField(),
            )
        )
        return queryset.annotate(
            plan_start=Subquery(
                PlanStep.objects.filter(project=OuterRef("pk"))
                .order_by("planned_start")
                .values("planned_start")[:1]
            ),
            completed_on=Subquery(
                until_on.filter(percent__gte=progress.HUNDRED)
                .order_by("report_date")
                .values("report_date")[:1]
            ),
            reported_months=Coalesce(
                Subquery(
                    until_on.filter(report_date__gte=start_of_year)
                    .values("project")
                    .annotate(mask=Sum(month_bits, distinct=True))
                    .values("mask"),
                    output_field=models.IntegerField(),
                ),
                Value(0),
            ),
        )

    def with_money(self, on: date) -> ProjectQuerySet:
        """Annotate the money figures of each project on a date (after
        with_progress(on), whose planned_percent is the default disbursement plan).

        The SQL mirror of ``progress.money``: disbursed_amount from the latest
        approved report giving one, disbursed_percent of budget_amount (the
        allocation) and planned_disbursed_percent from the disbursement plan in
        force on the date; the ``money_status`` property applies the status rule
        to them (``with_money_status`` mirrors it in SQL, for filtering).
        """
        latest = _latest_published(on)
        queryset = self.annotate(
            disbursed_amount=_disbursed_amount(on),
            committed_amount=Subquery(
                latest.filter(committed__isnull=False).values("committed")[:1],
                output_field=MONEY_FIELD,
            ),
            planned_disbursed_percent=_planned_disbursed_percent(on),
        ).annotate(
            disbursed_percent=Case(
                When(
                    budget_amount__gt=0,
                    then=Round(
                        AsReal(F("disbursed_amount"))
                        * Value(progress.HUNDRED)
                        / F("budget_amount"),
                        2,
                        output_field=MONEY_FIELD,
                    ),
                ),
                default=None,
                output_field=MONEY_FIELD,
            )
        )
        return queryset

    def with_money_status(self) -> ProjectQuerySet:
        """Annotate money_state, the SQL mirror of ``progress.money_status``, on
        rows of with_money(): for filtering only (each row's ``money_status``
        property reads the same rule from the other annotations, which is
        cheaper than this CASE repeating their subqueries)."""
        threshold = settings.DISBURSEMENT_BEHIND_THRESHOLD
        return self.annotate(
            money_state=Case(
                When(
                    Q(budget_amount__isnull=True) | Q(budget_amount=0),
                    then=Value(progress.MoneyStatus.NO_BUDGET),
                ),
                When(
                    Q(
                        disbursed_percent__isnull=True,
                        planned_disbursed_percent__gt=threshold,
                    )
                    | Q(
                        disbursed_percent__lt=F("planned_disbursed_percent")
                        - Value(threshold)
                    ),
                    then=Value(progress.MoneyStatus.BEHIND),
                ),
                default=Value(progress.MoneyStatus.ON_PLAN),
                output_field=models.CharField(),
            )
        )

    def overdue(self, on: date) -> ProjectQuerySet:
        """Projects of with_progress(on) missing a past-due monthly report.

        The SQL mirror of ``progress.missing_months`` (see Project.missing_months),
        for filtering: a month is missing when owed, past due and not reported.
        """
        due_day = settings.REPORT_DUE_DAY
        condition = Q(pk__in=[])
        for year, month in thaicalendar.fiscal_months(thaicalendar.fiscal_year_of(on)):
            due = progress.month_due(year, month, due_day)
            if due >= on:
                continue
            bit = progress.month_bit(month)
            condition |= (
                Q(plan_start__lte=due)
                & (
                    Q(completed_on__isnull=True)
                    | Q(completed_on__gte=date(year, month, 1))
                )
                & Exact(models.F("reported_months").bitand(bit), 0)
            )
        return self.filter(condition)

    def figures_over(self, days: Sequence[date]) -> list[dict]:
        """The projects' figures on each of several days, in one query.

        For each day, in order: ``count``; ``actual`` and ``planned``, the average
        actual % (a project without a report counts as 0, as progress_summary
        does) and planned %; ``allocated``, ``planned_money`` (the baht planned as
        disbursed by then) and ``disbursed`` totals. Each day reads only the
        columns these need, built by the expressions with_progress and with_money
        use (one home for the rules); the days are sent as one UNION ALL grouped
        by day, so a project's subqueries run once a day and the ORM builds no
        more than it sends. Empty when there is no project.
        """
        parts, params = [], []
        for index, day in enumerate(days):
            part = (
                self.order_by()
                .annotate(
                    point=Value(index, output_field=models.IntegerField()),
                    actual_percent=Subquery(
                        _latest_published(day).values("percent")[:1],
                        output_field=PERCENT_FIELD,
                    ),
                    planned_percent=_planned_percent(day),
                )
                .annotate(
                    own_planned=_own_planned_disbursed_percent(day),
                    disbursed_amount=_disbursed_amount(day),
                )
                .values(*FIGURE_COLUMNS)
            )
            try:
                sql, part_params = part.query.sql_with_params()
            except EmptyResultSet:  # a queryset that can match nothing
                return []
            parts.append(sql)
            params.extend(part_params)
        if not parts:
            return []
        # Grouped outside the parts: an aggregate over an annotation would repeat
        # its subqueries once per aggregate that reads it. The planned
        # disbursement is _planned_disbursed_percent's COALESCE, taken here so
        # the work plan's % is computed once a row, not again inside it.
        # Sums rounded to the places of what they add (SQLite adds decimals as
        # floats), averaged here in Decimal: the same figures on both databases.
        # The parts are the ORM's own SQL; every value is a parameter.
        sql = (
            "SELECT point, COUNT(*), ROUND(SUM(COALESCE(actual_percent, 0)), 2),"  # nosec B608
            " ROUND(SUM(planned_percent), 2), ROUND(SUM(budget_amount), 2),"
            " ROUND(SUM(budget_amount * COALESCE(own_planned, planned_percent)), 4),"
            " ROUND(SUM(disbursed_amount), 2)"
            f" FROM ({' UNION ALL '.join(parts)}) figures GROUP BY point"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        if not rows:
            return []
        figures = []
        for index, day in enumerate(days):
            count, *sums = rows[index]
            actual, planned, allocated, planned_money, disbursed = (
                None if value is None else _as_decimal(value) for value in sums
            )
            figures.append(
                {
                    "day": day,
                    "count": count,
                    "actual": actual / count,
                    "planned": planned / count,
                    "allocated": allocated,
                    "planned_money": None
                    if planned_money is None
                    else planned_money / 100,
                    "disbursed": disbursed,
                }
            )
        return figures

    def progress_summary(self) -> dict:
        """Aggregates of with_progress() rows: count, averages, statuses, overdue."""
        return summarize_progress(self._progress_rows())

    def progress_by_department(self) -> list[dict]:
        """The same aggregates per department, as dicts keyed by ``department``."""
        return self.progress_breakdown()[1]

    def progress_breakdown(self) -> tuple[dict, list[dict]]:
        """progress_summary() and progress_by_department() from one read of the rows."""
        return progress_breakdown_of(self._progress_rows())

    def _progress_rows(self) -> list[tuple]:
        # Each project's base figures, read once: in SQL every status and overdue
        # test would run the latest-update and plan subqueries again (20 times a
        # row, seconds for a city's year); the rules are applied in summarize_progress.
        return list(self.order_by().values_list(*PROGRESS_ROW_FIELDS))


# The with_progress() figures summarize_progress() reads from each row, in order.
PROGRESS_ROW_FIELDS = (
    "department",
    "actual_percent",
    "planned_percent",
    "progress_on",
    "fiscal_year",
    "plan_start",
    "completed_on",
    "reported_months",
)
# The columns of one day's part of figures_over().
FIGURE_COLUMNS = (
    "point",
    "actual_percent",
    "planned_percent",
    "budget_amount",
    "own_planned",
    "disbursed_amount",
)


def progress_breakdown_of(rows: list[tuple]) -> tuple[dict, list[dict]]:
    """progress_summary() and progress_by_department() of PROGRESS_ROW_FIELDS rows."""
    # Each row's rules applied once, for the city's summary and its department's.
    facts = [_row_facts(row) for row in rows]
    by_department: dict[int, list[tuple]] = {}
    for row, row_facts in zip(rows, facts, strict=True):
        by_department.setdefault(row[0], []).append(row_facts)
    return _summarize_facts(facts), [
        {"department": department, **_summarize_facts(department_facts)}
        for department, department_facts in by_department.items()
    ]


def _as_decimal(value: Decimal | float | int) -> Decimal:
    """A number from the database as a Decimal (SQLite sums decimals as floats)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _latest_published(on: date) -> models.QuerySet:
    """The approved updates of the outer project on or before a date, latest first."""
    return (
        ProgressUpdate.objects.published()
        .filter(project=OuterRef("pk"), report_date__lte=on)
        .order_by("-report_date")
    )


def _planned_percent(on: date) -> models.Expression:
    """The outer project's planned % on a date (``progress.planned_in_force``):
    from the superseded plan revision in force then, else from its steps."""
    day = Value((on - date(1970, 1, 1)).days)
    start, end = DayNumber("planned_start"), DayNumber("planned_end")
    elapsed = Case(
        When(planned_end__lte=on, then=F("weight")),
        When(planned_start__gt=on, then=Value(Decimal(0))),
        default=models.ExpressionWrapper(
            F("weight") * (day - start) / (end - start), output_field=PERCENT_FIELD
        ),
        output_field=PERCENT_FIELD,
    )
    planned = (
        PlanStep.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum(elapsed, output_field=PERCENT_FIELD))
        .values("total")
    )
    # A superseded plan in force on the date, when the plan was revised after.
    revised = (
        PlanRevisionStep.objects.filter(
            Q(revision__valid_from__isnull=True) | Q(revision__valid_from__lte=on),
            revision__project=OuterRef("pk"),
            revision__valid_until__gt=on,
        )
        .order_by()
        .values("revision")
        .annotate(total=Sum(elapsed, output_field=PERCENT_FIELD))
        .values("total")[:1]
    )
    return Least(
        Round(
            Coalesce(
                Subquery(revised, output_field=PERCENT_FIELD),
                Subquery(planned, output_field=PERCENT_FIELD),
                Value(Decimal(0)),
            ),
            2,
            output_field=PERCENT_FIELD,
        ),
        Value(progress.HUNDRED),
        output_field=PERCENT_FIELD,
    )


def _disbursed_amount(on: date) -> Subquery:
    """The outer project's cumulative disbursed on a date
    (``progress.latest_amount``)."""
    return Subquery(
        _latest_published(on).filter(disbursed__isnull=False).values("disbursed")[:1],
        output_field=MONEY_FIELD,
    )


def _planned_disbursed_percent(on: date) -> Coalesce:
    """The outer project's planned disbursed % on a date
    (``progress.planned_disbursed_percent``): the latest month of the
    disbursement plan in force, else (none, or one that follows the work plan)
    the work plan's ``planned_percent``."""
    return Coalesce(
        _own_planned_disbursed_percent(on),
        F("planned_percent"),
        output_field=PERCENT_FIELD,
    )


def _own_planned_disbursed_percent(on: date) -> Case:
    """The latest month's figure of the outer project's own disbursement plan in
    force on a date (0 before its first month); NULL when none is in force, or
    the one in force follows the work plan."""
    # A version in force that follows the work plan counts as none.
    in_force = DisbursementPlan.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_until__isnull=True) | Q(valid_until__gt=on),
        project=OuterRef("pk"),
        follows_work_plan=False,
    )
    month = DisbursementPlanMonth.objects.filter(
        Q(plan__valid_from__isnull=True) | Q(plan__valid_from__lte=on),
        Q(plan__valid_until__isnull=True) | Q(plan__valid_until__gt=on),
        plan__project=OuterRef("pk"),
        month_end__lte=on,
    ).order_by("-month_end")
    return Case(
        When(
            models.Exists(in_force),
            then=Coalesce(
                Subquery(month.values("percent")[:1]),
                Value(Decimal(0)),
                output_field=PERCENT_FIELD,
            ),
        ),
        default=None,
        output_field=PERCENT_FIELD,
    )


def summarize_progress(rows: list[tuple]) -> dict:
    """Count, average actual and planned %, statuses and overdue of progress rows
    (the ``PROGRESS_ROW_FIELDS`` of with_progress() rows)."""
    return _summarize_facts([_row_facts(row) for row in rows])


def _row_facts(row: tuple) -> tuple:
    """(actual, planned, status, overdue) of a PROGRESS_ROW_FIELDS row, by the rules."""
    _department, actual, planned, on, fiscal_year, *facts = row
    return (
        actual,
        planned,
        progress.status(actual, planned, settings.BEHIND_THRESHOLD),
        bool(missing_months(fiscal_year, on, *facts)),
    )


def _summarize_facts(facts: list[tuple]) -> dict:
    """The summary of rows' _row_facts: count, averages, statuses, overdue."""
    summary: dict = dict.fromkeys(progress.Status.values, 0)
    summary |= {"count": len(facts), "actual": None, "planned": None, "overdue": 0}
    actual_total = planned_total = Decimal(0)
    for actual, planned, status, overdue in facts:
        summary[status] += 1
        summary["overdue"] += overdue
        actual_total += actual or Decimal(0)
        planned_total += planned
    summary["actual_total"], summary["planned_total"] = actual_total, planned_total
    if facts:
        summary["actual"] = actual_total / len(facts)
        summary["planned"] = planned_total / len(facts)
    return summary


def combine_summaries(summaries: list[dict]) -> dict:
    """The progress_summary() of the rows of several summaries (of departments):
    their counts and totals added, the averages taken from the totals, exactly as
    one summary of all the rows."""
    combined: dict = dict.fromkeys(progress.Status.values, 0)
    combined |= {"count": 0, "actual": None, "planned": None, "overdue": 0}
    combined |= {"actual_total": Decimal(0), "planned_total": Decimal(0)}
    for summary in summaries:
        for name in (*progress.Status.values, "count", "overdue"):
            combined[name] += summary[name]
        combined["actual_total"] += summary["actual_total"]
        combined["planned_total"] += summary["planned_total"]
    if combined["count"]:
        combined["actual"] = combined["actual_total"] / combined["count"]
        combined["planned"] = combined["planned_total"] / combined["count"]
    return combined


def missing_months(
    fiscal_year: int,
    on: date,
    plan_start: date | None,
    completed_on: date | None,
    reported_months: int,
) -> list[tuple[int, int]]:
    """The months of the year whose report is missing on ``on`` (progress rules)."""
    return progress.missing_months(
        thaicalendar.fiscal_months(fiscal_year),
        reported_mask=reported_months,
        plan_start=plan_start,
        completed_on=completed_on,
        on=on,
        due_day=settings.REPORT_DUE_DAY,
    )


class Department(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        DISTRICT = "district", _("District office")
        OTHER = "other", _("Other agency")

    code = models.CharField(
        _("code"), max_length=8, unique=True, validators=[department_code_validator]
    )
    name_th = NormalizedCharField(_("name (Thai)"), max_length=255)
    name_en = NormalizedCharField(_("name (English)"), max_length=255, blank=True)
    short_name = NormalizedCharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff members"),
        blank=True,
        related_name="departments",
        help_text=_("Agency staff who report this department's projects."),
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("report approvers"),
        blank=True,
        related_name="approves_for",
        help_text=_(
            "Heads of the department (หัวหน้าหน่วยงาน) who approve its monthly "
            "reports and KPI results before they are published."
        ),
    )

    # Membership and approver changes are kept with the department (who joined,
    # who left).
    history = PortalHistoricalRecords(m2m_fields=["members", "approvers"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    def get_absolute_url(self) -> str:
        return reverse("projects:department-detail", args=[self.code])

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized(self.name_th, self.name_en)

    @property
    def indicator_prefix(self) -> str:
        """The four digits that start this department's KPI codes (2100-1044)."""
        return self.code[:4]


class StrategyNode(models.Model):
    class Level(models.TextChoices):
        PILLAR = "pillar", _("Pillar")
        DIMENSION = "dimension", _("Dimension")
        GOAL = "goal", _("Goal")
        OBJECTIVE = "objective", _("Objective")

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    code = NormalizedCharField(_("code"), max_length=20, unique=True)
    title_th = NormalizedCharField(_("title (Thai)"), max_length=500)
    title_en = NormalizedCharField(_("title (English)"), max_length=500, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategy plan")

    def __str__(self) -> str:
        return f"{self.code} {self.title_th}"

    @property
    def title(self) -> str:
        """The title in the active language."""
        return localized(self.title_th, self.title_en)

    def path(self) -> list[StrategyNode]:
        """The nodes from the pillar down to this one."""
        nodes: list[StrategyNode] = []
        node: StrategyNode | None = self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]


class Project(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project", _("Project")
        ACTIVITY = "activity", _("Activity")

    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[project_code_validator]
    )
    name_th = NormalizedCharField(_("name (Thai)"), max_length=500)
    name_en = NormalizedCharField(_("name (English)"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.PROJECT
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=FISCAL_YEAR_VALIDATORS
    )
    officer_name = NormalizedCharField(_("responsible officer"), max_length=255)
    officer_contact = NormalizedCharField(
        _("officer's contact"), max_length=255, blank=True
    )
    budget_owner_unit = NormalizedCharField(
        _("owning budget unit"), max_length=20, blank=True
    )
    budget_implementing_unit = NormalizedCharField(
        _("implementing budget unit"), max_length=20, blank=True
    )
    budget_amount = models.DecimalField(
        _("budget (baht)"),
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    citizen_benefit = NormalizedTextField(
        _("what citizens get"),
        blank=True,
        help_text=_("In a sentence or two: what people gain (ประชาชนได้อะไร)."),
    )
    rationale = NormalizedTextField(_("rationale"), blank=True)
    objectives = TextListField(_("objectives"), default=list, blank=True)
    targets = TextListField(_("targets"), default=list, blank=True)
    is_routine = models.BooleanField(
        _("routine work of the agency"),
        default=False,
        help_text=_("Shown instead of a strategy path (ภารกิจงานประจำของหน่วยงาน)."),
    )
    strategies = models.ManyToManyField(
        StrategyNode,
        verbose_name=_("strategies supported"),
        blank=True,
        related_name="projects",
    )
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("predecessor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text=_("The same project in an earlier fiscal year."),
    )
    plan_version = models.PositiveIntegerField(
        _("plan version"),
        default=1,
        editable=False,
        help_text=_("Counts saves of the work plan, so two editors cannot overwrite."),
    )
    budget_version = models.PositiveIntegerField(
        _("budget version"),
        default=1,
        editable=False,
        help_text=_(
            "Counts saves of the allocation and the disbursement plan, so two "
            "editors cannot overwrite."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProjectQuerySet.as_manager()
    history = PortalHistoricalRecords(
        excluded_fields=["plan_version", "budget_version"], m2m_fields=["strategies"]
    )

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["fiscal_year", "department"]),
            models.Index(fields=["department", "fiscal_year"]),
            # A page of a year's (or a department's year's) projects in code
            # order, read from the index rather than by sorting 100,000 rows.
            models.Index(fields=["fiscal_year", "code"], name="project_year_code"),
            models.Index(
                fields=["department", "fiscal_year", "code"],
                name="project_department_year_code",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2500, fiscal_year__lte=2700),
                name="project_fiscal_year_be",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.code])

    def clean(self) -> None:
        if self.department_id and self.code:
            department_code = self.code.split("-")[0]
            if department_code != self.department.code:
                raise ValidationError(
                    {"code": _("The code must start with the department's code.")}
                )

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized(self.name_th, self.name_en)

    @property
    def budget_units(self) -> str:
        """The budget-unit pair as the original portal shows it (21100100/21100100)."""
        units = [self.budget_owner_unit, self.budget_implementing_unit]
        return "/".join(unit for unit in units if unit)

    @property
    def fiscal_year_bounds(self) -> tuple[date, date]:
        """The first and last day of the project's fiscal year."""
        return thaicalendar.fiscal_year_bounds(self.fiscal_year)

    def reading_date(self, today: date) -> date:
        """The date the figures are read at: today, kept inside the fiscal year."""
        return thaicalendar.within_fiscal_year(today, self.fiscal_year)

    def planned_percent(self, on: date) -> Decimal:
        """The planned cumulative % on a date, from the plan in force on that date."""
        return progress.planned_in_force(self.revisions(), self.steps.all(), on)

    def revisions(self) -> list[progress.Revision]:
        """The superseded work plans, oldest first (empty until the plan is revised)."""
        return [
            progress.Revision(r.valid_from, r.valid_until, list(r.steps.all()))
            for r in self.plan_revisions.all()
            if r.valid_until is not None
        ]

    @cached_property
    def missing_months(self) -> list[tuple[int, int]]:
        """Months whose report is past due and missing (needs with_progress())."""
        return missing_months(
            self.fiscal_year,
            self.progress_on,
            self.plan_start,
            self.completed_on,
            self.reported_months,
        )

    @property
    def report_overdue(self) -> bool:
        """True while any month's report is missing (needs with_progress())."""
        return bool(self.missing_months)

    @property
    def report_due(self) -> bool:
        """True when this month owes a report not sent yet (needs with_progress())."""
        return progress.report_due_now(
            reported_mask=self.reported_months,
            plan_start=self.plan_start,
            completed_on=self.completed_on,
            on=self.progress_on,
            due_day=settings.REPORT_DUE_DAY,
        )

    @property
    def money_status(self) -> progress.MoneyStatus:
        """Disbursing on plan, behind, or no allocation (needs with_money())."""
        return progress.money_status(
            self.budget_amount,
            self.disbursed_percent,
            self.planned_disbursed_percent,
            settings.DISBURSEMENT_BEHIND_THRESHOLD,
        )

    @property
    def disbursed_of_plan(self) -> Decimal | None:
        """Disbursed against the disbursement plan in % (needs with_money())."""
        return progress.of_plan_percent(
            self.budget_amount, self.disbursed_amount, self.planned_disbursed_percent
        )

    def weights_total(self) -> Decimal:
        """The sum of the plan's step weights (must be 100 before reporting)."""
        return sum((step.weight for step in self.steps.all()), Decimal(0))


class StepFields(models.Model):
    """What a step of a work plan holds, in the current plan and in a frozen
    revision alike."""

    number = models.PositiveSmallIntegerField(_("step"))
    description = NormalizedTextField(_("description"))
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))

    class Meta:
        abstract = True

    @property
    def is_milestone(self) -> bool:
        """A one-day step: it counts fully from its date."""
        return self.planned_start == self.planned_end


class PlanStep(StepFields):
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="steps",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("plan step")
        verbose_name_plural = _("work plan")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="plan_step_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100),
                name="plan_step_weight_0_100",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="plan_step_end_after_start",
                violation_error_message=_("The end must not be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} #{self.number}"


class RevisionFields(models.Model):
    """A dated version of something that may change only going forward (a work
    plan, a disbursement plan): in force from ``valid_from`` (None: from the start)
    to the day before ``valid_until`` (None: in force now), with why and by whom.
    ``progress.in_force`` picks the one in force on a day."""

    number = models.PositiveSmallIntegerField(_("revision"))
    valid_from = models.DateField(
        _("in force from"), null=True, blank=True, help_text=_("Empty: from the start.")
    )
    valid_until = models.DateField(
        _("superseded on"), null=True, blank=True, help_text=_("Empty: in force now.")
    )
    reason = NormalizedTextField(_("reason for the revision"), blank=True)
    author = person_field(_("revised by"))
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        """The version in force now (for a work plan: the one whose steps are the
        project's PlanSteps)."""
        return self.valid_until is None


class PlanRevision(RevisionFields):
    """One version of a project's work plan, once the plan has been revised.

    A plan is kept in PlanStep alone until it is revised after the project has
    reports or a locked quarter (``services.save_plan``). Then the plan in force is
    frozen here with copies of its steps (``PlanRevisionStep``) and ends the day
    the new one starts; the new, current revision keeps its steps in PlanStep.
    Planned % on a date uses the revision in force on it, so nothing scored moves.
    """

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="plan_revisions",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="plan_revision_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} r{self.number}"


class PlanRevisionStep(StepFields):
    """A step of a superseded plan revision, frozen as it was."""

    revision = models.ForeignKey(
        PlanRevision,
        verbose_name=_("plan revision"),
        on_delete=models.CASCADE,
        related_name="steps",
    )

    class Meta:
        ordering = ["revision", "number"]
        verbose_name = _("step of a plan revision")
        verbose_name_plural = _("steps of a plan revision")
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "number"], name="plan_revision_step_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revision} #{self.number}"


class BudgetCategory(models.Model):
    """A budget category the city uses (งบดำเนินงาน, งบลงทุน…): data admins keep."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_th = NormalizedCharField(_("name (Thai)"), max_length=200)
    name_en = NormalizedCharField(_("name (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive categories stay on old projects but are not offered."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("budget category")
        verbose_name_plural = _("budget categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized(self.name_th, self.name_en)


class BudgetLine(models.Model):
    """One line of a project's allocation (งบประมาณที่ได้รับจัดสรร): a category,
    an amount and where the money comes from. The project's budget_amount is the
    total of its lines (``services.save_budget``)."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    number = models.PositiveSmallIntegerField(_("line"))
    category = models.ForeignKey(
        BudgetCategory,
        verbose_name=_("budget category"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    amount = models.DecimalField(
        _("amount (baht)"),
        max_digits=15,
        decimal_places=2,
        validators=MONEY_VALIDATORS,
    )
    source = NormalizedCharField(
        _("source of funds"),
        max_length=200,
        blank=True,
        help_text=_("For example: BMA budget, government subsidy."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget allocation")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="budget_line_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="budget_line_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} #{self.number}"


class DisbursementPlan(RevisionFields):
    """One version of a project's disbursement plan: the cumulative % of the
    allocation planned as disbursed by the end of each month.

    Revised like the work plan (``services.save_disbursement_plan``): once the
    project has reports or a locked quarter, a change closes the version in force
    (``valid_until``) and opens a new one from ``services.revision_start``, so a
    figure read on a past date never moves. Without a version in force on a date,
    the plan follows the work plan's planned %.
    """

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="disbursement_plans",
    )
    follows_work_plan = models.BooleanField(
        _("follows the work plan"),
        default=False,
        help_text=_(
            "A revision back to the default: from its start the plan follows the "
            "work plan's planned %, without months of its own."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("disbursement plan")
        verbose_name_plural = _("disbursement plans")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="disbursement_plan_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} d{self.number}"

    def as_plan(self) -> progress.MoneyPlan:
        """The plain values the derived figures read (needs months prefetched)."""
        return progress.MoneyPlan(
            self.valid_from,
            self.valid_until,
            tuple((m.month_end, m.percent) for m in self.months.all()),
            follows_work_plan=self.follows_work_plan,
        )


class DisbursementPlanMonth(models.Model):
    """The cumulative % of the allocation planned as disbursed by a month's end."""

    plan = models.ForeignKey(
        DisbursementPlan,
        verbose_name=_("disbursement plan"),
        on_delete=models.CASCADE,
        related_name="months",
    )
    month_end = models.DateField(_("month end"))
    percent = models.DecimalField(
        _("planned disbursed, cumulative (%)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT_VALIDATORS,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "month_end"]
        verbose_name = _("month of a disbursement plan")
        verbose_name_plural = _("months of a disbursement plan")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "month_end"], name="disbursement_month_unique"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="disbursement_month_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.month_end}: {self.percent}%"


class ProgressUpdateQuerySet(models.QuerySet):
    def published(self) -> ProgressUpdateQuerySet:
        """Approved reports: the only ones public pages and derived figures use."""
        return self.filter(status=approval.State.APPROVED)

    def reported(self) -> ProgressUpdateQuerySet:
        """Reports sent for approval or approved: what compliance counts."""
        return self.filter(status__in=approval.REPORTED)

    def for_review(self) -> ProgressUpdateQuerySet:
        """Submitted reports as the approver's queue shows them, newest first, with
        their project's plan, plan revisions and other reports, in five queries."""
        return (
            self.filter(status=approval.State.SUBMITTED)
            .select_related("project__department", "author")
            .prefetch_related(
                "project__steps",
                "project__plan_revisions__steps",
                "project__updates",
            )
            .order_by("-submitted_at", "-pk")
        )


class Reviewed(models.Model):
    """What a report needs to go through approval (projects/approval.py): its state
    and who reviewed it when. Monthly progress updates and KPI results share it."""

    # Rows written outside the approval workflow (imports, generated data) are
    # published as before approval existed; the services set the state.
    status = models.CharField(
        _("approval"),
        max_length=10,
        choices=approval.State.choices,
        default=approval.State.APPROVED,
        editable=False,
    )
    submitted_at = models.DateTimeField(
        _("first submitted"), null=True, blank=True, editable=False
    )
    reviewed_by = person_field(_("reviewed by"), editable=False)
    reviewed_at = models.DateTimeField(
        _("reviewed"), null=True, blank=True, editable=False
    )
    review_comment = NormalizedTextField(
        _("approver's comment"), blank=True, editable=False
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        """Approved: shown to everyone and counted in the derived figures."""
        return self.status == approval.State.APPROVED


class ProgressUpdate(Reviewed):
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    report_date = models.DateField(_("report date"))
    percent = models.DecimalField(
        _("cumulative progress (%)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT_VALIDATORS,
    )
    disbursed = models.DecimalField(
        _("cumulative disbursed (baht)"),
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=MONEY_VALIDATORS,
    )
    committed = models.DecimalField(
        _("committed (baht)"),
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=MONEY_VALIDATORS,
    )
    done = NormalizedTextField(_("work done"), blank=True)
    problems = NormalizedTextField(_("problems"), blank=True, none_words=True)
    obstacles = NormalizedTextField(_("obstacles"), blank=True, none_words=True)
    author = person_field(_("author"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(
        _("first submitted"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Empty: before approval existed; counts as sent on its date."),
    )
    confirmed_warnings = NormalizedTextField(
        _("warnings the author confirmed"), blank=True, editable=False
    )

    objects = ProgressUpdateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "report_date"]
        get_latest_by = "report_date"
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        # The overview's latest reports of a year: newest first, read backwards.
        indexes = [
            models.Index(fields=["report_date", "id"], name="progress_update_date_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "report_date"],
                name="progress_update_one_per_date",
                violation_error_message=_(
                    "This project already has a report on that date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="progress_update_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(disbursed__isnull=True) | Q(disbursed__gte=0),
                name="progress_update_disbursed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(committed__isnull=True) | Q(committed__gte=0),
                name="progress_update_committed_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.report_date}: {self.percent}%"

    @property
    def counts_as_sent(self) -> bool:
        """Submitted or approved: the month counts as reported (a draft does not)."""
        return self.status in approval.REPORTED

    @property
    def is_pending(self) -> bool:
        """Saved but not published: shown only to the department, marked so."""
        return self.status != approval.State.APPROVED


class ProjectEvaluation(models.Model):
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=QUARTER_VALIDATORS
    )
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    comment = NormalizedTextField(_("comment"), blank=True)
    evaluator = person_field(_("evaluator"))
    evaluated_at = models.DateTimeField(_("evaluated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "quarter"]
        verbose_name = _("project evaluation")
        verbose_name_plural = _("project evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "quarter"], name="project_evaluation_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="project_evaluation_quarter_1_4",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100),
                name="project_evaluation_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} Q{self.quarter}: {self.score}"


class Profile(models.Model):
    """A person's role in the portal; department membership is on Department."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Agency staff")
        EVALUATOR = "evaluator", _("Evaluator")
        ADMIN = "admin", _("Administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.STAFF
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language the portal speaks to this person; blank: Thai."),
    )

    history = PortalHistoricalRecords()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class QuarterLockQuerySet(models.QuerySet):
    def active(self) -> QuarterLockQuerySet:
        """Locks not reopened."""
        return self.filter(reopened_at__isnull=True)


class QuarterLock(models.Model):
    """A quarter the evaluators closed: staff can no longer change its updates
    and KPI results. Reopening keeps the row, with who, when and why."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=FISCAL_YEAR_VALIDATORS
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=QUARTER_VALIDATORS
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quarter_locks",
        help_text=_("Empty: the quarter is locked for every department."),
    )
    locked_by = person_field(_("locked by"), blank=False)
    locked_at = models.DateTimeField(_("locked"), auto_now_add=True)
    reopened_by = person_field(_("reopened by"))
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopen_reason = NormalizedTextField(_("reason for reopening"), blank=True)

    objects = QuarterLockQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year", "-quarter", "department"]
        verbose_name = _("quarter lock")
        verbose_name_plural = _("quarter locks")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "quarter", "department"],
                condition=Q(reopened_at__isnull=True, department__isnull=False),
                name="quarter_lock_one_active_per_department",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "quarter"],
                condition=Q(reopened_at__isnull=True, department__isnull=True),
                name="quarter_lock_one_active_for_all",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="quarter_lock_quarter_1_4",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department.code if self.department_id else "*"
        return f"{self.fiscal_year} Q{self.quarter} {scope}"

    @property
    def is_active(self) -> bool:
        """True until the quarter is reopened."""
        return self.reopened_at is None


class FiscalYearReopeningQuerySet(models.QuerySet):
    def active(self) -> FiscalYearReopeningQuerySet:
        """Reopenings not closed again."""
        return self.filter(closed_at__isnull=True)


class FiscalYearReopening(models.Model):
    """A fiscal year an evaluator reopened after it closed by itself.

    A year closes ``FISCAL_YEAR_CLOSE_DAYS`` after 30 September: its reports,
    results and plans become read-only, like a locked quarter. While a reopening is
    active (not closed again) the year can be changed; closing it again keeps the
    row, with who, when and why.
    """

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=FISCAL_YEAR_VALIDATORS
    )
    reason = NormalizedTextField(_("reason for reopening"))
    reopened_by = person_field(_("reopened by"), blank=False)
    reopened_at = models.DateTimeField(_("reopened"), auto_now_add=True)
    closed_by = person_field(_("closed again by"))
    closed_at = models.DateTimeField(_("closed again"), null=True, blank=True)

    objects = FiscalYearReopeningQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year", "-reopened_at"]
        verbose_name = _("fiscal year reopening")
        verbose_name_plural = _("fiscal year reopenings")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year"],
                condition=Q(closed_at__isnull=True),
                name="fiscal_year_one_active_reopening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}"


# The audit history of accounts: names, the staff and superuser flags, whether
# active, and groups; never the password hash, nor each login's time.
simple_history.register(
    get_user_model(),
    app="projects",
    records_class=PortalHistoricalRecords,
    m2m_fields=["groups"],
    excluded_fields=["password", "last_login"],
)
