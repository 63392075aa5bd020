"""Fixtures of the notification tests: a department with staff and an approver,
an evaluator, and mail kept in memory."""

from datetime import date

import pytest

from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://portal.example.go.th"
    settings.REPORT_DUE_DAY = 25
    settings.NOTIFY_DUE_SOON_DAYS = 5
    settings.NOTIFY_YEAR_CLOSING_DAYS = 14
    settings.NOTIFY_UNSCORED_AFTER_DAYS = 14
    settings.NOTIFY_DIGEST_HOUR = 7
    settings.NOTIFY_RETRY_SECONDS = 60
    settings.NOTIFY_RETRY_MAX_SECONDS = 3600
    settings.APPROVAL_REQUIRED = True


@pytest.fixture
def team(db):
    """A department with two staff, an approver, and an evaluator elsewhere."""
    department = DepartmentFactory()
    author = UserFactory(username="author", role="staff")
    colleague = UserFactory(username="colleague", role="staff")
    approver = UserFactory(username="approver", role="staff")
    evaluator = UserFactory(username="evaluator", role="evaluator")
    department.members.add(author, colleague)
    department.approvers.add(approver)
    return {
        "department": department,
        "author": author,
        "colleague": colleague,
        "approver": approver,
        "evaluator": evaluator,
    }


@pytest.fixture
def freeze_today(monkeypatch):
    """Freeze the portal's today (locks and closed years read it)."""

    def freeze(day: date) -> None:
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)

    return freeze
