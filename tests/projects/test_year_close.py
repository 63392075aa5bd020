"""A fiscal year closes by itself FISCAL_YEAR_CLOSE_DAYS after 30 September; only an
evaluator's audited reopening opens it again, for every write path."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import IndicatorResult
from projects import access, services
from projects.models import FiscalYearReopening, PlanRevision, PlanStep, ProgressUpdate
from tests.factories import (
    IndicatorFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# FY 2563 ends on 30 Sep 2020; with 30 days of grace it closes on 31 Oct 2020.
OPEN_DAY, CLOSED_DAY = date(2020, 10, 30), date(2020, 10, 31)


@pytest.fixture
def today(monkeypatch, settings):
    settings.FISCAL_YEAR_CLOSE_DAYS = 30

    def freeze(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    freeze(CLOSED_DAY)
    return freeze


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    return project


@pytest.fixture
def staff(client, project):
    user = UserFactory(role="staff")
    project.department.members.add(user)
    client.force_login(user)
    return user


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def post_update(client, project, **values):
    data = {"report_date": "15/9/2563", "percent": "50", "problems": "x", **values}
    return client.post(reverse("projects:update-create", args=[project.code]), data)


def test_the_year_closes_the_day_after_its_grace_period(today):
    today(OPEN_DAY)
    assert not access.year_closed(2563)
    today(CLOSED_DAY)
    assert access.year_closed(2563)
    assert access.locked_quarters(2563, 1) == {1, 2, 3, 4}
    assert access.year_closes_on(2563) == CLOSED_DAY


def test_staff_cannot_report_edit_or_delete_in_a_closed_year(
    client, project, staff, today, english
):
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 8, 1))
    response = post_update(client, project)
    assert response.status_code == 200
    assert "Fiscal year 2563 closed on 31 Oct 2020" in response.content.decode()
    edit = reverse("projects:update-edit", args=[project.code, update.pk])
    client.post(edit, {"report_date": "1/8/2563", "percent": "99", "version": "1"})
    delete = reverse("projects:update-delete", args=[project.code, update.pk])
    client.post(delete, {"version": "1"})
    update.refresh_from_db()
    assert update.percent != Decimal(99) and ProgressUpdate.objects.count() == 1


def test_the_project_page_says_so_and_offers_no_writing_links(
    client, project, staff, today, english
):
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 8, 1))
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Fiscal year 2563 closed on 31 Oct 2020" in html
    for name, args in (
        ("update-create", [project.code]),
        ("update-edit", [project.code, update.pk]),
        ("update-delete", [project.code, update.pk]),
        ("plan-edit", [project.code]),
    ):
        assert reverse(f"projects:{name}", args=args) not in html


def test_the_plan_of_a_closed_year_cannot_change(client, project, staff, today):
    with pytest.raises(services.LockedError):
        services.save_plan(
            project=project,
            user=staff,
            steps=[
                services.StepValues(
                    None, "ใหม่", Decimal(100), date(2020, 1, 1), date(2020, 2, 1)
                )
            ],
            version=project.plan_version,
            reason="แก้ไข",
        )
    page = client.get(reverse("projects:plan-edit", args=[project.code]))
    assert 'data-testid="lock-notice"' in page.content.decode()
    assert PlanStep.objects.get().planned_start == date(2019, 10, 1)


def test_kpi_results_of_a_closed_year_are_refused(client, today, english):
    indicator = IndicatorFactory(fiscal_year=2563)
    user = UserFactory(role="staff")
    indicator.department.members.add(user)
    client.force_login(user)
    url = reverse("indicators:result-edit", args=[indicator.code, 2])
    response = client.post(url, {"value": "1", "report": "x"})
    assert "Fiscal year 2563 closed" in response.content.decode()
    assert not IndicatorResult.objects.exists()


def test_an_evaluator_reopens_with_a_reason_and_closes_again(
    client, project, staff, today, english
):
    evaluator = UserFactory(role="evaluator", first_name="Somsri")
    client.force_login(evaluator)
    summary = reverse("projects:evaluation-summary", args=[2563])
    assert 'data-testid="year-state"' in client.get(summary).content.decode()
    reopen = reverse("projects:evaluation-year-reopen", args=[2563])
    refused = client.post(reopen, {"year-reason": " "})
    assert "Give the reason for reopening" in refused.content.decode()
    assert not FiscalYearReopening.objects.exists()
    assert (
        client.post(reopen, {"year-reason": "แก้ไขรายงานเดือนกันยายน"}).status_code == 302
    )
    reopening = FiscalYearReopening.objects.get()
    assert reopening.reopened_by == evaluator
    assert reopening.history.get().history_user == evaluator
    assert not access.year_closed(2563)

    client.force_login(staff)
    assert post_update(client, project).status_code == 302

    client.force_login(evaluator)
    close = reverse("projects:evaluation-year-close", args=[2563])
    assert client.post(close).status_code == 302
    reopening.refresh_from_db()
    assert reopening.closed_by == evaluator and access.year_closed(2563)
    client.force_login(staff)
    assert post_update(client, project, report_date="16/9/2563").status_code == 200


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_only_evaluators_and_admins_reopen_a_year(client, today, role):
    user = UserFactory(role=role, is_superuser=role == "admin")
    client.force_login(user)
    reopen = reverse("projects:evaluation-year-reopen", args=[2563])
    response = client.post(reopen, {"year-reason": "ขอแก้ไข"})
    assert response.status_code == (302 if role == "admin" else 403)
    assert FiscalYearReopening.objects.exists() is (role == "admin")


def test_an_open_year_cannot_be_reopened(client, today):
    today(OPEN_DAY)
    client.force_login(UserFactory(role="evaluator"))
    reopen = reverse("projects:evaluation-year-reopen", args=[2563])
    assert client.post(reopen, {"year-reason": "ขอแก้ไข"}).status_code == 200
    assert not FiscalYearReopening.objects.exists()


def test_demo_data_as_of_a_day_long_closed_still_loads(settings):
    """load_demo --today (the benchmark's) writes a year that has closed since."""
    from projects import demo

    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    demo.write_seed_project()
    assert demo.write_staff_work(date(2020, 6, 27)) == 4
    assert PlanRevision.objects.filter(valid_until__isnull=True).count() == 1


def test_no_pending_reports_are_written_into_a_closed_year(settings):
    from projects import demo

    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    demo.write_seed_project()
    demo.write_demo_users(other_department=None)
    demo.write_staff_work(date(2020, 6, 27))
    assert demo.write_pending_reports(date(2020, 6, 27)) == 0
