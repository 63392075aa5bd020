"""Creating and editing projects: proposed code, validation, access."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from tests.factories import (
    DepartmentFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)
from tests.projects.test_updates import EXPECTED, users

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: date(2020, 6, 20)
    )


@pytest.fixture
def department():
    return DepartmentFactory(code="21000000")


@pytest.fixture
def staff(client, department, settings):
    user = UserFactory(role="staff")
    department.members.add(user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def project_data(department, **values):
    return {
        "department": str(department.pk),
        "code": f"{department.code}-3153",
        "fiscal_year": "2563",
        "kind": "project",
        "name_th": "โครงการใหม่",
        "officer_name": "นางสาวทดสอบ ใจดี",
        "objectives": "เพื่อหนึ่ง\n\nเพื่อสอง\n",
        "targets": "เป้าหนึ่ง",
        **values,
    }


def test_the_code_is_proposed_from_the_next_number(client, department, staff):
    ProjectFactory(department=department, code="21000000-3152")
    ProjectFactory(department=department, code="21000000-999")
    response = client.get(reverse("projects:create"))
    assert response.status_code == 200
    assert response.context["form"].initial["code"] == "21000000-3153"
    assert response.context["form"].initial["fiscal_year"] == 2563


def test_staff_creates_a_project_with_lists_and_strategies(client, department, staff):
    node = StrategyNodeFactory(code="5.2.1")
    response = client.post(
        reverse("projects:create"),
        project_data(department, strategies=[str(node.pk)]),
    )
    assert response.status_code == 302
    project = Project.objects.get(code="21000000-3153")
    assert project.objectives == ["เพื่อหนึ่ง", "เพื่อสอง"]
    assert project.targets == ["เป้าหนึ่ง"]
    assert list(project.strategies.all()) == [node]
    assert project.history.first().history_user == staff


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"code": "99999999-1"}, "code", "must start with the department"),
        ({"code": "21000000"}, "code", "department code, a dash"),
        ({"fiscal_year": "2020"}, "fiscal_year", "greater than or equal to 2500"),
        ({"name_th": ""}, "name_th", "This field is required"),
        ({"budget_amount": "-5"}, "budget_amount", "greater than or equal to 0"),
    ],
)
def test_invalid_projects_are_refused(
    client, department, staff, values, field, message
):
    response = client.post(
        reverse("projects:create"), project_data(department, **values)
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert Project.objects.count() == 0


def test_a_duplicate_code_is_refused(client, department, staff):
    ProjectFactory(department=department, code="21000000-3153")
    response = client.post(reverse("projects:create"), project_data(department))
    assert "already exists" in str(response.context["form"].errors["code"])
    assert Project.objects.count() == 1


def test_staff_cannot_create_for_another_department(client, department, staff):
    other = DepartmentFactory()
    data = project_data(other, code=f"{other.code}-1001")
    response = client.post(reverse("projects:create"), data)
    assert "department" in response.context["form"].errors
    assert Project.objects.count() == 0


def test_predecessor_must_be_earlier(client, department, staff):
    later = ProjectFactory(department=department, fiscal_year=2564)
    data = project_data(department, predecessor=str(later.pk))
    response = client.post(reverse("projects:create"), data)
    assert "earlier fiscal year" in str(response.context["form"].errors["predecessor"])


def test_editing_keeps_code_and_department(client, department, staff):
    project = ProjectFactory(department=department, code="21000000-3152")
    other = DepartmentFactory()
    data = project_data(other, code="21000000-9999", name_th="ชื่อใหม่")
    response = client.post(reverse("projects:edit", args=[project.code]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.code, project.department, project.name_th) == (
        "21000000-3152",
        department,
        "ชื่อใหม่",
    )


def test_people_without_a_department_cannot_create(client):
    client.force_login(UserFactory(role="evaluator"))
    assert client.get(reverse("projects:create")).status_code == 403


@pytest.mark.parametrize("role", EXPECTED)
def test_edit_access_matrix(client, department, role):
    project = ProjectFactory(department=department)
    user = users(project)[role]
    if user:
        client.force_login(user)
    url = reverse("projects:edit", args=[project.code])
    assert client.get(url).status_code == EXPECTED[role]
    posted = client.post(url, project_data(department, name_th="เปลี่ยน"))
    if EXPECTED[role] != 200:
        assert posted.status_code == EXPECTED[role]
        project.refresh_from_db()
        assert project.name_th != "เปลี่ยน"
