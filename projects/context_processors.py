"""What every page's layout needs: today, and the fiscal years to switch between."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from projects import thaicalendar
from projects.cache import cached
from projects.models import Project


def _fiscal_years(current: int) -> list[int]:
    # Projects are made, moved and deleted only by writes that are not scoped:
    # the years follow the base version, not every report.
    years = cached("fiscal-years", _stored_fiscal_years, scope=())
    return sorted(set(years) | {current}, reverse=True)


def _stored_fiscal_years() -> list[int]:
    return list(
        Project.objects.order_by().values_list("fiscal_year", flat=True).distinct()
    )


def portal(request: HttpRequest) -> dict:
    today = timezone.localdate()
    current = thaicalendar.fiscal_year_of(today)
    return {
        "today": today,
        "current_fiscal_year": current,
        # Evaluated only by pages that draw the fiscal-year switch.
        "fiscal_years": SimpleLazyObject(lambda: _fiscal_years(current)),
    }
