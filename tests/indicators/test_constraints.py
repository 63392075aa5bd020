"""The database itself refuses bad KPI rows, whatever skips model validation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from tests.factories import (
    CriterionScoreFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
)

pytestmark = pytest.mark.django_db


# IndicatorResult


def test_second_result_for_a_quarter_is_refused():
    result = IndicatorResultFactory(quarter=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorResult.objects.bulk_create(
            [IndicatorResult(indicator=result.indicator, quarter=3, value=Decimal(1))]
        )
    assert IndicatorResult.objects.count() == 1


@pytest.mark.parametrize("quarter", [0, 5])
def test_result_quarter_outside_1_4_is_refused(quarter):
    indicator = IndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorResultFactory(indicator=indicator, quarter=quarter)


def test_result_quarter_moved_to_5_by_queryset_update_is_refused():
    result = IndicatorResultFactory(quarter=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorResult.objects.filter(pk=result.pk).update(quarter=5)


def test_results_for_quarters_1_to_4_are_accepted():
    indicator = IndicatorFactory()
    for quarter in range(1, 5):
        IndicatorResultFactory(indicator=indicator, quarter=quarter)
    assert list(indicator.results.values_list("quarter", flat=True)) == [1, 2, 3, 4]


# IndicatorEvaluation


def test_second_evaluation_of_a_kpi_quarter_is_refused():
    evaluation = IndicatorEvaluationFactory(quarter=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorEvaluationFactory(indicator=evaluation.indicator, quarter=1)
    assert IndicatorEvaluation.objects.count() == 1


@pytest.mark.parametrize("quarter", [0, 5])
def test_kpi_evaluation_quarter_outside_1_4_is_refused(quarter):
    indicator = IndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorEvaluationFactory(indicator=indicator, quarter=quarter)


# CriterionScore


def test_criterion_scored_twice_in_one_evaluation_is_refused():
    score = CriterionScoreFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionScoreFactory(
            evaluation=score.evaluation, criterion=score.criterion, score=Decimal(50)
        )
    assert CriterionScore.objects.count() == 1


def test_two_criteria_in_one_evaluation_are_accepted():
    evaluation = IndicatorEvaluationFactory()
    CriterionScoreFactory(evaluation=evaluation, criterion__code="2.1")
    CriterionScoreFactory(evaluation=evaluation, criterion__code="2.2")
    assert evaluation.scores.count() == 2


@pytest.mark.parametrize("score", ["-0.01", "100.01", "101"])
def test_criterion_score_outside_0_100_is_refused(score):
    evaluation = IndicatorEvaluationFactory()
    criterion = EvaluationCriterionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionScoreFactory(
            evaluation=evaluation, criterion=criterion, score=Decimal(score)
        )


def test_criterion_score_raised_above_100_by_queryset_update_is_refused():
    score = CriterionScoreFactory(score=Decimal(100))
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionScore.objects.filter(pk=score.pk).update(score=Decimal(101))
    score.refresh_from_db()
    assert score.score == Decimal(100)


@pytest.mark.parametrize("score", ["0", "100"])
def test_criterion_scores_0_and_100_are_accepted(score):
    CriterionScoreFactory(score=Decimal(score))
    assert CriterionScore.objects.get().score == Decimal(score)


# EvaluationCriterion and Indicator


def test_criterion_code_is_unique_within_a_fiscal_year():
    EvaluationCriterion.objects.create(fiscal_year=2563, code="2.1", name_th="ก")
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationCriterion.objects.create(fiscal_year=2563, code="2.1", name_th="ข")
    EvaluationCriterion.objects.create(fiscal_year=2564, code="2.1", name_th="ก")
    assert EvaluationCriterion.objects.count() == 2


def test_indicator_code_is_unique():
    indicator = IndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorFactory(department=indicator.department, code=indicator.code)
    assert Indicator.objects.count() == 1


@pytest.mark.parametrize("fiscal_year", [2020, 2701])
def test_indicator_fiscal_year_outside_buddhist_era_is_refused(fiscal_year):
    indicator = IndicatorFactory(fiscal_year=2563)
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=indicator.pk).update(fiscal_year=fiscal_year)
