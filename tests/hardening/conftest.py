"""The hardening tests' helpers: the settings a deployment gets from its environment."""

import runpy
from pathlib import Path

import pytest

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "bmaproj" / "settings.py"
# A long, random-looking key, as `check --deploy` wants; for tests only.
SECRET_KEY = "hardening-tests-" + "k3y" * 20
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "portal.example.go.th,testserver",
}
# Variables the settings read that a developer's or CI's shell might have set.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "PROXY_COUNT",
)


@pytest.fixture
def settings_from_env(monkeypatch):
    """Evaluate bmaproj/settings.py afresh with the given environment variables."""

    def load(**env: str) -> dict:
        for name in SETTINGS_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return {
            name: value
            for name, value in runpy.run_path(str(SETTINGS_FILE)).items()
            if name.isupper()
        }

    return load


@pytest.fixture
def production(settings, settings_from_env):
    """Switch the running settings to what DEBUG=false gives, for the HTTPS ones."""
    values = settings_from_env(**PRODUCTION_ENV)
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
    ):
        setattr(settings, name, values[name])
    return values
