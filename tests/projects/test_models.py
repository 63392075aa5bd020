"""The derived figures in SQL (querysets) agree with the pure functions."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from indicators.models import Indicator
from projects import approval, progress, services, thaicalendar
from projects.models import PlanRevision, Project
from reports import compliance
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
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
    PlanStepFactory(project=project, planned_start=date(2020, 1, 1))
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 20), percent=5)
    on_time = Project.objects.with_progress(date(2020, 2, 25)).get(pk=project.pk)
    late = Project.objects.with_progress(date(2020, 2, 26)).get(pk=project.pk)
    assert on_time.report_overdue is False
    assert late.report_overdue is True
    assert late.missing_months == [(2020, 2)]


def test_every_missing_month_of_the_year_counts_not_only_this_one(settings):
    settings.REPORT_DUE_DAY = 25
    project = ProjectFactory()  # FY 2563; its plan starts on 1 Oct 2019
    PlanStepFactory(project=project)
    ProgressUpdateFactory(project=project, report_date=date(2019, 11, 20), percent=5)
    ProgressUpdateFactory(project=project, report_date=date(2020, 2, 3), percent=9)
    row = Project.objects.with_progress(date(2020, 2, 20)).get(pk=project.pk)
    # October, December and January are missing; February is not due yet.
    assert row.missing_months == [(2019, 10), (2019, 12), (2020, 1)]
    assert row.report_overdue is True
    assert list(
        Project.objects.with_progress(date(2020, 2, 20)).overdue(date(2020, 2, 20))
    ) == [row]


def test_no_month_is_owed_before_the_plan_starts_or_after_completion(settings):
    settings.REPORT_DUE_DAY = 25
    project = ProjectFactory()
    PlanStepFactory(project=project, planned_start=date(2019, 12, 26))
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 5), percent=100)
    row = Project.objects.with_progress(date(2020, 6, 1)).get(pk=project.pk)
    # December's due day (25th) came before the plan started; January has its
    # report; from February on the project is complete.
    assert row.missing_months == []
    assert (
        not Project.objects.with_progress(date(2020, 6, 1))
        .overdue(date(2020, 6, 1))
        .exists()
    )


def test_behind_threshold_is_a_setting(settings):
    project = ProjectFactory()
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    ProgressUpdateFactory(project=project, report_date=date(2020, 3, 1), percent=30)
    on = date(2020, 4, 1)  # planned 50.27
    settings.BEHIND_THRESHOLD = 10
    assert Project.objects.with_progress(on).get().status == progress.Status.BEHIND
    settings.BEHIND_THRESHOLD = 25
    assert Project.objects.with_progress(on).get().status == progress.Status.ON_TRACK


def _random_plan(rng: random.Random) -> list[services.StepValues]:
    start = date(2019, 10, 1)
    cuts = sorted(rng.sample(range(1, 100), rng.randint(0, 4)))
    weights = [Decimal(b - a) for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    steps = []
    for weight in weights:
        first = start + timedelta(days=rng.randint(0, 300))
        last = first + timedelta(days=rng.choice([0, 0, 7, 30, 61, 90]))
        steps.append(
            services.StepValues(
                None, "ขั้นตอน", weight, first, min(last, date(2020, 9, 30))
            )
        )
    return steps


STATES = [*approval.State.values, approval.State.APPROVED, approval.State.APPROVED]


@pytest.mark.parametrize("seed", [2563, 2564])
def test_sql_and_python_figures_agree_on_random_revised_plans(seed, settings):
    """with_progress (lists, dashboards, exports), overdue() and the compliance
    matrix agree with the pure rules, on plans revised during the year and reports
    in every approval state (figures from approved ones, months from sent ones)."""
    settings.REPORT_DUE_DAY = 25
    rng = random.Random(seed)
    user = UserFactory()
    projects = []
    for index in range(16):
        project = ProjectFactory(fiscal_year=2563)
        for number, values in enumerate(_random_plan(rng), start=1):
            PlanStepFactory(
                project=project,
                number=number,
                weight=values.weight,
                planned_start=values.planned_start,
                planned_end=values.planned_end,
            )
        for month in range(12):
            if rng.random() < 0.6:
                ProgressUpdateFactory(
                    project=project,
                    report_date=date(2019, 10, 1) + timedelta(days=month * 30 + 2),
                    percent=Decimal(rng.randint(0, 100)),
                    status=rng.choice(STATES),
                )
        # Most projects are revised once or twice during the year.
        for revised_on in sorted(
            date(2019, 10, 1) + timedelta(days=rng.randint(20, 340))
            for _ in range(index % 3)
        ):
            project.refresh_from_db()
            services.save_plan(
                project=project,
                user=user,
                steps=_random_plan(rng),
                version=project.plan_version,
                reason="ปรับแผน",
                today=revised_on,
            )
        projects.append(project)
    assert PlanRevision.objects.filter(valid_until__isnull=False).count() >= 8
    for on in [
        date(2019, 11, 3),
        date(2020, 2, 29),
        date(2020, 6, 30),
        date(2020, 9, 27),
    ]:
        rows = {row.pk: row for row in Project.objects.with_progress(on)}
        overdue = set(
            Project.objects.with_progress(on).overdue(on).values_list("pk", flat=True)
        )
        months = compliance.months_of(2563, 25)
        matrix = {
            row.subject.pk: row.total.missing
            for row in compliance.project_matrix(Project.objects.all(), months, on)
        }
        for project in projects:
            steps = list(project.steps.all())
            all_updates = list(project.updates.all())
            updates = [
                (u.report_date, u.percent) for u in all_updates if u.is_published
            ]
            expected = progress.figures(
                steps,
                updates,
                reported=[
                    (u.report_date, u.percent) for u in all_updates if u.counts_as_sent
                ],
                on=on,
                threshold=10,
                due_day=25,
                months=thaicalendar.fiscal_months(2563),
                revisions=project.revisions(),
            )
            row = rows[project.pk]
            assert row.planned_percent == expected.planned, (project.pk, on)
            assert project.planned_percent(on) == expected.planned
            assert row.actual_percent == expected.actual
            assert row.status == expected.status
            assert row.missing_months == list(expected.missing_months)
            assert (project.pk in overdue) == expected.report_overdue
            assert matrix[project.pk] == len(expected.missing_months), (project, on)


def test_a_revision_never_moves_planned_percent_before_it():
    user = UserFactory()
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project, weight=100)  # 0 → 100 over the year
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 10), percent=20)
    before = {
        day: Project.objects.with_progress(day).get().planned_percent
        for day in (date(2019, 12, 31), date(2020, 3, 14))
    }
    services.save_plan(
        project=project,
        user=user,
        steps=[
            services.StepValues(
                None, "ใหม่", Decimal(100), date(2020, 3, 1), date(2020, 3, 31)
            )
        ],
        version=project.plan_version,
        reason="งบประมาณล่าช้า",
        today=date(2020, 3, 15),
    )
    for day, planned in before.items():
        assert Project.objects.with_progress(day).get().planned_percent == planned
        assert project.planned_percent(day) == planned
    # From the revision on, the new plan is in force: all of March is planned.
    assert Project.objects.with_progress(date(2020, 3, 15)).get().planned_percent == (
        progress.planned_percent(project.steps.all(), date(2020, 3, 15))
    )


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
