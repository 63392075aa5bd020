"""One email through a real SMTP server on loopback (aiosmtpd): the message as
received, with its headers, language and links."""

import email
import email.policy
import socket
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.utils import timezone

from notifications import worker
from notifications.models import EmailState, Kind, Notification
from projects.models import Profile
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime(2020, 1, 20, 8, 0))


class Inbox(Message):
    """Keeps every message the server receives."""

    def __init__(self) -> None:
        super().__init__(email.message.EmailMessage)
        self.received: list = []

    def handle_message(self, message) -> None:
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "BMA portal <noreply@portal.example.go.th>"
    yield handler
    controller.stop()


@pytest.mark.parametrize(
    ("language", "subject", "text"),
    [
        ("", "โครงการ กทม.: ส่งกลับให้แก้ไข", "ความเห็น: แนบภาพถ่ายประกอบ"),
        ("en", "BMA projects: Returned to you for changes", "Comment: แนบภาพถ่ายประกอบ"),
    ],
)
def test_a_returned_report_reaches_a_real_smtp_server(
    smtp_server, language, subject, text
):
    author = UserFactory(username="somsri", email="somsri@bma.example.go.th")
    Profile.objects.update_or_create(user=author, defaults={"language": language})
    project = ProjectFactory()
    item = Notification.objects.create(
        recipient=author,
        kind=Kind.RETURNED,
        key=f"returned:update:1:v2:{language}",
        project=project,
        params={
            "code": project.code,
            "name": project.name_th,
            "name_en": project.name_en,
            "report_date": "2020-01-15",
            "comment": "แนบภาพถ่ายประกอบ",
        },
        url=f"/projects/{project.code}/updates/7/edit/",
        created_at=NOW,
        email_state=EmailState.PENDING,
        next_attempt_at=NOW,
    )

    assert worker.send_due_emails(now=NOW) == (1, 0)

    [received] = smtp_server.received
    assert received["To"] == "somsri@bma.example.go.th"
    assert received["From"] == "BMA portal <noreply@portal.example.go.th>"
    assert (
        str(email.header.make_header(email.header.decode_header(received["Subject"])))
        == subject
    )
    assert received["Message-ID"] == f"<notification-{item.pk}@portal.example.go.th>"
    assert received["Content-Language"] == (language or "th")
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["List-Unsubscribe"] == (
        "<https://portal.example.go.th/notifications/preferences/>"
    )
    parsed = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert text in plain
    link = f"https://portal.example.go.th/projects/{project.code}/updates/7/edit/"
    assert link in plain
    assert f'href="{link}"' in html
    assert "https://portal.example.go.th/notifications/preferences/" in plain
    date_text = "15 มกราคม 2563" if not language else "15 January 2020"
    assert date_text in plain
    item.refresh_from_db()
    assert item.email_state == EmailState.SENT


def test_a_server_that_refuses_leaves_the_mail_to_retry(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    user = UserFactory(username="nobody-home")
    item = Notification.objects.create(
        recipient=user,
        kind=Kind.SCORING_OPEN,
        key="scoring_open:2563-Q1",
        params={"fiscal_year": 2563, "quarter": 1, "count": 3},
        url="/evaluations/2563/1/",
        created_at=NOW,
        email_state=EmailState.PENDING,
        next_attempt_at=NOW,
    )
    assert worker.send_due_emails(now=NOW) == (0, 1)
    item.refresh_from_db()
    assert item.email_state == EmailState.FAILED
    assert "ConnectionRefusedError" in item.last_error
