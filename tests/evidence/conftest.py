import pytest


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    """Evidence files in a fresh directory for each test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "evidence"},
        },
    }
    return tmp_path / "evidence"
