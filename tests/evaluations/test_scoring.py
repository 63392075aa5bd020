"""Scoring one project's or one KPI's quarter: rules, warnings, conflicts, history."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import CriterionScore, IndicatorEvaluation
from projects import evaluations
from projects.models import ProjectEvaluation
from projects.services import ConflictError
from tests.factories import (
    CriterionScoreFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
)

pytestmark = pytest.mark.django_db


def project_url(project, quarter=2):
    return reverse("projects:evaluate", args=[project.code, quarter])


def kpi_url(indicator, quarter=2):
    return reverse("indicators:evaluate", args=[indicator.code, quarter])


class TestProjectScore:
    def test_a_score_is_saved_and_shown_on_the_project_page_as_the_seed_does(
        self, client, project, evaluator
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
        client.force_login(evaluator)
        response = client.post(
            project_url(project), {"score": "100", "comment": "ครบถ้วน", "version": "0"}
        )
        assert response.status_code == 302
        assert response.url == f"{project.get_absolute_url()}#evaluation-heading"
        evaluation = ProjectEvaluation.objects.get()
        assert (evaluation.quarter, evaluation.score, evaluation.comment) == (
            2,
            Decimal(100),
            "ครบถ้วน",
        )
        assert (evaluation.evaluator, evaluation.version) == (evaluator, 1)
        page = client.get(project.get_absolute_url()).content.decode()
        assert "ไตรมาสที่ 2/2563 : <strong>100</strong>" in page
        assert 'data-testid="score-2">100<' in page
        assert "ครบถ้วน" in page

    def test_the_form_shows_the_quarters_reports_and_progress_beside_it(
        self, client, project, evaluator
    ):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 2, 1), percent=30, done="ประชุม"
        )
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 1), percent=60, done="หลังไตรมาส"
        )
        client.force_login(evaluator)
        response = client.get(project_url(project))
        html = response.content.decode()
        assert response.context["updates"][0].done == "ประชุม"
        assert "หลังไตรมาส" not in html  # dated in quarter 3
        # Progress is read at the quarter's end, 31 March 2020: 182 of 365 days.
        assert 'data-testid="actual">30.00%' in html
        assert 'data-testid="planned">49.86%' in html

    def test_changing_a_score_keeps_one_per_quarter_and_counts_versions(
        self, client, project, evaluator
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
        ProjectEvaluationFactory(project=project, quarter=2, score=70)
        client.force_login(evaluator)
        response = client.post(project_url(project), {"score": "85", "version": "1"})
        assert response.status_code == 302
        evaluation = ProjectEvaluation.objects.get()
        assert (evaluation.score, evaluation.version) == (Decimal(85), 2)

    @pytest.mark.parametrize(
        ("score", "message"),
        [
            ("101", "A project's score is from 0 to 100."),
            ("-1", "A project's score is from 0 to 100."),
            ("abc", "Enter a number."),
            ("", "This field is required."),
            ("99.999", "Ensure that there are no more than 2 decimal places."),
        ],
    )
    def test_scores_outside_0_to_100_are_refused_with_a_clear_message(
        self, client, project, evaluator, english, score, message
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
        client.force_login(evaluator)
        response = client.post(project_url(project), {"score": score, "version": "0"})
        assert response.status_code == 200
        assert response.context["form"].errors["score"] == [message]
        assert ProjectEvaluation.objects.count() == 0

    def test_a_quarter_without_a_progress_report_needs_confirmation(
        self, client, project, evaluator, english
    ):
        ProgressUpdateFactory(project=project, report_date=date(2019, 12, 1))  # Q1
        client.force_login(evaluator)
        response = client.post(project_url(project), {"score": "90", "version": "0"})
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-warning="scored_no_report"' in html
        assert "Quarter 2 is scored but has no progress report." in html
        assert "Please check the warnings and confirm before saving." in html
        assert ProjectEvaluation.objects.count() == 0
        confirmed = client.post(
            project_url(project), {"score": "90", "version": "0", "confirm": "on"}
        )
        assert confirmed.status_code == 302
        assert ProjectEvaluation.objects.get().score == Decimal(90)

    def test_a_quarter_with_a_report_needs_no_confirmation(
        self, client, project, evaluator
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 3, 31))
        client.force_login(evaluator)
        response = client.post(project_url(project), {"score": "90", "version": "0"})
        assert response.status_code == 302

    def test_a_quarter_not_started_cannot_be_scored(
        self, client, project, evaluator, english
    ):
        client.force_login(evaluator)
        response = client.post(
            project_url(project, quarter=4),
            {"score": "90", "version": "0", "confirm": "on"},
        )
        assert "This quarter has not started yet" in response.content.decode()
        assert ProjectEvaluation.objects.count() == 0

    def test_the_second_of_two_evaluators_is_refused(
        self, client, project, evaluator, english
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
        # Both opened the empty form; the other evaluator saved first.
        evaluations.score_project(
            project=project, quarter=2, user=evaluator, score=Decimal(60), version=0
        )
        client.force_login(evaluator)
        response = client.post(project_url(project), {"score": "95", "version": "0"})
        assert response.status_code == 409
        assert "Someone else saved this" in response.content.decode()
        assert ProjectEvaluation.objects.get().score == Decimal(60)

    @pytest.mark.parametrize("quarter", [0, 5, 99])
    def test_quarters_outside_1_to_4_are_404(self, client, project, evaluator, quarter):
        client.force_login(evaluator)
        assert client.get(project_url(project, quarter)).status_code == 404

    def test_the_history_names_the_evaluator(self, client, project, evaluator):
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
        client.force_login(evaluator)
        client.post(project_url(project), {"score": "80", "version": "0"})
        client.post(project_url(project), {"score": "90", "version": "1"})
        rows = list(ProjectEvaluation.history.order_by("history_date"))
        assert [(r.history_type, r.score, r.history_user) for r in rows] == [
            ("+", Decimal(80), evaluator),
            ("~", Decimal(90), evaluator),
        ]
        page = client.get(reverse("projects:history", args=[project.code]))
        html = page.content.decode()
        assert "สมศรี ประเมินดี" in html
        assert "ไตรมาสที่ 2/2563" in html


@pytest.fixture
def indicator(project):
    indicator = IndicatorFactory(
        department=project.department, fiscal_year=2563, unit="ฉบับ", target=1
    )
    indicator.projects.add(project)
    return indicator


class TestIndicatorScore:
    def test_scores_per_criterion_are_saved_and_shown_on_the_kpi_page(
        self, client, indicator, criteria, evaluator
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        first, second = criteria
        client.force_login(evaluator)
        response = client.post(
            kpi_url(indicator),
            {
                f"criterion_{first.pk}": "100",
                f"criterion_{second.pk}": "45.5",
                "comment": "ดี",
                "version": "0",
            },
        )
        assert response.status_code == 302
        assert response.url == f"{indicator.get_absolute_url()}#quarter-2"
        evaluation = IndicatorEvaluation.objects.get()
        assert (evaluation.quarter, evaluation.comment, evaluation.evaluator) == (
            2,
            "ดี",
            evaluator,
        )
        scores = {s.criterion.code: s.score for s in evaluation.scores.all()}
        assert scores == {"2.1": Decimal(100), "2.2": Decimal("45.5")}
        page = client.get(indicator.get_absolute_url()).content.decode()
        assert 'data-testid="score-2-2.2">2.2 เกณฑ์ที่ 2.2: 45.50</span>' in page
        assert 'data-testid="score-2-2.1">2.1 เกณฑ์ที่ 2.1: 100</span>' in page

    def test_a_score_above_the_criterions_maximum_is_refused(
        self, client, indicator, criteria, evaluator, english
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        first, second = criteria
        client.force_login(evaluator)
        response = client.post(
            kpi_url(indicator),
            {
                f"criterion_{first.pk}": "100",
                f"criterion_{second.pk}": "51",
                "version": "0",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors[f"criterion_{second.pk}"] == [
            "The score for 2.2 is from 0 to 50."
        ]
        assert IndicatorEvaluation.objects.count() == 0
        assert CriterionScore.objects.count() == 0

    @pytest.mark.parametrize("value", [None, Decimal(0)])
    def test_no_result_or_a_result_of_zero_needs_confirmation(
        self, client, indicator, criteria, evaluator, english, value
    ):
        if value is not None:
            IndicatorResultFactory(indicator=indicator, quarter=2, value=value)
        first, second = criteria
        data = {
            f"criterion_{first.pk}": "100",
            f"criterion_{second.pk}": "50",
            "version": "0",
        }
        client.force_login(evaluator)
        response = client.post(kpi_url(indicator), data)
        html = response.content.decode()
        assert 'data-warning="scored_no_result"' in html
        assert "Quarter 2 is scored but has no result." in html
        assert IndicatorEvaluation.objects.count() == 0
        confirmed = client.post(kpi_url(indicator), {**data, "confirm": "on"})
        assert confirmed.status_code == 302
        assert CriterionScore.objects.count() == 2

    def test_every_criterion_needs_a_score(
        self, client, indicator, criteria, evaluator, english
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        first, second = criteria
        client.force_login(evaluator)
        response = client.post(
            kpi_url(indicator), {f"criterion_{first.pk}": "100", "version": "0"}
        )
        assert response.context["form"].errors[f"criterion_{second.pk}"] == [
            "This field is required."
        ]
        assert IndicatorEvaluation.objects.count() == 0

    def test_a_year_without_criteria_cannot_be_scored(
        self, client, indicator, evaluator, english
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        client.force_login(evaluator)
        page = client.get(kpi_url(indicator)).content.decode()
        assert "has no evaluation criteria yet" in page
        response = client.post(kpi_url(indicator), {"version": "0"})
        assert "has no evaluation criteria yet" in response.content.decode()
        assert IndicatorEvaluation.objects.count() == 0

    def test_changing_one_criterion_keeps_the_other_and_counts_versions(
        self, client, indicator, criteria, evaluator
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        first, second = criteria
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=2)
        CriterionScoreFactory(evaluation=evaluation, criterion=first, score=90)
        CriterionScoreFactory(evaluation=evaluation, criterion=second, score=40)
        client.force_login(evaluator)
        response = client.post(
            kpi_url(indicator),
            {
                f"criterion_{first.pk}": "90",
                f"criterion_{second.pk}": "50",
                "version": "1",
            },
        )
        assert response.status_code == 302
        evaluation.refresh_from_db()
        assert evaluation.version == 2
        assert {s.criterion_id: s.score for s in evaluation.scores.all()} == {
            first.pk: Decimal(90),
            second.pk: Decimal(50),
        }
        changed = CriterionScore.history.filter(history_type="~")
        assert [(r.criterion_id, r.history_user) for r in changed] == [
            (second.pk, evaluator)
        ]

    def test_the_second_of_two_evaluators_is_refused(
        self, client, indicator, criteria, evaluator
    ):
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        first, second = criteria
        evaluations.score_indicator(
            indicator=indicator,
            quarter=2,
            user=evaluator,
            scores={first: Decimal(10), second: Decimal(10)},
            version=0,
        )
        client.force_login(evaluator)
        response = client.post(
            kpi_url(indicator),
            {
                f"criterion_{first.pk}": "100",
                f"criterion_{second.pk}": "50",
                "version": "0",
            },
        )
        assert response.status_code == 409
        assert set(CriterionScore.objects.values_list("score", flat=True)) == {
            Decimal(10)
        }


class TestServices:
    def test_an_unchanged_score_writes_nothing(self, project, evaluator):
        first = evaluations.score_project(
            project=project, quarter=1, user=evaluator, score=Decimal(70)
        )
        again = evaluations.score_project(
            project=project, quarter=1, user=evaluator, score=Decimal(70), version=1
        )
        assert again.pk == first.pk and again.version == 1
        assert ProjectEvaluation.history.count() == 1

    def test_a_race_on_creating_the_same_evaluation_is_a_conflict(
        self, project, evaluator, monkeypatch
    ):
        # The other evaluator's row appears between the read and the write.
        ProjectEvaluationFactory(project=project, quarter=1, score=10)
        monkeypatch.setattr(
            evaluations, "_score_project", _create_blindly, raising=True
        )
        with pytest.raises(ConflictError):
            evaluations.score_project(
                project=project, quarter=1, user=evaluator, score=Decimal(70)
            )
        assert ProjectEvaluation.objects.get().score == Decimal(10)

    def test_scores_outside_a_criterions_maximum_are_refused(
        self, project, criteria, evaluator
    ):
        indicator = IndicatorFactory(department=project.department)
        with pytest.raises(ValueError):
            evaluations.score_indicator(
                indicator=indicator,
                quarter=1,
                user=evaluator,
                scores={criteria[1]: Decimal(51)},
            )
        assert IndicatorEvaluation.objects.count() == 0

    def test_reading_date_is_the_quarters_end_or_today_if_earlier(self):
        today = date(2020, 6, 20)
        assert evaluations.reading_date(2563, 2, today) == date(2020, 3, 31)
        assert evaluations.reading_date(2563, 3, today) == today
        assert evaluations.reading_date(2563, 4, today) == today
        assert evaluations.reading_date(2564, 1, today) == date(2020, 10, 1)


def _create_blindly(row, existing, quarter, user):
    evaluation = ProjectEvaluation(
        project=row.project, quarter=quarter, score=row.score, evaluator=user
    )
    evaluation.save()
    return evaluation, True
