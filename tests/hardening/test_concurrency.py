"""Two people saving the same thing at the same moment, on PostgreSQL with real
parallel connections: exactly one save wins, the other is told (ConflictError or
DuplicateError), nothing is lost and no rule of the database is broken.

Each scenario starts two threads at a barrier; each thread calls the service with
its own database connection and closes it at the end. Every write pauses inside its
transaction (``stamp`` is slowed down), so both are in flight at once whatever the
scheduler does: without the row lock or the unique index, both would win.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from indicators import services as indicator_services
from indicators.models import IndicatorResult
from projects import services
from projects.models import PlanStep, ProgressUpdate, Project
from projects.services import ConflictError, DuplicateError, StepValues
from tests.factories import (
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
PAUSE = 0.15  # seconds each write waits inside its transaction


@pytest.fixture(autouse=True)
def _postgresql_with_slow_writes(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite has no parallel writers")
    stamp = services.stamp

    def slow_stamp(instance, user) -> None:
        time.sleep(PAUSE)
        stamp(instance, user)

    # KPI writes are stamped by the same services.stamp.
    monkeypatch.setattr(services, "stamp", slow_stamp)


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at once, one thread and connection each; their results or
    the exceptions they raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 (the outcome under test)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a save hung"
    return outcomes


def one_won(outcomes: list[object], refusal: type[Exception]) -> int:
    """The index of the only success; the other call raised ``refusal``."""
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failures) == 1, outcomes
    assert isinstance(failures[0], refusal), repr(failures[0])
    return next(i for i, o in enumerate(outcomes) if not isinstance(o, Exception))


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project, number=1)
    return project


@pytest.fixture
def staff(project):
    users = [UserFactory(role="staff"), UserFactory(role="staff")]
    project.department.members.add(*users)
    return users


def test_two_edits_of_one_update_with_the_same_version(project, staff):
    for round_ in range(ROUNDS):
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, 1, 1) + timedelta(days=round_)
        )
        percents = [Decimal(41), Decimal(42)]
        outcomes = race(
            *[
                partial(
                    services.save_update,
                    project=project,
                    user=user,
                    values={"percent": percent, "done": f"โดย {user.username}"},
                    update=update,
                    version=1,
                )
                for user, percent in zip(staff, percents, strict=True)
            ]
        )
        winner = one_won(outcomes, ConflictError)
        update.refresh_from_db()
        assert update.version == 2
        assert update.percent == percents[winner]
        assert update.done == f"โดย {staff[winner].username}"
        assert [h.history_type for h in update.history.all()] == ["~", "+"]


def test_an_edit_and_a_delete_of_one_update_with_the_same_version(project, staff):
    for round_ in range(ROUNDS):
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, 2, 1) + timedelta(days=round_)
        )
        outcomes = race(
            partial(
                services.save_update,
                project=project,
                user=staff[0],
                values={"percent": Decimal(55)},
                update=update,
                version=1,
            ),
            partial(services.delete_update, update=update, user=staff[1], version=1),
        )
        winner = one_won(outcomes, ConflictError)
        stored = ProgressUpdate.objects.filter(pk=update.pk).first()
        if winner == 0:
            assert (stored.version, stored.percent) == (2, Decimal(55))
        else:
            assert stored is None


def test_two_reports_of_one_project_on_the_same_date(project, staff):
    for round_ in range(ROUNDS):
        day = date(2020, 3, 1) + timedelta(days=round_)
        outcomes = race(
            *[
                partial(
                    services.save_update,
                    project=project,
                    user=user,
                    values={"report_date": day, "percent": percent},
                )
                for user, percent in zip(staff, [Decimal(60), Decimal(61)], strict=True)
            ]
        )
        winner = one_won(outcomes, DuplicateError)
        (stored,) = ProgressUpdate.objects.filter(project=project, report_date=day)
        assert stored.pk == outcomes[winner].pk
        assert (stored.version, stored.author) == (1, staff[winner])
    assert project.updates.count() == ROUNDS


def plan(*weights: int, keep: PlanStep | None = None) -> list[StepValues]:
    """Steps of the given weights across FY 2563; the first one keeps ``keep``."""
    start = date(2019, 10, 1)
    return [
        StepValues(
            pk=keep.pk if keep and index == 0 else None,
            description=f"ขั้นที่ {index + 1} จาก {len(weights)}",
            weight=Decimal(weight),
            planned_start=start + timedelta(days=30 * index),
            planned_end=start + timedelta(days=30 * index + 29),
        )
        for index, weight in enumerate(weights)
    ]


def test_two_saves_of_one_plan_with_the_same_version(project, staff):
    plans = []
    for round_ in range(ROUNDS):
        version = Project.objects.get(pk=project.pk).plan_version
        kept = project.steps.first()
        plans = [plan(50, 50, keep=kept), plan(20, 30, 30, 20)]
        outcomes = race(
            *[
                partial(
                    services.save_plan,
                    project=project,
                    user=user,
                    steps=steps,
                    version=version,
                )
                for user, steps in zip(staff, plans, strict=True)
            ]
        )
        winner = one_won(outcomes, ConflictError)
        assert Project.objects.get(pk=project.pk).plan_version == version + 1
        steps = list(project.steps.order_by("number"))
        assert [(s.number, s.description, s.weight) for s in steps] == [
            (number, values.description, values.weight)
            for number, values in enumerate(plans[winner], start=1)
        ], f"round {round_}"
        assert sum(s.weight for s in steps) == 100
        if winner == 0:
            assert steps[0].pk == kept.pk


def test_two_saves_of_one_kpi_result_with_the_same_version(staff):
    values = [Decimal(11), Decimal(12)]
    for quarter in (1, 2, 3):
        result = IndicatorResultFactory(quarter=quarter, value=10)
        result.indicator.department.members.add(*staff)
        outcomes = race(
            *[
                partial(
                    indicator_services.save_result,
                    indicator=result.indicator,
                    quarter=quarter,
                    user=user,
                    values={"value": value},
                    result=result,
                    version=1,
                )
                for user, value in zip(staff, values, strict=True)
            ]
        )
        winner = one_won(outcomes, ConflictError)
        result.refresh_from_db()
        assert (result.version, result.value) == (2, values[winner])
    assert IndicatorResult.objects.count() == 3
