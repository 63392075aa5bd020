"""Production settings come from the environment, and Django's deploy checks pass."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tests.hardening.conftest import PRODUCTION_ENV, SETTINGS_VARIABLES

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def test_a_developer_machine_gets_no_https_settings(settings_from_env):
    values = settings_from_env()
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert "SECURE_PROXY_SSL_HEADER" not in values


def test_debug_false_turns_every_protection_on(settings_from_env):
    values = settings_from_env(**PRODUCTION_ENV)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


def test_each_protection_can_be_set_on_its_own(settings_from_env):
    values = settings_from_env(
        **PRODUCTION_ENV,
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="false",
        SECURE_HSTS_SECONDS="300",
        SECURE_HSTS_PRELOAD="false",
        SESSION_COOKIE_AGE="3600",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="true",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert "SECURE_PROXY_SSL_HEADER" not in values
    assert values["SECURE_HSTS_SECONDS"] == 300
    assert values["SECURE_HSTS_PRELOAD"] is False
    # Not preloading is a choice the deploy check need not warn about.
    assert values["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]
    assert values["SESSION_COOKIE_AGE"] == 3600
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


def test_login_throttling_cools_off_and_never_locks_for_ever(settings_from_env):
    values = settings_from_env(**PRODUCTION_ENV, AXES_COOLOFF_MINUTES="30")
    assert values["AXES_COOLOFF_TIME"] == timedelta(minutes=30)
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["AXES_RESET_ON_SUCCESS"] is True
    assert values["AUTHENTICATION_BACKENDS"][0] == "bmaproj.security.AxesBackend"


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    # The suite's own DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright) is no deployment's.
    left_out = {*SETTINGS_VARIABLES, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in left_out}
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings():
    result = check_deploy(**PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_the_development_secret_key():
    env = {**PRODUCTION_ENV}
    del env["SECRET_KEY"]
    result = check_deploy(**env)
    assert result.returncode != 0
    assert "security.W009" in result.stderr
