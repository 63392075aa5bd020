"""Throttles that cannot be turned against users: a lockout is not extended by
tries during it, the password change is throttled like the login, and behind the
proxy each client address is throttled on its own."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse

from bmaproj import security
from tests.factories import PASSWORD, UserFactory
from tests.hardening.test_login import WRONG, fail, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="somchai", role="staff")


def time_passes(minutes: float) -> None:
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - timedelta(minutes=minutes)
    )


def test_tries_during_a_lockout_do_not_extend_it(client, user, settings):
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds() / 60
    time_passes(cool_off - 1)
    # Someone keeps trying in the last minute of the lockout.
    for _ in range(5):
        assert log_in(client, user.username, WRONG).status_code == 429
    assert log_in(client, user.username, PASSWORD).status_code == 429
    time_passes(1.1)
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def change_password(client: Client, old: str, address: str = "10.0.0.1"):
    new = "ฟ้าหลังฝน-ยาวพอ-2563"
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=address,
    )


class TestPasswordChangeIsThrottled:
    def test_wrong_current_passwords_lock_the_page_out(self, client, user, settings):
        client.force_login(user)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert change_password(client, WRONG).status_code == 200
        assert change_password(client, WRONG).status_code == 429
        # Even the right current password waits for the cool-off.
        response = change_password(client, PASSWORD)
        assert response.status_code == 429
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_they_count_with_the_logins_of_that_username(self, client, user, settings):
        client.force_login(user)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            change_password(client, WRONG)
        client.logout()
        assert log_in(client, user.username, PASSWORD).status_code == 429

    def test_the_lockout_lifts_after_the_cool_off(self, client, user, settings):
        client.force_login(user)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            change_password(client, WRONG)
        time_passes(settings.AXES_COOLOFF_TIME.total_seconds() / 60 + 1)
        assert change_password(client, PASSWORD).status_code == 302

    def test_another_address_is_not_locked(self, client, user, settings):
        client.force_login(user)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            change_password(client, WRONG)
        assert change_password(client, PASSWORD, address="10.0.0.2").status_code == 302


class TestBehindTheProxy:
    """nginx appends the address it was called from to X-Forwarded-For."""

    @pytest.fixture(autouse=True)
    def _one_proxy(self, settings):
        settings.PROXY_COUNT = 1

    def via_proxy(self, client, username, password, client_address, sent=""):
        forwarded = f"{sent}, {client_address}" if sent else client_address
        return client.post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    def test_each_client_address_is_throttled_on_its_own(self, user, settings):
        attacker, colleague = Client(), Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.via_proxy(attacker, user.username, WRONG, "203.0.113.9")
        assert (
            self.via_proxy(attacker, user.username, PASSWORD, "203.0.113.9").status_code
            == 429
        )
        # The same proxy, another client: not locked out.
        response = self.via_proxy(colleague, user.username, PASSWORD, "198.51.100.7")
        assert response.status_code == 302
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
            "203.0.113.9"
        }

    def test_a_forged_forwarded_address_does_not_escape_the_lockout(
        self, user, settings
    ):
        attacker = Client()
        for number in range(settings.AXES_FAILURE_LIMIT + 2):
            self.via_proxy(
                attacker, user.username, WRONG, "203.0.113.9", sent=f"10.9.9.{number}"
            )
        response = self.via_proxy(
            attacker, user.username, PASSWORD, "203.0.113.9", sent="10.9.9.200"
        )
        assert response.status_code == 429

    def test_garbage_in_the_header_falls_back_to_the_connection(self, rf):
        request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="junk")
        assert security.client_ip(request) == "127.0.0.1"

    def test_garbage_in_the_header_is_no_server_error(self, client, user):
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": WRONG},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="'; DROP TABLE x; --",
        )
        assert response.status_code == 200
