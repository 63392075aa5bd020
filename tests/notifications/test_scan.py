"""The scheduled checks, on dated cases: due soon, overdue per missing month,
KPI results due, scoring, unscored projects, a year closing. Each makes a
notification once per person, however often it runs."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from notifications import worker
from notifications.models import Kind, Notification
from projects import approval
from projects.models import QuarterLock
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 8, 0))


def run(day: date) -> dict:
    return worker.scan(today=day, now=at(day))


def keys(kind, user=None):
    rows = Notification.objects.filter(kind=kind)
    if user is not None:
        rows = rows.filter(recipient=user)
    return sorted(rows.values_list("key", flat=True))


@pytest.fixture
def project(team):
    project = ProjectFactory(department=team["department"])
    PlanStepFactory(project=project)  # 1 Oct 2019 to 30 Sep 2020
    return project


def test_overdue_once_per_missing_month_and_due_soon(team, project):
    run(date(2020, 1, 20))

    author = team["author"]
    assert keys(Kind.OVERDUE, author) == [
        f"overdue:{project.pk}:2019-10",
        f"overdue:{project.pk}:2019-11",
        f"overdue:{project.pk}:2019-12",
    ]
    assert keys(Kind.DUE_SOON, author) == [f"due_soon:{project.pk}:2020-01"]
    # Both staff members, and nobody else (not the approver, not the evaluator).
    assert Notification.objects.filter(recipient=team["colleague"]).count() == 4
    assert not Notification.objects.filter(recipient=team["approver"]).exists()
    overdue = Notification.objects.filter(key=f"overdue:{project.pk}:2019-10").first()
    assert overdue.url == f"/projects/{project.code}/updates/new/"
    assert overdue.params["due"] == "2019-10-25"


def test_running_again_adds_nothing(team, project):
    run(date(2020, 1, 20))
    first = Notification.objects.count()
    run(date(2020, 1, 21))
    # Eight reminders to two staff, and the quarter's two notices to the evaluator.
    assert Notification.objects.count() == first == 10


def test_a_month_reported_is_not_overdue_a_draft_is(team, project):
    ProgressUpdateFactory(project=project, report_date=date(2019, 11, 10))
    ProgressUpdateFactory(
        project=project,
        report_date=date(2019, 12, 10),
        status=approval.State.DRAFT,
    )
    run(date(2020, 1, 20))
    assert keys(Kind.OVERDUE, team["author"]) == [
        f"overdue:{project.pk}:2019-10",
        f"overdue:{project.pk}:2019-12",
    ]


def test_due_soon_only_in_its_window_and_not_once_reported(team, project):
    run(date(2020, 1, 19))
    assert keys(Kind.DUE_SOON) == []
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 18))
    run(date(2020, 1, 22))
    assert keys(Kind.DUE_SOON) == []


def test_the_day_after_the_due_day_the_month_is_overdue(team, project):
    run(date(2020, 1, 26))
    assert f"overdue:{project.pk}:2020-01" in keys(Kind.OVERDUE, team["author"])
    assert keys(Kind.DUE_SOON) == []


def test_a_plan_starting_later_owes_nothing_before(team):
    project = ProjectFactory(department=team["department"])
    PlanStepFactory(
        project=project, planned_start=date(2020, 1, 1), planned_end=date(2020, 6, 30)
    )
    run(date(2020, 1, 20))
    assert keys(Kind.OVERDUE) == []
    assert len(keys(Kind.DUE_SOON)) == 2  # January, to both staff


def test_a_locked_quarter_is_not_chased(team, project):
    QuarterLock.objects.create(
        fiscal_year=2563,
        quarter=1,
        department=team["department"],
        locked_by=team["evaluator"],
    )
    run(date(2020, 1, 20))
    assert keys(Kind.OVERDUE) == []


def test_kpi_results_due_after_the_quarter_ends(team):
    missing = IndicatorFactory(department=team["department"])
    reported = IndicatorFactory(department=team["department"])
    drafted = IndicatorFactory(department=team["department"])
    IndicatorResultFactory(indicator=reported, quarter=1)
    IndicatorResultFactory(indicator=drafted, quarter=1, status=approval.State.DRAFT)

    run(date(2019, 12, 20))  # Q1 has not ended
    assert keys(Kind.KPI_DUE) == []

    run(date(2020, 1, 5))
    assert keys(Kind.KPI_DUE, team["author"]) == sorted(
        [f"kpi_due:{missing.pk}:2563-Q1", f"kpi_due:{drafted.pk}:2563-Q1"]
    )
    notice = Notification.objects.filter(kind=Kind.KPI_DUE).first()
    assert notice.url.endswith("/results/1/")


def test_evaluators_told_the_quarter_is_ready_then_weekly_what_is_unscored(
    team, project
):
    scored = ProjectFactory(department=team["department"])
    ProjectEvaluationFactory(project=scored, quarter=1)
    evaluator = team["evaluator"]

    run(date(2020, 1, 5))
    assert keys(Kind.SCORING_OPEN, evaluator) == ["scoring_open:2563-Q1"]
    assert keys(Kind.UNSCORED) == []  # two weeks after the quarter's end first

    run(date(2020, 1, 14))
    run(date(2020, 1, 19))  # the same week
    run(date(2020, 1, 21))
    assert keys(Kind.UNSCORED, evaluator) == [
        "unscored:2563-Q1:2020-W03",
        "unscored:2563-Q1:2020-W04",
    ]
    unscored = Notification.objects.filter(kind=Kind.UNSCORED).first()
    assert unscored.params["count"] == 1
    assert unscored.url == "/evaluations/2563/1/"
    assert keys(Kind.SCORING_OPEN) == ["scoring_open:2563-Q1"]  # once


def test_nothing_for_a_quarter_locked_for_everyone(team, project):
    IndicatorFactory(department=team["department"])
    QuarterLock.objects.create(
        fiscal_year=2563, quarter=1, department=None, locked_by=team["evaluator"]
    )
    run(date(2020, 1, 21))
    assert keys(Kind.KPI_DUE) == keys(Kind.SCORING_OPEN) == keys(Kind.UNSCORED) == []


def test_year_closing_warns_every_departments_staff(team, project, settings):
    # FY 2563 closes by itself on 31 Oct 2020 (read-only from that day).
    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    run(date(2020, 10, 16))
    assert keys(Kind.YEAR_CLOSING) == []
    run(date(2020, 10, 17))
    run(date(2020, 10, 30))
    assert sorted(
        Notification.objects.filter(kind=Kind.YEAR_CLOSING).values_list(
            "recipient__username", "key"
        )
    ) == [("author", "year_closing:2563"), ("colleague", "year_closing:2563")]
    notice = Notification.objects.get(kind=Kind.YEAR_CLOSING, recipient=team["author"])
    assert notice.params["closes_on"] == "2020-10-31"


def test_scan_returns_what_it_offered_per_kind(team, project):
    counts = run(date(2020, 1, 20))
    assert counts["overdue"] == 6
    assert counts["due_soon"] == 2
