"""Fixtures shared by the whole suite.

End-to-end tests (marked ``browser``) run in Debian's chromium, driven by Playwright,
which cannot download its own browser here. Without chromium they are skipped on a
developer's machine, and fail in CI.
"""

import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with PBKDF2 costs 0.2 s a user; tests need no strong hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Pages are tested without collectstatic; the manifest storage is production's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _no_shared_cache(settings):
    # Factories write without bumping the data version (projects/cache.py), so pages
    # are rendered fresh in tests; tests/bench turns the cache on where it tests it.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    # Evidence files (evidence app) in a fresh directory for each test, never in
    # the checkout's media/; tests/evidence/test_s3.py switches to S3.
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "evidence"},
        },
    }
    return tmp_path / "evidence"


@pytest.fixture(autouse=True)
def _open_fiscal_years(settings):
    # Tests date their data in fiscal year 2563 (2020), which closed by itself long
    # before the day they run; they keep it open, and the tests of closing close a
    # year on a date they choose (tests/projects/test_year_close.py).
    settings.FISCAL_YEAR_CLOSE_DAYS = 365 * 100


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Files the portal writes (open-data archives) go to a test's own directory.
    settings.MEDIA_ROOT = tmp_path / "media"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# made by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
