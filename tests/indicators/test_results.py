"""KPI quarter results: entry, warnings, access and conflicts."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators import services
from indicators.models import IndicatorResult
from tests.factories import IndicatorFactory, IndicatorResultFactory, UserFactory
from tests.projects.test_updates import EXPECTED, users

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: date(2020, 6, 20)
    )


@pytest.fixture
def indicator():
    return IndicatorFactory(fiscal_year=2563, unit="ฉบับ", target=1)


@pytest.fixture
def staff(client, indicator, settings):
    user = UserFactory(role="staff")
    indicator.department.members.add(user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def url(indicator, quarter=2):
    return reverse("indicators:result-edit", args=[indicator.code, quarter])


def test_staff_reports_a_quarter(client, indicator, staff):
    response = client.post(url(indicator), {"value": "1", "report": "จัดทำรายงาน 1 ฉบับ"})
    assert response.status_code == 302
    result = IndicatorResult.objects.get()
    assert (result.quarter, result.value, result.author) == (2, Decimal(1), staff)
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert 'data-testid="kpi-achieved"' in page and "1 ฉบับ" in page


def test_a_value_five_times_the_target_needs_confirmation(client, indicator, staff):
    response = client.post(url(indicator), {"value": "15"})
    assert 'data-warning="over_target"' in response.content.decode()
    assert IndicatorResult.objects.count() == 0
    assert (
        client.post(url(indicator), {"value": "15", "confirm": "on"}).status_code == 302
    )
    assert IndicatorResult.objects.get().value == 15


def test_a_percentage_above_100_needs_confirmation(client, staff):
    indicator = IndicatorFactory(
        department=staff.departments.get(), unit="ร้อยละ", target=80
    )
    response = client.post(url(indicator), {"value": "120"})
    assert 'data-warning="percent_over_100"' in response.content.decode()
    assert IndicatorResult.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "message"), [("abc", "Enter a number"), ("", "This field is required")]
)
def test_non_numeric_values_are_refused(client, indicator, staff, value, message):
    response = client.post(url(indicator), {"value": value})
    assert message in str(response.context["form"].errors["value"])
    assert IndicatorResult.objects.count() == 0


def test_a_quarter_not_started_is_refused(client, indicator, staff):
    response = client.post(url(indicator, quarter=4), {"value": "1"})
    assert "has not started yet" in response.content.decode()
    assert IndicatorResult.objects.count() == 0


@pytest.mark.parametrize("quarter", [0, 5, 99])
def test_quarters_outside_1_to_4_are_404(client, indicator, staff, quarter):
    assert client.get(url(indicator, quarter)).status_code == 404


def test_editing_keeps_one_result_per_quarter(client, indicator, staff):
    IndicatorResultFactory(indicator=indicator, quarter=2, value=0)
    response = client.post(url(indicator), {"value": "1", "version": "1"})
    assert response.status_code == 302
    result = IndicatorResult.objects.get()
    assert (result.value, result.version) == (Decimal(1), 2)


def test_the_second_of_two_editors_is_refused(client, indicator, staff):
    result = IndicatorResultFactory(indicator=indicator, quarter=2, value=0)
    services.save_result(
        indicator=indicator,
        quarter=2,
        user=staff,
        values={"value": Decimal(1)},
        result=result,
        version=1,
    )
    response = client.post(url(indicator), {"value": "0.5", "version": "1"})
    assert response.status_code == 409
    result.refresh_from_db()
    assert result.value == Decimal(1)


@pytest.mark.parametrize("role", EXPECTED)
def test_access_matrix(client, indicator, role):
    user = users(indicator)[role]
    if user:
        client.force_login(user)
    assert client.get(url(indicator)).status_code == EXPECTED[role]
    posted = client.post(url(indicator), {"value": "1"})
    if EXPECTED[role] != 200:
        assert posted.status_code == EXPECTED[role]
        assert IndicatorResult.objects.count() == 0


def test_a_locked_quarter_is_read_only_to_staff(client, indicator, staff):
    from projects.models import QuarterLock

    QuarterLock.objects.create(
        fiscal_year=2563, quarter=2, department=indicator.department
    )
    response = client.post(url(indicator), {"value": "1"})
    assert "was locked by" in response.content.decode()
    assert IndicatorResult.objects.count() == 0


def test_a_locked_quarter_offers_no_form_or_link_and_says_who_locked_it(
    client, indicator, staff, settings
):
    from projects.models import QuarterLock

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    QuarterLock.objects.create(
        fiscal_year=indicator.fiscal_year,
        quarter=2,
        department=indicator.department,
        locked_by=UserFactory(first_name="Somsri", last_name="Evaluator"),
    )
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert url(indicator, 2) not in page
    assert url(indicator, 1) in page
    assert "was locked by Somsri Evaluator" in page
    form = client.get(url(indicator, 2)).content.decode()
    assert 'data-testid="lock-notice"' in form
    assert 'name="value"' not in form
