"""The evaluators' pages: a quarter's overview, scoring a project, a KPI or a
department's whole list, locking and reopening quarters, and the year's summary.

Every page is for evaluators and admins only (``access.evaluator_only``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from indicators.forms import BulkIndicatorScoreFormSet, IndicatorScoreForm
from indicators.models import EvaluationCriterion, Indicator
from projects import access, evaluations, quality, thaicalendar
from projects.forms import (
    BulkConfirmForm,
    BulkProjectScoreFormSet,
    FiscalYearField,
    ProjectScoreForm,
    QuarterFilterForm,
    QuarterScopeForm,
    ReopenForm,
)
from projects.models import Department, FiscalYearReopening, Project, QuarterLock
from projects.services import ConflictError
from reports import charts, dashboard

QUARTERS = (1, 2, 3, 4)


def _check_quarter(fiscal_year: int, quarter: int | None = None) -> None:
    """404 for a fiscal year or quarter that cannot exist."""
    if not 2500 <= fiscal_year <= 2700 or quarter not in (None, *QUARTERS):
        raise Http404


def _lang() -> str:
    return get_language() or "th"


def _quarter_url(fiscal_year: int, quarter: int, department: Department | None) -> str:
    url = reverse("projects:evaluation-quarter", args=[fiscal_year, quarter])
    return f"{url}?{urlencode({'department': department.code})}" if department else url


def _asked_fiscal_year(request: HttpRequest) -> int | None:
    """The fiscal year picked in the page header's switch (?fy=2562), if valid."""
    try:
        return FiscalYearField().clean(request.GET.get("fy"))
    except forms.ValidationError:
        return None


def _default_quarter(fiscal_year: int, today) -> int:
    """The current quarter in the current year; the last one of a past year."""
    current_year, current_quarter = thaicalendar.fiscal_quarter_of(today)
    if fiscal_year == current_year:
        return current_quarter
    return 4 if fiscal_year < current_year else 1


def _scope_label(department: Department | None) -> str:
    if department is None:
        return _("all departments")
    return department.name


@access.evaluator_only
@require_safe
def evaluation_home(request: HttpRequest) -> HttpResponse:
    """The current quarter's overview (or a year's, asked with ?fy=)."""
    today = timezone.localdate()
    fiscal_year = _asked_fiscal_year(request) or thaicalendar.fiscal_year_of(today)
    department = QuarterFilterForm(request.GET).selected()
    return redirect(
        _quarter_url(fiscal_year, _default_quarter(fiscal_year, today), department)
    )


@access.evaluator_only
@require_safe
def quarter_overview(request: HttpRequest, fy: int, quarter: int) -> HttpResponse:
    _check_quarter(fy, quarter)
    asked = _asked_fiscal_year(request)
    if asked and asked != fy:
        department = QuarterFilterForm(request.GET).selected()
        return redirect(_quarter_url(asked, quarter, department))
    return _overview_page(request, fy, quarter)


def _overview_page(
    request: HttpRequest,
    fiscal_year: int,
    quarter: int,
    *,
    lock_form: QuarterScopeForm | None = None,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    filter_form = QuarterFilterForm(request.GET)
    department = filter_form.selected()
    review = evaluations.quarter_review(
        fiscal_year=fiscal_year, quarter=quarter, today=today, department=department
    )
    locks = evaluations.quarter_locks(fiscal_year, quarter)
    active = [lock for lock in locks if lock.is_active]
    year_lock = access.year_lock(fiscal_year)
    locked_here = quarter in access.quarter_locks(
        fiscal_year, department.pk if department else None
    )
    return render(
        request,
        "evaluations/quarter_overview.html",
        {
            "fiscal_year": fiscal_year,
            "quarter": quarter,
            "quarters": QUARTERS,
            "review": review,
            "start": review.bounds[0],
            "end": review.bounds[1],
            "started": evaluations.has_started(fiscal_year, quarter, today),
            "department": department,
            "filter_form": filter_form,
            "departments": filter_form.fields["department"].queryset,
            "locks": locks,
            "active_locks": active,
            "locked_here": locked_here,
            "year_lock": year_lock,
            "lock_form": lock_form or QuarterScopeForm(prefix="lock"),
            "reopen_form": reopen_form or ReopenForm(prefix="reopen"),
            "query": urlencode({"department": department.code}) if department else "",
        },
    )


@access.evaluator_only
@require_POST
def quarter_lock(request: HttpRequest, fy: int, quarter: int) -> HttpResponse:
    """Lock the quarter for one department or for all."""
    _check_quarter(fy, quarter)
    form = QuarterScopeForm(request.POST, prefix="lock")
    if form.is_valid():
        department = form.cleaned_data["department"]
        scope = _scope_label(department)
        if not evaluations.has_started(fy, quarter, timezone.localdate()):
            form.add_error(
                None, _("This quarter has not started yet; lock it once it has.")
            )
        else:
            try:
                evaluations.lock_quarter(
                    fiscal_year=fy,
                    quarter=quarter,
                    department=department,
                    user=request.user,
                )
            except evaluations.AlreadyLockedError:
                form.add_error(
                    None,
                    _("This quarter is already locked for %(scope)s.")
                    % {"scope": scope},
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(quarter)s is locked for %(scope)s: staff can no longer "
                        "change its progress reports and KPI results."
                    )
                    % {
                        "quarter": thaicalendar.format_quarter(fy, quarter, _lang()),
                        "scope": scope,
                    },
                )
                return redirect(
                    _quarter_url(fy, quarter, QuarterFilterForm(request.GET).selected())
                )
    return _overview_page(request, fy, quarter, lock_form=form)


@access.evaluator_only
@require_POST
def quarter_reopen(request: HttpRequest, fy: int, quarter: int) -> HttpResponse:
    """Reopen a locked quarter of one department, or the lock for all, with a reason."""
    _check_quarter(fy, quarter)
    form = ReopenForm(request.POST, prefix="reopen")
    if form.is_valid():
        department = form.cleaned_data["department"]
        scope = _scope_label(department)
        try:
            evaluations.reopen_quarter(
                fiscal_year=fy,
                quarter=quarter,
                department=department,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except evaluations.NotLockedError:
            form.add_error(
                None, _("This quarter is not locked for %(scope)s.") % {"scope": scope}
            )
        else:
            label = thaicalendar.format_quarter(fy, quarter, _lang())
            messages.success(
                request,
                _("%(quarter)s is reopened for %(scope)s.")
                % {"quarter": label, "scope": scope},
            )
            if (
                department is not None
                and QuarterLock.objects.active()
                .filter(fiscal_year=fy, quarter=quarter, department__isnull=True)
                .exists()
            ):
                messages.warning(
                    request,
                    _(
                        "%(quarter)s is still locked for all departments; reopen "
                        "that lock too if staff need to change it."
                    )
                    % {"quarter": label},
                )
            return redirect(
                _quarter_url(fy, quarter, QuarterFilterForm(request.GET).selected())
            )
    return _overview_page(request, fy, quarter, reopen_form=form)


def _typed_id(form, key: str) -> int | None:
    """The id a bound row names, or None when it is not a number."""
    try:
        return int(form[key].value())
    except (TypeError, ValueError):
        return None


@access.evaluator_only
@require_http_methods(["GET", "POST"])
def quarter_score(request: HttpRequest, fy: int, quarter: int) -> HttpResponse:
    """Score a department's projects and KPIs for the quarter in one page."""
    _check_quarter(fy, quarter)
    today = timezone.localdate()
    filter_form = QuarterFilterForm(request.GET)
    department = filter_form.selected()
    context = {
        "fiscal_year": fy,
        "quarter": quarter,
        "quarters": QUARTERS,
        "department": department,
        "filter_form": filter_form,
        "departments": filter_form.fields["department"].queryset,
        "started": evaluations.has_started(fy, quarter, today),
    }
    if department is None:
        return render(request, "evaluations/bulk_score.html", context)

    review = evaluations.quarter_review(
        fiscal_year=fy, quarter=quarter, today=today, department=department
    )
    projects = {row.project.pk: row for row in review.projects}
    kpis = {row.indicator.pk: row for row in review.indicators}
    data = request.POST if request.method == "POST" else None
    project_formset = BulkProjectScoreFormSet(
        data,
        prefix="projects",
        initial=[
            {"project": pk, "version": row.evaluation.version if row.evaluation else 0}
            for pk, row in projects.items()
        ],
        key="project",
        known=set(projects),
    )
    kpi_formset = BulkIndicatorScoreFormSet(
        data,
        prefix="kpis",
        initial=[
            {
                "indicator": pk,
                "version": row.evaluation.version if row.evaluation else 0,
            }
            for pk, row in kpis.items()
        ],
        form_kwargs={"criteria": review.criteria},
        key="indicator",
        known=set(kpis),
    )
    confirm = BulkConfirmForm(warnings=[])
    conflict = invalid = False
    if data is not None:
        valid = [project_formset.is_valid(), kpi_formset.is_valid()]
        invalid = not all(valid)
        if not invalid:
            response = _save_bulk(
                request, review, project_formset, kpi_formset, projects, kpis
            )
            if isinstance(response, HttpResponse):
                return response
            confirm, conflict = response
    context.update(
        {
            "review": review,
            "project_formset": project_formset,
            "kpi_formset": kpi_formset,
            "project_lines": [
                (form, projects[pk])
                for form in project_formset.forms
                if (pk := _typed_id(form, "project")) in projects
            ],
            "kpi_lines": [
                (
                    form,
                    kpis[pk],
                    [
                        (criterion, field, current)
                        for (criterion, field), (_c, current) in zip(
                            form.criterion_fields(), kpis[pk].scores, strict=True
                        )
                    ],
                )
                for form in kpi_formset.forms
                if (pk := _typed_id(form, "indicator")) in kpis
            ],
            "form": confirm,
            "conflict": conflict,
            "invalid": invalid,
            "query": urlencode({"department": department.code}),
        }
    )
    return render(
        request,
        "evaluations/bulk_score.html",
        context,
        status=409 if conflict else 200,
    )


def _save_bulk(
    request: HttpRequest,
    review: evaluations.QuarterReview,
    project_formset,
    kpi_formset,
    projects: dict,
    kpis: dict,
) -> HttpResponse | tuple[BulkConfirmForm, bool]:
    """Save the typed scores, all or none; a redirect, or (confirm form, conflict)."""
    quarter = review.quarter
    project_scores: list[evaluations.ProjectScore] = []
    kpi_scores: list[evaluations.IndicatorScores] = []
    warnings: list[quality.Flag] = []
    for form in project_formset.forms:
        data = form.cleaned_data
        if data.get("score") is None:
            continue
        row = projects[data["project"]]
        project_scores.append(
            evaluations.ProjectScore(row.project, data["score"], data["version"])
        )
        warnings += [
            quality.Flag(flag.code, f"{row.project.code}: {flag.message}")
            for flag in quality.evaluated_without_report(quarter, int(row.reported))
        ]
    for form in kpi_formset.forms:
        scores = form.typed_scores()
        if not scores:
            continue
        row = kpis[form.cleaned_data["indicator"]]
        kpi_scores.append(
            evaluations.IndicatorScores(
                row.indicator, scores, form.cleaned_data["version"]
            )
        )
        warnings += [
            quality.Flag(flag.code, f"{row.indicator.code}: {flag.message}")
            for flag in quality.scored_without_result(
                quarter, row.result.value if row.result else None
            )
        ]
    confirm = BulkConfirmForm(request.POST, warnings=warnings)
    if not evaluations.has_started(review.fiscal_year, quarter, timezone.localdate()):
        confirm.is_valid()
        confirm.add_error(
            None, _("This quarter has not started yet; score it once it has.")
        )
        return confirm, False
    if not confirm.is_valid():
        return confirm, False
    back = redirect(_quarter_url(review.fiscal_year, quarter, review.department))
    if not project_scores and not kpi_scores:
        messages.info(request, _("No score was typed, so nothing changed."))
        return back
    try:
        saved = evaluations.score_many(
            quarter=quarter,
            user=request.user,
            projects=project_scores,
            indicators=kpi_scores,
        )
    except ConflictError:
        return confirm, True
    if not saved.changed:
        messages.info(
            request, _("The scores typed are the ones already saved; nothing changed.")
        )
        return back
    messages.success(
        request,
        ngettext(
            "%(count)d score was saved.",
            "%(count)d scores were saved.",
            saved.changed,
        )
        % {"count": saved.changed},
    )
    return back


@access.evaluator_only
@require_http_methods(["GET", "POST"])
def project_evaluate(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    """Score one project's quarter, with the quarter's evidence beside the form."""
    if quarter not in QUARTERS:
        raise Http404
    project = get_object_or_404(Project.objects.select_related("department"), code=code)
    today = timezone.localdate()
    fiscal_year = project.fiscal_year
    on = evaluations.reading_date(fiscal_year, quarter, today)
    annotated = evaluations.quarter_projects(fiscal_year, quarter, on).get(
        pk=project.pk
    )
    row = evaluations.project_rows([annotated], quarter, today)[0]
    start, end = thaicalendar.quarter_bounds(fiscal_year, quarter)
    updates = list(
        project.updates.published()
        .filter(report_date__gte=start, report_date__lte=end)
        .order_by("report_date")
    )
    scored = list(project.evaluations.all())
    evaluation = row.evaluation
    initial = {"version": 0}
    if evaluation is not None:
        initial = {
            "score": evaluation.score,
            "comment": evaluation.comment,
            "version": evaluation.version,
        }
    form = ProjectScoreForm(
        request.POST or None,
        initial=initial,
        project=project,
        quarter=quarter,
        today=today,
        reports=len(updates),
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.score_project(
                project=project,
                quarter=quarter,
                user=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except ConflictError:
            conflict = True
        else:
            messages.success(
                request,
                _("The score of %(quarter)s was saved.")
                % {
                    "quarter": thaicalendar.format_quarter(
                        fiscal_year, quarter, _lang()
                    )
                },
            )
            return redirect(f"{project.get_absolute_url()}#evaluation-heading")
    return render(
        request,
        "evaluations/project_evaluate.html",
        {
            "project": annotated,
            "fiscal_year": fiscal_year,
            "quarter": quarter,
            "quarters": QUARTERS,
            "start": start,
            "end": end,
            "row": row,
            "updates": updates,
            "quarter_scores": [
                (q, next((e for e in scored if e.quarter == q), None)) for q in QUARTERS
            ],
            "form": form,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


@access.evaluator_only
@require_http_methods(["GET", "POST"])
def indicator_evaluate(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    """Score one KPI's quarter per criterion, with its result and report beside."""
    if quarter not in QUARTERS:
        raise Http404
    indicator = get_object_or_404(Indicator.objects.for_page(), code=code)
    today = timezone.localdate()
    fiscal_year = indicator.fiscal_year
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fiscal_year))
    quarter_rows = indicator.quarter_rows(criteria)
    row = evaluations.indicator_rows([indicator], criteria, quarter)[0]
    on = evaluations.reading_date(fiscal_year, quarter, today)
    projects = list(
        Project.objects.filter(indicators=indicator)
        .visible_list()
        .with_progress(on)
        .order_by("code")
    )
    initial: dict = {"version": 0}
    if row.evaluation is not None:
        initial = {
            "comment": row.evaluation.comment,
            "version": row.evaluation.version,
            **{
                f"criterion_{criterion.pk}": score
                for criterion, score in row.scores
                if score is not None
            },
        }
    form = IndicatorScoreForm(
        request.POST or None,
        initial=initial,
        indicator=indicator,
        quarter=quarter,
        today=today,
        criteria=criteria,
        result_value=row.result.value if row.result else None,
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.score_indicator(
                indicator=indicator,
                quarter=quarter,
                user=request.user,
                scores=form.typed_scores(),
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except ConflictError:
            conflict = True
        else:
            messages.success(
                request,
                _("The scores of %(quarter)s were saved.")
                % {
                    "quarter": thaicalendar.format_quarter(
                        fiscal_year, quarter, _lang()
                    )
                },
            )
            return redirect(f"{indicator.get_absolute_url()}#quarter-{quarter}")
    return render(
        request,
        "evaluations/indicator_evaluate.html",
        {
            "indicator": indicator,
            "fiscal_year": fiscal_year,
            "quarter": quarter,
            "quarters": QUARTERS,
            "on": on,
            "row": row,
            "quarter_rows": quarter_rows,
            "criteria": criteria,
            "projects": projects,
            "form": form,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


class YearReopenForm(forms.Form):
    """Reopening a closed fiscal year, which needs a reason."""

    reason = forms.CharField(
        label=_lazy("Reason for reopening the year"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _lazy(
                "Give the reason for reopening: staff will be able to change the "
                "year's reports, results and plans again."
            )
        },
    )


def _year_state(fiscal_year: int) -> dict:
    """The fiscal year's closing: when it closes, whether it is closed, and its
    active reopening (if any)."""
    return {
        "closes_on": access.year_closes_on(fiscal_year),
        "closed": access.year_closed(fiscal_year),
        "reopening": FiscalYearReopening.objects.active()
        .filter(fiscal_year=fiscal_year)
        .select_related("reopened_by")
        .first(),
    }


@access.evaluator_only
@require_POST
def year_reopen(request: HttpRequest, fy: int) -> HttpResponse:
    """Reopen a closed fiscal year, with a reason."""
    _check_quarter(fy)
    form = YearReopenForm(request.POST, prefix="year")
    if form.is_valid():
        try:
            evaluations.reopen_year(
                fiscal_year=fy, user=request.user, reason=form.cleaned_data["reason"]
            )
        except evaluations.YearNotClosedError:
            form.add_error(None, _("This fiscal year is not closed."))
        else:
            messages.success(
                request,
                _(
                    "%(year)s is reopened: staff can change its reports, results "
                    "and plans until it is closed again."
                )
                % {"year": thaicalendar.format_fiscal_year(fy, _lang())},
            )
            return redirect("projects:evaluation-summary", fy)
    return _summary_page(request, fy, year_form=form)


@access.evaluator_only
@require_POST
def year_close(request: HttpRequest, fy: int) -> HttpResponse:
    """Close a reopened fiscal year again."""
    _check_quarter(fy)
    try:
        evaluations.close_year(fiscal_year=fy, user=request.user)
    except evaluations.YearNotReopenedError:
        messages.error(request, _("This fiscal year is not reopened."))
    else:
        messages.success(
            request,
            _("%(year)s is closed again.")
            % {"year": thaicalendar.format_fiscal_year(fy, _lang())},
        )
    return redirect("projects:evaluation-summary", fy)


@access.evaluator_only
@require_safe
def evaluation_summary(request: HttpRequest, fy: int) -> HttpResponse:
    """Average scores per department and quarter, with the year's chart."""
    _check_quarter(fy)
    asked = _asked_fiscal_year(request)
    if asked and asked != fy:
        return redirect("projects:evaluation-summary", asked)
    return _summary_page(request, fy, year_form=YearReopenForm(prefix="year"))


def _summary_page(
    request: HttpRequest, fy: int, year_form: YearReopenForm
) -> HttpResponse:
    filter_form = QuarterFilterForm(request.GET)
    department = filter_form.selected()
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fy))
    rows = evaluations.department_scores(fy, criteria)
    series = dashboard.evaluation_scores(fy, department)
    return render(
        request,
        "evaluations/summary.html",
        {
            "fiscal_year": fy,
            "quarters": QUARTERS,
            "default_quarter": _default_quarter(fy, timezone.localdate()),
            "criteria": criteria,
            "rows": rows,
            "series": series,
            "department": department,
            "filter_form": filter_form,
            "departments": filter_form.fields["department"].queryset,
            "year": _year_state(fy),
            "year_form": year_form,
            "figure": charts.scores_by_quarter(
                [
                    (item.label, quarter, average)
                    for item in series
                    for quarter, average, _count in item.cells()
                ],
                _lang(),
            ),
        },
    )
