"""The audit history is complete: roles, flags, groups, membership, project and
KPI links, and deletions; who, when, before and after, on the portal's pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from projects import history, services
from projects.models import Department, Profile, Project
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    PlanStepFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)
from tests.projects.test_admin import admin_url, post_data

pytestmark = pytest.mark.django_db


def people() -> list:
    with translation.override("en"):
        return history.people_history("en")


def of_project(project) -> list:
    with translation.override("en"):
        return history.project_history(project, "en")


def changes_of(entries, model_name: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (entry.user, entry.label, change.field, change.before, change.after)
        for entry in entries
        if entry.model == model_name
        for change in entry.changes
    ]


@pytest.fixture
def english(client, admin_client, settings):
    for who in (client, admin_client):
        who.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


class TestPeople:
    def change_user(self, admin_client, user, **values):
        from django.contrib.auth import get_user_model

        url = admin_url(get_user_model(), "change", user.pk)
        data = post_data(admin_client.get(url))
        data.update(values)
        joined = user.date_joined.astimezone()
        data["date_joined_0"] = joined.date().isoformat()
        data["date_joined_1"] = joined.strftime("%H:%M:%S")
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        return response

    def test_role_staff_flag_and_groups_changed_in_the_admin(
        self, admin_client, admin_user, english
    ):
        user = UserFactory(username="somsri", role="staff")
        group = Group.objects.create(name="reviewers")
        self.change_user(
            admin_client,
            user,
            is_staff="on",
            groups=[str(group.pk)],
            **{"profile-0-role": "evaluator"},
        )
        entries = people()
        admin_name = admin_user.get_username()
        assert (admin_name, "somsri", "staff status", "No", "Yes") in changes_of(
            entries, "user"
        )
        assert (admin_name, "somsri", "groups", "–", "reviewers") in changes_of(
            entries, "user"
        )
        assert (admin_name, "somsri", "role", "Agency staff", "Evaluator") in (
            changes_of(entries, "profile")
        )

    def test_membership_changed_in_the_user_admin(self, admin_client, admin_user):
        user = UserFactory(username="somchai", role="staff")
        department = DepartmentFactory(code="21000000")
        url = admin_url(type(user), "change", user.pk)
        data = post_data(admin_client.get(url))
        data["date_joined_0"] = user.date_joined.date().isoformat()
        data["date_joined_1"] = user.date_joined.strftime("%H:%M:%S")
        prefix = "Department_members-"
        data.update(
            {
                f"{prefix}TOTAL_FORMS": "1",
                f"{prefix}INITIAL_FORMS": "0",
                f"{prefix}0-department": str(department.pk),
                f"{prefix}0-user": str(user.pk),
            }
        )
        response = admin_client.post(url, data)
        assert response.status_code == 302
        assert list(user.departments.all()) == [department]
        rows = changes_of(history.people_history("th"), "หน่วยงาน") + changes_of(
            people(), "department"
        )
        assert any(
            who == admin_user.get_username() and before == "–" and after == "somchai"
            for who, _label, _field, before, after in rows
        ), rows

    def test_membership_changed_from_either_side(self):
        user = UserFactory(username="kanda")
        first, second = DepartmentFactory(), DepartmentFactory()
        first.members.add(user)
        user.departments.add(second)
        user.departments.remove(first)
        user.departments.clear()
        rows = changes_of(people(), "department")
        members = [(label[:8], before, after) for _w, label, f, before, after in rows]
        assert (first.code, "–", "kanda") in members
        assert (second.code, "–", "kanda") in members
        assert (first.code, "kanda", "–") in members
        assert (second.code, "kanda", "–") in members

    def test_the_history_never_keeps_password_hashes(self, admin_client):
        user = UserFactory()
        user.set_password("another-Password-2563")
        user.save()
        model = type(user).history.model
        assert "password" not in {f.name for f in model._meta.fields}

    def test_only_admins_open_the_people_history(self, client, admin_client):
        url = reverse("projects:people-history")
        assert admin_client.get(url).status_code == 200
        for role in ("staff", "evaluator"):
            client.force_login(UserFactory(role=role))
            assert client.get(url).status_code == 403
        client.logout()
        assert client.get(url).status_code == 302

    def test_the_page_shows_who_before_and_after(self, admin_client, english):
        UserFactory(username="wichai", role="staff").profile.__class__.objects.filter(
            user__username="wichai"
        ).update(role=Profile.Role.STAFF)
        profile = Profile.objects.get(user__username="wichai")
        profile.role = Profile.Role.EVALUATOR
        profile.save()
        html = admin_client.get(reverse("projects:people-history")).content.decode()
        assert "wichai" in html
        assert "Evaluator" in html
        assert 'class="text-break history-before">Agency staff' in html


class TestProjectLinks:
    def test_strategy_links_are_in_the_project_history(self, admin_client, english):
        project = ProjectFactory()
        strategy = StrategyNodeFactory(code="5", title_th="ด้านที่ 5")
        url = admin_url(Project, "change", project.pk)
        data = post_data(admin_client.get(url))
        data["strategies"] = [str(strategy.pk)]
        assert admin_client.post(url, data).status_code == 302
        rows = changes_of(of_project(project), "project")
        assert any(
            field == "strategies supported" and before == "–" and "5" in after
            for _w, _l, field, before, after in rows
        ), rows

    def test_strategies_set_by_the_service_are_recorded(self):
        project = ProjectFactory()
        first, second = StrategyNodeFactory(), StrategyNodeFactory()
        project.strategies.set([first])
        project.strategies.set([second])
        rows = changes_of(of_project(project), "project")
        strategy_rows = [
            (b, a) for _w, _l, f, b, a in rows if f == "strategies supported"
        ]
        # set() removes, then adds: two recorded changes.
        assert (str(first), "–") in strategy_rows
        assert ("–", str(second)) in strategy_rows

    def test_kpi_links_stay_in_the_history_after_unlinking(self):
        project = ProjectFactory()
        kpi = IndicatorFactory(code="2100-1044", department=project.department)
        kpi.projects.add(project)
        kpi.projects.remove(project)
        entries = of_project(project)
        rows = changes_of(entries, "KPI")
        links = [(b, a) for _w, label, f, b, a in rows if f == "projects"]
        assert (("–", project.code) in links) and ((project.code, "–") in links), rows
        assert services  # the service layer writes links through the same fields


class TestDeletedProjects:
    @pytest.fixture
    def deleted(self, admin_client):
        project = ProjectFactory(code="21000000-9001")
        PlanStepFactory(project=project)
        url = admin_url(Project, "delete", project.pk)
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
        assert not Project.objects.filter(code="21000000-9001").exists()
        return project

    def test_evaluators_and_admins_read_it(self, client, admin_client, deleted):
        url = reverse("projects:history", args=[deleted.code])
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="deleted-project"' in html
        assert 'data-action="-"' in html
        client.force_login(UserFactory(role="evaluator"))
        assert client.get(url).status_code == 200

    def test_the_deletion_shows_who_and_the_values_before(
        self, admin_user, deleted, english
    ):
        entries = of_project(deleted)
        (removed,) = [e for e in entries if e.action == "-" and e.model == "project"]
        assert removed.user == admin_user.get_username()
        values = {
            change.field: (change.before, change.after) for change in removed.changes
        }
        assert values["code"] == ("21000000-9001", "–")
        assert values["name (Thai)"] == (deleted.name_th, "–")

    def test_department_staff_and_visitors_do_not(self, client, deleted):
        url = reverse("projects:history", args=[deleted.code])
        staff = UserFactory(role="staff")
        Department.objects.get(pk=deleted.department_id).members.add(staff)
        client.force_login(staff)
        assert client.get(url).status_code == 403

    def test_a_code_never_used_is_not_found(self, admin_client):
        url = reverse("projects:history", args=["21000000-0000"])
        assert admin_client.get(url).status_code == 404
