"""/healthz: a load balancer's probe that the app and its database answer."""

from unittest import mock

import pytest
from django.db import DatabaseError, OperationalError

URL = "/healthz"


@pytest.mark.django_db
def test_answers_ok_when_the_database_answers(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_head_answers_ok_without_a_body(client):
    response = client.head(URL)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
def test_is_never_cached(client):
    response = client.get(URL)
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("error", [DatabaseError, OperationalError])
def test_answers_503_when_the_database_does_not(client, error):
    with mock.patch("projects.views.connection") as connection:
        connection.cursor.side_effect = error("could not connect to server")
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_answers_503_when_the_query_fails(client):
    with mock.patch("projects.views.connection") as connection:
        cursor = connection.cursor.return_value.__enter__.return_value
        cursor.execute.side_effect = OperationalError("server closed the connection")
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_and_head_are_allowed(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]


def test_does_not_need_a_login(client, settings):
    settings.PUBLIC_READ = False
    with mock.patch("projects.views.connection"):
        response = client.get(URL)
    assert response.status_code == 200
