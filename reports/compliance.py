"""Reporting compliance: did each project report each month, by the due day?

A project owes one progress report a month, due by the ``REPORT_DUE_DAY`` of the
month (the day the report-overdue flag of ``with_progress`` uses). For each
project and month of a fiscal year the month's state is:

- on time: a report dated in the month was first submitted on or before the due
  day (a draft is not a report; a report from before approval existed, with no
  submission recorded, counts as sent on its date);
- late: the month's first submission came after the due day;
- missing: no report dated in the month was sent, the due day has passed and the
  month was owed (``progress.month_owed``: the plan had started by the due day);
- returned: missing, but a report of the month was sent back by the approver and
  not submitted again; it counts as missing in the tallies;
- complete: the project reported 100% before the month began, so owes nothing;
- not started: no report, and the plan had not started by the month's due day;
- not due: the month (or its due day) is still ahead of the reading date.

The missing months are the same as ``progress.missing_months`` gives the project
page and My work (a test checks both agree).

Only on time, late and missing count. Everything is computed in the database:
each month's state is one correlated subquery over the project's updates, and
the department × month matrix is one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from projects import approval, progress, thaicalendar
from projects.models import Department, PlanStep, ProgressUpdate


class State(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    MISSING = "missing", _("Missing")
    COMPLETE = "complete", _("Complete earlier")
    NOT_STARTED = "not_started", _("Plan not started")
    NOT_DUE = "not_due", _("Not due yet")
    RETURNED = "returned", _("Returned, not resubmitted")


COUNTED = (State.ON_TIME, State.LATE, State.MISSING)
# The tally each state counts in: a report returned and not sent again is missing.
TALLIED = {State.RETURNED: State.MISSING}


def tallied(state: str | None) -> str | None:
    """The COUNTED state a month's state adds to, if any."""
    return TALLIED.get(state, state)


@dataclass(frozen=True)
class Month:
    """One month of a fiscal year and the day its report is due."""

    index: int
    year: int
    month: int
    due: date

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return thaicalendar.month_end(self.year, self.month)

    @property
    def key(self) -> str:
        """The month as the query string names it: 2020-03."""
        return f"{self.year:04d}-{self.month:02d}"


def months_of(fiscal_year: int, due_day: int) -> list[Month]:
    """The twelve months of a fiscal year, October first, with their due days."""
    return [
        Month(index, year, month, progress.month_due(year, month, due_day))
        for index, (year, month) in enumerate(thaicalendar.fiscal_months(fiscal_year))
    ]


def state_expression(month: Month, on: date) -> models.Expression:
    """A project's state in a month, read on a date, as one correlated subquery."""
    if month.start > on:
        return Value(State.NOT_DUE.value)
    sent_on = Coalesce(TruncDate("submitted_at"), F("report_date"))
    updates = (
        ProgressUpdate.objects.reported()
        .filter(project=OuterRef("pk"), report_date__lte=min(month.end, on))
        .order_by()
        .values("project")
        .annotate(
            done=Max(
                Case(
                    When(
                        report_date__lt=month.start,
                        percent__gte=progress.HUNDRED,
                        then=Value(1),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
            first=Min(
                Case(
                    When(report_date__gte=month.start, then=sent_on),
                    output_field=DateField(),
                )
            ),
        )
        .annotate(
            state=Case(
                When(done=1, then=Value(State.COMPLETE.value)),
                When(first__lte=month.due, then=Value(State.ON_TIME.value)),
                When(first__isnull=False, then=Value(State.LATE.value)),
                default=Value(None),
                output_field=CharField(),
            )
        )
        .values("state")
    )
    returned = ProgressUpdate.objects.filter(
        project=OuterRef("pk"),
        status=approval.State.RETURNED,
        report_date__range=(month.start, month.end),
    )
    if month.due < on:
        nothing = Case(
            When(
                Exists(returned),
                plan_start__lte=month.due,
                then=Value(State.RETURNED.value),
            ),
            When(plan_start__lte=month.due, then=Value(State.MISSING.value)),
            default=Value(State.NOT_STARTED.value),
            output_field=CharField(),
        )
    else:
        nothing = Value(State.NOT_DUE.value)
    return Coalesce(
        Subquery(updates, output_field=CharField()), nothing, output_field=CharField()
    )


def with_states(projects: QuerySet, months: list[Month], on: date) -> QuerySet:
    """Annotate each project with m0 … m11: its state in each month of the year."""
    first_step = PlanStep.objects.filter(project=OuterRef("pk")).order_by(
        "planned_start"
    )
    return projects.annotate(
        plan_start=Subquery(first_step.values("planned_start")[:1])
    ).annotate(**{f"m{month.index}": state_expression(month, on) for month in months})


@dataclass
class Tally:
    """On time, late and missing reports, and the compliance rate they give."""

    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def rate(self) -> Decimal | None:
        """Reports on time, in % of the reports due (None when none was due)."""
        if not self.due:
            return None
        return progress.quantize(Decimal(self.on_time) * 100 / self.due)

    def add(self, other: Tally) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missing += other.missing

    def count(self, state: str) -> int:
        return getattr(self, state, 0)


@dataclass
class MatrixRow:
    """A row of a compliance matrix: a department or a project, month by month."""

    subject: object
    cells: list[Tally]
    projects: int = 0
    states: list[str] | None = None  # a project's state in each month

    @property
    def total(self) -> Tally:
        total = Tally()
        for cell in self.cells:
            total.add(cell)
        return total


def department_matrix(
    projects: QuerySet, months: list[Month], on: date
) -> list[MatrixRow]:
    """One row per department with projects: its tally in each month. One query.

    Departments come from ``Department.objects``, one more query.
    """
    counted = [month for month in months if month.start <= on]
    counts = {
        f"{state}_{month.index}": Count(
            "pk",
            filter=Q(
                **{
                    f"m{month.index}__in": [
                        value for value in State.values if tallied(value) == state
                    ]
                }
            ),
        )
        for month in counted
        for state in COUNTED
    }
    rows = (
        with_states(projects, counted, on)
        .order_by()
        .values("department")
        .annotate(projects=Count("pk"), **counts)
    )
    departments = {department.pk: department for department in Department.objects.all()}
    matrix = []
    for row in rows:
        cells = [
            Tally(
                *(row.get(f"{state}_{month.index}", 0) for state in COUNTED),
            )
            for month in months
        ]
        matrix.append(
            MatrixRow(departments[row["department"]], cells, projects=row["projects"])
        )
    return sorted(matrix, key=lambda row: row.subject.code)


def project_matrix(
    projects: QuerySet,
    months: list[Month],
    on: date,
    month: Month | None = None,
    state: str | None = None,
) -> list[MatrixRow]:
    """One row per project: its state in each month. One query.

    With ``month`` and ``state``, only the projects in that state that month.
    """
    annotated = with_states(projects, months, on)
    if month is not None and state:
        annotated = annotated.filter(**{f"m{month.index}": state})
    rows = []
    for project in annotated.order_by("code"):
        states = [getattr(project, f"m{m.index}") for m in months]
        cells = [
            Tally(*(int(tallied(value) == counted) for counted in COUNTED))
            for value in states
        ]
        rows.append(MatrixRow(project, cells, projects=1, states=states))
    return rows


def column_totals(rows: list[MatrixRow], months: list[Month]) -> list[Tally]:
    """The tally of each month over all rows."""
    totals = [Tally() for _month in months]
    for row in rows:
        for total, cell in zip(totals, row.cells, strict=True):
            total.add(cell)
    return totals
