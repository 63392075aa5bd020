"""Scoring a department's whole list in one page: all rows or none."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import CriterionScore, IndicatorEvaluation
from projects import evaluations
from projects.models import ProjectEvaluation
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory(code="41000000")


@pytest.fixture
def rows(department, criteria):
    """Two reported projects, the first scored 50; one reported KPI."""
    projects = []
    for day in (1, 2):
        project = ProjectFactory(department=department)
        PlanStepFactory(project=project)
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, day))
        projects.append(project)
    ProjectEvaluationFactory(project=projects[0], quarter=2, score=50)
    indicator = IndicatorFactory(department=department)
    IndicatorResultFactory(indicator=indicator, quarter=2, value=10)
    return projects, indicator


def url(department, quarter=2):
    path = reverse("projects:evaluation-score", args=[2563, quarter])
    return f"{path}?department={department.code}"


def form_data(projects, indicator, criteria, scores=None, kpi_scores=None, **extra):
    """The page's POST: project rows (id, version, score), then the KPI row."""
    scores = scores or {}
    kpi_scores = kpi_scores or {}
    data = {
        "projects-TOTAL_FORMS": str(len(projects)),
        "projects-INITIAL_FORMS": str(len(projects)),
        "kpis-TOTAL_FORMS": "1",
        "kpis-INITIAL_FORMS": "1",
        "kpis-0-indicator": str(indicator.pk),
        "kpis-0-version": "0",
    }
    for index, project in enumerate(projects):
        evaluation = project.evaluations.filter(quarter=2).first()
        data[f"projects-{index}-project"] = str(project.pk)
        data[f"projects-{index}-version"] = str(evaluation.version if evaluation else 0)
        data[f"projects-{index}-score"] = scores.get(index, "")
    for criterion in criteria:
        data[f"kpis-0-criterion_{criterion.pk}"] = kpi_scores.get(criterion.code, "")
    return {**data, **extra}


def test_the_page_lists_every_row_with_a_box_in_tab_order(
    client, evaluator, rows, criteria, department
):
    projects, indicator = rows
    client.force_login(evaluator)
    html = client.get(url(department)).content.decode()
    boxes = [
        'name="projects-0-score"',
        'name="projects-1-score"',
        f'name="kpis-0-criterion_{criteria[0].pk}"',
        f'name="kpis-0-criterion_{criteria[1].pk}"',
    ]
    positions = [html.index(box) for box in boxes]
    assert positions == sorted(positions)
    assert "tabindex=" not in html.split('name="projects-0-score"')[1].split(">")[0]
    assert 'data-testid="current">50<' in html


def test_typed_scores_are_saved_and_empty_rows_left_as_they_are(
    client, evaluator, rows, criteria, department
):
    projects, indicator = rows
    client.force_login(evaluator)
    response = client.post(
        url(department),
        form_data(
            projects, indicator, criteria, scores={1: "75"}, kpi_scores={"2.1": "90"}
        ),
    )
    assert response.status_code == 302
    assert response.url == (
        reverse("projects:evaluation-quarter", args=[2563, 2])
        + f"?department={department.code}"
    )
    assert {e.project_id: e.score for e in ProjectEvaluation.objects.all()} == {
        projects[0].pk: Decimal(50),
        projects[1].pk: Decimal(75),
    }
    evaluation = IndicatorEvaluation.objects.get()
    assert [(s.criterion.code, s.score) for s in evaluation.scores.all()] == [
        ("2.1", Decimal(90))
    ]
    assert ProjectEvaluation.objects.get(project=projects[1]).evaluator == evaluator
    assert ProjectEvaluation.history.filter(history_user=evaluator).count() == 1


def test_one_invalid_row_saves_nothing(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    client.force_login(evaluator)
    response = client.post(
        url(department),
        form_data(
            projects,
            indicator,
            criteria,
            scores={0: "60", 1: "75"},
            kpi_scores={"2.1": "90", "2.2": "51"},  # 2.2 is out of 50
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was saved" in html
    assert "The score for 2.2 is from 0 to 50." in html
    assert ProjectEvaluation.objects.get().score == Decimal(50)
    assert ProjectEvaluation.objects.count() == 1
    assert IndicatorEvaluation.objects.count() == 0
    # What was typed stays in the boxes to be corrected.
    assert 'name="projects-1-score" id="id_projects-1-score" value="75"' in html


def test_a_project_score_above_100_is_refused(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    client.force_login(evaluator)
    response = client.post(
        url(department), form_data(projects, indicator, criteria, scores={1: "100.5"})
    )
    assert "A project&#x27;s score is from 0 to 100." in response.content.decode()
    assert ProjectEvaluation.objects.count() == 1


def test_unreported_quarters_need_the_confirmation_box(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    late = ProjectFactory(department=department)
    PlanStepFactory(project=late)
    silent = IndicatorFactory(department=department)
    IndicatorResultFactory(indicator=silent, quarter=2, value=0)
    everything = [*projects, late]
    data = form_data(everything, indicator, criteria, scores={2: "30"})
    data.update(
        {
            "kpis-TOTAL_FORMS": "2",
            "kpis-INITIAL_FORMS": "2",
            "kpis-1-indicator": str(silent.pk),
            "kpis-1-version": "0",
            f"kpis-1-criterion_{criteria[0].pk}": "20",
            f"kpis-1-criterion_{criteria[1].pk}": "",
        }
    )
    client.force_login(evaluator)
    response = client.post(url(department), data)
    html = response.content.decode()
    assert f"{late.code}: Quarter 2 is scored but has no progress report." in html
    assert f"{silent.code}: Quarter 2 is scored but has no result." in html
    assert 'name="confirm"' in html
    assert ProjectEvaluation.objects.count() == 1
    assert CriterionScore.objects.count() == 0
    confirmed = client.post(url(department), {**data, "confirm": "on"})
    assert confirmed.status_code == 302
    assert ProjectEvaluation.objects.get(project=late).score == Decimal(30)
    assert CriterionScore.objects.get().score == Decimal(20)


def test_a_conflict_on_one_row_saves_none(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    data = form_data(projects, indicator, criteria, scores={0: "60", 1: "75"})
    # Another evaluator changes the first project's score after the page opened.
    evaluations.score_project(
        project=projects[0], quarter=2, user=evaluator, score=Decimal(55), version=1
    )
    client.force_login(evaluator)
    response = client.post(url(department), data)
    assert response.status_code == 409
    assert "Someone else saved this" in response.content.decode()
    assert {e.project_id: e.score for e in ProjectEvaluation.objects.all()} == {
        projects[0].pk: Decimal(55)
    }


def test_a_row_not_on_the_list_is_refused(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    elsewhere = ProjectFactory()
    ProgressUpdateFactory(project=elsewhere, report_date=date(2020, 2, 1))
    data = form_data(projects, indicator, criteria, scores={1: "75"})
    data["projects-1-project"] = str(elsewhere.pk)
    client.force_login(evaluator)
    response = client.post(url(department), data)
    assert "The list changed since the page was opened" in response.content.decode()
    assert not ProjectEvaluation.objects.filter(project=elsewhere).exists()
    assert ProjectEvaluation.objects.count() == 1


def test_nothing_typed_changes_nothing(client, evaluator, rows, criteria, department):
    projects, indicator = rows
    client.force_login(evaluator)
    response = client.post(url(department), form_data(projects, indicator, criteria))
    assert response.status_code == 302
    assert ProjectEvaluation.history.count() == 1


def test_without_a_department_the_page_asks_for_one(client, evaluator, english):
    client.force_login(evaluator)
    response = client.get(reverse("projects:evaluation-score", args=[2563, 2]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a department" in html
    assert 'id="bulk-score"' not in html


def test_a_quarter_not_started_cannot_be_scored(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    client.force_login(evaluator)
    data = form_data(projects, indicator, criteria, scores={1: "75"})
    # Q4 of FY 2563 starts on 1 July 2020; today is 20 June.
    response = client.post(url(department, quarter=4), {**data, "confirm": "on"})
    assert "This quarter has not started yet" in response.content.decode()
    assert ProjectEvaluation.objects.count() == 1


@pytest.mark.parametrize("size", [1, 6])
def test_query_count_does_not_grow_with_rows(
    client, evaluator, criteria, department, django_assert_num_queries, size
):
    for number in range(size):
        project = ProjectFactory(department=department)
        PlanStepFactory(project=project)
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, number + 1))
        ProjectEvaluationFactory(project=project, quarter=2, score=number)
        indicator = IndicatorFactory(department=department)
        IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=2)
        CriterionScoreFactory(evaluation=evaluation, criterion=criteria[0])
    client.force_login(evaluator)
    # session, user, profile (role), department filter, criteria, projects with
    # progress, their evaluations, steps, updates, KPIs, results, target
    # revisions, evaluations, scores, the departments listed, the fiscal-year switch
    # +1: the notification bell's unread count (signed-in pages).
    with django_assert_num_queries(17):
        response = client.get(url(department))
    assert len(response.context["project_lines"]) == size
    assert len(response.context["kpi_lines"]) == size


def test_retyping_the_saved_score_writes_nothing(
    client, evaluator, rows, criteria, department, english
):
    projects, indicator = rows
    client.force_login(evaluator)
    response = client.post(
        url(department),
        form_data(projects, indicator, criteria, scores={0: "50.00"}),
        follow=True,
    )
    assert "nothing changed" in response.content.decode()
    assert ProjectEvaluation.history.count() == 1
