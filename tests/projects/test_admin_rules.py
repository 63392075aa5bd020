"""Django admin obeys the portal's rules: Buddhist-era dates, the fiscal year,
plan weights, warnings, locks and closed years, and the version check, through the
same services and rule functions as the portal's forms."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import ProgressUpdate, Project, QuarterLock
from tests.factories import (
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADD = reverse("admin:projects_progressupdate_add")
TODAY = date(2020, 9, 20)


def change_url(update) -> str:
    return reverse("admin:projects_progressupdate_change", args=[update.pk])


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def english(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    return project


def add(admin_client, project, **values):
    data = {
        "project": project.pk,
        "report_date": "15/6/2563",
        "percent": "70",
        "done": "ลงพื้นที่",
        "problems": "งบล่าช้า",
        "obstacles": "",
        **values,
    }
    return admin_client.post(ADD, data)


def errors(response) -> str:
    return str(response.context["adminform"].form.errors)


def test_a_buddhist_year_is_stored_as_its_christian_date(admin_client, project):
    assert add(admin_client, project).status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.report_date == date(2020, 6, 15)
    assert update.version == 1
    # The change form shows it back in the Buddhist era, as the portal does.
    page = admin_client.get(change_url(update)).content.decode()
    assert 'value="15/6/2563"' in page


def test_the_changelist_shows_dates_in_the_buddhist_era(admin_client, project):
    ProgressUpdateFactory(project=project, report_date=date(2020, 6, 15))
    page = admin_client.get(reverse("admin:projects_progressupdate_changelist"))
    assert "2563" in page.content.decode()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"report_date": "15/6/2562"}, "outside fiscal year 2563"),
        ({"report_date": "25/9/2563"}, "in the future"),
        ({"percent": "101"}, "100"),
        ({"report_date": "31/2/2563"}, "That day does not exist"),
    ],
)
def test_the_forms_hard_rules_hold(admin_client, project, english, values, message):
    response = add(admin_client, project, **values)
    assert response.status_code == 200
    assert message in errors(response)
    assert not ProgressUpdate.objects.exists()


def test_a_duplicate_date_is_refused(admin_client, project, english):
    ProgressUpdateFactory(project=project, report_date=date(2020, 6, 15))
    response = add(admin_client, project)
    assert "already has a report on that date" in errors(response)
    assert ProgressUpdate.objects.count() == 1


def test_a_plan_not_totalling_100_blocks_reporting(admin_client, english):
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project, weight=Decimal(60))
    response = add(admin_client, project)
    assert "must total exactly 100%" in errors(response)
    assert not ProgressUpdate.objects.exists()


def test_warnings_need_confirming_in_the_admin_too(admin_client, project, english):
    ProgressUpdateFactory(project=project, report_date=date(2020, 5, 1), percent=90)
    response = add(admin_client, project)
    assert "confirm" in errors(response)
    assert "fell from 90.00% to 70" in response.content.decode()
    assert ProgressUpdate.objects.count() == 1
    assert add(admin_client, project, confirm="on").status_code == 302
    assert ProgressUpdate.objects.count() == 2


def test_a_locked_quarter_is_refused_with_who_locked_it(admin_client, project, english):
    QuarterLock.objects.create(
        fiscal_year=2563,
        quarter=3,
        department=project.department,
        locked_by=UserFactory(first_name="Somsri", last_name="Evaluator"),
    )
    response = add(admin_client, project)
    assert "locked by Somsri Evaluator" in errors(response)
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 5, 1))
    delete = reverse("admin:projects_progressupdate_delete", args=[update.pk])
    admin_client.post(delete, {"post": "yes"})
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_a_closed_year_is_refused(
    admin_client, project, english, settings, monkeypatch
):
    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2021, 1, 5))
    response = admin_client.post(
        change_url(update),
        {
            "report_date": "1/6/2563",
            "percent": "99",
            "done": "",
            "problems": "x",
            "obstacles": "",
            "seen_version": "1",
        },
    )
    assert "Fiscal year 2563 closed" in errors(response)
    update.refresh_from_db()
    assert update.percent != Decimal(99)


def change_data(update, **values):
    return {
        "report_date": "1/6/2563",
        "percent": "71",
        "done": "แก้ไข",
        "problems": "x",
        "obstacles": "",
        "seen_version": str(update.version),
        **values,
    }


def test_an_admin_form_opened_before_a_portal_save_is_refused(
    admin_client, client, project, english
):
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    opened = change_data(update)  # the admin opens the form at version 1
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    client.force_login(staff)
    portal = reverse("projects:update-edit", args=[project.code, update.pk])
    saved = client.post(
        portal,
        {"report_date": "1/6/2563", "percent": "72", "problems": "x", "version": "1"},
    )
    assert saved.status_code == 302
    response = admin_client.post(change_url(update), opened)
    assert "Someone else saved this report" in errors(response)
    update.refresh_from_db()
    assert (update.percent, update.version) == (Decimal(72), 2)


def test_a_portal_form_opened_before_an_admin_save_is_refused(
    admin_client, client, project
):
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    assert admin_client.post(change_url(update), change_data(update)).status_code == 302
    update.refresh_from_db()
    assert (update.percent, update.version) == (Decimal(71), 2)
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    client.force_login(staff)
    portal = reverse("projects:update-edit", args=[project.code, update.pk])
    stale = client.post(
        portal,
        {"report_date": "1/6/2563", "percent": "72", "problems": "x", "version": "1"},
    )
    assert stale.status_code == 409
    update.refresh_from_db()
    assert update.percent == Decimal(71)


def test_admin_saves_are_in_the_audit_history_as_the_admin(
    admin_client, admin_user, project
):
    add(admin_client, project)
    update = ProgressUpdate.objects.get()
    assert update.author == admin_user
    assert update.history.get().history_user == admin_user


def test_the_fiscal_year_of_a_project_with_dated_work_cannot_change(
    admin_client, project, english
):
    ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    url = reverse("admin:projects_project_change", args=[project.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
        if not form.fields[name].disabled
    }
    data.update({"fiscal_year": "2564", "objectives": "", "targets": ""})
    data.pop("strategies", None)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    response = admin_client.post(url, data)
    assert "cannot change" in errors(response)
    assert Project.objects.get(pk=project.pk).fiscal_year == 2563


def test_plan_steps_are_not_edited_one_by_one_in_the_admin(admin_client, project):
    step = project.steps.get()
    url = reverse("admin:projects_planstep_change", args=[step.pk])
    admin_client.post(url, {"weight": "10"})
    step.refresh_from_db()
    assert step.weight == Decimal(100)
    assert admin_client.get(reverse("admin:projects_planstep_add")).status_code == 403


def test_a_project_goes_with_its_plan_and_reports(admin_client, project):
    ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    url = reverse("admin:projects_project_delete", args=[project.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()


def test_a_project_with_reports_in_a_locked_quarter_is_not_deleted(
    admin_client, project, english
):
    ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    QuarterLock.objects.create(
        fiscal_year=2563, quarter=3, department=project.department
    )
    url = reverse("admin:projects_project_delete", args=[project.pk])
    page = admin_client.get(url).content.decode()
    assert "was locked by" in page
    admin_client.post(url, {"post": "yes"})
    assert Project.objects.filter(pk=project.pk).exists()
