"""The derived figures as pure functions: planned %, actual %, status, KPI achieved."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from projects import progress
from projects.progress import Aggregation, Direction, Status


@dataclass
class Step:
    weight: Decimal
    planned_start: date
    planned_end: date


# The seed project's plan: five milestones weighted 5/10/10/40/35.
SEED_STEPS = [
    Step(Decimal(5), date(2019, 10, 1), date(2019, 10, 1)),
    Step(Decimal(10), date(2019, 12, 16), date(2019, 12, 16)),
    Step(Decimal(10), date(2020, 1, 17), date(2020, 1, 17)),
    Step(Decimal(40), date(2020, 3, 2), date(2020, 3, 2)),
    Step(Decimal(35), date(2020, 8, 3), date(2020, 8, 3)),
]
SEED_UPDATES = [
    (date(2019, 10, 21), Decimal(5)),
    (date(2019, 11, 15), Decimal(10)),
    (date(2019, 12, 23), Decimal(15)),
    (date(2020, 1, 25), Decimal(30)),
    (date(2020, 2, 21), Decimal(35)),
    (date(2020, 3, 18), Decimal(40)),
    (date(2020, 4, 17), Decimal(45)),
    (date(2020, 5, 20), Decimal(55)),
    (date(2020, 6, 22), Decimal(65)),
    (date(2020, 7, 16), Decimal(75)),
    (date(2020, 8, 20), Decimal(85)),
    (date(2020, 9, 15), Decimal(100)),
]


def test_seed_project_on_2020_08_20_plan_says_100_and_report_says_85():
    on = date(2020, 8, 20)
    assert progress.planned_percent(SEED_STEPS, on) == Decimal("100.00")
    assert progress.actual_percent(SEED_UPDATES, on) == Decimal(85)
    figures = progress.figures(
        SEED_STEPS, SEED_UPDATES, on=on, threshold=10, due_day=25
    )
    assert figures.gap == Decimal(-15)
    assert figures.status == Status.BEHIND
    assert figures.last_report == on


@pytest.mark.parametrize(
    ("on", "planned"),
    [
        (date(2019, 9, 30), "0.00"),  # before the fiscal year
        (date(2019, 10, 1), "5.00"),  # a milestone counts fully from its date
        (date(2019, 12, 15), "5.00"),
        (date(2019, 12, 16), "15.00"),
        (date(2020, 3, 1), "25.00"),
        (date(2020, 3, 2), "65.00"),
        (date(2020, 8, 2), "65.00"),
        (date(2020, 8, 3), "100.00"),
        (date(2020, 9, 30), "100.00"),
    ],
)
def test_planned_percent_of_milestones_steps_up_on_their_dates(on, planned):
    assert progress.planned_percent(SEED_STEPS, on) == Decimal(planned)


def test_planned_percent_is_linear_inside_a_step():
    steps = [Step(Decimal(60), date(2020, 1, 1), date(2020, 1, 31))]
    assert progress.planned_percent(steps, date(2019, 12, 31)) == Decimal("0.00")
    assert progress.planned_percent(steps, date(2020, 1, 1)) == Decimal("0.00")
    assert progress.planned_percent(steps, date(2020, 1, 16)) == Decimal("30.00")
    assert progress.planned_percent(steps, date(2020, 1, 11)) == Decimal("20.00")
    assert progress.planned_percent(steps, date(2020, 1, 31)) == Decimal("60.00")


def test_planned_percent_rounds_half_up_to_two_decimals():
    steps = [Step(Decimal(100), date(2020, 1, 1), date(2020, 1, 4))]
    assert progress.planned_percent(steps, date(2020, 1, 2)) == Decimal("33.33")
    assert progress.planned_percent(steps, date(2020, 1, 3)) == Decimal("66.67")


def test_actual_percent_is_none_before_the_first_report():
    assert progress.actual_percent(SEED_UPDATES, date(2019, 10, 20)) is None
    assert progress.actual_percent(SEED_UPDATES, date(2019, 10, 21)) == Decimal(5)
    assert progress.actual_percent([], date(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("actual", "planned", "expected"),
    [
        (Decimal(100), Decimal(100), Status.COMPLETE),
        (Decimal(85), Decimal(100), Status.BEHIND),
        (Decimal(90), Decimal(100), Status.ON_TRACK),  # exactly -10 is not behind
        (None, Decimal(0), Status.NOT_STARTED),
        (Decimal(0), Decimal(10), Status.NOT_STARTED),
        (None, Decimal("10.01"), Status.BEHIND),
        (Decimal(50), Decimal(20), Status.ON_TRACK),
    ],
)
def test_status(actual, planned, expected):
    assert progress.status(actual, planned, 10) == expected


FY2563 = [
    (2019, 10), (2019, 11), (2019, 12), (2020, 1), (2020, 2), (2020, 3),
    (2020, 4), (2020, 5), (2020, 6), (2020, 7), (2020, 8), (2020, 9),
]  # fmt: skip


def missing(reports, on, plan_start=date(2019, 10, 1), completed_on=None):
    return progress.missing_months(
        FY2563,
        reported_mask=progress.months_mask(reports),
        plan_start=plan_start,
        completed_on=completed_on,
        on=on,
        due_day=25,
    )


@pytest.mark.parametrize(
    ("reports", "on", "expected"),
    [
        # The due day has not passed: September is not missing yet.
        ([date(2020, 8, 20)], date(2020, 9, 25), FY2563[:10]),
        ([date(2020, 8, 20)], date(2020, 9, 26), FY2563[:10] + [(2020, 9)]),
        ([date(2020, 9, 1)], date(2020, 9, 26), FY2563[:11]),
        ([], date(2019, 10, 25), []),
        ([], date(2019, 10, 26), [(2019, 10)]),
        # Every missing month counts, not only the latest.
        (
            [date(2019, 10, 3), date(2019, 12, 30), date(2020, 2, 1)],
            date(2020, 3, 1),
            [(2019, 11), (2020, 1)],
        ),
    ],
)
def test_every_owed_month_without_a_report_is_missing(reports, on, expected):
    assert missing(reports, on) == expected


def test_no_month_is_owed_before_the_plan_starts():
    # The plan starts after December's due day: October to December are not owed.
    assert missing([], date(2020, 1, 26), plan_start=date(2019, 12, 26)) == [(2020, 1)]
    assert missing([], date(2020, 1, 26), plan_start=None) == []


def test_a_complete_project_owes_no_later_month():
    done = date(2020, 1, 10)
    assert missing([done], date(2020, 9, 30), completed_on=done) == FY2563[:3]


def test_a_short_month_is_due_on_its_last_day():
    assert progress.month_due(2020, 2, 30) == date(2020, 2, 29)
    assert progress.month_due(2020, 3, 30) == date(2020, 3, 30)


def test_report_due_now_until_this_month_has_a_report():
    kwargs = {"plan_start": date(2019, 10, 1), "completed_on": None, "due_day": 25}
    on = date(2020, 3, 10)
    assert progress.report_due_now(reported_mask=0, on=on, **kwargs) is True
    mask = progress.months_mask([date(2020, 3, 2)])
    assert progress.report_due_now(reported_mask=mask, on=on, **kwargs) is False


def test_planned_percent_comes_from_the_revision_in_force():
    original = [Step(Decimal(100), date(2019, 10, 1), date(2020, 9, 30))]
    current = [Step(Decimal(100), date(2020, 3, 1), date(2020, 3, 1))]
    revisions = [progress.Revision(None, date(2020, 2, 1), original)]
    before, after = date(2020, 1, 31), date(2020, 3, 1)
    assert progress.planned_in_force(revisions, current, before) == (
        progress.planned_percent(original, before)
    )
    assert progress.planned_in_force(revisions, current, after) == Decimal(100)
    # A revision whose window is empty (two on one day) is never in force.
    empty = progress.Revision(date(2020, 2, 1), date(2020, 2, 1), current)
    assert not empty.in_force(date(2020, 2, 1))


def test_planned_curve_shows_each_milestone_as_a_jump():
    start, end = date(2019, 10, 1), date(2020, 9, 30)
    curve = dict(progress.planned_curve(SEED_STEPS, start, end))
    assert curve[date(2020, 3, 1)] == Decimal("25.00")
    assert curve[date(2020, 3, 2)] == Decimal("65.00")
    assert curve[end] == Decimal("100.00")
    assert list(curve) == sorted(curve)


SEED_KPI = [(1, Decimal(15)), (2, Decimal(40)), (3, Decimal(0)), (4, Decimal(1))]


@pytest.mark.parametrize(
    ("how", "achieved"),
    [
        (Aggregation.LATEST, Decimal(1)),
        (Aggregation.SUM, Decimal(56)),
        (Aggregation.MAX, Decimal(40)),
        (Aggregation.MEAN, Decimal("14.00")),
    ],
)
def test_kpi_achieved_by_aggregation(how, achieved):
    assert progress.aggregate(SEED_KPI, how) == achieved


def test_kpi_latest_is_the_latest_quarter_whatever_the_order():
    assert progress.aggregate([(4, Decimal(7)), (1, Decimal(3))], "latest") == 7
    assert progress.aggregate([], "latest") is None


@pytest.mark.parametrize(
    ("achieved", "target", "direction", "percent"),
    [
        (Decimal(1), Decimal(1), Direction.HIGHER, Decimal("100.00")),
        (Decimal(40), Decimal(80), Direction.HIGHER, Decimal("50.00")),
        (Decimal(10), Decimal(5), Direction.LOWER, Decimal("50.00")),
        (Decimal(4), Decimal(5), Direction.LOWER, Decimal("125.00")),
        (None, Decimal(5), Direction.HIGHER, None),
        (Decimal(3), Decimal(0), Direction.HIGHER, Decimal(100)),
    ],
)
def test_achievement_percent_respects_direction(achieved, target, direction, percent):
    assert progress.achievement_percent(achieved, target, direction) == percent
