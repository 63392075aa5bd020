"""The write API of agency systems: tokens, the forms' rules, the services, errors."""

from datetime import date
from decimal import Decimal

import pytest

from api import services as token_services
from api.models import ApiToken
from indicators.models import IndicatorResult
from projects import approval
from projects.models import ProgressUpdate, QuarterLock
from tests.factories import PlanStepFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def new_update(client, project, **values):
    body = {
        "project": project.code,
        "report_date": "2020-06-15",
        "percent": 70,
        "done": "ดำเนินการตามแผน",
        "problems": "",
        **values,
    }
    return client.post("/api/v1/progress-updates/", body, format="json")


def only_error(response) -> dict:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_token_creates_a_submitted_report_as_its_account(token_api, token, project):
    response = new_update(token_api, project)
    assert response.status_code == 201, response.content
    update = ProgressUpdate.objects.get()
    assert response.json()["id"] == update.pk
    assert update.status == approval.State.SUBMITTED
    assert update.percent == 70
    assert update.author == token[0].user
    assert update.history.latest().history_user == token[0].user
    token[0].refresh_from_db()
    assert token[0].last_used_at is not None


def test_draft_then_submit(token_api, project):
    response = new_update(token_api, project, submit=False)
    assert response.json()["status"] == "draft"
    pk, version = response.json()["id"], response.json()["version"]
    submitted = token_api.post(
        f"/api/v1/progress-updates/{pk}/submit/", {"version": version}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["version"] == version + 1


def test_approval_off_publishes_at_once(token_api, project, settings):
    settings.APPROVAL_REQUIRED = False
    assert new_update(token_api, project).json()["status"] == "approved"


def test_form_rules_come_back_as_field_errors_in_both_languages(token_api, project):
    response = new_update(token_api, project, percent=150, report_date="2021-01-01")
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"percent", "report_date"}
    assert errors["percent"]["code"] == "max_value"
    message = errors["percent"]["message"]
    assert "100" in message["en"] and "100" in message["th"]
    assert message["th"] != message["en"]
    assert not ProgressUpdate.objects.exists()


def test_plan_weights_rule_is_the_forms(token_api, department):
    project = ProjectFactory(department=department)
    PlanStepFactory(project=project, weight=Decimal(60))
    error = only_error(new_update(token_api, project))
    assert error["field"] is None
    assert error["code"] == "plan_weights"
    assert "60" in error["message"]["en"]


def test_warnings_need_confirmation(token_api, project, published):
    # 40% in March to 100% in June: a jump of more than 50 points.
    response = new_update(token_api, project, percent=100)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == "unconfirmed"
    assert body["warnings"] and body["warnings"][0]["message"]["th"]
    confirmed = new_update(token_api, project, percent=100, confirm=True)
    assert confirmed.status_code == 201
    stored = ProgressUpdate.objects.get(pk=confirmed.json()["id"])
    assert stored.confirmed_warnings


def test_duplicate_date_is_the_forms_error(token_api, project, published):
    error = only_error(new_update(token_api, project, report_date="2020-03-15"))
    assert (error["field"], error["code"]) == ("report_date", "duplicate")


def test_unknown_project_and_bad_body(token_api):
    error = only_error(
        token_api.post("/api/v1/progress-updates/", {"project": "x"}, format="json")
    )
    assert (error["field"], error["code"]) == ("project", "unknown_project")
    response = token_api.post("/api/v1/progress-updates/", [1, 2], format="json")
    assert only_error(response)["code"] == "invalid_body"
    response = token_api.post(
        "/api/v1/progress-updates/", "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert only_error(response)["code"] == "parse_error"


def test_token_cannot_write_another_department(token_api, other_department):
    foreign = ProjectFactory(department=other_department)
    PlanStepFactory(project=foreign)
    response = new_update(token_api, foreign)
    assert response.status_code == 403
    assert only_error(response)["code"] == "department_not_allowed"
    assert not ProgressUpdate.objects.exists()


def test_revoked_or_wrong_token_is_refused(api, token, project, admin_user):
    token_services.revoke_token(token=token[0], by=admin_user)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    response = new_update(api, project)
    assert response.status_code == 401
    assert only_error(response)["code"] == "bad_token"
    api.credentials(HTTP_AUTHORIZATION="Bearer bma_000000000000_" + "x" * 43)
    assert new_update(api, project).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    assert not ProgressUpdate.objects.exists()


def test_anonymous_cannot_write(api, project):
    response = new_update(api, project)
    assert response.status_code in (401, 403)
    assert only_error(response)["code"] == "not_authenticated"


def test_evaluator_and_outsider_sessions_cannot_write(
    api, evaluator, outsider, project
):
    for user in (evaluator, outsider):
        api.force_login(user)
        assert new_update(api, project).status_code == 403


def test_staff_session_writes_its_department(api, staff, project):
    api.force_login(staff)
    response = new_update(api, project)
    assert response.status_code == 201
    assert ProgressUpdate.objects.get().author == staff


def test_change_needs_the_version_and_refuses_a_stale_one(token_api, project, draft):
    url = f"/api/v1/progress-updates/{draft.pk}/"
    missing = token_api.patch(url, {"percent": 55}, format="json")
    assert (only_error(missing)["field"], only_error(missing)["code"]) == (
        "version",
        "required",
    )
    changed = token_api.patch(
        url, {"percent": 55, "version": draft.version, "submit": False}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["percent"] == 55.0
    assert changed.json()["report_date"] == "2020-05-15"  # kept
    stale = token_api.patch(
        url, {"percent": 60, "version": draft.version}, format="json"
    )
    assert stale.status_code == 409
    assert only_error(stale)["code"] == "conflict"
    draft.refresh_from_db()
    assert draft.percent == 55


def test_service_conflict_is_409(token_api, project, draft, monkeypatch):
    from projects import services

    def conflict(**kwargs):
        raise services.ConflictError

    monkeypatch.setattr(services, "save_update", conflict)
    response = token_api.patch(
        f"/api/v1/progress-updates/{draft.pk}/",
        {"percent": 55, "version": draft.version},
        format="json",
    )
    assert response.status_code == 409


def test_locked_quarter_is_423_with_its_code(token_api, project, draft, evaluator):
    QuarterLock.objects.create(fiscal_year=2563, quarter=3, locked_by=evaluator)
    response = token_api.patch(
        f"/api/v1/progress-updates/{draft.pk}/",
        {"percent": 55, "version": draft.version},
        format="json",
    )
    assert response.status_code == 423
    error = only_error(response)
    assert error["code"] == "quarter_locked"
    assert error["message"]["th"] != error["message"]["en"]
    created = new_update(token_api, project, report_date="2020-06-01")
    assert created.status_code == 423


def test_closed_year_is_423(token_api, project, settings):
    settings.FISCAL_YEAR_CLOSE_DAYS = 1
    # 20 June 2020 is before FY 2563 closes; read as of a day after it closed.
    timezone_today = date(2020, 11, 1)
    import django.utils.timezone as tz

    original = tz.localdate
    tz.localdate = lambda *a, **k: timezone_today
    try:
        response = new_update(token_api, project, report_date="2020-09-15")
    finally:
        tz.localdate = original
    assert response.status_code == 423
    assert only_error(response)["code"] == "year_closed"


def test_correcting_an_approved_report_as_draft_is_refused(token_api, published):
    response = token_api.patch(
        f"/api/v1/progress-updates/{published.pk}/",
        {"percent": 41, "version": published.version, "submit": False},
        format="json",
    )
    assert response.status_code == 409
    error = only_error(response)
    assert error["code"] == "wrong_state"
    assert error["message"]["th"] != error["message"]["en"]


# KPI results


def new_result(client, indicator, **values):
    body = {"indicator": indicator.code, "quarter": 2, "value": 30, **values}
    return client.post("/api/v1/indicator-results/", body, format="json")


def test_token_reports_a_kpi_result(token_api, token, indicator):
    response = new_result(token_api, indicator, report="ครึ่งปีแรก")
    assert response.status_code == 201, response.content
    result = IndicatorResult.objects.get()
    assert (result.quarter, result.value, result.status) == (2, 30, "submitted")
    assert result.author == token[0].user


def test_kpi_result_errors(token_api, indicator, result):
    assert only_error(new_result(token_api, indicator, quarter=5))["code"] == (
        "invalid_quarter"
    )
    exists = new_result(token_api, indicator, quarter=1)
    assert exists.status_code == 409
    assert only_error(exists)["code"] == "duplicate"
    future = new_result(token_api, indicator, quarter=4)
    assert only_error(future)["code"] == "future_quarter"
    bad = new_result(token_api, indicator, value="many")
    assert (only_error(bad)["field"], only_error(bad)["code"]) == ("value", "invalid")
    odd = new_result(token_api, indicator, value=150)  # a percentage above 100
    assert odd.json()["warnings"]


def test_kpi_result_change_and_submit(token_api, indicator, result):
    result.status = approval.State.RETURNED
    result.save()
    url = f"/api/v1/indicator-results/{result.pk}/"
    changed = token_api.patch(
        url, {"value": 25, "version": result.version, "submit": False}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "draft"
    stale = token_api.patch(
        url, {"value": 26, "version": result.version}, format="json"
    )
    assert stale.status_code == 409
    submitted = token_api.post(
        f"{url}submit/", {"version": changed.json()["version"]}, format="json"
    )
    assert submitted.json()["status"] == "submitted"
    result.refresh_from_db()
    assert result.value == 25


def test_kpi_result_in_locked_quarter(token_api, indicator, evaluator):
    QuarterLock.objects.create(fiscal_year=2563, quarter=2, locked_by=evaluator)
    response = new_result(token_api, indicator)
    assert response.status_code == 423
    assert only_error(response)["code"] == "quarter_locked"


def test_token_is_throttled(token_api, project, settings, locmem_cache):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute"},
    }
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {"token": "3/minute"}
    try:
        codes = [token_api.get("/api/v1/projects/").status_code for _ in range(4)]
    finally:
        from rest_framework.settings import api_settings

        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 200, 429]


# Issuing tokens


def test_secret_is_stored_hashed_and_shown_once(token):
    stored, secret = token
    assert secret not in (stored.secret_hash, stored.prefix)
    assert token_services.token_for_secret(secret) == stored
    assert token_services.token_for_secret(secret + "x") is None


def test_admin_issues_and_revokes(client, admin_user, department):
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"name": "ระบบ ERP", "departments": [department.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = next(word for m in shown for word in m.split() if word.startswith("bma_"))
    assert token_services.token_for_secret(secret) == token
    assert list(token.departments.all()) == [department]
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_services.token_for_secret(secret) is None
    assert UserFactory  # the token's account is not a person's
    assert not token.user.has_usable_password()


def test_money_is_written_through_the_forms_rules(token_api, project):
    project.budget_amount = Decimal(1_000_000)
    project.save()
    refused = new_update(token_api, project, disbursed=-5)
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["disbursed"]
    assert not ProgressUpdate.objects.exists()
    response = new_update(token_api, project, disbursed=250000, committed=400000)
    assert response.status_code == 201, response.content
    assert response.json()["disbursed"] == 250000
    stored = ProgressUpdate.objects.get()
    assert (stored.disbursed, stored.committed) == (Decimal(250000), Decimal(400000))


def test_disbursed_over_the_allocation_needs_confirmation(token_api, project):
    project.budget_amount = Decimal(100_000)
    project.save()
    response = new_update(token_api, project, disbursed=150000)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unconfirmed"
    assert new_update(token_api, project, disbursed=150000, confirm=True).status_code
    assert ProgressUpdate.objects.get().disbursed == 150000
