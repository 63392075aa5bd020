"""Schemathesis over the whole schema: every operation, anonymous and with a
scoped token, with generated parameters and bodies; no server error, every
answer as documented (status, content type, body), schema-invalid input refused.
Schema-valid input may still be refused (``positive_data_acceptance`` is left
out): the portal's rules go beyond a schema (known codes, dates inside the
fiscal year, a plan whose weights total 100, a quarter that has started). A short
run in the suite (SCHEMA_FUZZ_EXAMPLES, default 6 an operation); more with the
variable set."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def schema(settings_fixture_hosts):
    return schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@pytest.fixture
def settings_fixture_hosts(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # Requests run in the test's transaction: the handler must not close the
    # connection after each one (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def run_operations(schema, headers: dict) -> list[str]:
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # The WSGI client does not undo the portal's gzip: ask for none.
            case.call_and_validate(
                headers={"Accept-Encoding": "identity", **headers},
                excluded_checks=[positive_data_acceptance],
            )

        try:
            check()
        except Exception as error:  # noqa: BLE001 (reported below, all at once)
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    return failures


def test_schema_anonymous(schema, published, indicator, result):
    assert run_operations(schema, {}) == []


def test_schema_with_token(schema, token, published, draft, indicator, result):
    assert run_operations(schema, {"Authorization": f"Bearer {token[1]}"}) == []
