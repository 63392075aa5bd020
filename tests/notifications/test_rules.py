"""The reminder windows, as pure functions of dates (no database)."""

from datetime import date, timedelta

import pytest

from notifications import rules


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2020, 3, 19), None),  # six days before the 25th
        (date(2020, 3, 20), (2020, 3)),  # five days before
        (date(2020, 3, 25), (2020, 3)),  # the due day itself
        (date(2020, 3, 26), None),  # overdue from now on, not "due soon"
        (date(2020, 2, 24), (2020, 2)),
    ],
)
def test_due_soon_month(today, expected):
    assert rules.due_soon_month(today, due_day=25, days=5) == expected


def test_due_soon_uses_last_day_of_a_short_month():
    # Due day 31 in February 2020 is the 29th (progress.month_due).
    assert rules.due_soon_month(date(2020, 2, 24), due_day=31, days=5) == (2020, 2)
    assert rules.due_soon_month(date(2020, 2, 23), due_day=31, days=5) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2020, 1, 1), (2563, 1)),  # Q2 began: Q1 (Oct-Dec) has ended
        (date(2019, 10, 1), (2562, 4)),  # a new fiscal year: last year's Q4
        (date(2020, 9, 30), (2563, 3)),
    ],
)
def test_last_ended_quarter(today, expected):
    assert rules.last_ended_quarter(today) == expected


def test_unscored_reminder_week_starts_after_the_delay_and_is_weekly():
    end = date(2019, 12, 31)
    assert (
        rules.unscored_reminder_week(date(2020, 1, 13), quarter_end=end, after_days=14)
        == ""
    )
    monday = rules.unscored_reminder_week(
        date(2020, 1, 14), quarter_end=end, after_days=14
    )
    sunday = rules.unscored_reminder_week(
        date(2020, 1, 19), quarter_end=end, after_days=14
    )
    next_week = rules.unscored_reminder_week(
        date(2020, 1, 20), quarter_end=end, after_days=14
    )
    assert monday == sunday == "2020-W03"
    assert next_week == "2020-W04"


def test_year_closing_window():
    closes = date(2020, 10, 30)
    assert not rules.year_closing(date(2020, 10, 15), closes_on=closes, days=14)
    assert rules.year_closing(date(2020, 10, 16), closes_on=closes, days=14)
    assert rules.year_closing(date(2020, 10, 29), closes_on=closes, days=14)
    assert not rules.year_closing(closes, closes_on=closes, days=14)


def test_retry_delay_doubles_up_to_the_cap():
    delays = [rules.retry_delay(n, base=60, cap=3600) for n in range(1, 9)]
    assert delays[:4] == [timedelta(seconds=s) for s in (60, 120, 240, 480)]
    assert delays[-1] == timedelta(seconds=3600)
