"""Who may open and post to each evaluation URL: every cell of the matrix, and
CSRF on every POST."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from indicators.models import CriterionScore, IndicatorEvaluation
from projects.models import ProjectEvaluation, QuarterLock
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    ProgressUpdateFactory,
)
from tests.projects.test_updates import users

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff", "outsider", "evaluator", "admin")
LOGIN = "login"


@dataclass(frozen=True)
class Cell:
    """The answers to GET and to POST, per role; LOGIN is a redirect to log in."""

    get: dict[str, int | str]
    post: dict[str, int | str]


def answers(evaluator_get, evaluator_post):
    """Anonymous visitors log in; staff of any department get 403."""
    base = {"anonymous": LOGIN, "staff": 403, "outsider": 403}
    return Cell(
        {**base, "evaluator": evaluator_get, "admin": evaluator_get},
        {**base, "evaluator": evaluator_post, "admin": evaluator_post},
    )


# URL name → (GET answer, POST answer) for evaluators and admins.
MATRIX = {
    "projects:evaluation-home": answers(302, 405),
    "projects:evaluation-quarter": answers(200, 405),
    "projects:evaluation-summary": answers(200, 405),
    "projects:evaluation-score": answers(200, 302),
    "projects:evaluation-lock": answers(405, 302),
    "projects:evaluation-reopen": answers(405, 302),
    "projects:evaluate": answers(200, 302),
    "indicators:evaluate": answers(200, 302),
}


@pytest.fixture
def world(project, criteria):
    ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1))
    indicator = IndicatorFactory(department=project.department)
    IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
    QuarterLock.objects.create(fiscal_year=2563, quarter=1)
    return project, indicator


def request_for(name, project, indicator, criteria):
    """The path and a valid POST body of each URL."""
    department = project.department.code
    first, second = criteria
    if name == "projects:evaluation-home":
        return reverse(name), {}
    if name == "projects:evaluation-summary":
        return reverse(name, args=[2563]), {}
    if name == "projects:evaluation-quarter":
        return reverse(name, args=[2563, 2]), {}
    if name == "projects:evaluation-score":
        return f"{reverse(name, args=[2563, 2])}?department={department}", {
            "projects-TOTAL_FORMS": "1",
            "projects-INITIAL_FORMS": "1",
            "projects-0-project": str(project.pk),
            "projects-0-version": "0",
            "projects-0-score": "80",
            "kpis-TOTAL_FORMS": "1",
            "kpis-INITIAL_FORMS": "1",
            "kpis-0-indicator": str(indicator.pk),
            "kpis-0-version": "0",
            f"kpis-0-criterion_{first.pk}": "70",
            f"kpis-0-criterion_{second.pk}": "",
        }
    if name == "projects:evaluation-lock":
        return reverse(name, args=[2563, 2]), {"lock-department": department}
    if name == "projects:evaluation-reopen":
        return reverse(name, args=[2563, 1]), {
            "reopen-department": "all",
            "reopen-reason": "แก้ไข",
        }
    if name == "projects:evaluate":
        return reverse(name, args=[project.code, 2]), {"score": "80", "version": "0"}
    return reverse(name, args=[indicator.code, 2]), {
        f"criterion_{first.pk}": "70",
        f"criterion_{second.pk}": "40",
        "version": "0",
    }


def state():
    """Everything an evaluation URL may write."""
    return (
        list(ProjectEvaluation.objects.values_list("pk", "score", "version")),
        list(IndicatorEvaluation.objects.values_list("pk", "version")),
        list(CriterionScore.objects.values_list("pk", "score")),
        list(
            QuarterLock.objects.values_list(
                "pk", "quarter", "department", "reopened_at", "reopen_reason"
            )
        ),
    )


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", MATRIX)
def test_access_matrix(client, world, criteria, role, name):
    project, indicator = world
    user = users(project)[role]
    if user:
        client.force_login(user)
    path, data = request_for(name, project, indicator, criteria)
    before = state()
    check(client.get(path), MATRIX[name].get[role])
    assert state() == before, "a GET wrote"
    check(client.post(path, data), MATRIX[name].post[role])
    if MATRIX[name].post[role] != 302:
        assert state() == before, f"{role} changed something"
    elif name not in ("projects:evaluation-home",):
        assert state() != before, "the valid POST changed nothing"


@pytest.mark.parametrize(
    "name",
    [name for name, cell in MATRIX.items() if cell.post["evaluator"] == 302],
)
def test_csrf_is_enforced_on_every_post(world, criteria, evaluator, name):
    project, indicator = world
    path, data = request_for(name, project, indicator, criteria)
    client = Client(enforce_csrf_checks=True)
    client.force_login(evaluator)
    before = state()
    assert client.post(path, data).status_code == 403
    assert state() == before
    # With the page's token the same POST goes through.
    page = reverse("projects:evaluation-quarter", args=[2563, 2])
    client.get(page)
    token = client.cookies["csrftoken"].value
    response = client.post(path, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert state() != before


def test_staff_see_scores_of_their_projects_but_no_evaluate_links(client, world, staff):
    project, _indicator = world
    client.force_login(staff)
    html = client.get(project.get_absolute_url()).content.decode()
    assert 'data-testid="unscored-quarters"' in html
    assert 'data-testid="evaluate-' not in html
    assert reverse("projects:evaluation-home") not in html


def test_evaluators_get_evaluate_links_and_the_menu_entry(client, world, evaluator):
    project, indicator = world
    client.force_login(evaluator)
    html = client.get(project.get_absolute_url()).content.decode()
    for quarter in (1, 2, 3, 4):
        assert reverse("projects:evaluate", args=[project.code, quarter]) in html
    assert reverse("projects:evaluation-home") in html
    kpi = client.get(indicator.get_absolute_url()).content.decode()
    assert reverse("indicators:evaluate", args=[indicator.code, 2]) in kpi


def test_the_public_reads_published_scores_when_public_read_is_on(
    client, world, settings
):
    project, _indicator = world
    ProjectEvaluation.objects.create(project=project, quarter=2, score=90)
    settings.PUBLIC_READ = True
    html = client.get(project.get_absolute_url()).content.decode()
    assert "ไตรมาสที่ 2/2563 : <strong>90</strong>" in html
    assert 'data-testid="evaluate-' not in html
    settings.PUBLIC_READ = False
    assert client.get(project.get_absolute_url()).status_code == 302
