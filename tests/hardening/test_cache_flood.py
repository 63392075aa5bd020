"""The page cache cannot be flooded: keys from known parameters only, a bound in
bytes, and junk URLs answered cheaply."""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client

from projects.cache import BoundedDatabaseCache
from tests.factories import DepartmentFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TABLE = "portal_cache"


def bounded_cache(**options) -> dict:
    return {
        "default": {
            "BACKEND": "projects.cache.BoundedDatabaseCache",
            "LOCATION": TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000, **options},
        }
    }


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = bounded_cache()
    cache.clear()
    yield
    cache.clear()


def without_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def entries() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


@pytest.fixture
def listed(shared_cache):
    department = DepartmentFactory()
    for _ in range(3):
        ProjectFactory(department=department)
    return department


class TestKeysFromKnownParameters:
    def test_unknown_parameters_neither_bypass_nor_multiply(
        self, listed, django_assert_num_queries
    ):
        visitor = Client()
        first = visitor.get("/projects/", {"fy": 2563})
        assert first.status_code == 200
        stored = entries()
        for junk in range(5):
            with django_assert_num_queries(1):  # the cache table, nothing else
                response = visitor.get(
                    "/projects/", {"fy": 2563, f"utm_{junk}": "x", "x": junk}
                )
            assert without_tokens(response.content) == without_tokens(first.content)
        assert entries() == stored

    def test_parameter_order_does_not_matter(self, listed, django_assert_num_queries):
        visitor = Client()
        visitor.get(f"/projects/?fy=2563&department={listed.code}")
        with django_assert_num_queries(1):
            visitor.get(f"/projects/?department={listed.code}&fy=2563")

    def test_the_view_sees_no_junk(self, listed):
        html = Client().get("/projects/?fy=2563&evil=%3Cx%3E").content.decode()
        assert "evil" not in html

    @pytest.mark.parametrize(
        "query",
        ["q=อะไร", "fy=2563&fy=2564", f"department={'9' * 200}"],
    )
    def test_searches_repeats_and_long_values_are_rendered_not_cached(
        self, listed, query
    ):
        Client().get("/projects/")
        stored = entries()
        for _ in range(3):
            assert Client().get(f"/projects/?{query}").status_code == 200
        assert entries() == stored

    def test_project_pages_ignore_every_parameter(self, shared_cache):
        project = ProjectFactory()
        visitor = Client()
        visitor.get(project.get_absolute_url())
        stored = entries()
        for junk in range(5):
            visitor.get(project.get_absolute_url(), {"fy": junk, "v": junk})
        assert entries() == stored


class TestBoundInBytes:
    def test_the_table_stays_under_its_bound(self, settings):
        settings.CACHES = bounded_cache(MAX_BYTES=60_000, BYTES_CHECK_EVERY=1)
        cache.clear()
        cache.set("portal:data-version", "v1", timeout=None)
        for number in range(60):
            cache.set(f"page-{number}", os.urandom(3_000))
        backend = caches["default"]
        assert isinstance(backend, BoundedDatabaseCache)
        total = backend.stored_bytes()
        # At most the bound plus the entry set after the last check.
        assert total <= 60_000 + 3_000 * 4 // 3 + 200
        # The newest pages and the data version are kept.
        assert cache.get("page-59") is not None
        assert cache.get("portal:data-version") == "v1"
        cache.clear()

    def test_an_entry_over_its_own_bound_is_not_stored(self, settings):
        settings.CACHES = bounded_cache(MAX_ENTRY_BYTES=10_000)
        cache.clear()
        assert cache.set("huge", os.urandom(20_000)) is None
        assert cache.get("huge") is None
        cache.set("small", b"x" * 100)
        assert cache.get("small") == b"x" * 100
        cache.clear()

    def test_production_settings_bound_bytes(self, settings_from_env):
        values = settings_from_env(CACHE_MAX_BYTES="1000000")
        caches = values["CACHES"]["default"]
        assert caches["BACKEND"] == "projects.cache.BoundedDatabaseCache"
        assert caches["OPTIONS"]["MAX_BYTES"] == 1_000_000


class TestJunkUrlsAreCheap:
    @pytest.mark.parametrize(
        "url",
        [
            "/no/such/page/",
            "/projects/NOT-A-CODE/",
            "/indicators/9999-9/",
            "/departments/00000000/",
            "/projects/?fy=abc&page=zzz&sort=;drop",
        ],
    )
    def test_anonymous_junk_costs_few_queries(
        self, shared_cache, url, django_assert_max_num_queries
    ):
        Client().get("/no-page-yet/")  # the layout's figures are cached once
        with django_assert_max_num_queries(12):
            response = Client().get(url)
        assert response.status_code in (200, 404)
        # Again: the cache, the lookup of the missing object, the cached layout.
        with django_assert_max_num_queries(3):
            Client().get(url)
