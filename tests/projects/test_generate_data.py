"""generate_data: deterministic, realistic data in a bounded number of queries."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Min, Sum

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import generator, thaicalendar
from projects.management.commands.generate_data import Command as GenerateData
from projects.models import (
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)

# Fiscal year 2568, quarter 3: quarters 1 and 2 have passed.
TODAY = date(2025, 6, 27)
YEARS = [2566, 2567, 2568]


def generate(projects: int = 20, seed: int = 7, **options) -> generator.Summary:
    return generator.generate(projects=projects, seed=seed, today=TODAY, **options)


def snapshot() -> dict[str, list[tuple]]:
    """What the generator wrote, by codes rather than ids."""
    return {
        "departments": list(
            Department.objects.order_by("code").values_list(
                "code", "name_th", "name_en", "short_name", "kind"
            )
        ),
        "projects": list(
            Project.objects.order_by("code").values_list(
                "code",
                "name_th",
                "name_en",
                "kind",
                "department__code",
                "fiscal_year",
                "officer_name",
                "budget_amount",
                "rationale",
                "objectives",
                "targets",
                "is_routine",
                "predecessor__code",
                "strategies__code",
            )
        ),
        "steps": list(
            PlanStep.objects.order_by("project__code", "number").values_list(
                "project__code",
                "number",
                "description",
                "weight",
                "planned_start",
                "planned_end",
            )
        ),
        "updates": list(
            ProgressUpdate.objects.order_by("project__code", "report_date").values_list(
                "project__code",
                "report_date",
                "percent",
                "done",
                "problems",
                "obstacles",
            )
        ),
        "evaluations": list(
            ProjectEvaluation.objects.order_by("project__code", "quarter").values_list(
                "project__code", "quarter", "score", "comment"
            )
        ),
        "indicators": list(
            Indicator.objects.order_by("code", "projects__code").values_list(
                "code",
                "name_th",
                "unit",
                "target",
                "kind",
                "level",
                "aggregation",
                "direction",
                "department__code",
                "projects__code",
            )
        ),
        "results": list(
            IndicatorResult.objects.order_by("indicator__code", "quarter").values_list(
                "indicator__code", "quarter", "value", "report"
            )
        ),
        "scores": list(
            CriterionScore.objects.order_by(
                "evaluation__indicator__code", "evaluation__quarter", "criterion__code"
            ).values_list(
                "evaluation__indicator__code",
                "evaluation__quarter",
                "criterion__code",
                "score",
            )
        ),
    }


# Determinism


@pytest.mark.django_db
def test_same_seed_gives_the_same_data() -> None:
    generate()
    first = snapshot()

    generate(replace=True)

    assert snapshot() == first
    assert len(first["projects"]) >= 60


@pytest.mark.django_db
def test_another_seed_gives_other_data() -> None:
    generate(seed=1)
    first = snapshot()

    generate(seed=2, replace=True)

    second = snapshot()
    assert second["updates"] != first["updates"]
    assert second["steps"] != first["steps"]


# Sizes


@pytest.mark.django_db
def test_sizes_for_twenty_projects_a_year() -> None:
    summary = generate(projects=20)

    per_year = dict(
        Project.objects.values_list("fiscal_year").annotate(n=Count("id")).order_by()
    )
    kpis_per_year = dict(
        Indicator.objects.values_list("fiscal_year").annotate(n=Count("id")).order_by()
    )
    results_per_year = dict(
        IndicatorResult.objects.values_list("indicator__fiscal_year")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert summary.fiscal_years == YEARS
    assert per_year == {2566: 20, 2567: 20, 2568: 20}
    assert Department.objects.count() == summary.departments == 12
    assert set(Department.objects.values_list("kind", flat=True)) == {
        Department.Kind.DEPARTMENT,
        Department.Kind.DISTRICT,
    }
    assert PlanStep.objects.count() == summary.steps == 5 * 60
    assert kpis_per_year == {2566: 4, 2567: 4, 2568: 4}
    # Four quarters in past years, the two that have passed in the current one.
    assert results_per_year == {2566: 16, 2567: 16, 2568: 8}
    assert IndicatorEvaluation.objects.count() == 40
    assert CriterionScore.objects.count() == 80
    assert ProjectEvaluation.objects.count() == 20 * (4 + 4 + 2)
    assert summary.updates == ProgressUpdate.objects.count()
    assert summary.projects == 60


@pytest.mark.django_db
def test_every_kpi_is_linked_to_projects_of_its_department_and_year() -> None:
    generate(projects=40)

    links = Indicator.projects.through.objects.select_related("indicator", "project")

    assert Indicator.objects.filter(projects=None).count() == 0
    assert all(
        link.indicator.department_id == link.project.department_id
        and link.indicator.fiscal_year == link.project.fiscal_year
        for link in links
    )
    assert Indicator.objects.values("unit").distinct().count() >= 4


def test_department_count_grows_to_about_eighty() -> None:
    assert generator.department_count(10) == 12
    assert generator.department_count(50) == 12
    assert generator.department_count(10_000) == 80

    departments = generator.pick_departments(80)

    assert len({spec.code for spec in departments}) == 80
    assert {spec.name_th for spec in departments} >= {
        "สำนักการโยธา",
        "สำนักการระบายน้ำ",
        "สำนักการคลัง",
        "สำนักงานเขตพระนคร",
        "สำนักงานเขตป้อมปราบศัตรูพ่าย",
        "สำนักงานเขตบางรัก",
        "สำนักงานเขตปทุมวัน",
    }
    assert all(len(spec.code) == 8 and spec.code.isdigit() for spec in departments)
    assert "21000000" not in generator.GENERATED_DEPARTMENT_CODES
    assert len({spec.code[:4] for spec in departments}) == 80


@pytest.mark.django_db
def test_strategy_tree_has_four_levels_with_dotted_codes() -> None:
    generate(projects=20)

    levels = Counter(StrategyNode.objects.values_list("level", flat=True))
    objective = StrategyNode.objects.get(code="1.1.1.1")

    assert levels == {"pillar": 7, "dimension": 14, "goal": 28, "objective": 56}
    assert [node.code for node in objective.path()] == ["1", "1.1", "1.1.1", "1.1.1.1"]
    assert all(node.title_th and node.title_en for node in objective.path())
    assert Project.objects.filter(is_routine=False, strategies=None).count() == 0
    assert (
        Project.objects.filter(is_routine=True, strategies__isnull=False).count() == 0
    )


# Constraints


@pytest.mark.django_db
def test_generated_data_keeps_the_rules() -> None:
    generate(projects=40)

    totals = set(
        PlanStep.objects.values("project")
        .annotate(total=Sum("weight"), steps=Count("id"))
        .values_list("total", "steps")
    )
    assert totals == {(Decimal(100), 5)}
    assert not PlanStep.objects.filter(planned_end__lt=F("planned_start")).exists()
    assert PlanStep.objects.filter(planned_start=F("planned_end")).exists()
    for project in Project.objects.prefetch_related("steps", "updates"):
        first, last = thaicalendar.fiscal_year_bounds(project.fiscal_year)
        assert project.code.startswith(f"{project.department.code}-")
        assert all(
            first <= s.planned_start <= s.planned_end <= last
            for s in project.steps.all()
        )
        days = [u.report_date for u in project.updates.all()]
        assert all(first <= day <= min(last, TODAY) for day in days)
        assert len({(day.year, day.month) for day in days}) == len(days)
        if project.predecessor_id:
            assert project.predecessor.fiscal_year == project.fiscal_year - 1
            assert project.predecessor.department_id == project.department_id
    span = ProgressUpdate.objects.aggregate(low=Min("percent"), high=Max("percent"))
    assert Decimal(0) <= span["low"] and span["high"] <= Decimal(100)
    assert ProgressUpdate.objects.filter(percent=100).exists()
    scores = ProjectEvaluation.objects.aggregate(low=Min("score"), high=Max("score"))
    assert Decimal(0) <= scores["low"] and scores["high"] <= Decimal(100)


@pytest.mark.django_db
def test_cumulative_percent_mostly_rises() -> None:
    generate(projects=40)

    falls = rises = 0
    for project in Project.objects.prefetch_related("updates"):
        percents = [u.percent for u in project.updates.all()]
        for before, after in zip(percents, percents[1:], strict=False):
            falls += after < before
            rises += after > before

    assert rises > 10 * max(falls, 1)


@pytest.mark.django_db
def test_codes_are_unique_and_never_the_seeds() -> None:
    generate(projects=40)

    codes = list(Project.objects.values_list("code", flat=True))
    kpi_codes = list(Indicator.objects.values_list("code", flat=True))

    assert len(codes) == len(set(codes)) == 120
    assert "21000000-3152" not in codes
    assert "2100-1044" not in kpi_codes
    for code, department_code in Indicator.objects.values_list(
        "code", "department__code"
    ):
        assert code.startswith(f"{department_code[:4]}-")


@pytest.mark.django_db
def test_current_year_has_behind_overdue_and_complete_projects() -> None:
    generate(projects=60)

    current = list(Project.objects.for_fiscal_year(2568).with_progress(on=TODAY))
    statuses = Counter(project.status for project in current)

    assert statuses["behind"] > 0
    assert statuses["on_track"] > statuses["behind"]
    assert any(project.report_overdue for project in current)
    assert sum(project.report_overdue for project in current) < len(current) / 2


@pytest.mark.django_db
def test_criteria_are_created_once_per_year_and_shared() -> None:
    EvaluationCriterion.objects.create(fiscal_year=2567, code="2.1", name_th="เดิม")

    generate(projects=20)

    assert sorted(
        EvaluationCriterion.objects.values_list("fiscal_year", "code", "name_th")
    ) == [
        (2566, "2.1", "ผลการดำเนินงานเทียบกับค่าเป้าหมาย"),
        (2566, "2.2", "ความครบถ้วนและทันเวลาของการรายงาน"),
        (2567, "2.1", "เดิม"),
        (2567, "2.2", "ความครบถ้วนและทันเวลาของการรายงาน"),
        (2568, "2.1", "ผลการดำเนินงานเทียบกับค่าเป้าหมาย"),
        (2568, "2.2", "ความครบถ้วนและทันเวลาของการรายงาน"),
    ]


# Queries


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_projects(
    django_assert_max_num_queries,
) -> None:
    # The strategy tree and criteria are written by the first run only.
    generate(projects=1)
    generator.delete_generated()

    with django_assert_max_num_queries(80) as twenty:
        generate(projects=20)
    generator.delete_generated()
    with django_assert_max_num_queries(80) as forty:
        generate(projects=40)

    # SQLite caps the parameters of one insert (999), so twice the rows need up to
    # twice the insert batches: progress updates, 16 columns since approval, go
    # 62 rows a batch. Every other query is written once a run.
    def split(queries) -> tuple[int, int]:
        inserts = sum(q["sql"].startswith("INSERT") for q in queries)
        return inserts, len(queries) - inserts

    inserts_20, others_20 = split(twenty.captured_queries)
    inserts_40, others_40 = split(forty.captured_queries)
    assert others_40 - others_20 <= 2
    assert inserts_40 <= 2 * inserts_20


# The command


@pytest.mark.django_db
def test_command_prints_progress_and_a_summary() -> None:
    out = StringIO()

    call_command(
        "generate_data", "--projects", "10", "--today", "2025-06-27", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert "projects 10/30 (FY 2566)" in lines
    assert "projects 30/30 (FY 2568)" in lines
    assert lines[-1].startswith("Generated 30 projects (FY 2566–2568)")


@pytest.mark.django_db
def test_command_prints_every_batch() -> None:
    out = StringIO()

    call_command(
        "generate_data",
        "--projects=5",
        "--years=1",
        "--batch-size=2",
        "--today=2025-06-27",
        stdout=out,
    )

    assert [line for line in out.getvalue().splitlines() if "projects " in line][
        :3
    ] == ["projects 2/5 (FY 2568)", "projects 4/5 (FY 2568)", "projects 5/5 (FY 2568)"]


@pytest.mark.django_db
def test_command_refuses_when_generated_data_exists() -> None:
    call_command(
        "generate_data", "--projects=5", "--today=2025-06-27", stdout=StringIO()
    )

    with pytest.raises(CommandError, match="--replace"):
        call_command(
            "generate_data", "--projects=5", "--today=2025-06-27", stdout=StringIO()
        )

    assert Project.objects.count() == 15


@pytest.mark.django_db
def test_command_replace_generates_anew() -> None:
    call_command(
        "generate_data", "--projects=5", "--today=2025-06-27", stdout=StringIO()
    )
    user = Department.objects.first().members.create(username="someone")

    call_command(
        "generate_data",
        "--projects=8",
        "--today=2025-06-27",
        "--replace",
        stdout=StringIO(),
    )

    assert Project.objects.count() == 24
    assert user.departments.count() == 0


@pytest.mark.django_db
def test_command_reads_a_buddhist_era_date_and_rejects_nonsense() -> None:
    call_command(
        "generate_data", "--projects=3", "--today=27/6/2568", stdout=StringIO()
    )

    assert set(Project.objects.values_list("fiscal_year", flat=True)) == set(YEARS)
    with pytest.raises(CommandError, match="--today"):
        call_command("generate_data", "--projects=3", "--today=someday", "--replace")


def test_command_help_documents_the_choice_on_existing_data() -> None:
    parser = GenerateData().create_parser("manage.py", "generate_data")

    text = " ".join(parser.format_help().split())

    assert "refuses to run when generated data already exists" in text
    assert "--replace first deletes those departments" in text
