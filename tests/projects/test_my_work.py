"""My work (/my/): a staff member's projects this fiscal year, overdue reports first."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("projects:my-work")
# FY 2563 runs from 1 Oct 2019 to 30 Sep 2020; the monthly due day is the 25th.
AFTER_DUE_DAY = date(2020, 3, 28)
BEFORE_DUE_DAY = date(2020, 3, 20)


@pytest.fixture
def today(monkeypatch):
    """Freeze the portal's today; returns a setter."""

    def freeze(day: date) -> None:
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)

    freeze(AFTER_DUE_DAY)
    return freeze


@pytest.fixture
def english(client, settings):
    """Browse in English, as the language switch does, with the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def staff(client, settings):
    settings.REPORT_DUE_DAY = 25
    user = UserFactory(role="staff")
    department = DepartmentFactory()
    department.members.add(user)
    client.force_login(user)
    return user, department


def make_projects(department):
    """Four projects of FY 2563 in each state a month can leave them in; their
    plans start on 1 March 2020, so March is the first month they owe."""
    projects = []
    for number in range(1, 5):
        project = ProjectFactory(
            department=department, code=f"{department.code}-{number}"
        )
        PlanStepFactory(project=project, planned_start=date(2020, 3, 1))
        projects.append(project)
    reported, late, never, complete = projects
    ProgressUpdateFactory(project=reported, report_date=date(2020, 3, 10), percent=40)
    ProgressUpdateFactory(project=late, report_date=date(2020, 2, 15), percent=20)
    ProgressUpdateFactory(project=complete, report_date=date(2020, 1, 10), percent=100)
    return reported, late, never, complete


def rows(response):
    return [
        (p.code, bool(p.report_overdue), p.report_due)
        for p in response.context["projects"]
    ]


def test_lists_only_the_users_departments_projects_of_the_current_fiscal_year(
    client, staff, today
):
    _user, department = staff
    mine = ProjectFactory(department=department, fiscal_year=2563)
    ProjectFactory(department=department, fiscal_year=2562)
    ProjectFactory(department=DepartmentFactory(), fiscal_year=2563)
    response = client.get(URL)
    assert response.status_code == 200
    assert [p.code for p in response.context["projects"]] == [mine.code]
    assert response.context["fiscal_year"] == 2563


def test_lists_projects_of_every_department_the_user_is_staff_of(client, staff, today):
    user, department = staff
    other = DepartmentFactory()
    other.members.add(user)
    first = ProjectFactory(department=department)
    second = ProjectFactory(department=other)
    response = client.get(URL)
    assert {p.code for p in response.context["projects"]} == {first.code, second.code}
    assert list(response.context["departments"]) == sorted(
        [department, other], key=lambda d: d.code
    )


def test_after_the_due_day_unreported_projects_are_overdue_and_listed_first(
    client, staff, today
):
    _user, department = staff
    reported, late, never, complete = make_projects(department)
    response = client.get(URL)
    assert rows(response) == [
        (late.code, True, True),
        (never.code, True, True),
        (reported.code, False, False),
        (complete.code, False, False),
    ]
    assert response.context["counts"] == {
        "overdue": 2,
        "missing": 2,
        "due": 0,
        "total": 4,
        "returned": 0,
        "draft": 0,
        "submitted": 0,
    }
    html = response.content.decode()
    assert '<strong class="h4 mb-0" data-count="overdue">2</strong>' in html
    assert '<strong class="h4 mb-0" data-count="total">4</strong>' in html


def test_before_the_due_day_unreported_projects_are_due_not_overdue(
    client, staff, today
):
    today(BEFORE_DUE_DAY)
    _user, department = staff
    reported, late, never, complete = make_projects(department)
    response = client.get(URL)
    assert rows(response) == [
        (late.code, False, True),
        (never.code, False, True),
        (reported.code, False, False),
        (complete.code, False, False),
    ]
    assert response.context["counts"] == {
        "overdue": 0,
        "missing": 0,
        "due": 2,
        "total": 4,
        "returned": 0,
        "draft": 0,
        "submitted": 0,
    }
    assert '<strong class="h4 mb-0" data-count="due">2</strong>' in (
        response.content.decode()
    )


def test_every_missing_month_of_the_year_is_counted(client, staff, today):
    _user, department = staff
    project = ProjectFactory(department=department)
    PlanStepFactory(project=project)  # from 1 October 2019
    ProgressUpdateFactory(project=project, report_date=date(2020, 2, 10), percent=30)
    response = client.get(URL)
    # October to January and March: five months, on 28 March 2020.
    assert response.context["counts"]["missing"] == 5
    html = response.content.decode()
    assert '<strong class="h4 mb-0" data-count="missing">5</strong>' in html
    assert 'data-missing="5"' in html


def test_each_project_has_a_report_now_button_to_its_update_form(
    client, staff, today, english
):
    _user, department = staff
    project = ProjectFactory(department=department)
    html = client.get(URL).content.decode()
    form_url = reverse("projects:update-create", args=[project.code])
    button = (
        f'href="{form_url}">Report now'
        f'<span class="visually-hidden"> {project.code}</span></a>'
    )
    # Once in the phone layout, once in the table.
    assert html.count(button) == 2


def test_shows_the_last_report_date_in_buddhist_era(client, staff, today):
    _user, department = staff
    project = ProjectFactory(department=department)
    ProgressUpdateFactory(project=project, report_date=date(2020, 2, 15), percent=20)
    html = client.get(URL).content.decode()
    assert "15 ก.พ. 2563" in html


def test_anonymous_visitors_are_sent_to_login(client, today):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_a_user_without_a_department_is_told_why_the_list_is_empty(
    client, today, english
):
    client.force_login(UserFactory(role="staff"))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["projects"] == []
    html = response.content.decode()
    assert "You are not on the staff of any department yet." in html
    assert "Ask the portal's administrator to add you" in html


def test_an_evaluator_without_a_department_is_pointed_to_overdue_projects(
    client, today
):
    client.force_login(UserFactory(role="evaluator"))
    html = client.get(URL).content.decode()
    assert f"{reverse('projects:list')}?fy=2563&amp;status=overdue" in html


def test_only_get_and_head(client, staff, today):
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("size", [1, 5])
def test_query_count_does_not_grow_with_projects(
    client, staff, today, django_assert_num_queries, size
):
    _user, department = staff
    for number in range(size):
        project = ProjectFactory(department=department)
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 2, 1), percent=Decimal(number)
        )
    # session, user, departments, projects with progress, the menu's role check
    # (profile), fiscal-year switch; since approval: the projects' reports with
    # their approval states (one prefetch) and whether the user approves for any
    # department (for the approval queue's notice)
    # +1: the notification bell's unread count (signed-in pages).
    # +1: the departments the user approves for, read for the cached part's scope
    # (tests render without the shared cache: the whole page each time).
    with django_assert_num_queries(10):
        response = client.get(URL)
    assert len(response.context["projects"]) == size


def test_my_work_shows_each_report_state_and_the_return_comment(client, staff, today):
    today(AFTER_DUE_DAY)
    _user, department = staff
    project = ProjectFactory(department=department)
    PlanStepFactory(project=project)
    for month, status, comment in [
        (1, "approved", ""),
        (2, "submitted", ""),
        (3, "returned", "ขอรายละเอียดเพิ่ม"),
        (4, "draft", ""),
    ]:
        ProgressUpdateFactory(
            project=project,
            report_date=date(2020, month, 10),
            status=status,
            review_comment=comment,
        )
    response = client.get(URL)
    html = response.content.decode()
    counts = response.context["counts"]
    assert (counts["returned"], counts["draft"], counts["submitted"]) == (1, 1, 1)
    for month, status in [(1, "approved"), (2, "submitted"), (3, "returned")]:
        assert f'data-report="2020-0{month}" data-state="{status}"' in html
    assert 'data-report="2020-04" data-state="draft"' in html
    assert "ขอรายละเอียดเพิ่ม" in html
    assert 'data-testid="waiting"' not in html  # not an approver


def test_an_approver_sees_how_many_reports_wait(client, staff, today):
    today(AFTER_DUE_DAY)
    user, department = staff
    department.approvers.add(user)
    project = ProjectFactory(department=department)
    ProgressUpdateFactory(project=project, status="submitted")
    response = client.get(URL)
    assert response.context["waiting"] == 1
    assert reverse("projects:approvals") in response.content.decode()
