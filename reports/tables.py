"""The exports' tables: the rows a report page shows, as columns of plain values.

Each function takes what the page itself was built from (the same queryset or
the same computed rows), so an export matches its page row for row.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.models import EvaluationCriterion
from projects import progress, thaicalendar
from projects.models import Department, Project
from reports.compliance import COUNTED, MatrixRow, Month, State
from reports.dashboard import KpiReportRow
from reports.exports import DATE, INTEGER, NUMBER, TEXT, Column, Table, yes_no

CHUNK_SIZE = 2000


def filename(name: str, fiscal_year: int, department: Department | None) -> str:
    """projects-2563, or projects-2563-21000000 for one department."""
    parts = [name, str(fiscal_year)]
    if department is not None:
        parts.append(department.code)
    return "-".join(parts)


def _rounded(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return progress.quantize(number)


def projects_table(projects: QuerySet, name: str) -> Table:
    """The project list's rows: ``visible_list().with_progress(on).with_money(on)``,
    filtered."""
    # Words are translated once, not once a row: a 10,000-row export feels it.
    kinds = {value: str(label) for value, label in Project.Kind.choices}
    statuses = {value: str(label) for value, label in progress.Status.choices}
    money_statuses = {
        value: str(label) for value, label in progress.MoneyStatus.choices
    }
    overdue = {True: yes_no(True), False: yes_no(False)}

    # Only the columns written: the rows stay the page's, the transfer shrinks.
    columns = projects.only(
        "code",
        "name_th",
        "name_en",
        "kind",
        "fiscal_year",
        "officer_name",
        "budget_amount",
        "department__code",
        "department__name_th",
        "department__name_en",
    )

    def rows() -> Iterator[list]:
        for project in columns.iterator(chunk_size=CHUNK_SIZE):
            department = project.department
            yield [
                project.code,
                project.name_th,
                project.name_en,
                kinds.get(project.kind, project.kind),
                department.code,
                department.name,
                project.fiscal_year,
                _rounded(project.actual_percent),
                _rounded(project.planned_percent),
                _rounded(project.gap),
                statuses.get(project.status, project.status),
                overdue[bool(project.report_overdue)],
                len(project.missing_months),
                project.last_report_date,
                project.officer_name,
                project.budget_amount,
                project.disbursed_amount,
                project.committed_amount,
                _rounded(project.disbursed_percent),
                _rounded(project.planned_disbursed_percent),
                _rounded(project.disbursed_of_plan),
                money_statuses.get(project.money_status, project.money_status),
            ]

    return Table(
        title=_("Projects"),
        filename=name,
        columns=[
            Column(_("Code"), TEXT, 16),
            Column(_("Project name (Thai)"), TEXT, 60),
            Column(_("Project name (English)"), TEXT, 40),
            Column(_("Kind"), TEXT, 10),
            Column(_("Department code"), TEXT, 12),
            Column(_("Department"), TEXT, 36),
            Column(_("Fiscal year"), INTEGER, 10),
            Column(_("Actual (%)"), NUMBER, 10),
            Column(_("Planned (%)"), NUMBER, 10),
            Column(_("Gap (points)"), NUMBER, 10),
            Column(_("Status"), TEXT, 14),
            Column(_("Report overdue"), TEXT, 10),
            Column(_("Missing monthly reports"), INTEGER, 10),
            Column(_("Last report"), DATE, 13),
            Column(_("Responsible officer"), TEXT, 28),
            Column(_("Budget (baht)"), NUMBER, 16),
            Column(_("Cumulative disbursed (baht)"), NUMBER, 16),
            Column(_("Committed (baht)"), NUMBER, 16),
            Column(_("Disbursed of the allocation (%)"), NUMBER, 12),
            Column(_("Planned disbursed (%)"), NUMBER, 12),
            Column(_("Disbursed against plan (%)"), NUMBER, 12),
            Column(_("Disbursement status"), TEXT, 16),
        ],
        rows=rows(),
    )


def kpis_table(
    rows: list[KpiReportRow], criteria: list[EvaluationCriterion], name: str
) -> Table:
    """The KPI results report's rows: each quarter's result and scores."""
    columns = [
        Column(_("Code"), TEXT, 12),
        Column(_("KPI"), TEXT, 60),
        Column(_("Department code"), TEXT, 12),
        Column(_("Department"), TEXT, 36),
        Column(_("Kind"), TEXT, 16),
        Column(_("Level"), TEXT, 10),
        Column(_("Unit"), TEXT, 10),
        Column(_("Target"), NUMBER, 10),
        Column(_("Direction"), TEXT, 16),
        Column(_("Aggregation of quarters"), TEXT, 16),
    ]
    for quarter in range(1, 5):
        columns.append(
            Column(_("Q%(quarter)s result") % {"quarter": quarter}, NUMBER, 10)
        )
        columns += [
            Column(
                _("Q%(quarter)s score %(criterion)s")
                % {"quarter": quarter, "criterion": criterion.code},
                NUMBER,
                10,
            )
            for criterion in criteria
        ]
    columns += [
        Column(_("Achieved"), NUMBER, 10),
        # xgettext:no-python-format
        Column(_("% of target"), NUMBER, 10),
        Column(_("Achievement"), TEXT, 20),
    ]

    def lines() -> Iterator[list]:
        for row in rows:
            indicator = row.indicator
            line = [
                indicator.code,
                indicator.name,
                indicator.department.code,
                indicator.department.name,
                indicator.get_kind_display(),
                indicator.get_level_display(),
                indicator.unit,
                indicator.target,
                indicator.get_direction_display(),
                indicator.get_aggregation_display(),
            ]
            for _quarter, value, scores in row.quarters:
                line += [value, *scores]
            line += [indicator.achieved, row.achievement, str(row.band.label)]
            yield line

    return Table(title=_("KPI results"), filename=name, columns=columns, rows=lines())


def evaluations_table(evaluations: QuerySet, name: str) -> Table:
    """The evaluations report's rows: one project's score in one quarter each."""
    lang = get_language() or "th"

    columns = evaluations.only(
        "quarter",
        "score",
        "comment",
        "evaluated_at",
        "project__code",
        "project__name_th",
        "project__name_en",
        "project__fiscal_year",
        "project__department__code",
        "project__department__name_th",
        "project__department__name_en",
        "evaluator__first_name",
        "evaluator__last_name",
    )

    def rows() -> Iterator[list]:
        for evaluation in columns.iterator(chunk_size=CHUNK_SIZE):
            project = evaluation.project
            evaluator = evaluation.evaluator
            yield [
                project.code,
                project.name,
                project.department.code,
                project.department.name,
                evaluation.quarter,
                thaicalendar.format_quarter(
                    project.fiscal_year, evaluation.quarter, lang
                ),
                evaluation.score,
                evaluation.comment,
                # A name only: a login name is nobody's business in a public file.
                evaluator.get_full_name() if evaluator else "",
                evaluation.evaluated_at,
            ]

    return Table(
        title=_("Evaluations"),
        filename=name,
        columns=[
            Column(_("Project code"), TEXT, 16),
            Column(_("Project"), TEXT, 60),
            Column(_("Department code"), TEXT, 12),
            Column(_("Department"), TEXT, 36),
            Column(_("Quarter"), INTEGER, 8),
            Column(_("Quarter (B.E.)"), TEXT, 18),
            Column(_("Score"), NUMBER, 8),
            Column(_("Comment"), TEXT, 50),
            Column(_("Evaluator"), TEXT, 20),
            Column(_("Evaluated"), DATE, 13),
        ],
        rows=rows(),
    )


def compliance_table(
    rows: list[MatrixRow], months: list[Month], by_project: bool, name: str
) -> Table:
    """The compliance matrix: departments (or one department's projects) by month.

    A department's month is three numbers (on time, late, missing); a project's
    is its state in words.
    """
    lang = get_language() or "th"
    state_words = {state.value: str(state.label) for state in State}
    if by_project:
        columns = [Column(_("Project code"), TEXT, 16), Column(_("Project"), TEXT, 50)]
    else:
        columns = [
            Column(_("Department code"), TEXT, 12),
            Column(_("Department"), TEXT, 36),
            Column(_("Projects"), INTEGER, 10),
        ]
    for month in months:
        label = thaicalendar.format_month(month.year, month.month, lang)
        if by_project:
            columns.append(Column(label, TEXT, 12))
        else:
            columns += [
                Column(f"{label}: {state.label}", INTEGER, 10) for state in COUNTED
            ]
    columns += [
        *(Column(str(state.label), INTEGER, 10) for state in COUNTED),
        Column(_("On time (%)"), NUMBER, 10),
    ]

    def lines() -> Iterator[list]:
        for row in rows:
            subject = row.subject
            if by_project:
                line = [subject.code, subject.name]
                line += [state_words[state] for state in row.states]
            else:
                line = [subject.code, subject.name, row.projects]
                for cell in row.cells:
                    line += [cell.count(state) for state in COUNTED]
            total = row.total
            line += [total.on_time, total.late, total.missing, total.rate]
            yield line

    return Table(
        title=_("Reporting compliance"), filename=name, columns=columns, rows=lines()
    )
