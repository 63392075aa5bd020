"""Transition events: written by the services in the writing transaction, fanned
out by the worker to the right people, each exactly once."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators import services as indicator_services
from notifications import worker
from notifications.models import EmailState, Event, Kind, Notification
from projects import evaluations, services
from tests.factories import IndicatorFactory, PlanStepFactory, ProjectFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2020, 1, 20, 10, 0))


def told(kind=None):
    rows = Notification.objects.order_by("recipient__username")
    if kind:
        rows = rows.filter(kind=kind)
    return [(n.recipient.username, n.kind) for n in rows]


@pytest.fixture
def project(team):
    project = ProjectFactory(department=team["department"])
    PlanStepFactory(project=project)
    return project


def submit(project, user, day=date(2020, 1, 15)):
    return services.save_update(
        project=project,
        user=user,
        values={"report_date": day, "percent": Decimal(30), "done": "ทำแล้ว"},
    )


def test_submitted_report_tells_the_departments_approvers(team, project):
    submit(project, team["author"])
    assert Event.objects.filter(kind=Kind.SUBMITTED).count() == 1
    assert Notification.objects.count() == 0  # only once the worker runs

    worker.fan_out(now=NOW)

    assert told() == [("approver", Kind.SUBMITTED)]
    notification = Notification.objects.get()
    assert notification.url == "/approvals/"
    assert notification.project == project
    assert notification.email_state == EmailState.PENDING


def test_fan_out_twice_makes_nothing_twice(team, project):
    submit(project, team["author"])
    worker.fan_out(now=NOW)
    Event.objects.update(processed_at=None)  # as after a crash before the mark
    worker.fan_out(now=NOW)
    assert Notification.objects.count() == 1


def test_draft_tells_nobody(team, project):
    services.save_update(
        project=project,
        user=team["author"],
        values={"report_date": date(2020, 1, 15), "percent": Decimal(30)},
        submit=False,
    )
    assert not Event.objects.exists()


def test_saved_and_approved_at_once_tells_nobody(team, project, settings):
    settings.APPROVAL_REQUIRED = False
    submit(project, team["author"])
    assert not Event.objects.exists()


def test_returned_report_tells_its_author_with_the_comment(team, project):
    update = submit(project, team["author"])
    services.return_update(
        update=update,
        user=team["approver"],
        version=update.version,
        comment="แนบภาพถ่ายประกอบ",
    )
    worker.fan_out(now=NOW)

    returned = Notification.objects.get(kind=Kind.RETURNED)
    assert returned.recipient == team["author"]
    assert returned.params["comment"] == "แนบภาพถ่ายประกอบ"
    assert returned.url == f"/projects/{project.code}/updates/{update.pk}/edit/"


def test_approved_report_tells_its_author(team, project):
    update = submit(project, team["author"])
    services.approve_update(
        update=update, user=team["approver"], version=update.version
    )
    worker.fan_out(now=NOW)
    assert told(Kind.APPROVED) == [("author", Kind.APPROVED)]
    assert (
        Notification.objects.get(kind=Kind.APPROVED).url == project.get_absolute_url()
    )


def test_resubmitted_report_is_a_new_event(team, project):
    update = submit(project, team["author"])
    update = services.return_update(
        update=update, user=team["approver"], version=update.version, comment="แก้"
    )
    services.submit_update(update=update, user=team["author"], version=update.version)
    worker.fan_out(now=NOW)
    assert told(Kind.SUBMITTED) == [("approver", Kind.SUBMITTED)] * 2


def test_refused_write_leaves_no_event(team, project):
    update = submit(project, team["author"])
    with pytest.raises(services.TransitionError):
        # Nobody approves their own report: the transaction rolls back whole.
        services.approve_update(
            update=update, user=team["author"], version=update.version
        )
    assert Event.objects.filter(kind=Kind.APPROVED).count() == 0


def test_nobody_is_told_what_they_did(team, project):
    team["department"].approvers.add(team["author"])
    submit(project, team["author"])
    worker.fan_out(now=NOW)
    assert told() == [("approver", Kind.SUBMITTED)]


def test_kpi_result_submitted_and_returned(team):
    indicator = IndicatorFactory(department=team["department"])
    result = indicator_services.save_result(
        indicator=indicator,
        quarter=1,
        user=team["author"],
        values={"value": Decimal(20)},
    )
    indicator_services.return_result(
        result=result, user=team["approver"], version=result.version, comment="ค่าผิด"
    )
    worker.fan_out(now=NOW)
    assert told() == [("approver", Kind.SUBMITTED), ("author", Kind.RETURNED)]
    returned = Notification.objects.get(kind=Kind.RETURNED)
    assert returned.params["quarter"] == 1
    assert returned.url == f"/indicators/{indicator.code}/results/1/"


def test_quarter_lock_and_reopen_tell_the_departments_staff(team):
    evaluator = team["evaluator"]
    evaluations.lock_quarter(
        fiscal_year=2563, quarter=1, department=team["department"], user=evaluator
    )
    evaluations.reopen_quarter(
        fiscal_year=2563,
        quarter=1,
        department=team["department"],
        user=evaluator,
        reason="แก้ไขรายงาน",
    )
    worker.fan_out(now=NOW)
    assert sorted(told()) == [
        ("author", Kind.QUARTER_LOCKED),
        ("author", Kind.QUARTER_REOPENED),
        ("colleague", Kind.QUARTER_LOCKED),
        ("colleague", Kind.QUARTER_REOPENED),
    ]
    reopened = Notification.objects.filter(kind=Kind.QUARTER_REOPENED).first()
    assert reopened.params["reason"] == "แก้ไขรายงาน"


def test_score_tells_the_department_once_per_change(team, project):
    evaluator = team["evaluator"]
    evaluation = evaluations.score_project(
        project=project, quarter=1, user=evaluator, score=Decimal(80)
    )
    # The same score again writes nothing, and tells nobody again.
    evaluations.score_project(
        project=project,
        quarter=1,
        user=evaluator,
        score=Decimal(80),
        version=evaluation.version,
    )
    worker.fan_out(now=NOW)
    assert sorted(told()) == [("author", Kind.SCORED), ("colleague", Kind.SCORED)]
    assert Notification.objects.filter(kind=Kind.SCORED).first().params["score"] == "80"
