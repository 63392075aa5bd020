"""The database itself refuses bad rows, whatever skips model validation."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from projects.models import PlanStep, ProgressUpdate, Project, ProjectEvaluation
from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


# ProgressUpdate


@pytest.mark.parametrize("percent", ["-0.01", "100.01", "150"])
def test_update_percent_outside_0_100_is_refused_on_create(percent):
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(
            project=project, report_date=date(2020, 1, 31), percent=Decimal(percent)
        )


@pytest.mark.parametrize("percent", ["-1", "100.01"])
def test_update_percent_outside_0_100_is_refused_on_queryset_update(percent):
    update = ProgressUpdateFactory(percent=Decimal(50))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.filter(pk=update.pk).update(percent=Decimal(percent))
    update.refresh_from_db()
    assert update.percent == Decimal(50)


@pytest.mark.parametrize("percent", ["0", "100", "0.01", "99.99"])
def test_update_percent_from_0_to_100_is_accepted(percent):
    update = ProgressUpdateFactory(percent=Decimal(percent))
    update.refresh_from_db()
    assert update.percent == Decimal(percent)


def test_second_update_on_the_same_date_is_refused():
    update = ProgressUpdateFactory(report_date=date(2020, 3, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.bulk_create(
            [
                ProgressUpdate(
                    project=update.project,
                    report_date=date(2020, 3, 31),
                    percent=Decimal(60),
                )
            ]
        )
    assert ProgressUpdate.objects.count() == 1


def test_same_date_in_another_project_is_accepted():
    ProgressUpdateFactory(report_date=date(2020, 3, 31))
    ProgressUpdateFactory(report_date=date(2020, 3, 31))
    assert ProgressUpdate.objects.count() == 2


# PlanStep


@pytest.mark.parametrize("weight", ["-0.01", "100.01"])
def test_step_weight_outside_0_100_is_refused(weight):
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanStepFactory(project=project, weight=Decimal(weight))
    assert not PlanStep.objects.exists()


def test_step_weight_set_above_100_by_queryset_update_is_refused():
    step = PlanStepFactory(weight=Decimal(100))
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanStep.objects.filter(pk=step.pk).update(weight=Decimal("100.50"))


@pytest.mark.parametrize("weight", ["0", "100"])
def test_step_weight_0_and_100_are_accepted(weight):
    PlanStepFactory(weight=Decimal(weight))
    assert PlanStep.objects.get().weight == Decimal(weight)


def test_step_ending_before_it_starts_is_refused():
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanStepFactory(
            project=project,
            planned_start=date(2020, 3, 1),
            planned_end=date(2020, 2, 29),
        )


def test_one_day_step_is_accepted_as_milestone():
    step = PlanStepFactory(planned_start=date(2020, 3, 1), planned_end=date(2020, 3, 1))
    assert step.is_milestone


def test_duplicate_step_number_in_a_project_is_refused():
    step = PlanStepFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanStepFactory(project=step.project, number=1)
    assert PlanStep.objects.count() == 1


def test_same_step_number_in_another_project_is_accepted():
    PlanStepFactory(number=1)
    PlanStepFactory(number=1)
    assert PlanStep.objects.count() == 2


# ProjectEvaluation


@pytest.mark.parametrize("quarter", [0, 5])
def test_evaluation_quarter_outside_1_4_is_refused(quarter):
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluationFactory(project=project, quarter=quarter)


@pytest.mark.parametrize("score", ["100.01", "101", "-1"])
def test_evaluation_score_outside_0_100_is_refused(score):
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluationFactory(project=project, score=Decimal(score))


def test_evaluation_quarters_1_to_4_with_scores_0_and_100_are_accepted():
    project = ProjectFactory()
    for quarter, score in [(1, "0"), (2, "100"), (3, "55.5"), (4, "99.99")]:
        ProjectEvaluationFactory(project=project, quarter=quarter, score=score)
    assert ProjectEvaluation.objects.count() == 4


def test_second_evaluation_of_a_quarter_is_refused():
    evaluation = ProjectEvaluationFactory(quarter=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluationFactory(project=evaluation.project, quarter=2)
    assert ProjectEvaluation.objects.count() == 1


# Project


@pytest.mark.parametrize("fiscal_year", [2020, 2499, 2701])
def test_project_fiscal_year_outside_buddhist_era_is_refused(fiscal_year):
    department = DepartmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(department=department, fiscal_year=fiscal_year)
    assert not Project.objects.exists()


def test_project_fiscal_year_changed_to_christian_era_is_refused():
    project = ProjectFactory(fiscal_year=2563)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(fiscal_year=2020)
    project.refresh_from_db()
    assert project.fiscal_year == 2563


def test_project_code_is_unique():
    department = DepartmentFactory(code="21000000")
    ProjectFactory(department=department, code="21000000-3152")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(department=department, code="21000000-3152")
    assert Project.objects.count() == 1
