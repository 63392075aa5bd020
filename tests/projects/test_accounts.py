"""Logging in and out, and changing one's password, in Thai and English."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
CHANGE = reverse("password_change")
CHANGE_DONE = reverse("password_change_done")
GOOD_PASSWORD = "ฟ้าใส-Bangkok-2563!"


@pytest.fixture
def english(client, settings):
    """Browse in English, as the language switch does, with the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


class TestLogin:
    def test_page_labels_both_fields_with_autocomplete(self, client):
        response = client.get(LOGIN)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<label class="form-label" for="id_username">ชื่อผู้ใช้</label>' in html
        assert '<label class="form-label" for="id_password">รหัสผ่าน</label>' in html
        assert 'autocomplete="username"' in html
        assert 'autocomplete="current-password"' in html
        assert "aria-invalid" not in html

    def test_right_password_logs_in_and_follows_next(self, client):
        user = UserFactory(username="somchai")
        response = client.post(
            LOGIN,
            {"username": "somchai", "password": PASSWORD, "next": "/my/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/my/"
        assert client.session[SESSION_KEY] == str(user.pk)

    def test_wrong_password_shows_a_linked_error_and_logs_nobody_in(
        self, client, english
    ):
        UserFactory(username="somchai")
        response = client.post(LOGIN, {"username": "somchai", "password": "wrong"})
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            '<div class="alert alert-danger" role="alert" id="login-error" '
            'tabindex="-1" data-error-summary>'
            '<p class="mb-0">Please enter a correct username and password. '
            "Note that both fields may be case-sensitive.</p></div>"
        ) in html
        assert html.count('aria-invalid="true" aria-describedby="login-error"') == 2
        assert 'value="somchai"' in html
        assert SESSION_KEY not in client.session

    def test_wrong_password_error_is_in_thai_by_default(self, client):
        UserFactory(username="somchai")
        response = client.post(LOGIN, {"username": "somchai", "password": "wrong"})
        assert response.status_code == 200
        assert "รหัสผ่านที่ถูกต้อง" in response.content.decode()

    def test_blank_fields_get_their_own_linked_messages(self, client, english):
        response = client.post(LOGIN, {"username": "", "password": ""})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'aria-describedby=" id_username_error"' in html
        assert (
            '<div class="invalid-feedback" id="id_username_error">'
            "This field is required.</div>"
        ) in html

    def test_page_in_english(self, client, english):
        html = client.get(LOGIN).content.decode()
        assert '<h1 class="h3">Log in</h1>' in html
        assert '<label class="form-label" for="id_username">Username</label>' in html


class TestLogout:
    def test_logout_by_post_ends_the_session(self, client):
        client.force_login(UserFactory())
        response = client.post(LOGOUT)
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert SESSION_KEY not in client.session

    def test_logout_by_get_is_refused_and_keeps_the_session(self, client):
        user = UserFactory()
        client.force_login(user)
        assert client.get(LOGOUT).status_code == 405
        assert client.session[SESSION_KEY] == str(user.pk)

    def test_every_page_offers_logout_as_a_form(self, client):
        client.force_login(UserFactory())
        html = client.get(reverse("projects:list")).content.decode()
        assert f'<form method="post" action="{LOGOUT}">' in html


class TestPasswordChange:
    def test_anonymous_visitors_are_sent_to_login(self, client):
        response = client.get(CHANGE)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={CHANGE}"

    def test_page_has_the_three_fields_with_autocomplete(self, client):
        client.force_login(UserFactory())
        response = client.get(CHANGE)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'autocomplete="current-password"' in html
        assert html.count('autocomplete="new-password"') == 2
        assert 'aria-describedby="id_new_password1_helptext"' in html

    def test_weak_password_is_refused_with_a_linked_message(self, client, english):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            CHANGE,
            {
                "old_password": PASSWORD,
                "new_password1": "12345678",
                "new_password2": "12345678",
            },
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "This password is too common." in html
        assert "This password is entirely numeric." in html
        assert (
            'aria-invalid="true" '
            'aria-describedby="id_new_password2_helptext id_new_password2_error"'
        ) in html
        assert '<div id="id_new_password2_error" class="invalid-feedback">' in html
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_wrong_old_password_is_refused(self, client, english):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            CHANGE,
            {
                "old_password": "not-it",
                "new_password1": GOOD_PASSWORD,
                "new_password2": GOOD_PASSWORD,
            },
        )
        assert response.status_code == 200
        assert "Your old password was entered incorrectly." in (
            response.content.decode()
        )
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_good_password_is_saved_and_the_user_stays_logged_in(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            CHANGE,
            {
                "old_password": PASSWORD,
                "new_password1": GOOD_PASSWORD,
                "new_password2": GOOD_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == CHANGE_DONE
        user.refresh_from_db()
        assert user.check_password(GOOD_PASSWORD)
        done = client.get(CHANGE_DONE)
        assert done.status_code == 200
        assert 'role="status"' in done.content.decode()


class TestUserArea:
    def test_signed_in_users_see_my_work_and_change_password(self, client):
        client.force_login(UserFactory())
        html = client.get(reverse("projects:list")).content.decode()
        assert f'href="{CHANGE}"' in html
        assert f'href="{reverse("projects:my-work")}"' in html

    def test_anonymous_visitors_see_only_log_in(self, client):
        html = client.get(reverse("projects:list")).content.decode()
        assert f'href="{CHANGE}"' not in html
        assert f'href="{reverse("projects:my-work")}"' not in html
        assert f'href="{LOGIN}?next=' in html
