"""The shared cache of projects/cache.py: a write is seen at once, on any replica."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import cache as cache_module
from projects.cache import (
    bump_data_version,
    cached,
    code_digest,
    data_version,
    release,
)
from tests.factories import PASSWORD, DepartmentFactory, ProjectFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }
}
ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def shared_cache(settings):
    """The production cache (a table in the database), empty."""
    settings.CACHES = DATABASE_CACHE
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_cached_figure_is_kept_until_a_write_commits(
    shared_cache, django_capture_on_commit_callbacks
):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached("figure", compute, 2569) == 1
    assert cached("figure", compute, 2569) == 1
    assert cached("figure", compute, 2570) == 2
    before = data_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bump_data_version()
    # Until the write commits, requests still read the old version.
    assert data_version() == before
    assert cached("figure", compute, 2569) == 1
    for callback in callbacks:
        callback()
    assert data_version() != before
    assert cached("figure", compute, 2569) == 3


@pytest.mark.django_db
def test_a_lost_version_makes_every_cached_value_stale(shared_cache):
    assert cached("figure", lambda: "old") == "old"
    cache.delete("portal:data-version")
    assert cached("figure", lambda: "new") == "new"


@pytest.mark.django_db(transaction=True)
def test_the_public_dashboard_is_served_from_the_cache_until_a_write(
    shared_cache, admin_client, django_assert_num_queries
):
    """The city dashboard costs a second to build: anonymous visitors share one
    copy per filter, rebuilt only after a write through the portal."""
    department = DepartmentFactory(name_th="สำนักเดิม")
    project = ProjectFactory(department=department)
    visitor = Client()
    url = f"/reports/?fy={project.fiscal_year}"
    assert "สำนักเดิม" in visitor.get(url).content.decode()
    type(department).objects.filter(pk=department.pk).update(name_th="ไม่ผ่านระบบ")
    with django_assert_num_queries(1):  # the cache table (version and page)
        assert "สำนักเดิม" in visitor.get(url).content.decode()
    response = admin_client.post(
        f"/admin/projects/department/{department.pk}/change/",
        {
            "code": department.code,
            "name_th": "สำนักใหม่",
            "name_en": department.name_en,
            "short_name": department.short_name,
            "kind": department.kind,
            "parent": "",
        },
    )
    assert response.status_code == 302
    html = visitor.get(url).content.decode()
    assert "สำนักใหม่" in html


@pytest.mark.django_db
def test_a_new_release_never_serves_what_an_older_one_cached(
    shared_cache, monkeypatch, django_assert_num_queries
):
    """Changed templates or rules are seen at once after a deploy: every key
    carries the release, while the data version stays one for all releases."""
    project = ProjectFactory()
    visitor = Client()
    url = f"/reports/?fy={project.fiscal_year}"
    visitor.get(url)
    with django_assert_num_queries(1):  # served from the cache
        visitor.get(url)
    version = data_version()
    monkeypatch.setattr(cache_module, "release", lambda: "a-newer-release")
    with CaptureQueriesContext(connection) as rendered:
        visitor.get(url)
    assert len(rendered) > 1
    assert data_version() == version
    with django_assert_num_queries(1):  # the new release's own copy
        visitor.get(url)


def test_the_release_digest_follows_the_files_a_page_is_made_of(tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>หนึ่ง</p>")
    (tmp_path / "tests").mkdir()
    before = code_digest(tmp_path)
    assert code_digest(tmp_path) == before
    (tmp_path / "tests" / "test_x.py").write_text("assert True")
    (tmp_path / "notes.md").write_text("not part of a release")
    assert code_digest(tmp_path) == before
    page.write_text("<p>สอง</p>")
    assert code_digest(tmp_path) != before
    assert release() == release()


@pytest.mark.django_db(transaction=True)
def test_an_admin_write_is_seen_by_the_next_anonymous_request(
    shared_cache, admin_client
):
    department = DepartmentFactory(name_th="สำนักเดิม")
    project = ProjectFactory(department=department)
    visitor = Client()
    url = project.get_absolute_url()
    assert "สำนักเดิม" in visitor.get(url).content.decode()
    # Served from the cache: a change that bypasses every write path is not seen.
    type(department).objects.filter(pk=department.pk).update(name_th="ไม่ผ่านระบบ")
    assert "สำนักเดิม" in visitor.get(url).content.decode()

    response = admin_client.post(
        f"/admin/projects/department/{department.pk}/change/",
        {
            "code": department.code,
            "name_th": "สำนักใหม่",
            "name_en": department.name_en,
            "short_name": department.short_name,
            "kind": department.kind,
            "parent": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = visitor.get(url).content.decode()
    assert "สำนักใหม่" in html
    assert "สำนักเดิม" not in html


@pytest.mark.django_db(transaction=True)
def test_cached_pages_give_each_visitor_their_own_form_token(shared_cache):
    project = ProjectFactory()
    tokens = set()
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = visitor.get(project.get_absolute_url()).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        tokens.add(token)
        switched = visitor.post(
            "/i18n/setlang/",
            {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
        )
        assert switched.status_code == 302
    assert len(tokens) == 2


# Two replicas: two gunicorn instances on one PostgreSQL database.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _gunicorn(database_url: str):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "true",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bmaproj.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


class _Browser:
    """A person's browser: cookies, and the form token of the last page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post_form(self, path: str, fields: dict) -> str:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token})
        request = urllib.request.Request(self.base + path, data=data.encode())
        with self.opener.open(request, timeout=30) as response:
            return response.geturl()


def _anonymous_get(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.read().decode()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_write_on_one_replica_is_seen_at_once_on_another(settings):
    # The servers check passwords with the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}"
    )
    department = DepartmentFactory(name_th="สำนักก่อนแก้ไข")
    project = ProjectFactory(department=department)
    admin = UserFactory(username="replica-admin", is_staff=True, is_superuser=True)
    page = project.get_absolute_url()
    with _gunicorn(url) as one, _gunicorn(url) as two:
        # Both replicas render and cache the page, and share the cached copy.
        assert "สำนักก่อนแก้ไข" in _anonymous_get(one, page)
        assert "สำนักก่อนแก้ไข" in _anonymous_get(two, page)

        browser = _Browser(one)
        browser.post_form(
            "/admin/login/?next=/admin/",
            {"username": admin.username, "password": PASSWORD, "next": "/admin/"},
        )
        change = f"/admin/projects/department/{department.pk}/change/"
        landed = browser.post_form(
            change,
            {
                "code": department.code,
                "name_th": "สำนักหลังแก้ไข",
                "name_en": department.name_en,
                "short_name": department.short_name,
                "kind": department.kind,
                "parent": "",
            },
        )
        assert landed.endswith("/admin/projects/department/"), landed

        html = _anonymous_get(two, page)
        assert "สำนักหลังแก้ไข" in html
        assert "สำนักก่อนแก้ไข" not in html


@pytest.mark.django_db
def test_a_staff_report_is_seen_by_the_next_anonymous_request(
    shared_cache, client, django_capture_on_commit_callbacks
):
    from datetime import date

    from django.urls import reverse

    from tests.factories import PlanStepFactory

    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    visitor = Client()
    url = project.get_absolute_url()
    assert 'data-testid="actual-percent">0.00<' in visitor.get(url).content.decode()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:update-create", args=[project.code]),
            {"report_date": "1/9/2563", "percent": "95", "done": "ดำเนินการ"},
        )
    assert response.status_code == 302
    update = project.updates.get()
    assert update.report_date == date(2020, 9, 1)
    # Submitted, not yet published: the public page stays as it was.
    assert 'data-testid="actual-percent">0.00<' in visitor.get(url).content.decode()
    approver = UserFactory(role="evaluator")
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:approve", args=[update.pk]), {"version": 1})
    html = visitor.get(url).content.decode()
    assert 'data-testid="actual-percent">95.00<' in html


# Scoped versions: a write of one project or KPI makes stale only what shows it.


def _counter():
    calls: dict[str, int] = {}

    def value(name: str, scope=None):
        def compute():
            calls[name] = calls.get(name, 0) + 1
            return calls[name]

        return cached(name, compute, scope=scope)

    return value, calls


def _publish(django_capture_on_commit_callbacks, scope) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version(scope)


@pytest.mark.django_db
def test_a_report_makes_stale_its_project_department_and_linked_kpis_only(
    shared_cache, django_capture_on_commit_callbacks
):
    from projects.cache import (
        department_scope,
        indicator_scope,
        project_scope,
        scope_of,
    )
    from projects.models import ProgressUpdate
    from tests.factories import IndicatorFactory

    one, two = ProjectFactory(), ProjectFactory()
    # A KPI of another department linked to the first project.
    indicator = IndicatorFactory(department=two.department)
    indicator.projects.add(one)
    scopes = {
        "one": project_scope(one.pk),
        "two": project_scope(two.pk),
        "department-one": department_scope(one.department_id),
        "department-two": department_scope(two.department_id),
        "kpi": indicator_scope(indicator.pk),
        "city": None,
    }
    value, calls = _counter()
    for name, scope in scopes.items():
        assert value(name, scope) == 1
    _publish(django_capture_on_commit_callbacks, scope_of(ProgressUpdate(project=one)))
    for name, scope in scopes.items():
        value(name, scope)
    stale = {name for name, count in calls.items() if count == 2}
    # The KPI's department too: its version follows every write of its KPIs.
    assert stale == {"one", "department-one", "kpi", "department-two", "city"}


@pytest.mark.django_db
def test_a_kpi_result_makes_stale_the_projects_linked_to_it(
    shared_cache, django_capture_on_commit_callbacks
):
    from indicators.models import IndicatorResult
    from projects.cache import indicator_scope, project_scope, scope_of
    from tests.factories import IndicatorFactory

    linked, other = ProjectFactory(), ProjectFactory()
    indicator = IndicatorFactory(department=linked.department)
    indicator.projects.add(linked)
    scopes = {
        "linked": project_scope(linked.pk),
        "other": project_scope(other.pk),
        "kpi": indicator_scope(indicator.pk),
    }
    value, calls = _counter()
    for name, scope in scopes.items():
        value(name, scope)
    result = IndicatorResult(indicator=indicator, quarter=1)
    _publish(django_capture_on_commit_callbacks, scope_of(result))
    for name, scope in scopes.items():
        value(name, scope)
    assert {name for name, count in calls.items() if count == 2} == {"linked", "kpi"}


@pytest.mark.django_db
def test_a_write_that_is_not_scoped_makes_every_value_stale(
    shared_cache, django_capture_on_commit_callbacks
):
    from projects.cache import department_scope, project_scope, scope_of

    project = ProjectFactory()
    # A project, a department, a person: what they change cannot be named.
    assert scope_of(project) is None
    assert scope_of(project.department) is None
    scopes = {
        "project": project_scope(project.pk),
        "department": department_scope(project.department_id),
        "base": (),
        "city": None,
    }
    value, calls = _counter()
    for name, scope in scopes.items():
        value(name, scope)
    _publish(django_capture_on_commit_callbacks, scope_of(project))
    for name, scope in scopes.items():
        value(name, scope)
    assert set(calls.values()) == {2}


@pytest.mark.django_db
def test_a_lost_base_or_scope_version_makes_its_values_stale(shared_cache):
    from projects.cache import BASE_KEY, project_scope, version_key

    project = ProjectFactory()
    value, calls = _counter()
    value("project", project_scope(project.pk))
    cache.delete(version_key("project", project.pk))
    assert value("project", project_scope(project.pk)) == 2
    cache.delete(BASE_KEY)
    assert value("project", project_scope(project.pk)) == 3
    assert value("project", project_scope(project.pk)) == 3


@pytest.mark.django_db
def test_a_transaction_touching_too_many_projects_makes_every_value_stale(
    shared_cache, django_capture_on_commit_callbacks, monkeypatch
):
    from projects import cache as portal_cache
    from projects.models import ProgressUpdate

    monkeypatch.setattr(portal_cache, "MAX_SCOPE", 2)
    projects = [ProjectFactory() for _ in range(3)]
    bystander = ProjectFactory()
    value, calls = _counter()
    value("bystander", portal_cache.project_scope(bystander.pk))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for project in projects:
            bump_data_version(portal_cache.scope_of(ProgressUpdate(project=project)))
    assert value("bystander", portal_cache.project_scope(bystander.pk)) == 2


@pytest.mark.django_db
def test_cached_each_computes_only_the_stale_items_in_one_call(
    shared_cache, django_capture_on_commit_callbacks
):
    from projects.cache import cached_each, department_scope, scope_of
    from projects.models import ProgressUpdate

    projects = [ProjectFactory() for _ in range(3)]
    scopes = {p.department_id: department_scope(p.department_id) for p in projects}
    asked: list[list[int]] = []

    def compute(items):
        asked.append(sorted(items))
        return {item: f"{item}-{len(asked)}" for item in items}

    first = cached_each("parts", compute, scopes, 2569)
    assert asked == [sorted(scopes)]
    assert cached_each("parts", compute, scopes, 2569) == first
    assert len(asked) == 1
    _publish(
        django_capture_on_commit_callbacks,
        scope_of(ProgressUpdate(project=projects[1])),
    )
    again = cached_each("parts", compute, scopes, 2569)
    changed = projects[1].department_id
    assert asked[1] == [changed]
    assert again == {**first, changed: f"{changed}-2"}
    assert list(again) == list(scopes)


@pytest.mark.django_db
def test_a_scope_that_cannot_be_read_makes_every_value_stale(
    shared_cache, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import DatabaseError

    from projects import cache as portal_cache
    from projects.models import ProgressUpdate

    written, bystander = ProjectFactory(), ProjectFactory()
    value, calls = _counter()
    value("bystander", portal_cache.project_scope(bystander.pk))

    def broken(seeds):
        raise DatabaseError("the links could not be read")

    monkeypatch.setattr(portal_cache, "expand", broken)
    report = ProgressUpdate(project=written)
    _publish(django_capture_on_commit_callbacks, portal_cache.scope_of(report))
    assert value("bystander", portal_cache.project_scope(bystander.pk)) == 2
