"""Pages of KPIs: the list of a fiscal year and one KPI (the seed system's mykpi)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from evidence import services as evidence_services
from evidence.forms import EvidenceForms
from evidence.models import Attachment
from indicators import services
from indicators.forms import IndicatorFilterForm, IndicatorResultForm
from indicators.models import EvaluationCriterion, Indicator, IndicatorResult
from projects import access, approval, progress, quality, thaicalendar
from projects.cache import fragment_page, indicator_scope, public_page
from projects.models import Project
from projects.services import (
    ConflictError,
    DuplicateError,
    LockedError,
    TransitionError,
)
from projects.views import page_audience, reading_date, selected_fiscal_year
from reports import charts

PAGE_SIZE = 25


def _bar_width(achievement: Decimal | None) -> int:
    """The width of an achievement bar in %: the achievement kept within 0–100."""
    if achievement is None:
        return 0
    return int(min(max(achievement, Decimal(0)), progress.HUNDRED))


@require_safe
@access.public_read
@public_page("fy", "q", "department", "kind", "level", "page")
def indicator_list(request: HttpRequest) -> HttpResponse:
    form = IndicatorFilterForm(request.GET)
    filters = form.filters()
    fiscal_year = filters.get("fy") or selected_fiscal_year(request)
    reported = (
        IndicatorResult.objects.published()
        .filter(indicator=OuterRef("pk"))
        .order_by()
        .values("indicator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    indicators = form.apply(
        Indicator.objects.for_fiscal_year(fiscal_year)
        .with_achievement()
        .select_related("department")
        .annotate(
            quarters_reported=Coalesce(
                Subquery(reported, output_field=IntegerField()), 0
            )
        ),
        filters,
    )
    page = Paginator(indicators, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for indicator in page.object_list:
        achievement = indicator.achievement_percent(indicator.achieved)
        rows.append(
            {
                "indicator": indicator,
                "achievement": achievement,
                "bar": _bar_width(achievement),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "indicators/indicator_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "fiscal_year": fiscal_year,
            "query": query.urlencode(),
        },
    )


@require_safe
@access.public_read
@public_page()
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(
        Indicator.objects.with_achievement().select_related("department"), code=code
    )
    return fragment_page(
        request,
        "indicator",
        (indicator.code, *page_audience(request.user, indicator.department_id)),
        scope=indicator_scope(indicator.pk),
        full=lambda: _indicator_page(request, indicator),
        thin=lambda fragment: render(
            request,
            "indicators/indicator_detail.html",
            {
                "indicator": indicator,
                "fiscal_year": indicator.fiscal_year,
                "fragment": fragment,
            },
        ),
    )


def _indicator_page(request: HttpRequest, indicator: Indicator) -> HttpResponse:
    prefetch_related_objects(
        [indicator],
        *Indicator.objects.page_prefetches(),
        Prefetch("results__attachments", queryset=Attachment.objects.active()),
    )
    lang = get_language() or "th"
    on = reading_date(indicator.fiscal_year)
    criteria = list(
        EvaluationCriterion.objects.filter(fiscal_year=indicator.fiscal_year)
    )
    rows = indicator.quarter_rows(criteria)
    projects = list(
        Project.objects.filter(indicators=indicator)
        .visible_list()
        .with_progress(on)
        .order_by("code")
    )
    achievement = indicator.achievement_percent(indicator.achieved)

    flags: list[quality.Flag] = []
    pending: list[IndicatorResult] = []
    if access.sees_quality_flags(request.user, indicator.department_id):
        # The department sees its results not approved yet, marked as pending.
        # Not indicator.results: its prefetch holds the approved results only.
        pending = list(
            IndicatorResult.objects.filter(indicator=indicator)
            .exclude(status=approval.State.APPROVED)
            .order_by("quarter")
        )
        fiscal_year = indicator.fiscal_year
        flags = [
            quality.Flag(
                flag.code,
                f"{thaicalendar.format_quarter(fiscal_year, row.quarter, lang)}: "
                f"{flag.message}",
                flag.severity,
            )
            for row in rows
            for flag in row.flags
        ]

    can_edit = access.can_edit(request.user, indicator.department_id)
    locks = (
        access.quarter_locks(indicator.fiscal_year, indicator.department_id)
        if can_edit
        else {}
    )
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "fiscal_year": indicator.fiscal_year,
            "on": on,
            "criteria": criteria,
            "rows": rows,
            "quarters": [
                {"row": row, "scores": list(zip(criteria, row.scores, strict=True))}
                for row in rows
            ],
            "achievement": achievement,
            "needs_checking": indicator.needs_checking(indicator.quarter_values()),
            "bar": _bar_width(achievement),
            "projects": projects,
            "flags": flags,
            # Approved results' evidence; its audience sees the internal files too.
            "sees_internal_evidence": access.sees_pending(
                request.user, indicator.department_id
            ),
            "pending": pending,
            "can_edit_results": can_edit,
            "locked_quarters": set(locks),
            "lock_messages": sorted({lock.message for lock in locks.values()}),
            "figure": charts.indicator_chart(
                [row.quarter for row in rows if row.result],
                [row.result.value for row in rows if row.result],
                indicator.target,
                indicator.unit,
                lang,
                quarter_targets=[row.target for row in rows],
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def result_edit(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    indicator = get_object_or_404(
        Indicator.objects.select_related("department"), code=code
    )
    if quarter not in (1, 2, 3, 4):
        raise Http404
    access.require_edit(request.user, indicator.department_id)
    result = indicator.results.filter(quarter=quarter).first()
    lock = access.quarter_locks(indicator.fiscal_year, indicator.department_id).get(
        quarter
    )
    form = IndicatorResultForm(
        request.POST or None,
        instance=result,
        indicator=indicator,
        quarter=quarter,
        today=timezone.localdate(),
    )
    evidence = EvidenceForms(
        request.POST or None,
        request.FILES or None,
        attachments=result.attachments.active() if result is not None else (),
    )
    conflict = False
    valid = request.method == "POST" and lock is None
    if valid and all([form.is_valid(), evidence.is_valid()]):
        try:
            evidence_services.save_with_evidence(
                save=lambda: services.save_result(
                    indicator=indicator,
                    quarter=quarter,
                    user=request.user,
                    values={name: form.cleaned_data[name] for name in form.Meta.fields},
                    result=result,
                    version=form.cleaned_data.get("version"),
                    submit="draft" not in request.POST,
                ),
                user=request.user,
                changes=evidence.changes(),
            )
        except (ConflictError, DuplicateError):
            conflict = True
        except (LockedError, TransitionError) as error:
            form.add_error(None, str(error))
        except evidence_services.EvidenceError as error:
            evidence.add_error(str(error))
        else:
            messages.success(request, _("The KPI result was saved."))
            return redirect(indicator)
    return render(
        request,
        "indicators/result_form.html",
        {
            "indicator": indicator,
            "quarter": quarter,
            "fiscal_year": indicator.fiscal_year,
            "form": form,
            "evidence": evidence,
            "result": result,
            "conflict": conflict,
            "lock": lock,
            "approval_required": settings.APPROVAL_REQUIRED,
        },
        status=409 if conflict else 200,
    )
