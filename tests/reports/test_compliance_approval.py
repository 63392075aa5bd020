"""Compliance counts the submission: on time and late by the day a report was first
sent, drafts not at all, and a report returned and not sent again as its own state."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from projects.models import Project
from reports import compliance
from tests.factories import PlanStepFactory, ProgressUpdateFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ON = date(2020, 6, 30)
MAY = 7  # the index of May in fiscal year 2563's months (October is 0)


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    return project


def may_state(project) -> str:
    months = compliance.months_of(2563, 25)
    (row,) = compliance.project_matrix(
        Project.objects.filter(pk=project.pk), months, ON
    )
    return row.states[MAY]


def sent(day: int, month: int = 5) -> datetime:
    # 10:00 in Bangkok.
    return datetime(2020, month, day, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "submitted_at", "state"),
    [
        ("approved", None, "on_time"),  # before approval existed: its date counts
        ("approved", sent(20), "on_time"),
        ("approved", sent(28), "late"),  # dated the 15th, sent after the 25th
        ("submitted", sent(25), "on_time"),
        ("submitted", sent(2, 6), "late"),
        ("draft", None, "missing"),
        ("returned", sent(20), "returned"),
    ],
)
def test_month_state_by_submission(project, status, submitted_at, state):
    ProgressUpdateFactory(
        project=project,
        report_date=date(2020, 5, 15),
        percent=Decimal(40),
        status=status,
        submitted_at=submitted_at,
    )
    assert may_state(project) == state


def test_a_returned_month_counts_as_missing_in_the_tally(project):
    ProgressUpdateFactory(
        project=project,
        report_date=date(2020, 5, 15),
        status="returned",
        submitted_at=sent(20),
    )
    months = compliance.months_of(2563, 25)
    (row,) = compliance.department_matrix(Project.objects.all(), months, ON)
    assert row.cells[MAY].missing == 1
    annotated = Project.objects.with_progress(ON).get()
    assert (2020, 5) in annotated.missing_months


def test_a_returned_report_sent_again_counts_from_its_first_submission(project):
    ProgressUpdateFactory(
        project=project,
        report_date=date(2020, 5, 15),
        status="submitted",
        submitted_at=sent(20),
    )
    assert may_state(project) == "on_time"
