"""The department page at scale: a page of its projects, totals over them all.

A department may have thousands of projects in a year. The page lists them a page
at a time (``DEPARTMENT_PAGE_SIZE``) while its totals (count, averages, statuses,
report overdue, money) count every project, exactly as the rules do
(``Project.objects.with_progress().progress_summary()`` and ``progress``); the
totals are cached per data version, so they are right the instant anyone writes.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache

from projects import progress, services
from projects.models import Project
from projects.views import DEPARTMENT_PAGE_SIZE
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

FY = 2563
ON = date(2020, 9, 30)  # the reading date of a past fiscal year: its last day
PAGE = DEPARTMENT_PAGE_SIZE


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "department-page",
        }
    }
    cache.clear()
    yield
    cache.clear()


def make_projects(department, count: int) -> list[Project]:
    """``count`` projects: every third complete, every third behind, the rest
    not started; every other with a budget and money disbursed."""
    projects = []
    for number in range(count):
        project = ProjectFactory(
            department=department,
            fiscal_year=FY,
            budget_amount=Decimal(100_000) if number % 2 else None,
        )
        PlanStepFactory(project=project)
        if number % 3 == 0:
            ProgressUpdateFactory(
                project=project,
                report_date=date(2020, 9, 15),
                percent=Decimal(100),
                disbursed=Decimal(90_000) if number % 2 else None,
            )
        elif number % 3 == 1:
            ProgressUpdateFactory(
                project=project,
                report_date=date(2020, 9, 15),
                percent=Decimal(40),
                disbursed=Decimal(20_000) if number % 2 else None,
            )
        projects.append(project)
    return projects


def expected_totals(department) -> dict:
    """The rules of ``progress`` applied project by project."""
    rows = list(department.projects.filter(fiscal_year=FY))
    statuses = dict.fromkeys(progress.Status.values, 0)
    actuals = []
    for project in rows:
        actual = progress.actual_percent(
            project.updates.published().values_list("report_date", "percent"), ON
        )
        planned = project.planned_percent(ON)
        statuses[progress.status(actual, planned, settings.BEHIND_THRESHOLD)] += 1
        actuals.append(actual or Decimal(0))
    return {
        "count": len(rows),
        "actual": sum(actuals, Decimal(0)) / len(rows),
        "statuses": statuses,
    }


@pytest.mark.django_db
def test_lists_a_page_of_projects_with_totals_over_all(client):
    department = DepartmentFactory()
    projects = make_projects(department, PAGE + 7)
    url = department.get_absolute_url()

    first = client.get(url, {"fy": FY})
    second = client.get(url, {"fy": FY, "page": 2})

    expected = expected_totals(department)
    codes = sorted(p.code for p in projects)
    for response in (first, second):
        assert response.status_code == 200
        summary = response.context["summary"]
        assert summary["count"] == PAGE + 7 == expected["count"]
        assert summary["actual"] == expected["actual"]
        assert response.context["statuses"] == expected["statuses"]
        money = response.context["money"].totals
        assert money.allocated == Decimal(100_000) * ((PAGE + 7) // 2)
    assert [p.code for p in first.context["projects"]] == codes[:PAGE]
    assert [p.code for p in second.context["projects"]] == codes[PAGE:]
    html = first.content.decode()
    assert "page=2" in html
    assert codes[PAGE] not in html
    assert f"1–{PAGE}" in html


@pytest.mark.django_db
def test_shows_the_first_kpis_with_their_count_and_a_link_to_all(client):
    department = DepartmentFactory()
    make_projects(department, 1)
    kpis = [IndicatorFactory(department=department) for _ in range(PAGE + 2)]
    codes = sorted(kpi.code for kpi in kpis)

    response = client.get(department.get_absolute_url(), {"fy": FY})

    html = response.content.decode()
    assert [i.code for i, _ in response.context["indicators"]] == codes[:PAGE]
    assert response.context["indicator_count"] == PAGE + 2
    assert codes[PAGE] not in html
    assert f"/indicators/?fy={FY}&amp;department={department.code}" in html
    assert f'<div class="fs-3">{PAGE + 2}</div>' in html


@pytest.mark.django_db
def test_junk_and_out_of_range_pages_show_a_page_that_exists(client):
    department = DepartmentFactory()
    projects = make_projects(department, PAGE + 1)
    last = max(p.code for p in projects)
    url = department.get_absolute_url()

    for junk in ("0", "-1", "abc", "9" * 5000, "99", "٢"):
        response = client.get(url, {"fy": FY, "page": junk})
        assert response.status_code == 200
        expected_last = junk == "99"  # past the last page: the last
        assert (last in response.content.decode()) == expected_last, junk


def completed(html: str) -> int:
    """The number of complete projects the page's status counts show."""
    match = re.search(r'data-status="complete"><a [^>]*>(\d+)<', html)
    assert match, "no count of complete projects on the page"
    return int(match.group(1))


@pytest.mark.django_db
def test_totals_are_right_the_instant_anyone_writes(
    client, shared_cache, settings, django_capture_on_commit_callbacks
):
    settings.APPROVAL_REQUIRED = False
    department = DepartmentFactory()
    make_projects(department, 6)
    staff = UserFactory(role="staff")
    department.members.add(staff)
    client.force_login(staff)
    url = f"{department.get_absolute_url()}?fy={FY}"
    assert completed(client.get(url).content.decode()) == 2
    not_started = list(department.projects.filter(updates=None).order_by("code"))

    # Written around the services (a factory does not bump the data version):
    # the cached totals stay, which shows that they are cached.
    ProgressUpdateFactory(
        project=not_started[0], report_date=date(2020, 9, 20), percent=Decimal(100)
    )
    assert completed(client.get(url).content.decode()) == 2

    # Written through the service: right at once.
    with django_capture_on_commit_callbacks(execute=True):
        services.save_update(
            project=not_started[1],
            user=staff,
            values={"report_date": date(2020, 9, 20), "percent": Decimal(100)},
        )
    html = client.get(url).content.decode()
    assert completed(html) == 4
    summary = (
        department.projects.filter(fiscal_year=FY).with_progress(ON).progress_summary()
    )
    assert summary["complete"] == 4
    assert f'data-testid="project-count">{summary["count"]}<' in html


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, PAGE + 10])
def test_query_count_does_not_grow_with_projects(
    client, django_assert_num_queries, size
):
    department = DepartmentFactory()
    make_projects(department, size)
    for _ in range(size):
        IndicatorFactory(department=department)
    evaluator = UserFactory(role="evaluator")
    client.force_login(evaluator)
    url = department.get_absolute_url()

    # session, user, the department, the totals (one read of every project, and
    # the KPIs counted), the page of projects, the first KPIs, the notification
    # bell, the profile (menu), the fiscal-year switch.
    with django_assert_num_queries(10):
        response = client.get(url, {"fy": FY})

    assert len(response.context["projects"]) == min(size, PAGE)
    assert len(response.context["indicators"]) == min(size, PAGE)
