"""Hypothesis drives the staff reporting forms through their views, signed in as
the department's staff, and the evaluators' forms signed in as an evaluator:
whatever is posted, the page answers 200, 302 or 409 (or the 403/404 of a page the
person may not use), never a 500; a refused post writes nothing; and the database
never holds an invalid row (assert_valid).

Each example runs in its own transaction, rolled back at its end, on the same
small world: a department with a reported, scored project and a KPI, a sibling
project of the same department and a project of another department, each with a
plan whose weights total 100, and a lock on quarter 2 of FY 2563. Posts are mostly
valid with a field or two made wild, so that saves happen as well as refusals.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects.models import (
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
)
from projects.thaicalendar import quarter_bounds
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)

TODAY = date(2020, 6, 20)  # quarter 3 of FY 2563
FY_START, FY_END = date(2019, 10, 1), date(2020, 9, 30)

FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a person, a bot or an attacker might type into a text box.
SPECIAL_TEXTS = [
    "",
    " ",
    "\x00",
    "ก\x00ข",
    "-",
    "ไม่มี",
    "น\u0e4d\u0e32ท่วม",  # decomposed sara am
    "น\u0e4d\u0e49\u0e32",  # tone mark between nikhahit and sara aa
    "e\u0301",
    "\u200b\u200b",
    "\r\n\r\n",
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% debug %}",
    "ก" * 2001,
    # NFC turns each of these into two or three code points.
    "\u0958" * 300,
    "\U0001d160" * 200,
]
free_text = st.one_of(st.text(max_size=200), st.sampled_from(SPECIAL_TEXTS))

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@st.composite
def typed_dates(draw, first=date(2019, 8, 1), last=date(2020, 11, 30)) -> str:
    """A date as people type it: BE, CE, ISO, Thai digits, two-digit years."""
    day = draw(st.dates(first, last))
    be = day.year + 543
    return draw(
        st.sampled_from(
            [
                f"{day.day}/{day.month}/{be}",
                f"{day.day:02d}/{day.month:02d}/{be}",
                f"{day.day}/{day.month}/{be}".translate(THAI_DIGITS),
                f"{day.day}-{day.month}-{day.year}",
                f" {day.day} . {day.month} . {be} ",
                day.isoformat(),
                f"{day.day}/{day.month}/{be % 100}",
                f"{day.day}/{day.month}/{day.year % 100}",
                f"{day.day}/{day.month}/{be}/1",
                f"{day.month}/{day.day}/{day.year}",
            ]
        )
    )


date_text = st.one_of(
    typed_dates(),
    st.sampled_from(
        ["", "31/2/2563", "2020-02-30", "0/0/0", "29/2/2564", "1/1/1", "9999-12-31"]
    ),
    st.text(max_size=30),
)

number_text = st.one_of(
    st.decimals(min_value=0, max_value=100, places=2).map(str),
    st.decimals(min_value=-1000, max_value=1000, places=4).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(
        [
            "",
            "NaN",
            "-NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            "1e309",
            "1e-309",
            "9" * 40,
            "100.001",
            "99.999",
            "100.00",
            "-0",
            "-0.00",
            "๗๐",
            "７０",
            " 50 ",
            "50,5",
            "1_000",
            "0x10",
            "1e2",
        ]
    ),
    st.text(max_size=20),
)

version_text = st.one_of(
    st.integers(min_value=-3, max_value=5).map(str),
    st.integers().map(str),
    st.text(max_size=10),
)
flag = st.sampled_from(["on", "true", "1", "", "off", "junk"])


@st.composite
def mostly_valid(draw, valid: dict, wild: dict, most: int = 3) -> dict:
    """A valid post with up to ``most`` fields made wild or left out: posts of
    pure junk would only ever test the first error message."""
    data = {name: draw(strategy) for name, strategy in valid.items()}
    for name in draw(st.sets(st.sampled_from(sorted(wild)), max_size=most)):
        value = draw(st.one_of(st.none(), wild[name]))
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@dataclass
class World:
    staff: object
    project: Project
    sibling: Project
    foreign: Project
    update: ProgressUpdate
    indicator: Indicator
    strategies: list[int]
    earlier: Project  # of the department, in FY 2562
    evaluator: object
    criteria: list[EvaluationCriterion]  # FY 2563's, out of 100 and of 50


def plan(project: Project, *weights: int) -> None:
    """Steps with the given weights, one after another across the fiscal year."""
    span = (FY_END - FY_START).days // len(weights)
    for index, weight in enumerate(weights):
        start = FY_START + timedelta(days=span * index)
        PlanStepFactory(
            project=project,
            number=index + 1,
            weight=weight,
            planned_start=start,
            planned_end=start + timedelta(days=span - 1),
        )


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def world(db) -> World:
    department = DepartmentFactory(code="21000000")
    staff = UserFactory(role="staff")
    department.members.add(staff)
    project = ProjectFactory(department=department, code="21000000-3152")
    plan(project, 40, 60)
    update = ProgressUpdateFactory(
        project=project, report_date=date(2020, 5, 15), percent=45
    )
    ProgressUpdateFactory(project=project, report_date=date(2020, 4, 15), percent=40)
    sibling = ProjectFactory(department=department, code="21000000-3153")
    plan(sibling, 25, 25, 50)
    earlier = ProjectFactory(
        department=department, code="21000000-2001", fiscal_year=2562
    )
    foreign = ProjectFactory(code="99000000-1001", department__code="99000000")
    plan(foreign, 100)
    ProgressUpdateFactory(project=foreign, report_date=date(2020, 5, 15))
    indicator = IndicatorFactory(department=department, target=80)
    IndicatorResultFactory(indicator=indicator, quarter=1, value=20)
    IndicatorFactory(department=foreign.department)
    strategies = [StrategyNodeFactory(code=code).pk for code in ("1", "2")]
    QuarterLock.objects.create(fiscal_year=2563, quarter=2, department=department)
    evaluator = UserFactory(role="evaluator")
    criteria = [
        EvaluationCriterionFactory(code="2.1", max_score=100),
        EvaluationCriterionFactory(code="2.2", max_score=50),
    ]
    EvaluationCriterionFactory(code="2.1", fiscal_year=2564)
    ProjectEvaluationFactory(project=project, quarter=1, score=80)
    scored = IndicatorEvaluationFactory(indicator=indicator, quarter=1)
    CriterionScoreFactory(evaluation=scored, criterion=criteria[0], score=90)
    return World(
        staff,
        project,
        sibling,
        foreign,
        update,
        indicator,
        strategies,
        earlier,
        evaluator,
        criteria,
    )


@contextmanager
def example(world: World, user=None) -> Iterator[Client]:
    """A client signed in as staff (or ``user``), inside a transaction rolled back
    afterwards."""
    with transaction.atomic():
        client = Client()
        client.force_login(user or world.staff)
        yield client
        transaction.set_rollback(True)


# The database's state and its invariants


def snapshot() -> dict:
    """Every row the staff forms can write, as plain comparable values."""
    return {
        "projects": {
            row[0]: row
            for row in Project.objects.values_list(
                "pk",
                "code",
                "department_id",
                "fiscal_year",
                "name_th",
                "officer_name",
                "budget_amount",
                "objectives",
                "predecessor_id",
                "plan_version",
            )
        },
        "strategies": set(
            Project.strategies.through.objects.values_list(
                "project_id", "strategynode_id"
            )
        ),
        "steps": {
            row[0]: row
            for row in PlanStep.objects.values_list(
                "pk",
                "project_id",
                "number",
                "description",
                "weight",
                "planned_start",
                "planned_end",
            )
        },
        "updates": {
            row[0]: row
            for row in ProgressUpdate.objects.values_list(
                "pk", "project_id", "report_date", "percent", "done", "version"
            )
        },
        "results": {
            row[0]: row
            for row in IndicatorResult.objects.values_list(
                "pk", "indicator_id", "quarter", "value", "report", "version"
            )
        },
        "evaluations": {
            row[0]: row
            for row in ProjectEvaluation.objects.values_list(
                "pk", "project_id", "quarter", "score", "comment", "version"
            )
        },
        "kpi_evaluations": {
            row[0]: row
            for row in IndicatorEvaluation.objects.values_list(
                "pk", "indicator_id", "quarter", "comment", "evaluator_id", "version"
            )
        },
        "criterion_scores": set(
            CriterionScore.objects.values_list(
                "pk", "evaluation_id", "criterion_id", "score"
            )
        ),
        "locks": set(
            QuarterLock.objects.values_list(
                "pk", "fiscal_year", "quarter", "department_id", "reopened_at"
            )
        ),
    }


def started(fiscal_year: int, quarter: int) -> bool:
    return quarter_bounds(fiscal_year, quarter)[0] <= TODAY


def rows_of(state: dict, table: str, project_ids: set[int]) -> dict:
    return {pk: row for pk, row in state[table].items() if row[1] not in project_ids}


def assert_valid(before: dict, after: dict, *, touched: set[int]) -> None:
    """The database's rules hold, and nothing outside ``touched`` projects moved."""
    projects = {p.pk: p for p in Project.objects.select_related("department")}
    for project in projects.values():
        assert re.fullmatch(r"[0-9]{8}-[0-9]{1,6}", project.code, re.ASCII)
        assert project.code.split("-")[0] == project.department.code
        assert 2500 <= project.fiscal_year <= 2700
        if project.predecessor_id:
            predecessor = projects[project.predecessor_id]
            assert predecessor.fiscal_year < project.fiscal_year
    steps: dict[int, list[PlanStep]] = {}
    for step in PlanStep.objects.order_by("number"):
        first, last = projects[step.project_id].fiscal_year_bounds
        assert first <= step.planned_start <= step.planned_end <= last, step
        assert Decimal("0.01") <= step.weight <= 100
        assert step.description.strip()
        steps.setdefault(step.project_id, []).append(step)
    for project_steps in steps.values():
        assert sum(step.weight for step in project_steps) == 100
        assert [step.number for step in project_steps] == list(
            range(1, len(project_steps) + 1)
        )
    seen = set()
    for update in ProgressUpdate.objects.all():
        first, last = projects[update.project_id].fiscal_year_bounds
        assert first <= update.report_date <= min(last, TODAY)
        assert 0 <= update.percent <= 100
        assert (update.project_id, update.report_date) not in seen
        seen.add((update.project_id, update.report_date))
    for result in IndicatorResult.objects.all():
        assert 1 <= result.quarter <= 4
        assert result.value.is_finite()
    # Scores stay in range and only quarters already started are scored or locked.
    for evaluation in ProjectEvaluation.objects.select_related("project"):
        assert 0 <= evaluation.score <= 100
        assert started(evaluation.project.fiscal_year, evaluation.quarter)
    for score in CriterionScore.objects.select_related(
        "criterion", "evaluation__indicator"
    ):
        indicator = score.evaluation.indicator
        assert 0 <= score.score <= score.criterion.max_score
        assert score.criterion.fiscal_year == indicator.fiscal_year
        assert started(indicator.fiscal_year, score.evaluation.quarter)
    active = Counter(
        QuarterLock.objects.active().values_list(
            "fiscal_year", "quarter", "department_id"
        )
    )
    assert all(count == 1 for count in active.values()), active
    assert all(started(year, quarter) for year, quarter, _ in active)
    # Version counters only move forwards.
    tables = ("updates", "results", "evaluations", "kpi_evaluations", "projects")
    for table, column in zip(tables, (5, 5, 5, 5, 9), strict=True):
        for pk, row in after[table].items():
            if pk in before[table]:
                assert row[column] >= before[table][pk][column]
    for table in ("steps", "updates"):
        assert rows_of(before, table, touched) == rows_of(after, table, touched)
    assert {pk: row for pk, row in before["projects"].items() if pk not in touched} == {
        pk: row for pk, row in after["projects"].items() if pk not in touched
    }


def post(client: Client, url: str, data: dict, allowed=(200, 302)) -> int:
    response = client.post(url, data)
    assert response.status_code in allowed, response.status_code
    event(f"answered {response.status_code}")
    return response.status_code


# Progress updates

update_fields = {
    "report_date": date_text,
    "percent": number_text,
    "done": free_text,
    "problems": free_text,
    "obstacles": free_text,
    "confirm": flag,
    "version": version_text,
}
valid_update = {
    "report_date": typed_dates(FY_START, TODAY),
    "percent": st.decimals(min_value=0, max_value=100, places=2).map(str),
    "done": st.just("ดำเนินการตามแผน"),
    "problems": st.sampled_from(["", "งบประมาณล่าช้า"]),
    "confirm": st.just("on"),
    "version": st.just("1"),
}
update_data = mostly_valid(valid_update, update_fields)


@pytest.mark.django_db
@FUZZ
@given(data=update_data)
def test_creating_an_update_with_any_input(world, data):
    url = reverse("projects:update-create", args=[world.project.code])
    with example(world) as client:
        before = snapshot()
        status = post(client, url, data)
        after = snapshot()
        assert_valid(before, after, touched={world.project.pk})
        new = after["updates"].keys() - before["updates"].keys()
        if status == 302:
            assert len(new) == 1 and after["updates"][new.pop()][5] == 1
            assert before["updates"].items() <= after["updates"].items()
        else:
            assert after == before


@pytest.mark.django_db
@FUZZ
@given(data=update_data, target=st.sampled_from(["update", "other", "foreign"]))
def test_editing_an_update_with_any_input(world, data, target):
    # The foreign project's update, asked for under this project's code, is a 404.
    update = {
        "update": world.update,
        "other": world.project.updates.exclude(pk=world.update.pk).get(),
        "foreign": world.foreign.updates.get(),
    }[target]
    url = reverse("projects:update-edit", args=[world.project.code, update.pk])
    with example(world) as client:
        before = snapshot()
        response = client.post(url, data)
        status = response.status_code
        assert status in ((404,) if target == "foreign" else (200, 302, 409))
        event(f"answered {status}")
        after = snapshot()
        assert_valid(before, after, touched={world.project.pk})
        if status == 302:
            assert after["updates"].keys() == before["updates"].keys()
            assert after["updates"][update.pk][5] == before["updates"][update.pk][5] + 1
            del after["updates"][update.pk], before["updates"][update.pk]
            assert after["updates"] == before["updates"]
        else:
            assert after == before


@pytest.mark.django_db
@FUZZ
@given(
    version=st.one_of(st.just("1"), version_text),
    target=st.sampled_from(["update", "other"]),
)
def test_deleting_an_update_with_any_version(world, version, target):
    update = world.update if target == "update" else world.project.updates.last()
    url = reverse("projects:update-delete", args=[world.project.code, update.pk])
    with example(world) as client:
        before = snapshot()
        status = post(client, url, {"version": version}, allowed=(200, 302, 409))
        after = snapshot()
        assert_valid(before, after, touched={world.project.pk})
        if status == 302:
            assert after["updates"].keys() == before["updates"].keys() - {update.pk}
        else:
            assert after == before


# The work plan


@st.composite
def plan_rows(draw, ids: dict[str, list[int]]) -> list[dict]:
    """Rows of the plan's formset; weights often total 100, ids come from anywhere."""
    count = draw(st.integers(min_value=0, max_value=6))
    if count and draw(st.sampled_from([True, True, True, False])):
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(1, 9999),
                    min_size=count - 1,
                    max_size=count - 1,
                    unique=True,
                )
            )
        )
        cents = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
        weights = [str(Decimal(c) / 100) for c in cents]
    else:
        weights = draw(st.lists(number_text, min_size=count, max_size=count))
    id_choices = {
        "own": st.sampled_from(ids["own"]),
        "new": st.just(""),
        "others'": st.sampled_from(ids["sibling"] + ids["foreign"]),
        "junk": st.sampled_from(["0", "-1", "99999999999999999999", "x"]),
    }
    rows = []
    for weight in weights:
        start = draw(st.dates(FY_START, FY_END))
        end = min(start + timedelta(days=draw(st.integers(0, 200))), FY_END)
        row = {
            "id": str(
                draw(id_choices[draw(st.sampled_from(["own", "own", *id_choices]))])
            ),
            "description": "ขั้นตอน",
            "weight": weight,
            "planned_start": start.isoformat(),
            "planned_end": thai_date(end),
        }
        # Most rows are valid, so that plans get saved; the others have one field
        # made wild.
        wild = {
            "description": free_text,
            "planned_start": date_text,
            "planned_end": date_text,
            "DELETE": flag,
        }
        name = draw(st.sampled_from([*[None] * 8, *sorted(wild)]))
        if name:
            row[name] = draw(wild[name])
        rows.append(row)
    return rows


def thai_date(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year + 543}"


def plan_post(rows: list[dict], management: dict, version: str) -> dict:
    data = {
        "version": version,
        "steps-TOTAL_FORMS": str(len(rows)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        **management,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"steps-{index}-{name}"] = value
    return data


management_junk = st.fixed_dictionaries(
    {},
    optional={
        "steps-TOTAL_FORMS": st.one_of(st.integers(-2, 2000).map(str), st.text()),
        "steps-INITIAL_FORMS": st.one_of(st.integers(-2, 8).map(str), st.text()),
    },
)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_saving_the_plan_with_any_rows(world, data):
    ids = {
        "own": list(world.project.steps.values_list("pk", flat=True)),
        "sibling": list(world.sibling.steps.values_list("pk", flat=True)),
        "foreign": list(world.foreign.steps.values_list("pk", flat=True)),
    }
    rows = data.draw(plan_rows(ids), label="rows")
    management, version = {}, "1"
    broken = data.draw(st.sampled_from([None, None, "management", "version"]))
    if broken == "management":
        management = data.draw(management_junk, label="management")
    elif broken == "version":
        version = data.draw(version_text, label="version")
    url = reverse("projects:plan-edit", args=[world.project.code])
    with example(world) as client:
        before = snapshot()
        status = post(
            client, url, plan_post(rows, management, version), (200, 302, 409)
        )
        after = snapshot()
        assert_valid(before, after, touched={world.project.pk})
        if status == 302:
            plan_version = after["projects"][world.project.pk][9]
            assert plan_version == before["projects"][world.project.pk][9] + 1
            own = [row for row in after["steps"].values() if row[1] == world.project.pk]
            assert own, "a saved plan has at least one step"
            # A kept step is one of this project's own; others' ids make new steps.
            assert {row[0] for row in own} - before["steps"].keys() == {
                row[0] for row in own if row[0] not in ids["own"]
            }
        else:
            assert after == before


# KPI results


@pytest.mark.django_db
@FUZZ
@given(
    data=mostly_valid(
        {
            "value": st.decimals(min_value=0, max_value=200, places=2).map(str),
            "report": st.just("ดำเนินการแล้ว"),
            "version": st.just("1"),
            "confirm": st.just("on"),
        },
        {
            "value": number_text,
            "report": free_text,
            "version": version_text,
            "confirm": flag,
        },
    ),
    quarter=st.sampled_from([1, 2, 3, 4]),
)
def test_reporting_a_kpi_result_with_any_input(world, data, quarter):
    url = reverse("indicators:result-edit", args=[world.indicator.code, quarter])
    with example(world) as client:
        before = snapshot()
        status = post(client, url, data, allowed=(200, 302, 409))
        after = snapshot()
        assert_valid(before, after, touched=set())
        assert quarter in (1, 3) or status != 302  # Q2 is locked, Q4 in the future
        if status != 302:
            assert after == before
            return
        changed = {
            pk: row
            for pk, row in after["results"].items()
            if before["results"].get(pk) != row
        }
        assert len(changed) == 1
        pk, row = changed.popitem()
        assert row[1:3] == (world.indicator.pk, quarter)
        assert row[5] == before["results"].get(pk, (None,) * 5 + (0,))[5] + 1


# Projects


@st.composite
def project_posts(draw, world: World) -> dict:
    department = world.project.department
    foreign = world.foreign.department
    number = draw(st.integers(0, 9999999))
    fields = {
        "department": st.sampled_from(
            [str(department.pk), str(foreign.pk), "", "0", "-1", "x", "9" * 30]
        ),
        "code": st.one_of(
            st.just(f"21000000-{number}"),
            st.just(f"21000000-{str(number).translate(THAI_DIGITS)}"),
            st.sampled_from(
                [
                    "21000000-3152",
                    "21000000-3153",
                    "99000000-5",
                    "21000000",
                    "21000000-",
                    "๒๑๐๐๐๐๐๐-๑",
                    "21000000-12 ",
                    " 21000000-12",
                ]
            ),
            st.text(max_size=25),
        ),
        "fiscal_year": st.one_of(
            st.sampled_from(["2563", "2564", "2562", "2500", "2700", "2020", "๒๕๖๔"]),
            st.integers().map(str),
            st.text(max_size=6),
        ),
        "kind": st.sampled_from(["project", "activity", "", "x"]),
        "name_th": st.one_of(st.just("โครงการ"), free_text),
        "name_en": free_text,
        "officer_name": st.one_of(st.just("นายทดสอบ"), free_text),
        "officer_contact": free_text,
        "budget_owner_unit": free_text,
        "budget_implementing_unit": free_text,
        "budget_amount": number_text,
        "rationale": free_text,
        "objectives": free_text,
        "targets": free_text,
        "is_routine": flag,
        "predecessor": st.sampled_from(
            [
                str(world.project.pk),
                str(world.sibling.pk),
                str(world.foreign.pk),
                str(world.earlier.pk),
                "",
                "x",
            ]
        ),
    }
    valid = {
        "department": st.just(str(department.pk)),
        "code": st.just(f"21000000-{number}"),
        "fiscal_year": st.sampled_from(["2562", "2563", "2564"]),
        "kind": st.sampled_from(["project", "activity"]),
        "name_th": st.just("โครงการ"),
        "officer_name": st.just("นายทดสอบ"),
        "objectives": st.just("เพื่อหนึ่ง\nเพื่อสอง"),
        "predecessor": st.sampled_from(["", str(world.earlier.pk)]),
    }
    data = draw(mostly_valid(valid, fields))
    ids = [str(pk) for pk in world.strategies]
    strategies = draw(
        st.one_of(
            st.lists(st.sampled_from(ids), max_size=2),
            st.lists(
                st.sampled_from([*ids, "0", "x", "-99999999999999999999", "9" * 30]),
                max_size=3,
            ),
        )
    )
    if strategies:
        data["strategies"] = strategies
    return data


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_creating_a_project_with_any_input(world, data):
    posted = data.draw(project_posts(world), label="post")
    with example(world) as client:
        before = snapshot()
        status = post(client, reverse("projects:create"), posted)
        after = snapshot()
        new = after["projects"].keys() - before["projects"].keys()
        assert_valid(before, after, touched=new)
        if status == 302:
            (pk,) = new
            assert after["projects"][pk][2] == world.project.department_id
        else:
            assert after == before


@pytest.mark.django_db
@FUZZ
@given(data=st.data(), target=st.sampled_from(["project", "foreign"]))
def test_editing_a_project_with_any_input(world, data, target):
    project = getattr(world, target)
    posted = data.draw(project_posts(world), label="post")
    with example(world) as client:
        before = snapshot()
        response = client.post(reverse("projects:edit", args=[project.code]), posted)
        status = response.status_code
        assert status in ((403,) if target == "foreign" else (200, 302))
        event(f"answered {status}")
        after = snapshot()
        assert_valid(before, after, touched={project.pk})
        if status == 302:
            row, old = after["projects"][project.pk], before["projects"][project.pk]
            assert row[1:3] == old[1:3]  # the code and department stay
        else:
            assert after == before


# The evaluators' forms, signed in as an evaluator

score_text = st.one_of(
    st.decimals(min_value=0, max_value=100, places=2).map(str), number_text
)


@pytest.mark.django_db
@FUZZ
@given(
    data=mostly_valid(
        {
            "score": st.decimals(min_value=0, max_value=100, places=2).map(str),
            "comment": st.just("ดำเนินการตามแผน"),
            "version": st.sampled_from(["0", "1"]),
            "confirm": st.just("on"),
        },
        {
            "score": number_text,
            "comment": free_text,
            "version": version_text,
            "confirm": flag,
        },
    ),
    quarter=st.sampled_from([1, 2, 3, 4]),
    target=st.sampled_from(["project", "foreign"]),
)
def test_scoring_a_project_with_any_input(world, data, quarter, target):
    project = getattr(world, target)
    url = reverse("projects:evaluate", args=[project.code, quarter])
    with example(world, world.evaluator) as client:
        before = snapshot()
        status = post(client, url, data, allowed=(200, 302, 409))
        after = snapshot()
        assert_valid(before, after, touched=set())
        if status != 302:
            assert after == before
        elif after["evaluations"] != before["evaluations"]:
            (row,) = after["evaluations"].items() - before["evaluations"].items()
            assert row[1][1:3] == (project.pk, quarter)


@pytest.mark.django_db
@FUZZ
@given(data=st.data(), quarter=st.sampled_from([1, 2, 3, 4]))
def test_scoring_a_kpi_with_any_input(world, data, quarter):
    first, second = (f"criterion_{c.pk}" for c in world.criteria)
    posted = data.draw(
        mostly_valid(
            {
                first: score_text,
                second: st.decimals(min_value=0, max_value=50, places=2).map(str),
                "comment": st.just("ตามเกณฑ์"),
                "version": st.sampled_from(["0", "1"]),
                "confirm": st.just("on"),
            },
            {
                first: number_text,
                second: st.one_of(st.just("50.01"), number_text),
                "criterion_0": number_text,
                "comment": free_text,
                "version": version_text,
                "confirm": flag,
            },
        )
    )
    url = reverse("indicators:evaluate", args=[world.indicator.code, quarter])
    with example(world, world.evaluator) as client:
        before = snapshot()
        status = post(client, url, posted, allowed=(200, 302, 409))
        after = snapshot()
        assert_valid(before, after, touched=set())
        if status != 302:
            assert after == before


@pytest.mark.django_db
@FUZZ
@given(data=st.data(), quarter=st.sampled_from([1, 2, 3, 4]))
def test_scoring_a_departments_list_with_any_input(world, data, quarter):
    known = [world.project.pk, world.sibling.pk]
    valid_score = st.decimals(min_value=0, max_value=50, places=2).map(str)
    # The rows the page lists, each with a score or left empty; then one thing
    # made wild: a row of another list, a version, a score, or the confirmation.
    rows = data.draw(st.lists(st.sampled_from(known), unique=True), label="rows")
    rows = [
        [str(pk), "0", data.draw(st.one_of(st.just(""), valid_score))] for pk in rows
    ]
    kpi = [str(world.indicator.pk), "0", data.draw(valid_score)]
    confirm = {"confirm": "on"}
    wild = data.draw(
        st.sampled_from([None, "row", "id", "version", "score", "confirm"]),
        label="wild",
    )
    other_ids = [world.foreign.pk, world.earlier.pk, *known, 0, -1, "x", "9" * 30]
    if wild == "row":
        rows.append([str(data.draw(st.sampled_from(other_ids))), "0", "50"])
    elif wild == "confirm":
        confirm = data.draw(st.fixed_dictionaries({}, optional={"confirm": flag}))
    elif wild:
        row = data.draw(st.sampled_from([*rows, kpi]))
        column = {"id": 0, "version": 1, "score": 2}[wild]
        row[column] = data.draw(
            {0: st.text(max_size=5), 1: version_text}.get(column, number_text)
        )
    posted = {
        "projects-TOTAL_FORMS": str(len(rows)),
        "projects-INITIAL_FORMS": "0",
        "kpis-TOTAL_FORMS": "1",
        "kpis-INITIAL_FORMS": "0",
        "kpis-0-indicator": kpi[0],
        "kpis-0-version": kpi[1],
        f"kpis-0-criterion_{world.criteria[0].pk}": kpi[2],
        **confirm,
    }
    for index, (pk, version, score) in enumerate(rows):
        posted[f"projects-{index}-project"] = pk
        posted[f"projects-{index}-version"] = version
        posted[f"projects-{index}-score"] = score
    url = reverse("projects:evaluation-score", args=[2563, quarter])
    with example(world, world.evaluator) as client:
        before = snapshot()
        response = client.post(f"{url}?department=21000000", posted)
        assert response.status_code in (200, 302, 409)
        event(f"answered {response.status_code}")
        after = snapshot()
        assert_valid(before, after, touched=set())
        if response.status_code != 302:
            assert after == before
        changed = after["evaluations"].items() - before["evaluations"].items()
        assert {row[1] for _pk, row in changed} <= set(known)


@pytest.mark.django_db
@FUZZ
@given(
    action=st.sampled_from(["lock", "reopen"]),
    department=st.one_of(
        st.sampled_from(["21000000", "99000000", "all", "", "2100000"]),
        st.text(max_size=25),
    ),
    reason=free_text,
    quarter=st.sampled_from([1, 2, 3, 4]),
)
def test_locking_and_reopening_with_any_input(
    world, action, department, reason, quarter
):
    url = reverse(f"projects:evaluation-{action}", args=[2563, quarter])
    posted = {f"{action}-department": department, f"{action}-reason": reason}
    with example(world, world.evaluator) as client:
        before = snapshot()
        status = post(client, url, posted)
        after = snapshot()
        assert_valid(before, after, touched=set())
        if status != 302:
            assert after == before


# What the fuzzing and the race tests found, kept as plain tests


@pytest.fixture
def staff_client(client, world, settings) -> Client:
    client.force_login(world.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def project_post(world: World, **values: object) -> dict:
    return {
        "department": str(world.project.department_id),
        "code": "21000000-4000",
        "fiscal_year": "2563",
        "kind": "project",
        "name_th": "โครงการ",
        "officer_name": "นายทดสอบ",
        **values,
    }


def test_a_weight_of_snan_is_an_error_not_a_crash(world, staff_client):
    step = world.project.steps.first()
    row = {"id": str(step.pk), "description": "ก", "weight": "sNaN"}
    row |= {"planned_start": "1/10/2562", "planned_end": "1/11/2562"}
    url = reverse("projects:plan-edit", args=[world.project.code])
    response = staff_client.post(url, plan_post([row], {}, "1"))
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["weight"] == ["Enter a number."]


def test_two_rows_naming_one_step_make_two_steps(world, staff_client):
    step = world.project.steps.first()
    rows = [
        {"id": str(step.pk), "description": description, "weight": weight}
        | {"planned_start": "1/10/2562", "planned_end": "1/11/2562"}
        for description, weight in (("ก", "40"), ("ข", "60"))
    ]
    url = reverse("projects:plan-edit", args=[world.project.code])
    # The project has reports, so the change is a revision with a reason.
    data = plan_post(rows, {"reason": "แยกขั้นตอน"}, "1")
    assert staff_client.post(url, data).status_code == 302
    first, second = world.project.steps.order_by("number")
    assert (first.pk, first.description, first.weight) == (step.pk, "ก", 40)
    assert (second.description, second.weight) == ("ข", 60)
    assert second.pk != step.pk


def test_text_that_grows_in_nfc_is_measured_as_stored(world, staff_client):
    # Each क़ (U+0958) is stored as two code points: 300 of them are 600.
    response = staff_client.post(
        reverse("projects:create"), project_post(world, name_th="\u0958" * 300)
    )
    assert response.status_code == 200
    assert "at most 500 characters" in str(response.context["form"].errors)
    assert not Project.objects.filter(code="21000000-4000").exists()


def test_a_strategy_id_beyond_64_bits_is_an_error_not_a_crash(world, staff_client):
    response = staff_client.post(
        reverse("projects:create"), project_post(world, strategies=["9" * 30])
    )
    assert response.status_code == 200
    assert "strategies" in response.context["form"].errors


def test_a_project_code_in_thai_digits_is_refused(world, staff_client):
    response = staff_client.post(
        reverse("projects:create"), project_post(world, code="21000000-๔๐๐๐")
    )
    assert response.status_code == 200
    assert "department code, a dash" in str(response.context["form"].errors["code"])


def test_the_fiscal_year_of_a_project_with_dated_work_stays(world, staff_client):
    url = reverse("projects:edit", args=[world.project.code])
    response = staff_client.post(url, project_post(world, fiscal_year="2564"))
    assert response.status_code == 200
    assert "cannot change" in str(response.context["form"].errors["fiscal_year"])
    world.project.refresh_from_db()
    assert world.project.fiscal_year == 2563
    # A project with no plan or reports yet may still move to another year.
    earlier = world.earlier
    url = reverse("projects:edit", args=[earlier.code])
    data = project_post(world, code=earlier.code, fiscal_year="2561")
    assert staff_client.post(url, data).status_code == 302
    earlier.refresh_from_db()
    assert earlier.fiscal_year == 2561


def test_saving_an_update_deleted_meanwhile_is_a_conflict(world):
    from projects import services

    update = world.update
    services.delete_update(update=update, user=world.staff, version=1)
    with pytest.raises(services.ConflictError):
        services.save_update(
            project=world.project,
            user=world.staff,
            values={"percent": Decimal(50)},
            update=update,
            version=1,
        )
    assert not ProgressUpdate.objects.filter(pk=update.pk).exists()
