"""The project and KPI pages: every quarter's score, the quarters still unscored,
and the year's evaluation summary."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from projects import evaluations
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def unscored(html: str) -> list[str]:
    match = re.search(r'data-testid="unscored-quarters">(.*?)</p>', html, re.S)
    return (
        re.findall(r'<span class="me-2">(.*?)</span>', match.group(1)) if match else []
    )


def test_the_project_page_names_the_quarters_still_unscored(client, project):
    ProjectEvaluationFactory(project=project, quarter=2, score=100)
    ProjectEvaluationFactory(project=project, quarter=3, score=80, comment="ดี")
    html = client.get(project.get_absolute_url()).content.decode()
    assert "ไตรมาสที่ 3/2563 : <strong>80</strong>" in html
    assert unscored(html) == ["ไตรมาสที่ 1/2563", "ไตรมาสที่ 4/2563"]
    assert 'data-testid="score-1"><span class="badge' in html
    assert 'data-testid="score-2">100<' in html
    assert 'data-testid="comment-3"' in html


def test_a_fully_scored_project_lists_no_unscored_quarter(client, project):
    for quarter in (1, 2, 3, 4):
        ProjectEvaluationFactory(project=project, quarter=quarter, score=90)
    html = client.get(project.get_absolute_url()).content.decode()
    assert 'data-testid="unscored-quarters"' not in html


def test_the_kpi_page_names_unscored_and_partly_scored_quarters(
    client, project, criteria, evaluator
):
    indicator = IndicatorFactory(department=project.department)
    full = IndicatorEvaluationFactory(indicator=indicator, quarter=1)
    for criterion in criteria:
        CriterionScoreFactory(evaluation=full, criterion=criterion, score=50)
    partly = IndicatorEvaluationFactory(indicator=indicator, quarter=2)
    CriterionScoreFactory(evaluation=partly, criterion=criteria[0], score=50)
    client.force_login(evaluator)
    html = client.get(indicator.get_absolute_url()).content.decode()
    assert unscored(html) == ["ไตรมาสที่ 2/2563", "ไตรมาสที่ 3/2563", "ไตรมาสที่ 4/2563"]
    assert 'data-testid="unscored-1"' not in html
    assert 'data-testid="unscored-2"' in html
    assert reverse("indicators:evaluate", args=[indicator.code, 3]) in html


class TestSummary:
    @pytest.fixture
    def scored(self, criteria):
        one = DepartmentFactory(code="61000000")
        two = DepartmentFactory(code="62000000")
        DepartmentFactory(code="63000000")  # nothing in FY 2563
        for score in (60, 81):
            project = ProjectFactory(department=one)
            ProjectEvaluationFactory(project=project, quarter=2, score=score)
        ProjectFactory(department=two)
        for score in (40, 45):
            indicator = IndicatorFactory(department=two)
            evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=3)
            CriterionScoreFactory(
                evaluation=evaluation, criterion=criteria[1], score=score
            )
        return one, two

    def test_averages_per_department_and_quarter(self, scored, criteria):
        one, two = scored
        rows = evaluations.department_scores(2563, criteria)
        assert [row.department for row in rows] == [one, two]
        cells = {row.department.code: dict(row.cells) for row in rows}
        assert cells["61000000"][2] == [
            evaluations.Average(Decimal("70.50"), 2),
            None,
            None,
        ]
        assert cells["61000000"][3] == [None, None, None]
        assert cells["62000000"][3] == [
            None,
            None,
            evaluations.Average(Decimal("42.50"), 2),
        ]

    def test_the_page_shows_the_table_and_the_chart(
        self, client, scored, criteria, evaluator, english
    ):
        client.force_login(evaluator)
        response = client.get(reverse("projects:evaluation-summary", args=[2563]))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-department="61000000"' in html
        assert 'data-department="63000000"' not in html
        assert ">70.50</a>" in html and ">42.50</a>" in html
        figure = response.context["figure"]
        bars = {trace["name"]: trace["y"] for trace in figure["data"]}
        assert bars == {"Projects": [70.5], "KPI 2.2": [42.5]}
        assert 'data-chart="scores-data"' in html

    def test_a_department_narrows_the_chart(self, client, scored, evaluator):
        one, _two = scored
        client.force_login(evaluator)
        response = client.get(
            reverse("projects:evaluation-summary", args=[2563]),
            {"department": one.code},
        )
        assert [trace["y"] for trace in response.context["figure"]["data"]] == [[70.5]]

    @pytest.mark.parametrize("size", [1, 5])
    def test_query_count_does_not_grow(
        self, client, criteria, evaluator, django_assert_num_queries, size
    ):
        for number in range(size):
            department = DepartmentFactory()
            project = ProjectFactory(department=department)
            ProjectEvaluationFactory(project=project, quarter=1, score=number)
            indicator = IndicatorFactory(department=department)
            evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=1)
            CriterionScoreFactory(evaluation=evaluation, criterion=criteria[0])
        client.force_login(evaluator)
        # session, user, profile (role), criteria, departments, project averages,
        # KPI averages, the chart's two series, departments listed, fiscal years,
        # the year's reopening (an open year needs no more)
        # +1: the notification bell's unread count (signed-in pages).
        with django_assert_num_queries(13):
            response = client.get(reverse("projects:evaluation-summary", args=[2563]))
        assert len(response.context["rows"]) == size


def test_a_score_is_seen_by_the_next_anonymous_visitor(
    client, project, evaluator, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.test import Client

    from tests.bench.test_cache import DATABASE_CACHE

    settings.CACHES = DATABASE_CACHE
    cache.clear()
    visitor = Client()
    url = project.get_absolute_url()
    assert "ไตรมาสที่ 1/2563 : <strong>" not in visitor.get(url).content.decode()
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:evaluate", args=[project.code, 1]),
            {"score": "77", "version": "0", "confirm": "on"},
        )
    assert response.status_code == 302
    html = visitor.get(url).content.decode()
    assert "ไตรมาสที่ 1/2563 : <strong>77</strong>" in html
    cache.clear()
