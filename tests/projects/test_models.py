"""The derived figures in SQL (querysets) agree with the pure functions."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from indicators.models import Indicator
from projects import progress
from projects.models import Project
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
)
from tests.projects.test_progress import SEED_STEPS, SEED_UPDATES

pytestmark = pytest.mark.django_db


def make_seed_like_project() -> Project:
    project = ProjectFactory(fiscal_year=2563)
    for number, step in enumerate(SEED_STEPS, start=1):
        PlanStepFactory(
            project=project,
            number=number,
            weight=step.weight,
            planned_start=step.planned_start,
            planned_end=step.planned_end,
        )
    for day, percent in SEED_UPDATES:
        ProgressUpdateFactory(project=project, report_date=day, percent=percent)
    return project


def test_with_progress_on_2020_08_20_plan_says_100_and_report_says_85():
    project = make_seed_like_project()
    row = Project.objects.with_progress(date(2020, 8, 20)).get(pk=project.pk)
    assert row.planned_percent == Decimal("100.00")
    assert row.actual_percent == Decimal("85.00")
    assert row.gap == Decimal("-15.00")
    assert row.status == progress.Status.BEHIND
    assert row.last_report_date == date(2020, 8, 20)
    assert row.report_overdue is False


def test_with_progress_at_the_end_of_the_year_is_complete():
    project = make_seed_like_project()
    row = Project.objects.with_progress(date(2020, 9, 30)).get(pk=project.pk)
    assert row.actual_percent == Decimal(100)
    assert row.status == progress.Status.COMPLETE
    assert row.report_overdue is False


def test_project_without_plan_or_reports_is_not_started():
    project = ProjectFactory()
    row = Project.objects.with_progress(date(2020, 1, 10)).get(pk=project.pk)
    assert row.actual_percent is None
    assert row.planned_percent == 0
    assert row.status == progress.Status.NOT_STARTED
    assert row.report_overdue is False


def test_report_overdue_after_the_due_day_without_a_report_this_month(settings):
    settings.REPORT_DUE_DAY = 25
    project = ProjectFactory()
    PlanStepFactory(project=project)
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 20), percent=5)
    on_time = Project.objects.with_progress(date(2020, 2, 25)).get(pk=project.pk)
    late = Project.objects.with_progress(date(2020, 2, 26)).get(pk=project.pk)
    assert on_time.report_overdue is False
    assert late.report_overdue is True


def test_behind_threshold_is_a_setting(settings):
    project = ProjectFactory()
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    ProgressUpdateFactory(project=project, report_date=date(2020, 3, 1), percent=30)
    on = date(2020, 4, 1)  # planned 50.27
    settings.BEHIND_THRESHOLD = 10
    assert Project.objects.with_progress(on).get().status == progress.Status.BEHIND
    settings.BEHIND_THRESHOLD = 25
    assert Project.objects.with_progress(on).get().status == progress.Status.ON_TRACK


def test_sql_and_python_figures_agree_on_random_plans():
    rng = random.Random(2563)
    start = date(2019, 10, 1)
    projects = []
    for _ in range(15):
        project = ProjectFactory()
        weights = [rng.randint(1, 40) for _ in range(4)]
        weights.append(100 - sum(weights)) if sum(weights) < 100 else None
        weights = [Decimal(w) for w in weights if w > 0]
        for number, weight in enumerate(weights, start=1):
            first = start + timedelta(days=rng.randint(0, 300))
            last = first + timedelta(days=rng.choice([0, 0, 7, 30, 61, 90]))
            PlanStepFactory(
                project=project,
                number=number,
                weight=weight,
                planned_start=first,
                planned_end=min(last, date(2020, 9, 30)),
            )
        for month in range(1, 12, 2):
            ProgressUpdateFactory(
                project=project,
                report_date=start + timedelta(days=month * 30),
                percent=Decimal(rng.randint(0, 100)),
            )
        projects.append(project)
    for on in [
        date(2019, 11, 3),
        date(2020, 2, 29),
        date(2020, 6, 30),
        date(2020, 9, 27),
    ]:
        rows = {row.pk: row for row in Project.objects.with_progress(on)}
        for project in projects:
            steps = list(project.steps.all())
            updates = [(u.report_date, u.percent) for u in project.updates.all()]
            expected = progress.figures(steps, updates, on=on, threshold=10, due_day=25)
            row = rows[project.pk]
            assert row.planned_percent == expected.planned, (project.pk, on)
            assert row.actual_percent == expected.actual
            assert row.status == expected.status
            assert row.report_overdue == expected.report_overdue


def test_progress_summary_counts_statuses_and_averages():
    make_seed_like_project()
    ProjectFactory()
    summary = Project.objects.with_progress(date(2020, 8, 20)).progress_summary()
    assert summary["count"] == 2
    assert summary["behind"] == 1
    assert summary["not_started"] == 1
    assert summary["actual"] == Decimal("42.5")
    assert summary["planned"] == Decimal(50)


@pytest.mark.parametrize(
    ("aggregation", "achieved"),
    [
        ("latest", Decimal(1)),
        ("sum", Decimal(56)),
        ("max", Decimal(40)),
        ("mean", Decimal(14)),
    ],
)
def test_indicator_achieved_in_sql_matches_the_aggregation(aggregation, achieved):
    indicator = IndicatorFactory(unit="ฉบับ", target=1, aggregation=aggregation)
    for quarter, value in [(1, 15), (2, 40), (3, 0), (4, 1)]:
        IndicatorResultFactory(indicator=indicator, quarter=quarter, value=value)
    row = Indicator.objects.with_achievement().get()
    assert row.achieved == achieved
    values = [(r.quarter, r.value) for r in indicator.results.all()]
    assert progress.aggregate(values, aggregation) == achieved


def test_indicator_without_results_has_nothing_achieved():
    IndicatorFactory()
    assert Indicator.objects.with_achievement().get().achieved is None
