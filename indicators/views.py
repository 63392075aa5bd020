"""Pages of KPIs: the list of a fiscal year and one KPI (the seed system's mykpi)."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from indicators.forms import IndicatorFilterForm
from indicators.models import EvaluationCriterion, Indicator, IndicatorResult
from projects import access, progress, quality, thaicalendar
from projects.models import Project
from projects.views import _reading_date, selected_fiscal_year
from reports import charts

PAGE_SIZE = 25


def _bar_width(achievement: Decimal | None) -> int:
    """The width of an achievement bar in %: the achievement kept within 0–100."""
    if achievement is None:
        return 0
    return int(min(max(achievement, Decimal(0)), progress.HUNDRED))


@require_safe
@access.public_read
def indicator_list(request: HttpRequest) -> HttpResponse:
    form = IndicatorFilterForm(request.GET)
    filters = form.filters()
    fiscal_year = filters.get("fy") or selected_fiscal_year(request)
    reported = (
        IndicatorResult.objects.filter(indicator=OuterRef("pk"))
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
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.for_page(), code=code)
    lang = get_language() or "th"
    on = _reading_date(indicator.fiscal_year)
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
    if access.sees_quality_flags(request.user, indicator.department_id):
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
            "bar": _bar_width(achievement),
            "projects": projects,
            "flags": flags,
            "figure": charts.indicator_chart(
                [row.quarter for row in rows if row.result],
                [row.result.value for row in rows if row.result],
                indicator.target,
                indicator.unit,
                lang,
            ),
        },
    )
