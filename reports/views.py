"""Report pages: dashboards, reporting compliance, data quality, KPI results,
evaluations, the printable department report, and the exports of each."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from indicators.models import EvaluationCriterion, Indicator
from projects import access, progress, thaicalendar
from projects.cache import fragment_page, known_query, public_page
from projects.models import Department, Project, ProjectEvaluation
from projects.views import filtered_projects, reading_date, selected_fiscal_year
from reports import charts, compliance, dashboard, dataquality, exports, tables
from reports.forms import (
    ComplianceFilterForm,
    EvaluationFilterForm,
    KpiReportForm,
    ReportFilterForm,
)

PAGE_SIZE = 50
# Above this many flags and no department chosen, only the summary is listed.
FLAGS_LISTED = 500


def _year(request: HttpRequest, form) -> tuple[dict, int, date]:
    """The form's valid filters, the fiscal year asked for and its reading date."""
    filters = form.filters()
    fiscal_year = filters.get("fy") or selected_fiscal_year(request)
    return filters, fiscal_year, reading_date(fiscal_year)


def _query(request: HttpRequest, fiscal_year: int) -> str:
    """The page's query string without its page number, with the fiscal year."""
    query = request.GET.copy()
    query.pop("page", None)
    query["fy"] = str(fiscal_year)
    return query.urlencode()


def _lang() -> str:
    return get_language() or "th"


# Dashboards

# The dashboard's filters: a page with these alone shares its cached part.
DASHBOARD_PARAMS = ("fy", "department")


def _summary_context(
    fiscal_year: int,
    on: date,
    department: Department | None,
    kpis: list,
) -> dict:
    """Status counts, the year's S-curve, KPI bands and scores: the dashboards'
    and the printed department report's common part."""
    lang = _lang()
    base = Project.objects.for_fiscal_year(fiscal_year)
    if department is not None:
        base = base.filter(department=department)
    summary, by_department, money = dashboard.year_overview(base.with_progress(on), on)
    statuses = progress.status_counts(summary)
    points, money_points = dashboard.year_series(base, fiscal_year, on)
    counts = dashboard.band_counts(kpis)
    bands = [(band.value, band.label, counts[band.value]) for band in dashboard.Band]
    scores = dashboard.evaluation_scores(fiscal_year, department)
    return {
        **dashboard.money_context(
            base,
            fiscal_year,
            on,
            points,
            lang,
            overview=money,
            money_points=money_points,
        ),
        "progress_by_department": by_department,
        "fiscal_year": fiscal_year,
        "on": on,
        "department": department,
        "summary": summary,
        "statuses": statuses,
        "points": points,
        "bands": bands,
        "scores": scores,
        "status_figure": charts.status_distribution(statuses, lang),
        "progress_figure": charts.s_curve(
            [(point.day, point.planned) for point in points],
            [(point.day, point.actual) for point in points if point.actual is not None],
            lang,
            today=on,
        ),
        "band_figure": charts.achievement_distribution(bands, lang),
        "score_figure": charts.scores_by_quarter(
            [
                (series.label, quarter, average)
                for series in scores
                for quarter, average, _count in series.cells()
            ],
            lang,
        ),
    }


@require_safe
@access.public_read
@public_page(*DASHBOARD_PARAMS)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _query_string, key_query, cacheable = known_query(request, DASHBOARD_PARAMS)
    if not cacheable or set(request.GET) - set(DASHBOARD_PARAMS):
        return _dashboard_page(request)
    return fragment_page(
        request,
        "dashboard",
        (key_query,),
        full=lambda: _dashboard_page(request),
        thin=lambda fragment: _dashboard_frame(request, fragment),
    )


def _dashboard_frame(request: HttpRequest, fragment: str) -> HttpResponse:
    """The dashboard around its cached part: title, menu, the person's own."""
    # The filters' errors, if any, are counted in the page's title.
    form = ReportFilterForm(request.GET)
    filters, fiscal_year, _on = _year(request, form)
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "department": filters.get("department"),
            "fragment": fragment,
        },
    )


def _dashboard_page(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET)
    filters, fiscal_year, on = _year(request, form)
    department = filters.get("department")
    indicators = Indicator.objects.for_fiscal_year(fiscal_year)
    if department is not None:
        indicators = indicators.filter(department=department)
    kpis = dashboard.kpi_rows(indicators.with_achievement())
    context = _summary_context(fiscal_year, on, department, kpis)
    # The city's departments: the summary's own rows unless one is chosen.
    departments = (
        dashboard.with_departments(context["progress_by_department"])
        if department is None
        else dashboard.department_rows(
            Project.objects.for_fiscal_year(fiscal_year).with_progress(on)
        )
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            **context,
            "form": form,
            "query": _query(request, fiscal_year),
            "kpi_count": len(kpis),
            "departments": departments,
            "department_figure": charts.department_progress(
                [
                    (
                        row["department"].short_name or row["department"].code,
                        row["actual"] or 0,
                        row["planned"] or 0,
                    )
                    for row in departments
                ],
                _lang(),
            ),
        },
    )


@require_safe
@access.public_read
def department_print(request: HttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(Department, code=code)
    fiscal_year = selected_fiscal_year(request)
    on = reading_date(fiscal_year)
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fiscal_year))
    kpis = dashboard.kpi_report_rows(
        Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department=department)
        .order_by("code"),
        criteria,
    )
    latest = ProjectEvaluation.objects.filter(project=OuterRef("pk")).order_by(
        "-quarter"
    )
    projects = list(
        department.projects.for_fiscal_year(fiscal_year)
        .with_progress(on)
        .with_money(on)
        .annotate(
            score=Subquery(latest.values("score")[:1]),
            score_quarter=Subquery(latest.values("quarter")[:1]),
        )
        .order_by("code")
    )
    return render(
        request,
        "reports/department_print.html",
        {
            **_summary_context(fiscal_year, on, department, kpis),
            "projects": projects,
            "kpis": kpis,
            "criteria": criteria,
        },
    )


# Reporting compliance


def _compliance(
    form: ComplianceFilterForm, filters: dict, fiscal_year: int, on: date
) -> tuple[
    list[compliance.Month],
    Department | None,
    compliance.Month | None,
    str | None,
    list[compliance.MatrixRow],
]:
    """The matrix the compliance page shows: departments, or one's projects.

    Returns the months, the department, the month and state asked for (both or
    neither), and the rows.
    """
    months = compliance.months_of(fiscal_year, settings.REPORT_DUE_DAY)
    department = filters.get("department")
    projects = Project.objects.for_fiscal_year(fiscal_year)
    month = state = None
    if department is None:
        rows = compliance.department_matrix(projects, months, on)
    else:
        wanted = form.month_of(filters)
        month = next((m for m in months if (m.year, m.month) == wanted), None)
        state = filters.get("state") if month is not None else None
        rows = compliance.project_matrix(
            projects.filter(department=department), months, on, month, state
        )
    return months, department, month, state, rows


@require_safe
@access.public_read
def compliance_view(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    form = ComplianceFilterForm(request.GET)
    filters, fiscal_year, on = _year(request, form)
    months, department, month, state, rows = _compliance(form, filters, fiscal_year, on)
    totals = compliance.column_totals(rows, months)
    grand = compliance.Tally()
    for total in totals:
        grand.add(total)
    labels = [thaicalendar.format_month(m.year, m.month, lang) for m in months]
    return render(
        request,
        "reports/compliance.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "on": on,
            "due_day": settings.REPORT_DUE_DAY,
            "department": department,
            "month": month,
            "state": state,
            "state_label": compliance.State(state).label if state else "",
            "months": list(zip(months, labels, strict=True)),
            "rows": [
                {
                    "row": row,
                    "cells": list(
                        zip(
                            months,
                            row.cells,
                            row.states or [None] * len(months),
                            strict=True,
                        )
                    ),
                }
                for row in rows
            ],
            "totals": list(zip(months, totals, strict=True)),
            "grand": grand,
            "project_total": sum(row.projects for row in rows),
            "query": _query(request, fiscal_year),
            "figure": charts.compliance_by_month(
                [
                    (label, total.on_time, total.late, total.missing)
                    for label, total in zip(labels, totals, strict=True)
                ],
                lang,
            ),
        },
    )


# Data quality


@require_safe
@login_required
def data_quality_view(request: HttpRequest) -> HttpResponse:
    departments = access.quality_departments(request.user)
    form = ReportFilterForm(request.GET, departments=departments)
    filters, fiscal_year, on = _year(request, form)
    chosen = filters.get("department")
    scope = departments.filter(pk=chosen.pk) if chosen else departments
    groups = dataquality.collect(fiscal_year, scope, on, timezone.localdate())
    total = sum(len(group.rows) for group in groups)
    return render(
        request,
        "reports/data_quality.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "on": on,
            "department": chosen,
            "groups": groups,
            "total": total,
            "rules": list(dataquality.RULES.values()),
            "list_flags": bool(chosen) or total <= FLAGS_LISTED,
            "sees_all": access.is_evaluator(request.user),
        },
    )


# KPI results and evaluations


def _kpi_rows(
    filters: dict, fiscal_year: int, form: KpiReportForm
) -> tuple[list[dashboard.KpiReportRow], list[EvaluationCriterion]]:
    """The KPI results page's rows (every page of it) and the year's criteria."""
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fiscal_year))
    indicators = form.apply(
        Indicator.objects.for_fiscal_year(fiscal_year).select_related("department"),
        filters,
    )
    rows = dashboard.kpi_report_rows(indicators, criteria)
    if "band" in filters:
        rows = [row for row in rows if row.band == filters["band"]]
    return rows, criteria


@require_safe
@access.public_read
def kpi_results_view(request: HttpRequest) -> HttpResponse:
    form = KpiReportForm(request.GET)
    filters, fiscal_year, on = _year(request, form)
    rows, criteria = _kpi_rows(filters, fiscal_year, form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/kpi_results.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "on": on,
            "department": filters.get("department"),
            "page": page,
            "criteria": criteria,
            "query": _query(request, fiscal_year),
        },
    )


def _evaluations(filters: dict, fiscal_year: int) -> QuerySet:
    evaluations = ProjectEvaluation.objects.filter(
        project__fiscal_year=fiscal_year
    ).select_related("project__department", "evaluator")
    if "department" in filters:
        evaluations = evaluations.filter(project__department=filters["department"])
    if "quarter" in filters:
        evaluations = evaluations.filter(quarter=filters["quarter"])
    return evaluations.order_by("project__department__code", "project__code", "quarter")


@require_safe
@access.public_read
def evaluations_view(request: HttpRequest) -> HttpResponse:
    form = EvaluationFilterForm(request.GET)
    filters, fiscal_year, on = _year(request, form)
    evaluations = _evaluations(filters, fiscal_year)
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/evaluations.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "on": on,
            "department": filters.get("department"),
            "page": page,
            "quarter": filters.get("quarter"),
            "query": _query(request, fiscal_year),
        },
    )


# Exports


def _projects_table(request: HttpRequest) -> exports.Table:
    """The project list (projects:list) with its filters, every page of it."""
    _form, filters, fiscal_year, _on, projects = filtered_projects(request)
    name = tables.filename("projects", fiscal_year, filters.get("department"))
    return tables.projects_table(projects, name)


def _kpis_table(request: HttpRequest) -> exports.Table:
    form = KpiReportForm(request.GET)
    filters, fiscal_year, _on = _year(request, form)
    rows, criteria = _kpi_rows(filters, fiscal_year, form)
    name = tables.filename("kpis", fiscal_year, filters.get("department"))
    return tables.kpis_table(rows, criteria, name)


def _evaluations_table(request: HttpRequest) -> exports.Table:
    form = EvaluationFilterForm(request.GET)
    filters, fiscal_year, _on = _year(request, form)
    name = tables.filename("evaluations", fiscal_year, filters.get("department"))
    return tables.evaluations_table(_evaluations(filters, fiscal_year), name)


def _compliance_table(request: HttpRequest) -> exports.Table:
    form = ComplianceFilterForm(request.GET)
    filters, fiscal_year, on = _year(request, form)
    months, department, _month, _state, rows = _compliance(
        form, filters, fiscal_year, on
    )
    name = tables.filename("compliance", fiscal_year, department)
    return tables.compliance_table(rows, months, department is not None, name)


EXPORTS = {
    "projects": _projects_table,
    "kpis": _kpis_table,
    "evaluations": _evaluations_table,
    "compliance": _compliance_table,
}


@require_safe
@access.public_read
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """/reports/export/<name>.xlsx or .csv, with the filters of the page it is of."""
    if name not in EXPORTS:
        raise Http404("No such export.")
    table = EXPORTS[name](request)
    if fmt == "xlsx":
        return exports.xlsx_response(table)
    return exports.csv_response(table)
