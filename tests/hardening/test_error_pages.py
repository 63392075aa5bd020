"""Error pages are the portal's; oversized forms keep the person's work; private
pages are never stored by proxies or browsers."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from tests.factories import PlanStepFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

LAYOUT = 'class="navbar-brand'


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.hardening.error_urls"


@pytest.fixture
def quiet_client():
    return Client(raise_request_exception=False)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def assert_portal_page(response, status: int) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert LAYOUT in html, html[:500]
    assert 'href="/"' in html  # the way back
    assert "private" in response["Cache-Control"]
    return html


class TestErrorPages:
    def test_404_in_the_layout_and_thai(self, client):
        html = assert_portal_page(client.get("/no-such-page/"), 404)
        assert '<html lang="th">' in html
        assert "ไม่พบหน้านี้" in html

    def test_404_in_english_when_chosen(self, client, english):
        html = assert_portal_page(client.get("/projects/NOPE/"), 404)
        assert "Page not found" in html

    def test_400_for_a_nul_in_the_url(self, client):
        assert_portal_page(client.get("/projects/?q=%00"), 400)

    def test_403_for_a_page_the_person_may_not_see(self, client):
        project = ProjectFactory()
        client.force_login(UserFactory(role="staff"))
        url = reverse("projects:history", args=[project.code])
        assert_portal_page(client.get(url), 403)

    def test_csrf_failure_in_the_layout_with_a_way_back(self, english):
        client = Client(enforce_csrf_checks=True)
        client.cookies["django_language"] = "en"
        response = client.post(
            reverse("login"),
            {"username": "x", "password": "y"},
            HTTP_REFERER="http://testserver/accounts/login/",
        )
        html = assert_portal_page(response, 403)
        assert "The form has expired" in html
        assert 'href="/accounts/login/"' in html
        assert "data-keep-drafts" in html

    def test_500_in_the_layout(self, failing_urls, quiet_client):
        html = assert_portal_page(quiet_client.get("/test-boom/"), 500)
        assert "RuntimeError" not in html

    def test_a_bad_query_is_a_500_not_a_503(self, failing_urls, quiet_client):
        assert quiet_client.get("/test-bad-query/").status_code == 500


class TestDatabaseDown:
    def test_a_view_answers_503_with_retry_after_in_thai_and_english(
        self, failing_urls, quiet_client
    ):
        response = quiet_client.get("/test-database-down/")
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0
        html = response.content.decode()
        assert "Temporarily unavailable" in html
        assert "ระบบไม่พร้อมใช้งานชั่วคราว" in html
        assert "no-store" in response["Cache-Control"]

    def test_a_failure_in_the_session_middleware_answers_503_too(
        self, quiet_client, monkeypatch
    ):
        def refuse(self, *args, **kwargs):
            raise OperationalError("could not connect to server: Connection refused")

        monkeypatch.setattr(SessionStore, "load", refuse)
        quiet_client.cookies["sessionid"] = "x" * 32
        response = quiet_client.get("/projects/")
        assert response.status_code == 503
        assert "Retry-After" in response


@pytest.fixture
def staff_project(client):
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    user = UserFactory(role="staff")
    project.department.members.add(user)
    client.force_login(user)
    return project


class TestOversizedInput:
    def test_a_report_over_the_limit_gets_the_portals_page(
        self, client, settings, staff_project
    ):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
        url = reverse("projects:update-create", args=[staff_project.code])
        response = client.post(
            url,
            {"report_date": "15/6/2563", "percent": "50", "done": "ก" * 5_000},
            HTTP_REFERER=f"http://testserver{url}",
        )
        assert response.status_code == 413
        html = response.content.decode()
        assert LAYOUT in html
        assert "ใหญ่เกิน" in html
        assert f'href="{url}"' in html
        # The layout tells drafts.js to keep what the person typed.
        assert "data-keep-drafts" in html
        assert staff_project.updates.count() == 0

    def test_the_message_in_english(self, client, settings, staff_project, english):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
        url = reverse("projects:update-create", args=[staff_project.code])
        response = client.post(url, {"done": "x" * 20_000})
        assert response.status_code == 413
        assert "larger than the portal accepts" in response.content.decode()

    def test_text_fields_show_their_limit(self, client, staff_project, settings):
        url = reverse("projects:update-create", args=[staff_project.code])
        html = client.get(url).content.decode()
        limit = settings.TEXT_MAX_LENGTH
        assert html.count(f'maxlength="{limit}"') >= 3
        assert f"{limit:,}" in html

    def test_text_over_the_limit_is_a_field_error(
        self, client, staff_project, settings
    ):
        url = reverse("projects:update-create", args=[staff_project.code])
        too_long = "ก" * (settings.TEXT_MAX_LENGTH + 1)
        response = client.post(
            url, {"report_date": "15/6/2563", "percent": "50", "done": too_long}
        )
        assert response.status_code == 200
        assert "done" in response.context["form"].errors

    def test_list_fields_show_their_limit(self, admin_client, settings):
        html = admin_client.get(reverse("admin:projects_project_add")).content
        assert html.count(f'maxlength="{settings.TEXT_MAX_LENGTH}"'.encode()) >= 3

    def test_every_page_loads_the_drafts_script(self, client):
        assert "js/drafts.js" in client.get("/").content.decode()


class TestPrivatePagesAreNotStored:
    def test_public_pages_keep_their_caching(self, client):
        response = client.get("/projects/")
        assert "no-store" not in response.get("Cache-Control", "")

    def test_signed_in_pages_are_private_and_not_stored(self, client):
        client.force_login(UserFactory(role="staff"))
        for url in ["/", "/projects/", "/my/"]:
            response = client.get(url)
            directives = {d.strip() for d in response["Cache-Control"].split(",")}
            assert {"private", "no-store"} <= directives, url

    def test_admin_pages_even_the_login(self, client, admin_client):
        for who, url in [(client, "/admin/login/"), (admin_client, "/admin/")]:
            response = who.get(url)
            assert "no-store" in response["Cache-Control"], url
            assert "private" in response["Cache-Control"], url

    def test_an_export_for_a_signed_in_person_too(self, client):
        client.force_login(UserFactory(role="staff"))
        response = client.get(
            reverse("reports:export-csv", args=["projects"]), {"fy": 2563}
        )
        assert "no-store" in response["Cache-Control"]


def test_a_csv_export_answers_503_when_the_database_is_gone(quiet_client, monkeypatch):
    from reports import exports

    def gone(table):
        raise OperationalError("could not connect to server: Connection refused")
        yield  # a generator, as csv_chunks is

    monkeypatch.setattr(exports, "csv_chunks", gone)
    response = quiet_client.get(
        reverse("reports:export-csv", args=["projects"]), {"fy": 2563}
    )
    assert response.status_code == 503
    assert not response.streaming
