"""Two workers at once on PostgreSQL, and a worker that dies mid-batch: every
notification exists once, every email is sent once (a mail whose send had
already succeeded when the process died is sent again with the same Message-ID,
the one documented exception)."""

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from notifications import worker
from notifications.models import (
    Channel,
    EmailState,
    Event,
    Kind,
    Notification,
    NotificationPreference,
    WorkerState,
)
from projects import services
from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProjectFactory,
    UserFactory,
)

TODAY = date(2020, 1, 20)
NOW = timezone.make_aware(datetime(2020, 1, 20, 8, 0))


def build_world(projects: int = 12, staff: int = 4) -> list:
    """Departments whose staff want every overdue reminder at once, projects
    with missing months, and reports waiting in the outbox."""
    people = []
    for number in range(3):
        department = DepartmentFactory()
        approver = UserFactory(username=f"approver{number}", role="staff")
        department.approvers.add(approver)
        members = [
            UserFactory(username=f"staff{number}-{n}", role="staff")
            for n in range(staff)
        ]
        department.members.add(*members)
        people += members
        for index in range(projects):
            project = ProjectFactory(department=department)
            PlanStepFactory(project=project)
            if index % 2:
                services.save_update(
                    project=project,
                    user=members[0],
                    values={"report_date": date(2020, 1, 10), "percent": Decimal(10)},
                )
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, kind=Kind.OVERDUE, channel=Channel.IMMEDIATE)
        for user in people
    )


def run_in_parallel(count: int) -> list:
    barrier = threading.Barrier(count)
    errors = []

    def work():
        try:
            barrier.wait()
            worker.run_once(now=NOW, today=TODAY, force_scan=True)
        except Exception as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_and_send_everything_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks that skip: PostgreSQL (SQLite runs one worker)")
    build_world()
    events = Event.objects.count()
    assert events == 18  # one submitted report of every other project

    assert run_in_parallel(2) == []

    assert not Event.objects.filter(processed_at__isnull=True).exists()
    # Each project owes October to December: 3 departments x 12 projects x 3
    # months x 4 staff, plus the submitted reports to each department's approver.
    assert Notification.objects.filter(kind=Kind.OVERDUE).count() == 3 * 12 * 3 * 4
    assert Notification.objects.filter(kind=Kind.SUBMITTED).count() == 18
    emailed = Notification.objects.filter(email_state=EmailState.SENT).count()
    assert emailed == 3 * 12 * 3 * 4 + 18
    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(message_ids) == emailed
    assert len(set(message_ids)) == emailed  # nobody got a mail twice

    # A third pass finds nothing to do.
    assert run_in_parallel(2) == []
    assert len(mail.outbox) == emailed


class Crash(BaseException):
    """The process dying: not an error the worker catches."""


class CrashingBackend(EmailBackend):
    """Delivers the first messages, then the process dies."""

    delivered = 0
    crash_after = 3

    def send_messages(self, messages):
        if CrashingBackend.delivered >= CrashingBackend.crash_after:
            raise Crash
        CrashingBackend.delivered += len(messages)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_mid_batch_loses_nothing(settings):
    build_world(projects=2, staff=2)
    settings.EMAIL_BACKEND = "tests.notifications.test_workers.CrashingBackend"
    CrashingBackend.delivered = 0

    with pytest.raises(Crash):
        worker.run_once(now=NOW, today=TODAY, force_scan=True)

    # The batch being sent was rolled back whole: nothing is marked sent.
    assert not Notification.objects.filter(email_state=EmailState.SENT).exists()
    pending = Notification.objects.filter(email_state=EmailState.PENDING).count()
    assert pending > 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    worker.run_once(now=NOW, today=TODAY)

    assert Notification.objects.filter(email_state=EmailState.PENDING).count() == 0
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(set(ids)) == pending  # every notification mailed
    assert len(ids) == pending + 3  # the three sent before the crash, again...
    assert len(ids) - len(set(ids)) == 3  # ...under the same Message-ID


@pytest.mark.django_db
def test_command_runs_once_and_records_its_run(team):
    call_command("run_worker", "--once", "--today", "2020-01-20", verbosity=0)
    state = WorkerState.objects.get()
    assert state.last_run_at is not None
    assert state.last_scan_at is not None
    assert "events" in state.last_summary
    assert worker.status()["last_run"] == state.last_run_at.isoformat()
