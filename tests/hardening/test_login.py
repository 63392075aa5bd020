"""Logging in: throttled failures with a cool-off, expiring sessions, strong
passwords, and the admin for admins only."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bmaproj import security
from projects import demo
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


@pytest.fixture
def user():
    return UserFactory(username="somchai", role="staff")


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, WRONG, address)
        assert response.status_code in (200, 429)
    return response


def test_a_wrong_password_shows_the_form_again(client, user):
    response = log_in(client, user.username, WRONG)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_out_even_the_right_password(client, user, settings):
    fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, user.username, WRONG).status_code == 429
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15" in response.content.decode()  # minutes to wait
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_the_lockout_is_for_the_username_from_that_address_only(client, user, settings):
    other = UserFactory(username="somsri", role="staff")
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, other.username, PASSWORD).status_code == 302
    client.logout()
    elsewhere = log_in(client, user.username, PASSWORD, address="10.0.0.2")
    assert elsewhere.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, user, settings):
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_cool_off_is_never_permanent(settings):
    cool_off = settings.AXES_COOLOFF_TIME
    assert cool_off == timedelta(minutes=15)


def test_a_successful_login_forgets_earlier_failures(client, user, settings):
    fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.logout()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, settings):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("admin:login"), {"username": admin.username, "password": WRONG}
        )
    response = client.post(
        reverse("admin:login"), {"username": admin.username, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_tests_may_still_log_in_without_a_request(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    assert not client.login(username=user.username, password=WRONG)


def test_the_client_address_comes_from_trusted_proxies_only(rf, settings):
    request = rf.get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.PROXY_COUNT = 0
    assert security.client_ip(request) == "10.1.1.1"
    settings.PROXY_COUNT = 1
    assert security.client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 3
    assert security.client_ip(request) == "10.1.1.1"


# Sessions


def test_a_session_lasts_a_working_day(client, user, settings):
    response = log_in(client, user.username, PASSWORD)
    assert response.cookies["sessionid"]["max-age"] == 8 * 60 * 60
    assert client.session.get_expiry_age() == 8 * 60 * 60


def test_an_expired_session_is_logged_out(client, user, settings):
    log_in(client, user.username, PASSWORD)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Passwords


@pytest.mark.parametrize(
    "weak", ["12345678", "password", "short1", "somchai2563", "qwertyuiop"]
)
def test_the_password_change_form_refuses_a_weak_password(user, weak):
    form = PasswordChangeForm(
        user,
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert not form.is_valid()
    assert form.errors["new_password2"]


def test_the_password_change_page_keeps_the_old_password(client, user):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_strong_password_is_taken(client, user):
    client.force_login(user)
    strong = "ฟ้าหลังฝน-ยาวพอ-2563"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)


# The admin is for admins


def demo_users() -> dict:
    DepartmentFactory(code=demo.DEPARTMENT["code"])
    demo.write_demo_users(other_department=DepartmentFactory())
    return {user.username: user for user in get_user_model().objects.all()}


def test_only_the_demo_admin_may_enter_the_admin():
    users = demo_users()
    assert users["admin"].is_staff and users["admin"].is_superuser
    for name in ("staff", "outsider", "evaluator"):
        assert not users[name].is_staff, name
        assert not users[name].is_superuser, name


@pytest.mark.parametrize("role", ["staff", "evaluator"])
def test_people_who_are_not_admins_are_kept_out_of_the_admin(client, role):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:projects_project_changelist")).status_code == 302


def test_a_non_admin_cannot_log_in_to_the_admin(client, user):
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_admin_enters_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, role="admin"))
    assert client.get(reverse("admin:index")).status_code == 200
