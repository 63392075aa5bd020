"""Locking a quarter, and reopening it with a reason: through the pages, and what
staff can then no longer do. Quarter 3 of FY 2563 runs April to June 2020."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import IndicatorResult
from projects.models import ProgressUpdate, QuarterLock
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db


def lock_url(quarter=3):
    return reverse("projects:evaluation-lock", args=[2563, quarter])


def reopen_url(quarter=3):
    return reverse("projects:evaluation-reopen", args=[2563, quarter])


def lock(client, department, quarter=3):
    scope = department.code if department else "all"
    return client.post(lock_url(quarter), {"lock-department": scope})


def reopen(client, department, reason, quarter=3):
    scope = department.code if department else "all"
    return client.post(
        reopen_url(quarter), {"reopen-department": scope, "reopen-reason": reason}
    )


def staff_changes(client, project, staff, update, indicator):
    """Staff try to add, change and delete Q3 reports and a Q3 KPI result."""
    client.force_login(staff)
    added = client.post(
        reverse("projects:update-create", args=[project.code]),
        {"report_date": "15/6/2563", "percent": "50", "done": "x", "problems": "y"},
    )
    client.post(
        reverse("projects:update-edit", args=[project.code, update.pk]),
        {"report_date": "1/5/2563", "percent": "41", "problems": "y", "version": "1"},
    )
    client.post(
        reverse("projects:update-delete", args=[project.code, update.pk]),
        {"version": "1"},
    )
    result = client.post(
        reverse("indicators:result-edit", args=[indicator.code, 3]), {"value": "1"}
    )
    return added, result


@pytest.fixture
def reported(project):
    update = ProgressUpdateFactory(
        project=project, report_date=date(2020, 5, 1), percent=40
    )
    indicator = IndicatorFactory(department=project.department, unit="ฉบับ", target=1)
    return update, indicator


def test_an_evaluator_locks_a_department_and_staff_can_no_longer_change_it(
    client, project, staff, evaluator, reported, english
):
    update, indicator = reported
    client.force_login(evaluator)
    response = lock(client, project.department)
    assert response.status_code == 302
    assert response.url == reverse("projects:evaluation-quarter", args=[2563, 3])
    locked = QuarterLock.objects.get()
    assert (locked.department, locked.locked_by, locked.is_active) == (
        project.department,
        evaluator,
        True,
    )
    added, result = staff_changes(client, project, staff, update, indicator)
    assert "was locked by" in added.content.decode()
    assert "was locked by" in result.content.decode()
    update.refresh_from_db()
    assert (update.report_date, update.percent, update.version) == (
        date(2020, 5, 1),
        Decimal(40),
        1,
    )
    assert ProgressUpdate.objects.count() == 1
    assert IndicatorResult.objects.count() == 0


def test_a_lock_for_all_departments_binds_every_department(
    client, project, staff, evaluator, reported
):
    update, indicator = reported
    client.force_login(evaluator)
    assert lock(client, None).status_code == 302
    assert QuarterLock.objects.get().department is None
    staff_changes(client, project, staff, update, indicator)
    assert ProgressUpdate.objects.get() == update
    assert IndicatorResult.objects.count() == 0


def test_other_quarters_stay_open_to_staff(client, project, staff, evaluator):
    client.force_login(evaluator)
    lock(client, project.department, quarter=2)
    client.force_login(staff)
    response = client.post(
        reverse("projects:update-create", args=[project.code]),
        {"report_date": "15/6/2563", "percent": "50", "problems": "y"},
    )
    assert response.status_code == 302


def test_the_overview_shows_who_locked_the_quarter(client, project, evaluator, english):
    client.force_login(evaluator)
    lock(client, project.department)
    html = client.get(
        reverse("projects:evaluation-quarter", args=[2563, 3]),
        {"department": project.department.code},
    ).content.decode()
    assert 'data-testid="lock-state">Locked<' in html
    assert f'data-lock="{project.department.code}"' in html
    assert "locked by สมศรี ประเมินดี" in html


def test_locking_twice_is_refused_with_a_message(client, project, evaluator, english):
    client.force_login(evaluator)
    lock(client, None)
    response = lock(client, project.department)
    assert response.status_code == 200
    assert "already locked for" in response.content.decode()
    assert QuarterLock.objects.count() == 1


def test_a_quarter_not_started_cannot_be_locked(client, project, evaluator, english):
    client.force_login(evaluator)
    response = lock(client, None, quarter=4)
    assert "has not started yet" in response.content.decode()
    assert QuarterLock.objects.count() == 0


def test_an_unknown_department_is_refused(client, evaluator, english):
    client.force_login(evaluator)
    response = client.post(lock_url(), {"lock-department": "99999999"})
    assert "Choose a department, or all departments." in response.content.decode()
    assert QuarterLock.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(client, project, evaluator, english, reason):
    client.force_login(evaluator)
    lock(client, project.department)
    response = reopen(client, project.department, reason)
    assert response.status_code == 200
    assert "Give the reason for reopening" in response.content.decode()
    assert QuarterLock.objects.get().is_active


def test_reopening_with_a_reason_opens_the_quarter_to_staff_again(
    client, project, staff, evaluator, reported, english
):
    update, indicator = reported
    client.force_login(evaluator)
    lock(client, project.department)
    response = reopen(client, project.department, "หน่วยงานขอแก้ไขผลไตรมาส 3")
    assert response.status_code == 302
    locked = QuarterLock.objects.get()
    assert not locked.is_active
    assert (locked.reopened_by, locked.reopen_reason) == (
        evaluator,
        "หน่วยงานขอแก้ไขผลไตรมาส 3",
    )
    added, result = staff_changes(client, project, staff, update, indicator)
    assert added.status_code == 302
    assert result.status_code == 302
    assert IndicatorResult.objects.get().quarter == 3
    client.force_login(evaluator)
    html = client.get(
        reverse("projects:evaluation-quarter", args=[2563, 3])
    ).content.decode()
    assert "หน่วยงานขอแก้ไขผลไตรมาส 3" in html
    assert 'data-testid="lock-state">Open<' in html


def test_locks_and_reopenings_are_in_the_history_with_the_evaluator(
    client, project, evaluator
):
    client.force_login(evaluator)
    lock(client, project.department)
    reopen(client, project.department, "แก้ไขข้อมูล")
    rows = list(QuarterLock.history.order_by("history_date"))
    assert [(r.history_type, r.history_user, r.reopen_reason) for r in rows] == [
        ("+", evaluator, ""),
        ("~", evaluator, "แก้ไขข้อมูล"),
    ]


def test_reopening_a_quarter_not_locked_is_refused(client, project, evaluator, english):
    client.force_login(evaluator)
    response = reopen(client, project.department, "เหตุผล")
    assert "is not locked for" in response.content.decode()


def test_reopening_one_department_warns_of_a_lock_for_all(
    client, project, evaluator, english
):
    client.force_login(evaluator)
    lock(client, project.department)
    lock(client, None)
    response = reopen(client, project.department, "เหตุผล")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "still locked for all departments" in page


def test_a_result_for_the_locked_quarter_of_another_year_is_unaffected(
    client, project, staff, evaluator
):
    indicator = IndicatorFactory(department=project.department, fiscal_year=2563)
    IndicatorResultFactory(indicator=indicator, quarter=2, value=1)
    client.force_login(evaluator)
    client.post(
        reverse("projects:evaluation-lock", args=[2562, 3]), {"lock-department": "all"}
    )
    client.force_login(staff)
    response = client.post(
        reverse("indicators:result-edit", args=[indicator.code, 3]), {"value": "1"}
    )
    assert response.status_code == 302
