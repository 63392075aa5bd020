"""The language a person chooses is kept on their account and comes back at login."""

import pytest
from django.conf import settings

from projects.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_language_saves_it_to_the_account(client):
    user = UserFactory(role="staff")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert Profile.objects.get(user=user).language == "en"


def test_switching_language_anonymously_only_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not Profile.objects.exists()


def test_an_unknown_language_is_not_saved(client):
    user = UserFactory(role="staff")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert Profile.objects.get(user=user).language == ""


def test_logging_in_brings_back_the_saved_language(client):
    user = UserFactory(username="somchai", role="staff")
    user.set_password("a-long-password-2563")
    user.save()
    Profile.objects.filter(user=user).update(language="en")
    response = client.post(
        "/accounts/login/",
        {"username": "somchai", "password": "a-long-password-2563"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/projects/")
    assert '<html lang="en">' in page.content.decode()


def test_logging_in_without_a_saved_language_leaves_the_browser_choice(client):
    user = UserFactory(username="malee", role="staff")
    user.set_password("a-long-password-2563")
    user.save()
    response = client.post(
        "/accounts/login/",
        {"username": "malee", "password": "a-long-password-2563"},
    )
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
