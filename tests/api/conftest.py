"""Fixtures of the API's tests: a department's project with a plan and reports,
a KPI with results, and the people and tokens who read or write them."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api import services as token_services
from projects import approval
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

TODAY = date(2020, 6, 20)  # in fiscal year 2563, which the factories use


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def other_department():
    return DepartmentFactory()


@pytest.fixture
def project(department):
    project = ProjectFactory(department=department)
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    return project


@pytest.fixture
def published(project):
    return ProgressUpdateFactory(
        project=project, report_date=date(2020, 3, 15), percent=Decimal(40)
    )


@pytest.fixture
def draft(project, staff):
    return ProgressUpdateFactory(
        project=project,
        report_date=date(2020, 5, 15),
        percent=Decimal(50),
        status=approval.State.DRAFT,
        author=staff,
    )


@pytest.fixture
def indicator(department, project):
    indicator = IndicatorFactory(department=department, target=Decimal(80))
    indicator.projects.add(project)
    return indicator


@pytest.fixture
def result(indicator):
    return IndicatorResultFactory(indicator=indicator, quarter=1, value=Decimal(20))


@pytest.fixture
def staff(department):
    user = UserFactory(role="staff")
    department.members.add(user)
    return user


@pytest.fixture
def outsider(other_department):
    user = UserFactory(role="staff")
    other_department.members.add(user)
    return user


@pytest.fixture
def evaluator():
    return UserFactory(role="evaluator")


@pytest.fixture
def admin_user():
    return UserFactory(role="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def token(department, admin_user):
    """A token scoped to the department, and its secret."""
    return token_services.issue_token(
        name="ระบบงานของสำนัก", departments=[department], by=admin_user
    )


@pytest.fixture
def token_api(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    return client


@pytest.fixture
def locmem_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
