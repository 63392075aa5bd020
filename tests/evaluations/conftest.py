"""Fixtures of the evaluation tests: today is frozen at 20 June 2020, in quarter 3
of fiscal year 2563 (quarters 1 to 3 have started, quarter 4 has not)."""

from datetime import date

import pytest
from django.utils import timezone

from indicators.models import EvaluationCriterion
from tests.factories import (
    PlanStepFactory,
    ProjectFactory,
    UserFactory,
)

TODAY = date(2020, 6, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def project(db):
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)  # 0 → 100 evenly over the fiscal year
    return project


@pytest.fixture
def evaluator(db):
    return UserFactory(role="evaluator", first_name="สมศรี", last_name="ประเมินดี")


@pytest.fixture
def staff(project):
    user = UserFactory(role="staff")
    project.department.members.add(user)
    return user


@pytest.fixture
def criteria(db):
    # Made directly: the factory's name sequence is what other tests search by.
    return [
        EvaluationCriterion.objects.create(
            fiscal_year=2563,
            code="2.1",
            name_th="เกณฑ์ที่ 2.1",
            name_en="Result against target",
            max_score=100,
        ),
        EvaluationCriterion.objects.create(
            fiscal_year=2563,
            code="2.2",
            name_th="เกณฑ์ที่ 2.2",
            name_en="Timely reporting",
            max_score=50,
        ),
    ]


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
