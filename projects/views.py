"""Pages of projects and departments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from indicators.models import EvaluationCriterion, Indicator
from projects import access, progress, quality, thaicalendar
from projects.forms import FiscalYearField, ProjectFilterForm
from projects.models import Department, ProgressUpdate, Project
from reports import charts

PAGE_SIZE = 25


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _project_for_page(code: str) -> Project:
    queryset = Project.objects.select_related("department", "predecessor")
    return get_object_or_404(queryset, code=code)


def _project_context(request: HttpRequest, project: Project) -> dict:
    """Everything the project page and its print view show, in constant queries."""
    lang = get_language() or "th"
    today = timezone.localdate()
    steps = list(project.steps.all())
    updates = list(project.updates.all())
    figures = progress.figures(
        steps,
        [(u.report_date, u.percent) for u in updates],
        on=project.reading_date(today),
        threshold=settings.BEHIND_THRESHOLD,
        due_day=settings.REPORT_DUE_DAY,
    )
    evaluations = list(project.evaluations.all())
    strategies = list(project.strategies.select_related("parent__parent__parent"))
    successors = list(project.successors.all())
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=project.fiscal_year))
    indicators = list(Indicator.objects.for_page().filter(projects=project))

    start, end = project.fiscal_year_bounds
    planned_points = progress.planned_curve(steps, start, end)
    actual_points = [(u.report_date, u.percent) for u in updates]
    cumulative = Decimal(0)
    plan_rows = []
    for step in steps:
        cumulative += step.weight
        plan_rows.append((step, cumulative))
    months = [
        thaicalendar.month_end(year, month)
        for year, month in thaicalendar.fiscal_months(project.fiscal_year)
    ]
    monthly = [
        (
            day,
            progress.planned_percent(steps, day),
            progress.actual_percent(actual_points, day),
        )
        for day in months
    ]
    kpis = []
    for indicator in indicators:
        rows = indicator.quarter_rows(criteria)
        kpis.append(
            {
                "indicator": indicator,
                "rows": rows,
                "achievement": indicator.achievement_percent(indicator.achieved),
                "figure": charts.indicator_chart(
                    [row.quarter for row in rows if row.result],
                    [row.result.value for row in rows if row.result],
                    indicator.target,
                    indicator.unit,
                    lang,
                ),
            }
        )

    flags: list[quality.Flag] = []
    if access.sees_quality_flags(request.user, project.department_id):
        flags += quality.plan_flags(
            [s.weight for s in steps], sum(s.is_milestone for s in steps), len(steps)
        )
        flags += quality.update_flags(
            [quality.UpdateFact(u.report_date, u.percent, u.problems) for u in updates]
        )
        latest_problems = updates[-1].problems if updates else None
        flags += quality.behind_without_problems(
            figures.status == progress.Status.BEHIND, latest_problems
        )
        for item in kpis:
            for row in item["rows"]:
                flags += [
                    quality.Flag(
                        flag.code,
                        f"{item['indicator'].code} Q{row.quarter}: {flag.message}",
                        flag.severity,
                    )
                    for flag in row.flags
                ]

    return {
        "project": project,
        "fiscal_year": project.fiscal_year,
        "figures": figures,
        "steps": steps,
        "plan_rows": plan_rows,
        "weights_total": sum((s.weight for s in steps), Decimal(0)),
        "updates": updates,
        "evaluations": evaluations,
        "latest_evaluation": max(evaluations, key=lambda e: e.quarter, default=None),
        "quarter_scores": [
            (q, next((e for e in evaluations if e.quarter == q), None))
            for q in range(1, 5)
        ],
        "strategy_paths": [node.path() for node in strategies],
        "successors": successors,
        "criteria": criteria,
        "kpis": kpis,
        "monthly": monthly,
        "flags": flags,
        "gauge_figure": charts.gauge(
            figures.actual or Decimal(0), figures.planned, figures.status, lang
        ),
        "s_curve_figure": charts.s_curve(
            planned_points, actual_points, lang, today=figures.on
        ),
        "timeline_figure": charts.plan_timeline(steps, lang),
    }


@require_safe
@access.public_read
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_page(code)
    return render(
        request, "projects/project_detail.html", _project_context(request, project)
    )


@require_safe
@access.public_read
def project_print(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_page(code)
    return render(
        request, "projects/project_print.html", _project_context(request, project)
    )


class FiscalYearForm(forms.Form):
    fy = FiscalYearField()


def selected_fiscal_year(request: HttpRequest) -> int:
    """The fiscal year asked for with ?fy=2563, or the current one."""
    form = FiscalYearForm(request.GET)
    if form.is_valid() and form.cleaned_data["fy"]:
        return form.cleaned_data["fy"]
    return thaicalendar.fiscal_year_of(timezone.localdate())


def _reading_date(fiscal_year: int) -> date:
    return thaicalendar.within_fiscal_year(timezone.localdate(), fiscal_year)


@require_safe
@access.public_read
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET)
    filters = form.filters()
    fiscal_year = filters.get("fy") or selected_fiscal_year(request)
    on = _reading_date(fiscal_year)
    projects = form.apply(
        Project.objects.for_fiscal_year(fiscal_year).visible_list().with_progress(on),
        filters,
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page": page,
            "fiscal_year": fiscal_year,
            "on": on,
            "query": query.urlencode(),
        },
    )


@require_safe
@access.public_read
def department_list(request: HttpRequest) -> HttpResponse:
    fiscal_year = selected_fiscal_year(request)
    on = _reading_date(fiscal_year)
    summaries = {
        row["department"]: row
        for row in Project.objects.for_fiscal_year(fiscal_year)
        .with_progress(on)
        .progress_by_department()
    }
    departments = [
        (department, summaries.get(department.pk))
        for department in Department.objects.all()
    ]
    return render(
        request,
        "projects/department_list.html",
        {"departments": departments, "fiscal_year": fiscal_year, "on": on},
    )


@require_safe
@access.public_read
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.select_related("parent"), code=code
    )
    fiscal_year = selected_fiscal_year(request)
    on = _reading_date(fiscal_year)
    lang = get_language() or "th"
    annotated = department.projects.for_fiscal_year(fiscal_year).with_progress(on)
    projects = list(annotated.order_by("code"))
    summary = annotated.progress_summary()
    statuses = {status: summary[status] for status in progress.Status.values}
    indicators = [
        (indicator, indicator.achievement_percent(indicator.achieved))
        for indicator in Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department=department)
        .with_achievement()
        .order_by("code")
    ]
    return render(
        request,
        "projects/department_detail.html",
        {
            "department": department,
            "fiscal_year": fiscal_year,
            "on": on,
            "projects": projects,
            "summary": summary,
            "statuses": statuses,
            "indicators": indicators,
            "status_figure": charts.status_distribution(statuses, lang),
            "progress_figure": charts.department_progress(
                [
                    (p.code, p.actual_percent or Decimal(0), p.planned_percent)
                    for p in projects
                ],
                lang,
            ),
        },
    )


@require_safe
@access.public_read
def overview(request: HttpRequest) -> HttpResponse:
    fiscal_year = selected_fiscal_year(request)
    on = _reading_date(fiscal_year)
    lang = get_language() or "th"
    projects = Project.objects.for_fiscal_year(fiscal_year).with_progress(on)
    summary = projects.progress_summary()
    statuses = {status: summary[status] for status in progress.Status.values}
    departments = {
        pk: (short_name or code, code)
        for pk, short_name, code in Department.objects.values_list(
            "pk", "short_name", "code"
        )
    }
    by_department = sorted(
        (
            {
                **row,
                "name": departments[row["department"]][0],
                "code": departments[row["department"]][1],
            }
            for row in projects.progress_by_department()
        ),
        key=lambda row: row["actual"] or 0,
    )
    behind = list(
        projects.filter(status=progress.Status.BEHIND)
        .select_related("department")
        .order_by("gap", "code")[:10]
    )
    latest_updates = list(
        ProgressUpdate.objects.filter(
            project__fiscal_year=fiscal_year, report_date__lte=on
        )
        .select_related("project__department")
        .order_by("-report_date", "-pk")[:10]
    )
    indicators = Indicator.objects.for_fiscal_year(fiscal_year).count()
    return render(
        request,
        "projects/overview.html",
        {
            "fiscal_year": fiscal_year,
            "on": on,
            "summary": summary,
            "statuses": statuses,
            "by_department": by_department,
            "behind": behind,
            "latest_updates": latest_updates,
            "indicator_count": indicators,
            "status_figure": charts.status_distribution(statuses, lang),
            "department_figure": charts.department_progress(
                [
                    (row["name"], row["actual"] or 0, row["planned"] or 0)
                    for row in by_department
                ],
                lang,
            ),
        },
    )
