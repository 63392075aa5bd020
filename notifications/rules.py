"""When the scheduled reminders are due, as pure functions of dates.

The monthly due dates and the missing months come from ``projects.progress``
(``month_due``, ``missing_months``); this module only says which windows the
reminders open in.
"""

from __future__ import annotations

from datetime import date, timedelta

from projects import progress, thaicalendar


def due_soon_month(today: date, *, due_day: int, days: int) -> tuple[int, int] | None:
    """The (year, month) whose report is due within ``days`` days of ``today``
    (its due day included), else None."""
    due = progress.month_due(today.year, today.month, due_day)
    if due - timedelta(days=days) <= today <= due:
        return today.year, today.month
    return None


def last_ended_quarter(today: date) -> tuple[int, int]:
    """The (fiscal year, quarter) that ended most recently before ``today``."""
    fiscal_year, quarter = thaicalendar.fiscal_quarter_of(today)
    if quarter == 1:
        return fiscal_year - 1, 4
    return fiscal_year, quarter - 1


def unscored_reminder_week(today: date, *, quarter_end: date, after_days: int) -> str:
    """The week a reminder of unscored projects belongs to ("" before it is due):
    from ``after_days`` after the quarter's end, once a week (ISO week)."""
    if today < quarter_end + timedelta(days=after_days):
        return ""
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


def year_closing(today: date, *, closes_on: date, days: int) -> bool:
    """True in the ``days`` days before a fiscal year closes by itself."""
    return closes_on - timedelta(days=days) <= today < closes_on


def retry_delay(attempts: int, *, base: int, cap: int) -> timedelta:
    """How long to wait before the next try of a failed email: doubling from
    ``base`` seconds, at most ``cap`` seconds; never given up."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))
