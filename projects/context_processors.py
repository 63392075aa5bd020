"""What every page's layout needs: the fiscal year being looked at."""

from django.http import HttpRequest
from django.utils import timezone

from projects import thaicalendar


def portal(request: HttpRequest) -> dict:
    today = timezone.localdate()
    current = thaicalendar.fiscal_year_of(today)
    return {"current_fiscal_year": current}
