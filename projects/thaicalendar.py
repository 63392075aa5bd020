"""The portal's calendar: Buddhist Era years, fiscal years, quarters and Thai dates.

Dates are ordinary ``date`` objects in the Christian era (CE); every year a person
reads or types is in the Buddhist Era (BE = CE + 543). Fiscal year N (BE) runs
from 1 October of BE N-1 to 30 September of BE N, in four quarters: Q1 Oct–Dec,
Q2 Jan–Mar, Q3 Apr–Jun, Q4 Jul–Sep.

The module is pure: no ORM, no settings, and the display language is a parameter
("en…" is English, anything else Thai). Nothing else in the portal should do date
arithmetic of its own.
"""

import calendar
import re
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

BE_OFFSET = 543
BANGKOK = ZoneInfo("Asia/Bangkok")

THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
# Spelled out rather than taken from the calendar module, which follows the locale.
ENGLISH_MONTHS_SHORT = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
ENGLISH_MONTHS_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Four-digit years in these ranges can only be of one era.
CE_YEARS = range(1900, 2201)
BE_YEARS = range(2400, 2801)

DateStyle = Literal["short", "long"]
ErrorCode = Literal[
    "ambiguous", "unknown_era", "no_such_month", "no_such_day", "invalid", "empty"
]

# \d also matches Thai digits (๑๕/๙/๒๕๖๓), which int() reads as well.
_SEP = r"\s*([-/.])\s*"
_DMY = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})\s*\2\s*(\d{{1,4}})")
_YMD = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})\s*\2\s*(\d{{1,2}})")


class DateInputError(ValueError):
    """A typed date that cannot be read; ``code`` says why, for the form's message."""

    def __init__(
        self,
        code: ErrorCode,
        text: str,
        year: str | None = None,
        *,
        year_ce: int | None = None,
        month: int | None = None,
        day: int | None = None,
    ) -> None:
        self.code = code
        self.text = text
        self.year = year
        # Read from a well-formed input that names no real day, to say why.
        self.year_ce = year_ce
        self.month = month
        self.day = day
        super().__init__(f"{code} date input: {text!r}")


def to_be(year_ce: int) -> int:
    """Return the Buddhist Era year of a Christian era year."""
    return year_ce + BE_OFFSET


def to_ce(year_be: int) -> int:
    """Return the Christian era year of a Buddhist Era year."""
    return year_be - BE_OFFSET


def local_date(value: date | datetime) -> date:
    """Return the Bangkok calendar date of value (a naive datetime is taken as is)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(BANGKOK)
        return value.date()
    return value


def _check_quarter(quarter: int) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, not {month!r}")


def _is_english(lang: str) -> bool:
    return lang.lower().startswith("en")


# Fiscal years and quarters


def fiscal_year_of(d: date) -> int:
    """Return the fiscal year (BE) that d falls in."""
    d = local_date(d)
    return to_be(d.year) + (1 if d.month >= 10 else 0)


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """Return the first and last day of fiscal year fy (BE)."""
    year_ce = to_ce(fy)
    return date(year_ce - 1, 10, 1), date(year_ce, 9, 30)


def within_fiscal_year(d: date, fy: int) -> date:
    """Return d kept inside fiscal year fy: its first day if before, last if after."""
    start, end = fiscal_year_bounds(fy)
    return min(max(d, start), end)


def fiscal_year_closes_on(fy: int, grace_days: int) -> date:
    """Return the first day fiscal year fy (BE) is closed: grace_days after 30 Sep."""
    return fiscal_year_bounds(fy)[1] + timedelta(days=grace_days + 1)


def fiscal_months(fy: int) -> list[tuple[int, int]]:
    """Return the twelve (CE year, month) pairs of fiscal year fy, October first."""
    year_ce = to_ce(fy)
    months = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    return [(year_ce - 1 if m >= 10 else year_ce, m) for m in months]


def month_end(year: int, month: int) -> date:
    """Return the last day of month in CE year."""
    _check_month(month)
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_of(d: date) -> int:
    """Return the fiscal quarter (1 to 4) that d falls in."""
    return (local_date(d).month - 10) % 12 // 3 + 1


def fiscal_quarter_of(d: date) -> tuple[int, int]:
    """Return (fiscal year BE, quarter) of d."""
    return fiscal_year_of(d), quarter_of(d)


def quarter_bounds(fy: int, quarter: int) -> tuple[date, date]:
    """Return the first and last day of quarter (1 to 4) of fiscal year fy (BE)."""
    _check_quarter(quarter)
    months = fiscal_months(fy)[3 * (quarter - 1) : 3 * quarter]
    (first_year, first_month), (last_year, last_month) = months[0], months[-1]
    return date(first_year, first_month, 1), month_end(last_year, last_month)


# Typed input


def _year_ce(text: str, year: str) -> int:
    if len(year) == 4:
        number = int(year)
        if number in CE_YEARS:
            return number
        if number in BE_YEARS:
            return to_ce(number)
        raise DateInputError("unknown_era", text, year)
    raise DateInputError("ambiguous", text, year)


def parse_date(text: str) -> date:
    """Read a typed date: d/m/yyyy (also - or .) in BE or CE, or ISO yyyy-mm-dd.

    A four-digit year from 2400 to 2800 is BE and one from 1900 to 2200 is CE;
    a shorter year raises DateInputError("ambiguous") and another four-digit one
    "unknown_era"; a month outside 1-12 "no_such_month", a day the month does not
    have "no_such_day"; any other input "invalid", and blank input "empty".
    """
    stripped = text.strip()
    if not stripped:
        raise DateInputError("empty", text)
    if match := _YMD.fullmatch(stripped):
        year, _sep, month, day = match.groups()
    elif match := _DMY.fullmatch(stripped):
        day, _sep, month, year = match.groups()
    else:
        raise DateInputError("invalid", text)
    year_ce = _year_ce(text, year)
    parts = {"year_ce": year_ce, "month": int(month), "day": int(day)}
    if not 1 <= parts["month"] <= 12:
        raise DateInputError("no_such_month", text, year, **parts)
    try:
        return date(year_ce, parts["month"], parts["day"])
    except ValueError:
        raise DateInputError("no_such_day", text, year, **parts) from None


def to_input(d: date) -> str:
    """Return d as a person would type it: d/m/yyyy with the BE year."""
    d = local_date(d)
    return f"{d.day}/{d.month}/{to_be(d.year)}"


# Display


def format_date(
    d: date | datetime | None, style: DateStyle = "short", lang: str = "th"
) -> str:
    """Return d for reading: "15 ก.ย. 2563", or "15 Sep 2020" in English."""
    if d is None:
        return ""
    if style not in ("short", "long"):
        raise ValueError(f"style must be 'short' or 'long', not {style!r}")
    d = local_date(d)
    if _is_english(lang):
        months = ENGLISH_MONTHS_SHORT if style == "short" else ENGLISH_MONTHS_LONG
        return f"{d.day} {months[d.month - 1]} {d.year}"
    months = THAI_MONTHS_SHORT if style == "short" else THAI_MONTHS_LONG
    return f"{d.day} {months[d.month - 1]} {to_be(d.year)}"


def days_in_month(year_ce: int, month: int) -> int:
    """Return the number of days of a month (29 for February of a leap year)."""
    return calendar.monthrange(year_ce, month)[1]


def format_month(year_ce: int, month: int, lang: str = "th") -> str:
    """Return a month for reading: "ก.ย. 2563" or "Sep 2020"."""
    _check_month(month)
    if _is_english(lang):
        return f"{ENGLISH_MONTHS_SHORT[month - 1]} {year_ce}"
    return f"{THAI_MONTHS_SHORT[month - 1]} {to_be(year_ce)}"


def format_fiscal_year(fy: int, lang: str = "th") -> str:
    """Return a fiscal year for reading: "ปีงบประมาณ 2563" or "FY 2563 (2019–20)"."""
    if _is_english(lang):
        year_ce = to_ce(fy)
        return f"FY {fy} ({year_ce - 1}–{year_ce % 100:02d})"
    return f"ปีงบประมาณ {fy}"


def format_quarter(fy: int, quarter: int, lang: str = "th") -> str:
    """Return a quarter for reading: "ไตรมาสที่ 2/2563" or "Q2 FY 2563"."""
    _check_quarter(quarter)
    if _is_english(lang):
        return f"Q{quarter} FY {fy}"
    return f"ไตรมาสที่ {quarter}/{fy}"
