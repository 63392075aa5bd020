"""Pages of projects and departments."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.db.utils import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from evidence import services as evidence_services
from evidence.forms import EvidenceForms
from evidence.models import Attachment
from indicators.models import EvaluationCriterion, Indicator
from notifications import worker as notification_worker
from projects import (
    access,
    approval,
    approval_views,
    history,
    progress,
    quality,
    services,
    thaicalendar,
)
from projects.cache import (
    cached,
    cached_each,
    department_scope,
    fragment_page,
    known_query,
    project_scope,
    public_page,
)
from projects.forms import (
    BudgetFormSet,
    FiscalYearField,
    MoneyPlanForm,
    PlanFormSet,
    PlanSaveForm,
    ProgressUpdateForm,
    ProjectFilterForm,
    ProjectForm,
    VersionForm,
)
from projects.models import (
    Department,
    ProgressUpdate,
    Project,
    combine_summaries,
)
from reports import charts, dashboard

PAGE_SIZE = 25
# Projects a page of the department page lists (its totals count them all).
DEPARTMENT_PAGE_SIZE = 50
# The overview's lists: the projects most behind plan, the latest reports.
OVERVIEW_ROWS = 10
LIST_PARAMS = (
    "fy",
    "q",
    "department",
    "status",
    "kind",
    "strategy",
    "sort",
    "page",
    "money",
)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not; with
    ``?detail=1`` also the notification worker's last run and backlog."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    body = {"status": "ok", "database": "ok"}
    if request.GET.get("detail"):
        # The notification worker's last run and backlog (?detail=1), for
        # monitoring; the plain probe stays one query.
        body["worker"] = notification_worker.status()
    return JsonResponse(body)


def _project_for_page(code: str) -> Project:
    queryset = Project.objects.select_related("department", "predecessor")
    return get_object_or_404(queryset, code=code)


def _project_context(request: HttpRequest, project: Project) -> dict:
    """Everything the project page and its print view show, in constant queries."""
    lang = get_language() or "th"
    today = timezone.localdate()
    steps = list(project.steps.all())
    sees_pending = access.sees_pending(request.user, project.department_id)
    all_updates = list(
        project.updates.select_related("reviewed_by").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.active())
        )
    )
    updates = [u for u in all_updates if sees_pending or u.is_published]
    # Derived figures use approved reports only, whoever reads the page; the
    # missing months count every report sent, as compliance and My work do.
    published = [u for u in all_updates if u.is_published]
    plan_revisions = list(
        project.plan_revisions.select_related("author").prefetch_related("steps")
    )
    revisions = [
        progress.Revision(r.valid_from, r.valid_until, list(r.steps.all()))
        for r in plan_revisions
        if not r.is_current
    ]
    figures = progress.figures(
        steps,
        [(u.report_date, u.percent) for u in published],
        reported=[(u.report_date, u.percent) for u in all_updates if u.counts_as_sent],
        on=project.reading_date(today),
        threshold=settings.BEHIND_THRESHOLD,
        due_day=settings.REPORT_DUE_DAY,
        months=thaicalendar.fiscal_months(project.fiscal_year),
        revisions=revisions,
    )
    evaluations = list(project.evaluations.all())
    strategies = list(project.strategies.select_related("parent__parent__parent"))
    successors = list(project.successors.all())
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=project.fiscal_year))
    indicators = list(Indicator.objects.for_page().filter(projects=project))

    start, end = project.fiscal_year_bounds
    planned_points = progress.planned_curve(steps, start, end)
    baseline_points = (
        progress.planned_curve(revisions[0].steps, start, end) if revisions else []
    )
    actual_points = [(u.report_date, u.percent) for u in published]
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
            progress.planned_in_force(revisions, steps, day),
            progress.actual_percent(actual_points, day),
        )
        for day in months
    ]
    money_context = _money_context(
        project, figures, published, revisions, steps, months, actual_points, lang
    )
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
                    quarter_targets=[row.target for row in rows],
                ),
            }
        )

    flags: list[quality.Flag] = []
    if sees_pending:
        flags += quality.project_flags(
            fiscal_year=project.fiscal_year,
            behind=figures.status == progress.Status.BEHIND,
            steps=[(s.weight, s.planned_start, s.planned_end) for s in steps],
            updates=[(u.report_date, u.percent, u.problems) for u in updates],
            quarters_scored=[e.quarter for e in evaluations],
            today=today,
            allocation=project.budget_amount,
            disbursed=[u.disbursed for u in updates],
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

    can_edit = access.can_edit(request.user, project.department_id)
    locks = (
        access.quarter_locks(project.fiscal_year, project.department_id)
        if can_edit
        else {}
    )
    for update in updates:
        update.lock = locks.get(thaicalendar.quarter_of(update.report_date))
    year_lock = next((lock for lock in locks.values() if lock.year_closed), None)
    return {
        "project": project,
        "fiscal_year": project.fiscal_year,
        "figures": figures,
        "missing_months": [
            thaicalendar.format_month(year, month, lang)
            for year, month in figures.missing_months
        ],
        "steps": steps,
        "plan_rows": plan_rows,
        "plan_revisions": plan_revisions,
        "weights_total": quality.weights_total(s.weight for s in steps),
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
        "can_edit": can_edit,
        "locks": sorted(
            {(lock.quarter, lock.message) for lock in locks.values()}
            if not year_lock
            else []
        ),
        "year_lock": year_lock,
        "can_report": can_edit and len(locks) < 4,
        "can_see_history": sees_pending,
        "sees_internal_evidence": sees_pending,
        "pending_count": len(updates) - len(published),
        "gauge_figure": charts.gauge(
            figures.actual or Decimal(0), figures.planned, figures.status, lang
        ),
        "s_curve_figure": charts.s_curve(
            planned_points,
            actual_points,
            lang,
            today=figures.on,
            baseline_points=baseline_points,
        ),
        "timeline_figure": charts.plan_timeline(steps, lang),
        **money_context,
    }


def _money_context(
    project: Project,
    figures: progress.Figures,
    published: list[ProgressUpdate],
    revisions: list[progress.Revision],
    steps: list,
    months: list[date],
    actual_points: list,
    lang: str,
) -> dict:
    """The project's money beside its progress: allocation lines, the money figures
    on the reading date, the month table and the money S-curve (two queries)."""
    lines = list(project.budget_lines.select_related("category"))
    disbursement_plans = list(
        project.disbursement_plans.select_related("author").prefetch_related("months")
    )
    plans = [plan.as_plan() for plan in disbursement_plans]
    reports = [(u.report_date, u.disbursed, u.committed) for u in published]
    threshold = settings.DISBURSEMENT_BEHIND_THRESHOLD

    def money_on(day: date) -> progress.Money:
        return progress.money(
            allocation=project.budget_amount,
            reports=reports,
            plans=plans,
            work_planned=progress.planned_in_force(revisions, steps, day),
            on=day,
            threshold=threshold,
        )

    money_rows = [money_on(day) for day in months]
    shown = [m for m in money_rows if m.on <= figures.on]
    return {
        "budget_lines": lines,
        "disbursement_plans": disbursement_plans,
        "money": money_on(figures.on),
        "money_rows": money_rows,
        "money_figure": charts.money_curve(
            [(m.on, m.planned_percent) for m in money_rows],
            [(m.on, m.disbursed_percent) for m in shown if m.disbursed is not None],
            actual_points,
            lang,
            today=figures.on,
        )
        if project.budget_amount
        else None,
    }


def page_audience(user, department_id: int) -> tuple[bool, bool, bool]:
    """What differs on a project's or KPI's page from one signed-in person to
    another: evaluator links, the department's own view (pending reports, flags,
    history), and edit rights."""
    return (
        access.is_evaluator(user),
        access.sees_pending(user, department_id),
        access.can_edit(user, department_id),
    )


@require_safe
@access.public_read
@public_page()
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_page(code)
    return fragment_page(
        request,
        "project",
        (project.code, *page_audience(request.user, project.department_id)),
        scope=project_scope(project.pk),
        full=lambda: render(
            request,
            "projects/project_detail.html",
            _project_context(request, project),
        ),
        thin=lambda fragment: render(
            request,
            "projects/project_detail.html",
            {
                "project": project,
                "fiscal_year": project.fiscal_year,
                "fragment": fragment,
            },
        ),
    )


@require_safe
@access.public_read
@public_page()
def project_print(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_page(code)
    return render(
        request, "projects/project_print.html", _project_context(request, project)
    )


def _project_for_edit(request: HttpRequest, code: str) -> Project:
    """The project, when the signed-in user may write its data; else 404 or 403."""
    project = get_object_or_404(Project.objects.select_related("department"), code=code)
    access.require_edit(request.user, project.department_id)
    return project


SAVED_MESSAGES = {
    approval.State.DRAFT: gettext_lazy(
        "The progress report was saved as a draft: only your department sees it. "
        "Submit it for approval when it is ready."
    ),
    approval.State.SUBMITTED: gettext_lazy(
        "The progress report was submitted: it is published once the department's "
        "approver approves it."
    ),
    approval.State.APPROVED: gettext_lazy("The progress report was saved."),
}


def _update_form_page(
    request: HttpRequest, project: Project, update: ProgressUpdate | None
) -> HttpResponse:
    today = timezone.localdate()
    steps = list(project.steps.all())
    others = list(project.updates.all())
    previous = max(
        (u for u in others if u.pk != getattr(update, "pk", None)),
        key=lambda u: u.report_date,
        default=None,
    )
    initial = {}
    if update is None:
        initial = {
            "report_date": project.reading_date(today),
            "percent": previous.percent if previous else Decimal(0),
        }
    form = ProgressUpdateForm(
        request.POST or None,
        instance=update,
        initial=initial,
        project=project,
        today=today,
        steps=steps,
        others=others,
    )
    conflict = False
    locks = access.quarter_locks(project.fiscal_year, project.department_id)
    lock = (
        locks.get(thaicalendar.quarter_of(update.report_date))
        if update is not None
        else next((lock for lock in locks.values() if lock.year_closed), None)
    )
    evidence = EvidenceForms(
        request.POST or None,
        request.FILES or None,
        attachments=update.attachments.active() if update is not None else (),
    )
    valid = request.method == "POST" and lock is None
    valid = valid and all([form.is_valid(), evidence.is_valid()])  # both report
    if valid:
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = evidence_services.save_with_evidence(
                save=lambda: services.save_update(
                    project=project,
                    user=request.user,
                    values=values,
                    update=update,
                    version=form.cleaned_data.get("version"),
                    submit="draft" not in request.POST,
                    warnings=[flag.message for flag in form.warnings],
                ),
                user=request.user,
                changes=evidence.changes(),
            )
        except services.ConflictError:
            conflict = True
        except (services.LockedError, services.TransitionError) as error:
            form.add_error(None, str(error))
        except evidence_services.EvidenceError as error:
            evidence.add_error(str(error))
        except services.DuplicateError:
            form.add_error(
                "report_date", _("This project already has a report on that date.")
            )
        else:
            # Shown beside the reports, where the person lands.
            messages.success(
                request, SAVED_MESSAGES[saved.status], extra_tags="updates"
            )
            return redirect(f"{project.get_absolute_url()}#updates-heading")
    return render(
        request,
        "projects/update_form.html",
        {
            "project": project,
            "fiscal_year": project.fiscal_year,
            "form": form,
            "evidence": evidence,
            "update": update,
            "previous": previous,
            "planned_today": progress.planned_percent(
                steps, project.reading_date(today)
            ),
            "conflict": conflict,
            "lock": lock,
            "approval_required": settings.APPROVAL_REQUIRED,
            "locked_quarters": sorted(
                {(q, found.message) for q, found in locks.items()}
                if lock is None
                else []
            ),
        },
        status=409 if conflict else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def update_create(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_edit(request, code)
    return _update_form_page(request, project, None)


@login_required
@require_http_methods(["GET", "POST"])
def update_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = _project_for_edit(request, code)
    update = get_object_or_404(project.updates, pk=pk)
    return _update_form_page(request, project, update)


@login_required
@require_http_methods(["GET", "POST"])
def update_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = _project_for_edit(request, code)
    update = get_object_or_404(project.updates, pk=pk)
    form = VersionForm(request.POST or None, initial={"version": update.version})
    conflict = False
    lock = access.lock_of(
        project.fiscal_year, project.department_id, update.report_date
    )
    if request.method == "POST" and lock is None and form.is_valid():
        try:
            services.delete_update(
                update=update, user=request.user, version=form.cleaned_data["version"]
            )
        except services.ConflictError:
            conflict = True
        except services.LockedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The progress report was deleted."))
            return redirect(project)
    return render(
        request,
        "projects/update_confirm_delete.html",
        {
            "project": project,
            "fiscal_year": project.fiscal_year,
            "update": update,
            "form": form,
            "conflict": conflict,
            "lock": lock,
        },
        status=409 if conflict else 200,
    )


def _money_initial(project: Project, month_ends: list[date]) -> dict:
    """The budget page's first values: the plan in force now, or the default one
    that follows the work plan."""
    current = (
        project.disbursement_plans.filter(
            valid_until__isnull=True, follows_work_plan=False
        )
        .prefetch_related("months")
        .first()
    )
    initial = {
        "version": project.budget_version,
        "citizen_benefit": project.citizen_benefit,
        "follow_work_plan": current is None,
        "plan_by": "month",
    }
    months = []
    for index, day in enumerate(month_ends):
        if current is not None:
            value = progress.planned_disbursed_percent([current.as_plan()], 0, day)
        else:
            value = project.planned_percent(day)
        initial[f"month_{index}"] = value
        months.append((day, value))
    if len(months) == 12:
        for index, value in enumerate(progress.quarter_figures(months)):
            initial[f"quarter_{index}"] = value
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def budget_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The allocation lines, what citizens get and the disbursement plan."""
    project = _project_for_edit(request, code)
    month_ends = [
        thaicalendar.month_end(year, month)
        for year, month in thaicalendar.fiscal_months(project.fiscal_year)
    ]
    lines = list(project.budget_lines.select_related("category"))
    data = request.POST if request.method == "POST" else None
    formset = BudgetFormSet(
        data,
        initial=[
            {"category": line.category, "amount": line.amount, "source": line.source}
            for line in lines
        ],
        prefix="lines",
    )
    form = MoneyPlanForm(
        data, initial=_money_initial(project, month_ends), month_ends=month_ends
    )
    conflict = False
    if data is not None and formset.is_valid() and form.is_valid():
        follow = form.cleaned_data["follow_work_plan"]
        try:
            _saved, plan = services.save_money(
                project=project,
                user=request.user,
                lines=[
                    services.BudgetLineValues(
                        category_id=row["category"].pk,
                        amount=row["amount"],
                        source=row["source"],
                    )
                    for row in formset.lines()
                ],
                months=None if follow else form.months(),
                follows_work_plan=follow,
                version=form.cleaned_data["version"],
                citizen_benefit=form.cleaned_data["citizen_benefit"],
                reason=form.cleaned_data["reason"],
            )
        except services.ConflictError:
            conflict = True
        except services.LockedError as error:
            form.add_error(None, str(error))
        except services.ReasonRequiredError:
            form.add_error(
                "reason",
                _(
                    "Give the reason for revising the disbursement plan: the project "
                    "already has reports, so the plan in force is kept beside the "
                    "new one."
                ),
            )
        except services.RuleError as error:
            for flag in error.flags:
                form.add_error(None, flag.message)
        else:
            messages.success(request, _("The budget and disbursement plan were saved."))
            return redirect(f"{project.get_absolute_url()}#money")
    return render(
        request,
        "projects/budget_form.html",
        {
            "project": project,
            "fiscal_year": project.fiscal_year,
            "formset": formset,
            "form": form,
            "conflict": conflict,
            "needs_revision": services.plan_needs_revision(project),
            "has_plan": project.disbursement_plans.filter(
                valid_until__isnull=True, follows_work_plan=False
            ).exists(),
            "year_lock": access.year_lock(project.fiscal_year),
        },
        status=409 if conflict else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_edit(request, code)
    steps = list(project.steps.all())
    initial = [
        {
            "id": step.pk,
            "description": step.description,
            "weight": step.weight,
            "planned_start": step.planned_start,
            "planned_end": step.planned_end,
        }
        for step in steps
    ]
    data = request.POST if request.method == "POST" else None
    formset = PlanFormSet(
        data, initial=initial, prefix="steps", fiscal_year=project.fiscal_year
    )
    form = PlanSaveForm(data, initial={"version": project.plan_version})
    conflict = False
    if data is not None and formset.is_valid() and form.is_valid():
        try:
            revision = services.save_plan(
                project=project,
                user=request.user,
                steps=[
                    services.StepValues(
                        pk=row["id"],
                        description=row["description"],
                        weight=row["weight"],
                        planned_start=row["planned_start"],
                        planned_end=row["planned_end"],
                    )
                    for row in formset.steps()
                ],
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.ConflictError:
            conflict = True
        except services.LockedError as error:
            form.add_error(None, str(error))
        except services.ReasonRequiredError:
            form.add_error(
                "reason",
                _(
                    "Give the reason for revising the plan: the project already has "
                    "reports, so the plan in force is kept beside the new one."
                ),
            )
        except services.RuleError as error:
            for flag in error.flags:
                form.add_error(None, flag.message)
        else:
            if revision is not None:
                messages.success(
                    request,
                    _("The work plan was revised (revision %(number)s).")
                    % {"number": revision.number},
                )
            else:
                messages.success(request, _("The work plan was saved."))
            return redirect(f"{project.get_absolute_url()}#plan-heading")
    return render(
        request,
        "projects/plan_form.html",
        {
            "project": project,
            "fiscal_year": project.fiscal_year,
            "formset": formset,
            "form": form,
            "conflict": conflict,
            "needs_revision": services.plan_needs_revision(project),
            "year_lock": access.year_lock(project.fiscal_year),
        },
        status=409 if conflict else 200,
    )


def _project_form_page(
    request: HttpRequest, project: Project | None, initial: dict
) -> HttpResponse:
    form = ProjectForm(
        request.POST or None,
        instance=project,
        initial=initial,
        departments=access.editable_departments(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_project(
                project=form.save(commit=False),
                user=request.user,
                strategies=form.cleaned_data["strategies"],
            )
        except services.DuplicateError:
            form.add_error("code", _("Another project already has this code."))
        else:
            messages.success(request, _("The project was saved."))
            return redirect(saved)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "fiscal_year": project.fiscal_year if project else initial["fiscal_year"],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    departments = access.editable_departments(request.user)
    department = departments.first()
    if department is None:
        raise PermissionDenied
    chosen = request.GET.get("department")
    if chosen:
        department = departments.filter(code=chosen).first() or department
    fiscal_year = thaicalendar.fiscal_year_of(timezone.localdate())
    initial = {
        "department": department,
        "code": services.next_project_code(department),
        "fiscal_year": fiscal_year,
    }
    return _project_form_page(request, None, initial)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for_edit(request, code)
    return _project_form_page(request, project, {})


class FiscalYearForm(forms.Form):
    fy = FiscalYearField()


def selected_fiscal_year(request: HttpRequest) -> int:
    """The fiscal year asked for with ?fy=2563, or the current one."""
    form = FiscalYearForm(request.GET)
    if form.is_valid() and form.cleaned_data["fy"]:
        return form.cleaned_data["fy"]
    return thaicalendar.fiscal_year_of(timezone.localdate())


def reading_date(fiscal_year: int) -> date:
    return thaicalendar.within_fiscal_year(timezone.localdate(), fiscal_year)


def filtered_projects(
    request: HttpRequest,
) -> tuple[ProjectFilterForm, dict, int, date, QuerySet[Project]]:
    """The project list's rows for the query string, as the page and its exports
    show them: the form, its valid filters, the fiscal year, the reading date and
    the filtered, annotated queryset."""
    form = ProjectFilterForm(request.GET)
    filters = form.filters()
    fiscal_year = filters.get("fy") or selected_fiscal_year(request)
    on = reading_date(fiscal_year)
    projects = form.apply(
        Project.objects.for_fiscal_year(fiscal_year)
        .visible_list()
        .with_progress(on)
        .with_money(on),
        filters,
        on,
    )
    return form, filters, fiscal_year, on, projects


@require_safe
@access.public_read
@public_page(*LIST_PARAMS)
def project_list(request: HttpRequest) -> HttpResponse:
    can_create = access.editable_departments(request.user).exists()
    _query, key_query, cacheable = known_query(request, LIST_PARAMS)
    if not cacheable or request.GET.get("q"):
        return _project_list_page(request, can_create)
    # The filters' errors, if any, are counted in the page's title.
    form = ProjectFilterForm(request.GET)
    # A list of one department's projects changes with that department's only.
    department = form.filters().get("department")
    return fragment_page(
        request,
        "project-list",
        (key_query, can_create),
        scope=department_scope(department.pk) if department else None,
        full=lambda: _project_list_page(request, can_create),
        thin=lambda fragment: render(
            request,
            "projects/project_list.html",
            {
                "form": form,
                "fiscal_year": selected_fiscal_year(request),
                "fragment": fragment,
            },
        ),
    )


def _project_list_page(request: HttpRequest, can_create: bool) -> HttpResponse:
    form, filters, fiscal_year, on, projects = filtered_projects(request)
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
            "can_create": can_create,
        },
    )


@require_safe
@access.public_read
@public_page("fy")
def department_list(request: HttpRequest) -> HttpResponse:
    fiscal_year = selected_fiscal_year(request)
    on = reading_date(fiscal_year)
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
@public_page("fy", "page")
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.select_related("parent"), code=code
    )
    fiscal_year = selected_fiscal_year(request)
    on = reading_date(fiscal_year)
    figures = cached(
        "department-figures",
        lambda: _department_figures(department, fiscal_year, on),
        department.pk,
        fiscal_year,
        on,
        scope=department_scope(department.pk),
    )
    # A page that exists: junk numbers neither fail nor make new cache entries.
    pages = max(1, math.ceil(figures["summary"]["count"] / DEPARTMENT_PAGE_SIZE))
    page_number = min(_page_number(request), pages)
    return fragment_page(
        request,
        "department",
        (department.code, fiscal_year, page_number),
        scope=department_scope(department.pk),
        full=lambda: _department_page(
            request, department, fiscal_year, on, figures, page_number
        ),
        thin=lambda fragment: render(
            request,
            "projects/department_detail.html",
            {
                "department": department,
                "fiscal_year": fiscal_year,
                "fragment": fragment,
            },
        ),
    )


def _page_number(request: HttpRequest) -> int:
    """The page asked for with ?page=N: a positive number, else the first."""
    number = request.GET.get("page", "")
    if number.isascii() and number.isdigit() and len(number) <= 9:
        return max(1, int(number))
    return 1


def _department_figures(department: Department, fiscal_year: int, on: date) -> dict:
    """The department's totals over all its projects of the year: progress
    summary and money, from one read of every project's base figures (as the
    dashboard's), and its number of KPIs; cached under the department's version
    by the page, which shows only a page of the projects and the first KPIs."""
    summary, _by_department, money = dashboard.year_overview(
        department.projects.for_fiscal_year(fiscal_year).with_progress(on), on
    )
    indicator_count = (
        Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department=department)
        .count()
    )
    return {"summary": summary, "money": money, "indicator_count": indicator_count}


def _department_page(
    request: HttpRequest,
    department: Department,
    fiscal_year: int,
    on: date,
    figures: dict,
    page_number: int,
) -> HttpResponse:
    lang = get_language() or "th"
    base = department.projects.for_fiscal_year(fiscal_year)
    summary = figures["summary"]
    # A page of the projects: a department may have thousands in a year; the
    # totals above count them all.
    paginator = Paginator(
        base.with_progress(on)
        .with_money(on)
        .select_related("department")
        .order_by("code"),
        DEPARTMENT_PAGE_SIZE,
    )
    paginator.count = summary["count"]  # known: no COUNT over the annotated rows
    page = paginator.get_page(page_number)
    projects = list(page.object_list)
    statuses = progress.status_counts(summary)
    indicators = [
        (indicator, indicator.achievement_percent(indicator.achieved))
        for indicator in Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department=department)
        .with_achievement()
        .order_by("code")[:DEPARTMENT_PAGE_SIZE]
    ]
    return render(
        request,
        "projects/department_detail.html",
        {
            "department": department,
            "fiscal_year": fiscal_year,
            "on": on,
            "projects": projects,
            "page": page,
            "query": f"fy={fiscal_year}",
            "summary": summary,
            "statuses": statuses,
            "indicators": indicators,
            "indicator_count": figures["indicator_count"],
            "status_figure": charts.status_distribution(statuses, lang),
            "progress_figure": charts.department_progress(
                [
                    (p.code, p.actual_percent or Decimal(0), p.planned_percent)
                    for p in projects
                ],
                lang,
            ),
            **dashboard.money_context(
                base,
                fiscal_year,
                on,
                [],
                lang,
                by_month=False,
                overview=figures["money"],
            ),
        },
    )


def _overview_pieces(
    fiscal_year: int, on: date, department_ids: list[int]
) -> dict[int, dict]:
    """Each department's part of the overview, in four queries for any number of
    departments: its summary (None without projects), its ten projects most behind
    plan as (gap, code, pk), its ten latest published reports as (date, pk), its
    number of KPIs and its money (None without projects). Plain values but the
    money's: a part is read from the cache often."""
    projects = (
        Project.objects.for_fiscal_year(fiscal_year)
        .filter(department__in=department_ids)
        .with_progress(on)
    )
    department_rows, money = dashboard.department_overviews(projects, on)
    pieces: dict[int, dict] = {
        pk: {
            "summary": None,
            "money": None,
            "behind": [],
            "latest": [],
            "indicators": 0,
        }
        for pk in department_ids
    }
    for row in department_rows:
        pieces[row["department"]]["summary"] = row
    for pk, department_money in money.items():
        pieces[pk]["money"] = department_money
    # Narrow rows: a query of the project objects with every progress
    # annotation costs more to build than to run.
    for pk, department, code, gap in (
        projects.filter(status=progress.Status.BEHIND)
        .order_by()
        .values_list("pk", "department", "code", "gap")
    ):
        pieces[department]["behind"].append((gap, code, pk))
    for piece in pieces.values():
        piece["behind"] = sorted(piece["behind"])[:OVERVIEW_ROWS]
    for report_date, pk, department in (
        ProgressUpdate.objects.published()
        .filter(
            project__fiscal_year=fiscal_year,
            project__department__in=department_ids,
            report_date__lte=on,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("project__department"),
                order_by=[F("report_date").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=OVERVIEW_ROWS)
        .values_list("report_date", "pk", "project__department")
    ):
        pieces[department]["latest"].append((report_date, pk))
    for department, count in (
        Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department__in=department_ids)
        .order_by()
        .values_list("department")
        .annotate(count=Count("pk"))
    ):
        pieces[department]["indicators"] = count
    return pieces


def _overview_figures(fiscal_year: int, on: date) -> dict:
    """The overview's derived figures, assembled from each department's part,
    cached per department (``cached_each``): after a report, only its
    department's part is read again."""
    departments = {
        pk: (short_name or code, code)
        for pk, short_name, code in Department.objects.order_by("code").values_list(
            "pk", "short_name", "code"
        )
    }
    pieces = cached_each(
        "overview-department",
        lambda missing: _overview_pieces(fiscal_year, on, missing),
        {pk: department_scope(pk) for pk in departments},
        fiscal_year,
        on,
    ).values()
    rows = [piece["summary"] for piece in pieces if piece["summary"]]
    summary = combine_summaries(rows)
    by_department = sorted(
        (
            {
                **row,
                "name": departments[row["department"]][0],
                "code": departments[row["department"]][1],
            }
            for row in rows
        ),
        key=lambda row: (row["actual"] or 0, row["code"]),
    )
    gaps = {
        pk: gap
        for gap, _code, pk in sorted(
            row for piece in pieces for row in piece["behind"]
        )[:OVERVIEW_ROWS]
    }
    behind = sorted(
        Project.objects.select_related("department").filter(pk__in=gaps),
        key=lambda project: (gaps[project.pk], project.code),
    )
    for project in behind:
        project.gap = gaps[project.pk]
    latest = sorted((row for piece in pieces for row in piece["latest"]), reverse=True)[
        :OVERVIEW_ROWS
    ]
    latest_updates = sorted(
        ProgressUpdate.objects.select_related("project__department").filter(
            pk__in=[pk for _day, pk in latest]
        ),
        key=lambda update: (update.report_date, update.pk),
        reverse=True,
    )
    return {
        "summary": summary,
        "statuses": progress.status_counts(summary),
        "by_department": by_department,
        "behind": behind,
        "latest_updates": latest_updates,
        "indicator_count": sum(piece["indicators"] for piece in pieces),
        "money": dashboard.combine_money(
            piece["money"] for piece in pieces if piece["money"] is not None
        ),
    }


@require_safe
@access.public_read
@public_page("fy")
def overview(request: HttpRequest) -> HttpResponse:
    fiscal_year = selected_fiscal_year(request)
    return fragment_page(
        request,
        "overview",
        (fiscal_year,),
        full=lambda: _overview_page(request, fiscal_year),
        thin=lambda fragment: render(
            request,
            "projects/overview.html",
            {"fiscal_year": fiscal_year, "fragment": fragment},
        ),
    )


def _overview_page(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    on = reading_date(fiscal_year)
    lang = get_language() or "th"
    figures = _overview_figures(fiscal_year, on)
    return render(
        request,
        "projects/overview.html",
        {
            "fiscal_year": fiscal_year,
            "on": on,
            **figures,
            "status_figure": charts.status_distribution(figures["statuses"], lang),
            "department_figure": charts.department_progress(
                [
                    (row["name"], row["actual"] or 0, row["planned"] or 0)
                    for row in figures["by_department"]
                ],
                lang,
            ),
            # The money summary's context, from the cached figures (no query).
            **dashboard.money_context(
                Project.objects.none(),
                fiscal_year,
                on,
                [],
                lang,
                by_month=False,
                overview=figures["money"],
            ),
        },
    )


@require_safe
@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """A staff member's projects this fiscal year: overdue, then due, then the rest.

    Cached per person: the page shows the projects and reports of their
    departments and the reports waiting in the departments they approve for, so
    it follows those departments' versions (an evaluator's, which counts every
    department's waiting reports, follows every write).
    """
    on = timezone.localdate()
    fiscal_year = thaicalendar.fiscal_year_of(on)
    departments = list(request.user.departments.order_by("code"))
    approves = access.approval_departments(request.user)
    scope = None
    if approves is not None:
        shown = {d.pk for d in departments} | set(approves.values_list("pk", flat=True))
        scope = tuple(key for pk in sorted(shown) for key in department_scope(pk))
    return fragment_page(
        request,
        "my-work",
        (request.user.pk, fiscal_year),
        scope=scope,
        full=lambda: _my_work_page(request, on, fiscal_year, departments),
        thin=lambda fragment: render(
            request,
            "projects/my_work.html",
            {"fiscal_year": fiscal_year, "on": on, "fragment": fragment},
        ),
    )


def _my_work_page(
    request: HttpRequest, on: date, fiscal_year: int, departments: list[Department]
) -> HttpResponse:
    projects = list(
        Project.objects.for_fiscal_year(fiscal_year)
        .filter(department__members=request.user)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("reviewed_by"),
                to_attr="reports",
            )
        )
        .with_progress(on)
    )
    projects.sort(key=lambda p: (not p.report_overdue, not p.report_due, p.code))
    states = [update.status for p in projects for update in p.reports]
    counts = {
        "overdue": sum(p.report_overdue for p in projects),
        "missing": sum(len(p.missing_months) for p in projects),
        "due": sum(p.report_due and not p.report_overdue for p in projects),
        "total": len(projects),
        "returned": states.count(approval.State.RETURNED),
        "draft": states.count(approval.State.DRAFT),
        "submitted": states.count(approval.State.SUBMITTED),
    }
    waiting = approval_views.waiting_count(request.user)
    return render(
        request,
        "projects/my_work.html",
        {
            "fiscal_year": fiscal_year,
            "on": on,
            "departments": departments,
            "projects": projects,
            "counts": counts,
            "waiting": waiting,
            "due_day": settings.REPORT_DUE_DAY,
            "is_evaluator": not departments and access.is_evaluator(request.user),
        },
    )


HISTORY_PAGE_SIZE = 50


@require_safe
@login_required
def project_history(request: HttpRequest, code: str) -> HttpResponse:
    """Who created, changed or deleted what of a project and its KPIs, newest first.

    A deleted project's history stays readable by evaluators and admins.
    """
    project = Project.objects.select_related("department").filter(code=code).first()
    deleted = project is None
    if deleted:
        project = history.deleted_project(code)
        if project is None:
            raise Http404
        if not access.is_evaluator(request.user):
            raise PermissionDenied
    elif not access.can_see_history(request.user, project.department_id):
        raise PermissionDenied
    entries = history.project_history(project, get_language() or "th")
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_history.html",
        {
            "project": project,
            "deleted": deleted,
            "fiscal_year": project.fiscal_year,
            "page": page,
        },
    )


@require_safe
@login_required
def people_history(request: HttpRequest) -> HttpResponse:
    """Admins: who changed accounts, roles, groups and department membership."""
    if not access.is_admin(request.user):
        raise PermissionDenied
    entries = history.people_history(get_language() or "th")
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/people_history.html", {"page": page})
