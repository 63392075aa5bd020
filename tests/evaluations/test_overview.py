"""The quarter overview: who reported, progress at the quarter's end, flags,
scores, and the counts of what is left."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

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


def url(quarter=2, fiscal_year=2563, **query):
    path = reverse("projects:evaluation-quarter", args=[fiscal_year, quarter])
    return path + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def row_html(html: str, attribute: str, code: str) -> str:
    match = re.search(rf'<tr data-{attribute}="{re.escape(code)}".*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def counts(html: str) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in re.findall(r'data-count="([\w-]+)">(\d+)<', html)
    }


@pytest.fixture
def world(criteria):
    """Quarter 2 of FY 2563 (January to March 2020) in two departments.

    Department one: A reported in Q2 and is scored; B reported only in Q1;
    C reported in Q2 with a jump of 60 points. KPIs: K1 reported and fully
    scored; K2 not reported; K3 reported 0 and scored on one criterion.
    Department two: D scored although it did not report in Q2.
    """
    one, two = DepartmentFactory(), DepartmentFactory()
    a, b, c = (ProjectFactory(department=one) for _ in range(3))
    d = ProjectFactory(department=two)
    for project in (a, b, c, d):
        PlanStepFactory(project=project)
    ProgressUpdateFactory(project=a, report_date=date(2020, 2, 15), percent=45)
    ProgressUpdateFactory(project=a, report_date=date(2020, 5, 1), percent=60)
    ProjectEvaluationFactory(project=a, quarter=2, score=Decimal("87.5"))
    ProjectEvaluationFactory(project=b, quarter=1, score=50)
    ProgressUpdateFactory(project=b, report_date=date(2019, 12, 10), percent=20)
    ProgressUpdateFactory(project=c, report_date=date(2019, 11, 1), percent=10)
    ProgressUpdateFactory(
        project=c, report_date=date(2020, 3, 2), percent=70, problems="งบ"
    )
    ProjectEvaluationFactory(project=d, quarter=2, score=40)

    first, second = criteria
    k1, k2, k3 = (
        IndicatorFactory(department=one, unit="ฉบับ", target=2) for _ in range(3)
    )
    IndicatorResultFactory(indicator=k1, quarter=2, value=15)
    evaluation = IndicatorEvaluationFactory(indicator=k1, quarter=2)
    CriterionScoreFactory(evaluation=evaluation, criterion=first, score=100)
    CriterionScoreFactory(evaluation=evaluation, criterion=second, score=45)
    IndicatorResultFactory(indicator=k3, quarter=2, value=0)
    evaluation = IndicatorEvaluationFactory(indicator=k3, quarter=2)
    CriterionScoreFactory(evaluation=evaluation, criterion=first, score=80)
    return {
        "one": one,
        "two": two,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "k1": k1,
        "k2": k2,
        "k3": k3,
    }


def test_counts_at_the_top_say_what_is_left(client, evaluator, world):
    client.force_login(evaluator)
    html = client.get(url()).content.decode()
    assert counts(html) == {
        "projects-reported": 2,  # A and C; B reported in Q1, D not at all
        "projects-scored": 2,  # A and D
        "projects-left": 2,  # B and C
        "kpis-reported": 2,  # K1 and K3
        "kpis-scored": 1,  # K1; K3 lacks criterion 2.2
        "kpis-left": 2,
    }


def test_a_department_filter_narrows_rows_and_counts(client, evaluator, world):
    client.force_login(evaluator)
    html = client.get(url(department=world["one"].code)).content.decode()
    assert counts(html) == {
        "projects-reported": 2,
        "projects-scored": 1,
        "projects-left": 2,
        "kpis-reported": 2,
        "kpis-scored": 1,
        "kpis-left": 2,
    }
    assert world["d"].code not in html
    assert "Score all of" in html or "ประเมิน" in html


def test_project_rows_show_report_progress_flags_and_score(
    client, evaluator, world, english
):
    client.force_login(evaluator)
    html = client.get(url()).content.decode()
    a = row_html(html, "project", world["a"].code)
    # The latest update dated in the quarter, and progress on 31 March 2020:
    # A's 60% of May is after the quarter, so actual is 45%.
    assert "15 Feb 2020 · 45.00%" in a
    assert "45.00%" in a and "plan 49.86%" in a
    assert "<strong>87.50</strong>" in a
    assert 'class="row-unscored"' not in a
    b = row_html(html, "project", world["b"].code)
    assert "Not reported" in b and "Not scored" in b
    assert 'class="row-unscored"' in b
    c = row_html(html, "project", world["c"].code)
    assert 'data-flag="percent_jump"' in c
    d = row_html(html, "project", world["d"].code)
    assert 'data-flag="scored_no_report"' in d
    assert "<strong>40</strong>" in d
    assert reverse("projects:evaluate", args=[world["b"].code, 2]) in b


def test_kpi_rows_show_result_against_target_flags_and_scores(
    client, evaluator, world, english
):
    client.force_login(evaluator)
    html = client.get(url()).content.decode()
    k1 = row_html(html, "kpi", world["k1"].code)
    assert '<strong>15</strong> / 2 <span lang="th">ฉบับ</span>' in k1
    assert "750% of target" in k1
    assert 'data-flag="over_target"' in k1
    assert "Not scored" not in k1
    k2 = row_html(html, "kpi", world["k2"].code)
    assert "Not reported" in k2 and "Not scored" in k2
    k3 = row_html(html, "kpi", world["k3"].code)
    assert 'data-flag="scored_no_result"' in k3
    assert "Partly scored" in k3
    assert reverse("indicators:evaluate", args=[world["k2"].code, 2]) in k2


def test_another_quarter_reads_its_own_reports(client, evaluator, world):
    client.force_login(evaluator)
    html = client.get(url(quarter=1)).content.decode()
    # Q1: B and C reported; only B is scored.
    assert counts(html)["projects-reported"] == 2
    assert counts(html)["projects-scored"] == 1


def test_the_evaluation_home_opens_the_current_quarter(client, evaluator):
    client.force_login(evaluator)
    response = client.get(reverse("projects:evaluation-home"))
    assert response.status_code == 302
    assert response.url == url(quarter=3)
    response = client.get(reverse("projects:evaluation-home"), {"fy": "2562"})
    assert response.url == url(quarter=4, fiscal_year=2562)


def test_the_fiscal_year_switch_moves_to_that_year(client, evaluator):
    client.force_login(evaluator)
    response = client.get(url(quarter=2), {"fy": "2564"})
    assert response.url == url(quarter=2, fiscal_year=2564)


@pytest.mark.parametrize(
    "path",
    [
        "/evaluations/2563/0/",
        "/evaluations/2563/5/",
        "/evaluations/1999/2/",
        "/evaluations/99999999999999999999/2/",
        "/evaluations/2563/99999999999999999999/",
    ],
)
def test_impossible_years_and_quarters_are_404(client, evaluator, path):
    client.force_login(evaluator)
    assert client.get(path).status_code == 404


def test_an_unknown_department_shows_every_department_with_a_note(
    client, evaluator, world, english
):
    client.force_login(evaluator)
    html = client.get(url(department="99999999")).content.decode()
    assert "That department was not found." in html
    assert counts(html)["projects-reported"] == 2


def _rows(size: int, criteria) -> None:
    department = DepartmentFactory(code="31000000")
    for number in range(size):
        project = ProjectFactory(department=department)
        PlanStepFactory(project=project)
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, number + 1))
        ProjectEvaluationFactory(project=project, quarter=2, score=number)
        indicator = IndicatorFactory(department=department)
        IndicatorResultFactory(indicator=indicator, quarter=2, value=number)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=2)
        for criterion in criteria:
            CriterionScoreFactory(evaluation=evaluation, criterion=criterion, score=1)


@pytest.mark.parametrize("size", [1, 6])
def test_query_count_does_not_grow_with_rows(
    client, evaluator, criteria, django_assert_num_queries, size
):
    _rows(size, criteria)
    client.force_login(evaluator)
    # session, user, profile (role), department filter, criteria, projects with
    # progress, their evaluations, steps, updates, KPIs, results, target
    # revisions, evaluations, scores, locks, the departments listed, the
    # fiscal-year switch, and whether the quarter is read-only here
    # (access.quarter_locks, the one decider)
    # +1: the notification bell's unread count (signed-in pages).
    with django_assert_num_queries(19):
        response = client.get(url(department="31000000"))
    assert len(response.context["review"].projects) == size
