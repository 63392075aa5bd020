"""load_demo: the seed project exactly as on the seed page, generated data, demo users.

The seed project's values are read out of the seed page itself, independently of
``projects.demo``, so a slip in either shows up here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Sum

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import progress, thaicalendar
from projects.models import (
    BudgetLine,
    Department,
    PlanRevision,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
    StrategyNode,
)
from tests.factories import seed_budget_categories

SEED_PAGE = (
    Path(settings.BASE_DIR).parent / "shared" / "seed" / "project-21000000-3152.txt"
)
SEED_CODE = "21000000-3152"
# Fiscal year 2568, quarter 3, after the monthly due day: some reports are overdue.
TODAY = date(2025, 6, 27)
DEMO_YEARS = [2566, 2567, 2568]
NONE_WORDS = {"", "-", "ไม่มี"}

pytestmark = pytest.mark.django_db

# Reading the seed page


@dataclass(frozen=True)
class PageUpdate:
    report_date: date
    percent: Decimal
    done: str
    problems: str
    obstacles: str


@dataclass(frozen=True)
class PageStep:
    number: int
    description: str
    weight: Decimal
    start: date
    end: date


def composed(text: str) -> str:
    """Thai text as the portal stores it: NFC, sara am composed, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\u0e4d\u0e32", "\u0e33")
    return text.strip()


def stored_none(text: str) -> str:
    """ "-", "ไม่มี" and blank mean none, which is stored empty."""
    return "" if text.strip() in NONE_WORDS else composed(text)


def numbered_items(paragraph: str, section: str) -> list[str]:
    """Split "2.1 a 2.2 b" into ["a", "b"], dropping the section's numbering."""
    parts = re.split(rf"(?:^|\s+){section}\.\d+\s+", paragraph)
    return [composed(part) for part in parts if part.strip()]


def after(page: str, heading: str) -> str:
    """The paragraph that follows a heading line."""
    match = re.search(rf"^{re.escape(heading)}\n\n(.+?)\n", page, re.MULTILINE)
    assert match, heading
    return match.group(1)


def page_updates(page: str) -> list[PageUpdate]:
    blocks = re.findall(
        r"^\(\d+\) ความคืบหน้าโครงการฯ ร้อยละ ([\d.]+) \((\d{4}-\d\d-\d\d)\)\n\n"
        r"[\d.]+\n\n(.+?)\n\n"
        r"\*\* ปัญหาของโครงการ :(.*?)\n\n"
        r"\*\* อุปสรรคของโครงการ :(.*?)\n",
        page,
        re.MULTILINE | re.DOTALL,
    )
    updates = []
    for percent, iso, narrative, problems, obstacles in blocks:
        # The narrative repeats the date by hand in BE ("15/9/2563 : "); the date is
        # a field of its own, so only what follows is the narrative.
        typed = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})\s*:\s*", narrative)
        assert typed, narrative
        report_date = date.fromisoformat(iso)
        assert thaicalendar.parse_date(typed.group(0).rstrip(" :")) == report_date
        updates.append(
            PageUpdate(
                report_date=report_date,
                percent=Decimal(percent),
                done=composed(narrative[typed.end() :]),
                problems=stored_none(problems),
                obstacles=stored_none(obstacles),
            )
        )
    return updates


def page_steps(page: str) -> list[PageStep]:
    steps = re.findall(
        r"^ขั้นตอน (\d+)\n:(.+?)\n:([\d.]+)%\n"
        r"เริ่มต้น :(\d{4}-\d\d-\d\d) [\d:]+\n"
        r"สิ้นสุด :(\d{4}-\d\d-\d\d) [\d:]+$",
        page,
        re.MULTILINE,
    )
    return [
        PageStep(
            number=int(number),
            # Step 1 reads ":. ศึกษาข้อมูล…": the "." after the separator is a stray.
            description=composed(description.lstrip(". ")),
            weight=Decimal(weight),
            start=date.fromisoformat(start),
            end=date.fromisoformat(end),
        )
        for number, description, weight, start, end in steps
    ]


def page_quarters(page: str) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Quarter: (result, score 2.1, score 2.2) from the KPI's quarter table."""
    table = page.split("(* 2.1 / 2.2 *)", 1)[1]
    rows = re.findall(r"^([1-4])\n([\d.]+)\n\n(\d+) / (\d+)$", table, re.MULTILINE)
    return {
        int(quarter): (Decimal(value), Decimal(first), Decimal(second))
        for quarter, value, first, second in rows
    }


@pytest.fixture(autouse=True)
def _budget_categories(db) -> None:
    # The demo's budget lines use the categories a data migration seeds.
    seed_budget_categories()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The demo users' passwords are hashed and checked on every load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed_page() -> str:
    if not SEED_PAGE.exists():
        pytest.skip(f"the seed page is not here ({SEED_PAGE}): no shared folder")
    return SEED_PAGE.read_text(encoding="utf-8")


def load_demo(today: date = TODAY) -> str:
    out = StringIO()
    call_command("load_demo", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output() -> str:
    return load_demo()


@pytest.fixture
def seed(demo_output: str) -> Project:
    return Project.objects.select_related("department").get(code=SEED_CODE)


# The seed project, field by field


def test_seed_project_header_matches_page(seed_page: str, seed: Project) -> None:
    name, code = re.search(r"^(.+) : (\d{8}-\d+)$", seed_page, re.MULTILINE).groups()
    department, fiscal_year = re.search(
        r"^(\S+) : \((\d{4})\)$", seed_page, re.MULTILINE
    ).groups()
    officer = re.search(
        r"^ความคืบหน้าโครงการ ร้อยละ \d+\n\n(.+)$", seed_page, re.MULTILINE
    )

    assert seed.code == code == SEED_CODE
    assert seed.name_th == composed(name)
    assert seed.kind == Project.Kind.ACTIVITY
    assert name.startswith("กิจกรรม")
    assert seed.fiscal_year == int(fiscal_year) == 2563
    assert seed.officer_name == composed(officer.group(1)) == "นายองอาจ ภิรมย์ปักษา"
    assert seed.department.code == code.split("-")[0] == "21000000"
    # The header's decomposed "สํานัก" is stored composed.
    assert "\u0e4d" in department
    assert seed.department.name_th == composed(department)
    assert seed.department.name_th == "สำนักยุทธศาสตร์และประเมินผล"
    assert seed.department.name_en == "Strategy and Evaluation Department"
    assert seed.department.short_name == "สยป."


def test_seed_project_texts_match_page(seed_page: str, seed: Project) -> None:
    owner, implementing = re.search(
        r"^(\d{8})/(\d{8})$", seed_page, re.MULTILINE
    ).groups()

    assert seed.rationale == composed(after(seed_page, "หลักการและเหตุผล"))
    assert seed.budget_owner_unit == owner == "21100100"
    assert seed.budget_implementing_unit == implementing == "21100100"
    assert seed.budget_units == "21100100/21100100"
    assert seed.objectives == numbered_items(
        after(seed_page, "วัตถุประสงค์ของโครงการ"), "2"
    )
    assert seed.targets == numbered_items(after(seed_page, "เป้าหมายของโครงการ"), "3")
    assert len(seed.objectives) == len(seed.targets) == 3
    assert not any(re.match(r"\d\.\d", item) for item in seed.objectives)


def test_seed_project_is_routine_work(seed_page: str, seed: Project) -> None:
    assert seed_page.count("**** ภารกิจงานประจำของหน่วยงาน ****") == 4
    assert seed.is_routine is True
    assert seed.strategies.count() == 0
    assert seed.predecessor is None


def test_seed_updates_match_page(seed_page: str, seed: Project) -> None:
    expected = sorted(page_updates(seed_page), key=lambda update: update.report_date)
    stored = [
        PageUpdate(u.report_date, u.percent, u.done, u.problems, u.obstacles)
        for u in seed.updates.order_by("report_date")
    ]

    assert len(expected) == 12
    assert stored == expected
    assert [u.percent for u in stored][-1] == Decimal("100.00")
    # "-" and "ไม่มี" are stored empty; real problems are kept verbatim.
    assert stored[-1].problems == stored[-1].obstacles == ""
    assert stored[0].problems == ""
    assert "COVID-19" in stored[8].problems


def test_seed_plan_matches_page(seed_page: str, seed: Project) -> None:
    expected = page_steps(seed_page)
    stored = [
        PageStep(s.number, s.description, s.weight, s.planned_start, s.planned_end)
        for s in seed.steps.order_by("number")
    ]

    assert stored == expected
    assert [s.weight for s in stored] == [5, 10, 10, 40, 35]
    assert seed.weights_total() == Decimal(100)
    assert all(step.is_milestone for step in seed.steps.all())


def test_seed_kpi_matches_page(seed_page: str, seed: Project) -> None:
    code = re.search(r"รายละเอียดเกี่ยวกับตัวชี้วัด : (\d{4}-\d+)", seed_page).group(1)
    name = re.search(r"^ตัวชี้วัด : (.+)$", seed_page, re.MULTILINE).group(1)
    unit, target = re.search(r"^ค่าเป้าหมาย (\S+) : ([\d.]+)$", seed_page, re.M).groups()
    indicator = Indicator.objects.with_achievement().get(code=code)
    quarters = page_quarters(seed_page)

    assert indicator.code == "2100-1044"
    assert indicator.name_th == composed(name)
    assert indicator.unit == unit == "ฉบับ"
    assert indicator.target == Decimal(target) == 1
    assert "ตัวชี้วัดเชิงยุทธศาสตร์" in seed_page
    assert indicator.kind == Indicator.Kind.STRATEGIC
    assert "ระดับผลผลิต (output)" in seed_page
    assert indicator.level == Indicator.Level.OUTPUT
    assert indicator.aggregation == progress.Aggregation.LATEST
    assert indicator.direction == progress.Direction.HIGHER
    assert indicator.department.code == "21000000"
    assert indicator.fiscal_year == 2563
    assert list(indicator.projects.all()) == [seed]
    results = {r.quarter: r.value for r in indicator.results.all()}
    assert results == {quarter: row[0] for quarter, row in quarters.items()}
    assert [results[q] for q in range(1, 5)] == [15, 40, 0, 1]
    # The page's "achieved 15" is a stale first quarter; the latest result is 1.
    assert indicator.achieved == Decimal(1)


def test_seed_kpi_scores_match_page(seed_page: str, seed: Project) -> None:
    quarters = page_quarters(seed_page)
    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=2563))
    scores = {
        (score.evaluation.quarter, score.criterion.code): score.score
        for score in CriterionScore.objects.filter(
            evaluation__indicator__code="2100-1044"
        ).select_related("evaluation", "criterion")
    }

    assert [(c.code, bool(c.name_th), bool(c.name_en)) for c in criteria] == [
        ("2.1", True, True),
        ("2.2", True, True),
    ]
    assert scores == {
        **{(quarter, "2.1"): row[1] for quarter, row in quarters.items()},
        **{(quarter, "2.2"): row[2] for quarter, row in quarters.items()},
    }
    assert set(scores.values()) == {Decimal(100)}
    assert IndicatorEvaluation.objects.filter(indicator__code="2100-1044").count() == 4


def test_seed_project_evaluation_is_quarter_2_score_100(
    seed_page: str, seed: Project
) -> None:
    quarter, score = re.search(
        r"สยป\. ประเมินโครงการ : ไตรมาสที่ (\d) (\d+)", seed_page
    ).groups()

    evaluations = [(e.quarter, e.score) for e in seed.evaluations.all()]

    assert evaluations == [(int(quarter), Decimal(score))] == [(2, Decimal(100))]


def test_seed_project_progress_is_100_on_page_and_in_database(
    seed_page: str, seed: Project
) -> None:
    shown = re.search(r"ความคืบหน้าโครงการ ร้อยละ (\d+)", seed_page).group(1)

    figures = Project.objects.with_progress(on=date(2020, 9, 30)).get(pk=seed.pk)

    assert figures.actual_percent == Decimal(shown) == 100
    assert figures.planned_percent == 100
    assert figures.status == progress.Status.COMPLETE


# Running it twice


def snapshot() -> dict[str, object]:
    """Every row count, and what a save would change: timestamps, passwords, roles."""
    models = [
        Department,
        StrategyNode,
        Project,
        PlanStep,
        ProgressUpdate,
        ProjectEvaluation,
        Profile,
        Indicator,
        IndicatorResult,
        IndicatorEvaluation,
        CriterionScore,
        EvaluationCriterion,
        get_user_model(),
        Department.members.through,
        Project.strategies.through,
        Indicator.projects.through,
    ]
    return {
        "counts": {model.__name__: model.objects.count() for model in models},
        "projects": sorted(Project.objects.values_list("pk", "updated_at")),
        "updates": sorted(ProgressUpdate.objects.values_list("pk", "updated_at")),
        "indicators": sorted(Indicator.objects.values_list("pk", "updated_at")),
        "results": sorted(IndicatorResult.objects.values_list("pk", "updated_at")),
        "evaluations": sorted(
            ProjectEvaluation.objects.values_list("pk", "evaluated_at")
        ),
        "users": sorted(
            get_user_model().objects.values_list(
                "username", "password", "is_superuser", "is_staff", "profile__role"
            )
        ),
        "members": sorted(
            Department.members.through.objects.values_list("department_id", "user_id")
        ),
    }


def test_load_demo_twice_changes_nothing(demo_output: str) -> None:
    before = snapshot()

    second = load_demo()

    assert snapshot() == before
    assert "already there" in second
    # The seed, 150 generated projects and the staff login's four of this year.
    assert before["counts"]["Project"] == 155


def money_snapshot() -> dict[str, object]:
    return {
        "lines": sorted(
            BudgetLine.objects.values_list("project__code", "category__code", "amount")
        ),
        "budgets": sorted(
            Project.objects.values_list("code", "budget_amount", "citizen_benefit")
        ),
        "disbursed": sorted(
            ProgressUpdate.objects.values_list("pk", "disbursed", "committed")
        ),
    }


def test_load_demo_gives_a_database_made_before_money_its_budgets(
    demo_output: str,
) -> None:
    # The demo as a database made before money existed (issue 18) holds it: the
    # generated projects kept their budget amount, the staff login's had none.
    staff_codes = [f"21000000-{number}" for number in ("4001", "4002", "4003", "4004")]
    BudgetLine.objects.all().delete()
    ProgressUpdate.objects.update(disbursed=None, committed=None)
    Project.objects.filter(code__in=staff_codes).update(
        budget_amount=None, citizen_benefit=""
    )

    output = load_demo()

    assert "Budgets for the staff login's projects: loaded" in output
    budgeted = Project.objects.filter(budget_amount__isnull=False)
    assert budgeted.filter(code__in=staff_codes).count() == 4
    for project in budgeted.annotate(lines=Sum("budget_lines__amount")):
        assert project.lines == project.budget_amount, project.code
    assert not Project.objects.filter(code__in=staff_codes, citizen_benefit="").exists()
    reported = ProgressUpdate.objects.filter(project__budget_amount__isnull=False)
    assert reported.exists()
    assert not reported.filter(disbursed__isnull=True).exists()
    # Running it again changes nothing.
    before = money_snapshot()
    load_demo()
    assert money_snapshot() == before


def test_load_demo_keeps_a_changed_seed_project_as_it_is(demo_output: str) -> None:
    Project.objects.filter(code=SEED_CODE).update(officer_contact="0 2224 1234")

    load_demo()

    assert Project.objects.get(code=SEED_CODE).officer_contact == "0 2224 1234"


# Demo users


def test_demo_users_have_their_roles_and_departments(demo_output: str) -> None:
    users = {
        user.username: user
        for user in get_user_model().objects.select_related("profile")
    }
    departments = {
        username: sorted(users[username].departments.values_list("code", flat=True))
        for username in users
    }

    assert set(users) == {"admin", "evaluator", "staff", "outsider", "approver"}
    assert list(users["approver"].approves_for.values_list("code", flat=True)) == [
        "21000000"
    ]
    assert departments["approver"] == []
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["admin"].profile.role == Profile.Role.ADMIN
    assert users["evaluator"].profile.role == Profile.Role.EVALUATOR
    assert not users["evaluator"].is_staff
    assert users["staff"].profile.role == Profile.Role.STAFF
    assert users["outsider"].profile.role == Profile.Role.STAFF
    assert departments["staff"] == ["21000000"]
    assert len(departments["outsider"]) == 1
    assert departments["outsider"] != ["21000000"]
    assert Project.objects.filter(department__code=departments["outsider"][0]).exists()
    assert departments["admin"] == departments["evaluator"] == []
    assert all(user.check_password("demo-pass-2563") for user in users.values())


def test_demo_password_is_repaired_but_a_right_one_is_not_rewritten(
    demo_output: str,
) -> None:
    staff = get_user_model().objects.get(username="staff")
    staff.set_password("forgotten")
    staff.save()
    right = get_user_model().objects.get(username="evaluator").password

    load_demo()

    assert (
        get_user_model().objects.get(username="staff").check_password("demo-pass-2563")
    )
    assert get_user_model().objects.get(username="evaluator").password == right


def test_load_demo_prints_logins_and_url(demo_output: str) -> None:
    for username in ("admin", "evaluator", "staff", "outsider", "approver"):
        assert re.search(
            rf"^\s+{username}\s+password demo-pass-2563", demo_output, re.M
        )
    assert "http://127.0.0.1:8000" in demo_output.splitlines()[-1]


def test_demo_has_reports_waiting_for_the_approver(demo_output: str) -> None:
    current = ProgressUpdate.objects.filter(
        project__department__code="21000000", report_date=TODAY
    )
    states = sorted(current.values_list("status", flat=True))

    assert states == ["draft", "returned", "submitted", "submitted"]
    returned = current.get(status="returned")
    assert returned.review_comment
    assert returned.reviewed_by.username == "approver"
    assert returned.author.username == "staff"


def test_demo_user_can_log_in(demo_output: str, client) -> None:
    assert client.login(username="staff", password="demo-pass-2563")


# Generated data


def test_generated_data_spans_three_fiscal_years(demo_output: str) -> None:
    generated = Project.objects.exclude(department__code="21000000")
    per_year = dict(
        generated.values_list("fiscal_year").annotate(n=Count("id")).order_by()
    )
    totals = (
        PlanStep.objects.values("project")
        .annotate(total=Sum("weight"), steps=Count("id"))
        .values_list("total", "steps")
    )

    assert Department.objects.count() >= 12
    assert generated.values("department").distinct().count() >= 12
    assert per_year == {2566: 50, 2567: 50, 2568: 50}
    assert thaicalendar.fiscal_year_of(TODAY) == 2568
    assert set(totals) - {(Decimal(100), 4)} == {(Decimal(100), 5)}
    assert Indicator.objects.exclude(code="2100-1044").count() >= 30
    assert not ProgressUpdate.objects.filter(report_date__gt=TODAY).exists()


def test_the_staff_login_has_work_this_year(demo_output: str, client) -> None:
    staff = get_user_model().objects.get(username="staff")
    mine = list(
        Project.objects.for_fiscal_year(2568)
        .filter(department__members=staff)
        .with_progress(TODAY)
    )
    assert len(mine) == 4
    assert any(project.report_overdue for project in mine)
    assert any(not project.report_overdue for project in mine)
    revised = PlanRevision.objects.filter(project__in=mine)
    assert revised.filter(valid_until__isnull=False).count() == 1
    assert revised.get(valid_until__isnull=True).reason


def test_past_quarters_are_locked_and_past_years_closed(demo_output: str) -> None:
    locked = set(
        QuarterLock.objects.active()
        .filter(department__isnull=True)
        .values_list("fiscal_year", "quarter")
    )
    # TODAY is in quarter 3 of FY 2568: its first two quarters ended long ago.
    assert {(2568, 1), (2568, 2)} <= locked
    assert (2568, 3) not in locked
    assert (2566, 4) in locked


def test_the_seed_is_attributed_to_the_original_portal_in_history(
    demo_output: str,
) -> None:
    from django.utils import translation

    from projects import history

    seed = Project.objects.get(code=SEED_CODE)
    with translation.override("en"):
        entries = history.project_history(seed, "en")
    assert entries
    assert {entry.user for entry in entries} == {"imported from the original portal"}


def test_generated_data_has_projects_behind_and_overdue(demo_output: str) -> None:
    current = list(Project.objects.for_fiscal_year(2568).with_progress(on=TODAY))
    statuses = {project.status for project in current}

    assert progress.Status.BEHIND in statuses
    assert progress.Status.ON_TRACK in statuses
    assert any(project.report_overdue for project in current)
    assert not all(project.report_overdue for project in current)
    assert ProgressUpdate.objects.filter(
        project__fiscal_year=2568, report_date__month=6
    ).exists()


def test_generated_past_years_have_twelve_monthly_updates_mostly(
    demo_output: str,
) -> None:
    counts = list(
        ProgressUpdate.objects.filter(project__fiscal_year=2567)
        .values("project")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )

    assert max(counts) == 12
    assert sum(1 for n in counts if n == 12) > len(counts) / 2


def test_load_demo_today_sets_the_generated_fiscal_years() -> None:
    load_demo(today=date(2020, 10, 30))

    years = set(Project.objects.values_list("fiscal_year", flat=True))

    assert years == {2562, 2563, 2564}
    assert Project.objects.filter(fiscal_year=2563).count() == 51
