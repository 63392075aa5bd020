"""Template filters that show dates, months, fiscal years and quarters in BE.

They read the active language and leave the calendar to projects.thaicalendar.
"""

from datetime import date, datetime

from django import template
from django.utils.translation import get_language

from projects import thaicalendar

register = template.Library()


def _lang() -> str:
    return get_language() or "th"


@register.filter
def be_date(value: date | datetime | None) -> str:
    """Show a date short: "15 ก.ย. 2563" or "15 Sep 2020"."""
    return thaicalendar.format_date(value or None, "short", _lang())


@register.filter
def be_date_long(value: date | datetime | None) -> str:
    """Show a date with the month spelled out: "15 กันยายน 2563"."""
    return thaicalendar.format_date(value or None, "long", _lang())


@register.filter
def month_label(value: date | datetime | None) -> str:
    """Show the month and year of a date: "ก.ย. 2563" or "Sep 2020"."""
    if not value:
        return ""
    d = thaicalendar.local_date(value)
    return thaicalendar.format_month(d.year, d.month, _lang())


@register.filter
def fiscal_year_label(fy: int | str | None) -> str:
    """Show a fiscal year (BE): "ปีงบประมาณ 2563" or "FY 2563 (2019–20)"."""
    if fy in (None, ""):
        return ""
    return thaicalendar.format_fiscal_year(int(fy), _lang())


@register.filter
def quarter_label(fy: int | str | None, quarter: int | str | None) -> str:
    """Show quarter of fiscal year fy, as {{ fy|quarter_label:q }}: "ไตรมาสที่ 2/2563"."""
    if fy in (None, "") or quarter in (None, ""):
        return ""
    return thaicalendar.format_quarter(int(fy), int(quarter), _lang())


@register.filter
def be_datetime(value: datetime | None) -> str:
    """Show a moment in Bangkok time: "15 ก.ย. 2563 14:05" or "15 Sep 2020 14:05"."""
    if not value:
        return ""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(thaicalendar.BANGKOK)
    return f"{thaicalendar.format_date(value, 'short', _lang())} {value:%H:%M}"
