"""Email: sent at once or in a daily digest grouped by project, in the person's
language, with absolute links; failures retried with backoff, never dropped;
each person's preferences respected."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications import services, worker
from notifications.audience import Audience
from notifications.models import Channel, EmailState, Kind, Notification
from projects.models import Profile
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

# 8:00 in Bangkok on 20 January 2020, after the 7:00 digest.
NOW = timezone.make_aware(datetime(2020, 1, 20, 8, 0))


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses everything."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def digest_groups(body: str) -> list[tuple[str, list[str]]]:
    """The digest's plain text as (heading, [item title]) in order."""
    groups: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            groups.append((line[3:-3], []))
        elif line.startswith("* ") and groups:
            groups[-1][1].append(line[2:])
    return groups


def overdue(user, project, month=10, *, state=EmailState.PENDING, created=None):
    year = 2019 if month >= 10 else 2020
    return Notification.objects.create(
        recipient=user,
        kind=Kind.OVERDUE,
        key=f"overdue:{project.pk}:{year}-{month:02d}",
        project=project,
        params={
            "code": project.code,
            "name": project.name_th,
            "name_en": project.name_en,
            "year": year,
            "month": month,
            "due": f"{year}-{month:02d}-25",
        },
        url=f"/projects/{project.code}/updates/new/",
        created_at=created or NOW - timedelta(hours=3),
        email_state=state,
        next_attempt_at=(created or NOW) if state == EmailState.PENDING else None,
    )


@pytest.fixture
def person():
    return UserFactory(username="somchai", first_name="สมชาย", role="staff")


def test_sent_at_once_in_thai_with_be_dates_and_absolute_links(person):
    project = ProjectFactory()
    item = overdue(person, project)

    assert worker.send_due_emails(now=NOW) == (1, 0)

    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.extra_headers["Content-Language"] == "th"
    assert message.extra_headers["Message-ID"] == (
        f"<notification-{item.pk}@portal.example.go.th>"
    )
    assert "ต.ค. 2562" in message.subject  # October 2019 in BE
    assert "25 ตุลาคม 2562" in message.body
    assert f"https://portal.example.go.th/projects/{project.code}/updates/new/" in (
        message.body
    )
    assert "https://portal.example.go.th/notifications/preferences/" in message.body
    html = message.alternatives[0][0]
    assert 'lang="th"' in html
    assert (
        f'href="https://portal.example.go.th/projects/{project.code}/updates/new/"'
        in html
    )
    item.refresh_from_db()
    assert item.email_state == EmailState.SENT
    assert item.sent_at == NOW
    # Nothing is sent twice.
    assert worker.send_due_emails(now=NOW + timedelta(minutes=5)) == (0, 0)
    assert len(mail.outbox) == 1


def test_english_for_a_person_who_chose_english(person):
    Profile.objects.filter(user=person).update(language="en")
    project = ProjectFactory()
    overdue(person, project)
    worker.send_due_emails(now=NOW)
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert "Report for Oct 2019 is overdue" in message.subject
    assert "25 October 2019" in message.body
    assert project.name_en in message.body


def test_a_failed_email_is_retried_with_backoff_and_never_dropped(person, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_email.FailingBackend"
    item = overdue(person, ProjectFactory())

    assert worker.send_due_emails(now=NOW) == (0, 1)
    item.refresh_from_db()
    assert item.email_state == EmailState.FAILED
    assert item.attempts == 1
    assert item.next_attempt_at == NOW + timedelta(seconds=60)
    assert "mail server down" in item.last_error

    # Not before its time; then again, waiting twice as long.
    assert worker.send_due_emails(now=NOW + timedelta(seconds=30)) == (0, 0)
    worker.send_due_emails(now=NOW + timedelta(seconds=60))
    item.refresh_from_db()
    assert item.attempts == 2
    assert item.next_attempt_at == NOW + timedelta(seconds=60 + 120)

    # The server is back: sent, and the error is cleared.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert worker.send_due_emails(now=NOW + timedelta(hours=1)) == (1, 0)
    item.refresh_from_db()
    assert (item.email_state, item.last_error) == (EmailState.SENT, "")
    assert worker.status()["emails_failing"] == 0


def test_digest_is_one_email_grouped_by_project(person):
    first, second = ProjectFactory(), ProjectFactory()
    for project, month in ((second, 10), (first, 10), (second, 11), (first, 11)):
        overdue(person, project, month, state=EmailState.DIGEST)
    Notification.objects.create(
        recipient=person,
        kind=Kind.SCORING_OPEN,
        key="scoring_open:2563-Q1",
        params={"fiscal_year": 2563, "quarter": 1, "count": 12},
        url="/evaluations/2563/1/",
        created_at=NOW - timedelta(hours=2),
        email_state=EmailState.DIGEST,
    )

    assert worker.send_digests(now=NOW) == (1, 0)

    [message] = mail.outbox
    assert message.subject == "โครงการ กทม.: การแจ้งเตือน 5 รายการ 20 มกราคม 2563"
    groups = digest_groups(message.body)
    assert [heading for heading, _items in groups] == [
        f"{first.code} {first.name_th}",
        f"{second.code} {second.name_th}",
        "ประกาศอื่น ๆ",
    ]
    assert [len(items) for _heading, items in groups] == [2, 2, 1]
    assert "ต.ค. 2562" in groups[0][1][0] and "พ.ย. 2562" in groups[0][1][1]
    assert "ไตรมาสที่ 1/2563" in groups[2][1][0]
    assert set(Notification.objects.values_list("email_state", flat=True)) == {
        EmailState.SENT
    }
    assert worker.send_digests(now=NOW + timedelta(minutes=1)) == (0, 0)


def test_digest_waits_for_the_next_morning(person):
    project = ProjectFactory()
    # Made at 7:30, after this morning's digest: tomorrow's.
    late = overdue(
        person,
        project,
        state=EmailState.DIGEST,
        created=timezone.make_aware(datetime(2020, 1, 20, 7, 30)),
    )
    assert worker.send_digests(now=NOW) == (0, 0)
    tomorrow_early = timezone.make_aware(datetime(2020, 1, 21, 6, 59))
    assert worker.send_digests(now=tomorrow_early) == (0, 0)
    tomorrow = timezone.make_aware(datetime(2020, 1, 21, 7, 0))
    assert worker.send_digests(now=tomorrow) == (1, 0)
    late.refresh_from_db()
    assert late.email_state == EmailState.SENT


def test_preferences_decide_the_email_state(person):
    services.save_preferences(
        user=person,
        channels={Kind.OVERDUE: Channel.OFF, Kind.SUBMITTED: Channel.DIGEST},
    )
    audience = Audience()
    assert audience.email_state(person.pk, Kind.OVERDUE) == EmailState.OFF
    assert audience.email_state(person.pk, Kind.SUBMITTED) == EmailState.DIGEST
    # Defaults: what waits for the person at once, reminders in the digest.
    assert audience.email_state(person.pk, Kind.RETURNED) == EmailState.PENDING
    assert audience.email_state(person.pk, Kind.DUE_SOON) == EmailState.DIGEST


def test_no_address_no_email():
    nobody = UserFactory(username="noaddress", email="")
    assert Audience().email_state(nobody.pk, Kind.RETURNED) == EmailState.OFF


def test_turning_a_kind_off_stops_what_waits_for_the_digest(person):
    waiting = overdue(person, ProjectFactory(), state=EmailState.DIGEST)
    services.save_preferences(user=person, channels={Kind.OVERDUE: Channel.OFF})
    waiting.refresh_from_db()
    assert waiting.email_state == EmailState.OFF
    assert worker.send_digests(now=NOW) == (0, 0)
    assert Notification.objects.filter(recipient=person).count() == 1  # inbox keeps it
