"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Pages are tested without collectstatic; the manifest storage is production's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
