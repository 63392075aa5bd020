"""Budget and disbursement (issue 18): the money rules, each on every write path,
the SQL mirror against the pure functions, the budget page's access and history."""

import io
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from openpyxl import Workbook

from projects import importing, money, progress, quality, services, thaicalendar
from projects.models import (
    BudgetCategory,
    BudgetLine,
    DisbursementPlan,
    ProgressUpdate,
    Project,
)
from reports import dashboard
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
    seed_budget_categories,
)
from tests.projects.test_project_form import project_data

TODAY = date(2020, 6, 20)
MILLION = Decimal(1_000_000)


# The money formatter


@pytest.mark.parametrize(
    ("amount", "thai", "english"),
    [
        (Decimal("1234567.5"), "1,234,567.50 บาท", "1,234,567.50 baht"),
        (0, "0.00 บาท", "0.00 baht"),
        (Decimal("999.995"), "1,000.00 บาท", "1,000.00 baht"),
    ],
)
def test_baht_has_separators_and_the_unit(amount, thai, english):
    with override("th"):
        assert money.baht(amount) == thai
    with override("en"):
        assert money.baht(amount) == english


def test_large_totals_read_in_millions():
    with override("th"):
        assert money.baht_short(Decimal(12_345_678)) == "12.35 ล้านบาท"
        assert money.baht_short(Decimal(999_999)) == "999,999.00 บาท"
        assert money.baht_short(None) == ""
    with override("en"):
        assert money.baht_short(Decimal(2_500_000)) == "2.50 million baht"


def test_a_column_reads_in_its_totals_unit():
    with override("th"):
        assert money.baht_like(Decimal(844_904), Decimal(365_410_000)) == "0.84 ล้านบาท"
        assert money.baht_like(Decimal(0), Decimal(2_000_000)) == "0.00 ล้านบาท"
        assert money.baht_like(Decimal(844_904), Decimal(999_999)) == "844,904.00 บาท"
        assert money.baht_like(None, Decimal(2_000_000)) == ""


# The derived figures (pure)


def test_disbursement_plan_in_force_else_the_work_plan():
    plans = [
        progress.MoneyPlan(
            None, date(2020, 3, 1), ((date(2019, 12, 31), Decimal(10)),)
        ),
        progress.MoneyPlan(
            date(2020, 3, 1),
            None,
            ((date(2020, 3, 31), Decimal(40)), (date(2020, 6, 30), Decimal(70))),
        ),
    ]
    work = Decimal(55)
    assert progress.planned_disbursed_percent(plans, work, date(2019, 12, 30)) == 0
    assert progress.planned_disbursed_percent(plans, work, date(2020, 2, 29)) == 10
    # The new version from 1 March: nothing of it ended yet on 30 March.
    assert progress.planned_disbursed_percent(plans, work, date(2020, 3, 30)) == 0
    assert progress.planned_disbursed_percent(plans, work, date(2020, 7, 1)) == 70
    assert progress.planned_disbursed_percent([], work, date(2020, 7, 1)) == work


def test_a_plan_by_quarter_is_spread_evenly_over_each_quarters_months():
    month_ends = [
        thaicalendar.month_end(year, month)
        for year, month in thaicalendar.fiscal_months(2563)
    ]
    months = progress.months_from_quarters(
        month_ends, [Decimal(10), None, Decimal(55), Decimal(100)]
    )
    assert [day for day, _pct in months] == month_ends
    assert [pct for _day, pct in months] == [
        Decimal("3.33"),
        Decimal("6.67"),
        Decimal(10),
        Decimal(10),  # Q2 left empty: the same as Q1
        Decimal(10),
        Decimal(10),
        Decimal(25),
        Decimal(40),
        Decimal(55),
        Decimal(70),
        Decimal(85),
        Decimal(100),
    ]
    assert progress.quarter_figures(months) == [10, 10, 55, 100]


def test_a_plan_version_that_follows_the_work_plan_reads_the_work_plan():
    plans = [
        progress.MoneyPlan(None, date(2020, 4, 1), [(date(2019, 10, 31), Decimal(50))]),
        progress.MoneyPlan(date(2020, 4, 1), None, (), follows_work_plan=True),
    ]
    assert (
        progress.planned_disbursed_percent(plans, Decimal(7), date(2020, 3, 31)) == 50
    )
    assert progress.planned_disbursed_percent(plans, Decimal(7), date(2020, 4, 1)) == 7


def test_money_figures_on_a_date(settings):
    figures = progress.money(
        allocation=Decimal(2_000_000),
        reports=[
            (date(2020, 1, 20), Decimal(200_000), None),
            (date(2020, 2, 20), Decimal(300_000), Decimal(500_000)),
            (date(2020, 3, 20), None, None),
        ],
        plans=[],
        work_planned=Decimal(40),
        on=date(2020, 3, 25),
        threshold=15,
    )
    assert figures.disbursed == Decimal(300_000)
    assert figures.committed == Decimal(500_000)
    assert figures.disbursed_percent == Decimal("15.00")
    assert figures.planned_amount == Decimal("800000.00")
    assert figures.of_plan_percent == Decimal("37.50")
    assert figures.status == progress.MoneyStatus.BEHIND


@pytest.mark.parametrize(
    ("allocation", "disbursed_pct", "planned", "status"),
    [
        (None, None, Decimal(50), progress.MoneyStatus.NO_BUDGET),
        (Decimal(0), None, Decimal(50), progress.MoneyStatus.NO_BUDGET),
        (Decimal(10), None, Decimal(15), progress.MoneyStatus.ON_PLAN),
        (Decimal(10), None, Decimal("15.01"), progress.MoneyStatus.BEHIND),
        (Decimal(10), Decimal(35), Decimal(50), progress.MoneyStatus.ON_PLAN),
        (Decimal(10), Decimal("34.99"), Decimal(50), progress.MoneyStatus.BEHIND),
    ],
)
def test_money_status_threshold(allocation, disbursed_pct, planned, status):
    assert progress.money_status(allocation, disbursed_pct, planned, 15) == status


# The rules (pure)


def fact(day, percent, disbursed):
    return quality.UpdateFact(day, Decimal(percent), "", disbursed)


def test_disbursed_falling_is_flagged():
    flags = quality.update_flags(
        [
            fact(date(2020, 1, 1), 10, Decimal(500)),
            fact(date(2020, 2, 1), 20, Decimal(400)),
            fact(date(2020, 3, 1), 30, None),
        ]
    )
    assert [flag.code for flag in flags] == ["disbursed_down"]
    assert flags[0].day == date(2020, 2, 1)


def test_disbursed_over_the_allocation_is_flagged():
    assert quality.disbursed_over_allocation(Decimal(101), Decimal(100))
    assert not quality.disbursed_over_allocation(Decimal(100), Decimal(100))
    assert not quality.disbursed_over_allocation(Decimal(100), None)
    assert not quality.disbursed_over_allocation(None, Decimal(100))


@pytest.mark.parametrize(
    ("percent", "disbursed", "code"),
    [
        (100, 49, "done_little_disbursed"),
        (100, 50, None),
        (29, 80, "spent_little_progress"),
        (30, 80, None),
        (29, 79, None),
    ],
)
def test_money_against_progress_flags_follow_the_settings(
    settings, percent, disbursed, code
):
    settings.DONE_LOW_DISBURSED_PERCENT = 50
    settings.SPENT_HIGH_DISBURSED_PERCENT = 80
    settings.SPENT_LOW_PROGRESS_PERCENT = 30
    flags = quality.money_progress_flags(
        Decimal(percent), Decimal(disbursed), Decimal(100)
    )
    assert [flag.code for flag in flags] == ([code] if code else [])


def test_project_flags_carry_the_money_flags():
    flags = quality.project_flags(
        fiscal_year=2563,
        behind=False,
        steps=[(Decimal(100), date(2019, 10, 1), date(2020, 9, 30))],
        updates=[
            (date(2020, 1, 1), Decimal(50), ""),
            (date(2020, 2, 1), Decimal(100), ""),
        ],
        quarters_scored=[],
        today=TODAY,
        allocation=Decimal(1000),
        disbursed=[Decimal(300), Decimal(200)],
    )
    assert {"disbursed_down", "done_little_disbursed"} <= {f.code for f in flags}
    over = quality.project_flags(
        fiscal_year=2563,
        behind=False,
        steps=[(Decimal(100), date(2019, 10, 1), date(2020, 9, 30))],
        updates=[(date(2020, 2, 1), Decimal(90), "")],
        quarters_scored=[],
        today=TODAY,
        allocation=Decimal(1000),
        disbursed=[Decimal(1001)],
    )
    assert "disbursed_over_allocation" in {f.code for f in over}


def test_disbursement_plan_errors():
    assert (
        quality.disbursement_plan_errors(
            [(date(2019, 10, 31), Decimal(10)), (date(2019, 11, 30), Decimal(20))], 2563
        )
        == []
    )
    codes = {
        flag.code
        for flag in quality.disbursement_plan_errors(
            [
                (date(2019, 10, 31), Decimal(30)),
                (date(2019, 11, 30), Decimal(20)),
                (date(2020, 10, 31), Decimal(101)),
            ],
            2563,
        )
    }
    assert codes == {"plan_percent_down", "plan_percent_range", "step_outside_year"}


# The form path


@pytest.fixture
def project(db):
    project = ProjectFactory(fiscal_year=2563, budget_amount=Decimal(1_000_000))
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    return project


@pytest.fixture
def staff(project):
    user = UserFactory(role="staff")
    project.department.members.add(user)
    return user


@pytest.fixture
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def post_update(client, project, **values):
    data = {
        "report_date": "15/6/2563",
        "percent": "70",
        "disbursed": "400000",
        "committed": "",
        "done": "ดำเนินการแล้ว",
        "problems": "",
        "obstacles": "-",
        **values,
    }
    return client.post(reverse("projects:update-create", args=[project.code]), data)


@pytest.mark.usefixtures("_today")
class TestUpdateForm:
    def test_money_is_saved_with_the_report(self, client, project, staff):
        client.force_login(staff)
        response = post_update(client, project, committed="250000.50")
        assert response.status_code == 302
        update = ProgressUpdate.objects.get()
        assert update.disbursed == Decimal(400_000)
        assert update.committed == Decimal("250000.50")

    @pytest.mark.parametrize("field", ["disbursed", "committed"])
    def test_negative_amounts_are_refused(self, client, project, staff, english, field):
        client.force_login(staff)
        response = post_update(client, project, **{field: "-1"})
        assert response.status_code == 200
        assert "greater than or equal to 0" in response.content.decode()
        assert not ProgressUpdate.objects.exists()

    @pytest.mark.parametrize(
        ("earlier", "disbursed", "code"),
        [
            (Decimal(500_000), "400000", "disbursed_down"),
            (None, "1000000.01", "disbursed_over_allocation"),
        ],
    )
    def test_odd_money_needs_confirmation(
        self, client, project, staff, english, earlier, disbursed, code
    ):
        if earlier is not None:
            ProgressUpdateFactory(
                project=project,
                report_date=date(2020, 5, 1),
                percent=60,
                disbursed=earlier,
            )
        before = ProgressUpdate.objects.count()
        client.force_login(staff)
        response = post_update(client, project, disbursed=disbursed)
        assert response.status_code == 200
        assert f'data-warning="{code}"' in response.content.decode()
        assert ProgressUpdate.objects.count() == before
        confirmed = post_update(client, project, disbursed=disbursed, confirm="on")
        assert confirmed.status_code == 302
        update = ProgressUpdate.objects.get(report_date=date(2020, 6, 15))
        assert code in update.confirmed_warnings or update.confirmed_warnings

    def test_the_flags_show_on_the_project_page(self, client, project, staff):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 1), percent=100, disbursed=1
        )
        client.force_login(staff)
        html = client.get(project.get_absolute_url()).content.decode()
        assert 'data-flag="done_little_disbursed"' in html


# The import path


HEADERS = [
    "Project code",
    "Report date",
    "Cumulative progress (%)",
    "Cumulative disbursed (baht)",
    "Committed (baht)",
]


def month_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = "month.xlsx"
    return file


def preview_of(file, department):
    with override("en"):
        return importing.build_month_preview(
            file, file.name, department=department, today=TODAY
        )


class TestImport:
    def test_money_columns_are_imported(self, project, staff):
        row = [project.code, "31/1/2563", "40", "250000", "100000"]
        preview = preview_of(month_file([row]), project.department)
        assert preview.issues == []
        importing.commit_month(preview, user=staff, confirmed=False)
        update = ProgressUpdate.objects.get()
        assert (update.disbursed, update.committed) == (Decimal(250_000), 100_000)

    def test_a_negative_amount_is_an_error_in_its_column(self, project):
        row = [project.code, "31/1/2563", "40", "-5", ""]
        preview = preview_of(month_file([row]), project.department)
        assert [(e.column, e.row) for e in preview.errors] == [
            ("Cumulative disbursed (baht)", 2)
        ]

    @pytest.mark.parametrize(
        ("rows", "code_row"),
        [
            ([["31/1/2563", "40", "500000"], ["29/2/2563", "45", "400000"]], 3),
            ([["31/1/2563", "40", "1000001"]], 2),
        ],
    )
    def test_money_warnings_need_confirming(self, project, staff, rows, code_row):
        file = month_file([[project.code, *row, ""] for row in rows])
        preview = preview_of(file, project.department)
        assert preview.errors == []
        assert [(w.column, w.row) for w in preview.warnings] == [
            ("Cumulative disbursed (baht)", code_row)
        ]
        with pytest.raises(importing.ImportRefused):
            importing.commit_month(preview, user=staff, confirmed=False)
        importing.commit_month(preview, user=staff, confirmed=True)
        assert ProgressUpdate.objects.count() == len(rows)

    def test_a_file_without_money_keeps_the_saved_amounts(self, project, staff):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 1, 31), percent=30, disbursed=7
        )
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(HEADERS[:3])
        sheet.append([project.code, "31/1/2563", "35"])
        file = io.BytesIO()
        workbook.save(file)
        file.seek(0)
        file.name = "month.xlsx"
        preview = preview_of(file, project.department)
        importing.commit_month(preview, user=staff, confirmed=True)
        assert ProgressUpdate.objects.get().disbursed == 7

    def test_the_template_has_the_money_columns(self, project):
        from openpyxl import load_workbook

        with override("en"):
            book = load_workbook(importing.month_template(project.department, 2563))
        headers = [cell.value for cell in next(book.active.iter_rows(max_row=1))]
        assert any("Cumulative disbursed" in h for h in headers)
        assert any("Committed" in h for h in headers)


# Services: the allocation and the disbursement plan


@pytest.fixture
def categories(db):
    seed_budget_categories()
    return {c.code: c for c in BudgetCategory.objects.all()}


class TestServices:
    def test_the_seeded_categories(self, categories):
        assert [c.name_th for c in BudgetCategory.objects.all()] == [
            "งบบุคลากร",
            "งบดำเนินงาน",
            "งบลงทุน",
            "งบอุดหนุน",
            "งบรายจ่ายอื่น",
        ]

    def test_budget_is_the_total_of_its_lines_with_history(
        self, project, staff, categories
    ):
        saved = services.save_budget(
            project=project,
            user=staff,
            lines=[
                services.BudgetLineValues(categories["operating"].pk, Decimal(300)),
                services.BudgetLineValues(
                    categories["investment"].pk, Decimal(700), "เงินอุดหนุนรัฐบาล"
                ),
            ],
            version=project.budget_version,
            citizen_benefit="ประชาชนได้ถนนที่ดีขึ้น",
            today=TODAY,
        )
        assert saved.budget_amount == Decimal(1000)
        assert saved.citizen_benefit == "ประชาชนได้ถนนที่ดีขึ้น"
        assert BudgetLine.history.filter(history_user=staff).count() == 2
        with pytest.raises(services.ConflictError):
            services.save_budget(
                project=project, user=staff, lines=[], version=project.budget_version
            )

    def test_no_lines_keep_an_unsplit_budget(self, project, staff):
        saved = services.save_budget(
            project=project, user=staff, lines=[], version=project.budget_version
        )
        assert saved.budget_amount == Decimal(1_000_000)

    def test_project_form_refuses_a_budget_other_than_the_lines(
        self, client, project, staff, english
    ):
        BudgetLineFactory(project=project, amount=Decimal(600))
        BudgetLineFactory(project=project, amount=Decimal(400))
        data = project_data(project.department, code=project.code)
        url = reverse("projects:edit", args=[project.code])
        client.force_login(staff)
        response = client.post(url, {**data, "budget_amount": "999"})
        assert response.status_code == 200
        assert "the total of its allocation lines" in response.content.decode()
        project.refresh_from_db()
        assert project.budget_amount == Decimal(1_000_000)
        response = client.post(url, {**data, "budget_amount": "1000"})
        assert response.status_code == 302
        project.refresh_from_db()
        assert project.budget_amount == Decimal(1000)

    def test_plan_changes_in_place_until_the_project_has_reports(self, project, staff):
        months = [(date(2020, 3, 31), Decimal(30)), (date(2020, 9, 30), Decimal(100))]
        first = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=months,
            version=project.budget_version,
            today=TODAY,
        )
        project.refresh_from_db()
        again = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=[(date(2020, 3, 31), Decimal(40)), *months[1:]],
            version=project.budget_version,
            today=TODAY,
        )
        assert first.pk == again.pk
        assert DisbursementPlan.objects.count() == 1
        assert [m.percent for m in again.months.all()] == [40, 100]

    def test_after_reports_a_revision_needs_a_reason_and_keeps_the_past(
        self, project, staff
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1))
        before = date(2020, 5, 31)
        planned_before = (
            Project.objects.with_progress(before)
            .with_money(before)
            .get(pk=project.pk)
            .planned_disbursed_percent
        )
        months = [(date(2020, 4, 30), Decimal(90)), (date(2020, 9, 30), Decimal(100))]
        with pytest.raises(services.ReasonRequiredError):
            services.save_disbursement_plan(
                project=project,
                user=staff,
                months=months,
                version=project.budget_version,
                today=TODAY,
            )
        plan = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=months,
            version=project.budget_version,
            reason="โอนงบประมาณ",
            today=TODAY,
        )
        assert plan.valid_from == TODAY
        assert plan.history.get().history_user == staff
        assert plan.months.first().history.get().history_user == staff
        row = (
            Project.objects.with_progress(before).with_money(before).get(pk=project.pk)
        )
        # The default plan (the work plan's) stayed in force before the revision.
        assert row.planned_disbursed_percent == planned_before
        later = date(2020, 7, 1)
        row = Project.objects.with_progress(later).with_money(later).get(pk=project.pk)
        assert row.planned_disbursed_percent == Decimal(90)

    def test_back_to_the_work_plan_before_reports_removes_the_own_plan(
        self, project, staff
    ):
        plan = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=[(date(2020, 9, 30), Decimal(100))],
            version=project.budget_version,
            today=TODAY,
        )
        project.refresh_from_db()
        assert (
            services.follow_work_plan(
                project=project, user=staff, version=project.budget_version, today=TODAY
            )
            is None
        )
        assert not DisbursementPlan.objects.exists()
        # The audit history keeps the removed plan and who removed it.
        removed = plan.history.latest()
        assert (removed.history_type, removed.history_user) == ("-", staff)
        day = date(2020, 3, 31)
        row = Project.objects.with_progress(day).with_money(day).get(pk=project.pk)
        assert row.planned_disbursed_percent == row.planned_percent
        # Following already: nothing to revise, only the version moves on.
        project.refresh_from_db()
        services.follow_work_plan(
            project=project, user=staff, version=project.budget_version, today=TODAY
        )
        assert not DisbursementPlan.objects.exists()
        with pytest.raises(services.ConflictError):
            services.follow_work_plan(
                project=project, user=staff, version=project.budget_version, today=TODAY
            )

    def test_back_to_the_work_plan_after_reports_is_a_revision_with_a_reason(
        self, project, staff
    ):
        own = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=[
                (date(2019, 10, 31), Decimal(80)),
                (date(2020, 9, 30), Decimal(100)),
            ],
            version=project.budget_version,
            today=date(2019, 10, 2),
        )
        ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1))
        project.refresh_from_db()
        with pytest.raises(services.ReasonRequiredError):
            services.follow_work_plan(
                project=project, user=staff, version=project.budget_version, today=TODAY
            )
        back = services.follow_work_plan(
            project=project,
            user=staff,
            version=project.budget_version,
            reason="กลับไปตามแผนงาน",
            today=TODAY,
        )
        own.refresh_from_db()
        assert own.valid_until == TODAY == back.valid_from
        assert (back.number, back.follows_work_plan, back.reason) == (
            2,
            True,
            "กลับไปตามแผนงาน",
        )
        assert back.history.get().history_user == staff
        assert not back.months.exists()
        plans = [plan.as_plan() for plan in project.disbursement_plans.all()]
        for day, expected in [
            (date(2020, 5, 31), Decimal(80)),
            (date(2020, 7, 31), None),
        ]:
            row = Project.objects.with_progress(day).with_money(day).get(pk=project.pk)
            python = progress.planned_disbursed_percent(
                plans, project.planned_percent(day), day
            )
            assert row.planned_disbursed_percent == python
            # Before the revision the own plan; from it on, the work plan's %.
            assert python == (expected if expected is not None else row.planned_percent)
        # An own plan again later is a further revision after the one that follows.
        project.refresh_from_db()
        again = services.save_disbursement_plan(
            project=project,
            user=staff,
            months=[(date(2020, 9, 30), Decimal(100))],
            version=project.budget_version,
            reason="แผนใหม่",
            today=date(2020, 8, 3),
        )
        assert (again.number, again.follows_work_plan) == (3, False)
        back.refresh_from_db()
        assert back.valid_until == again.valid_from

    def test_a_falling_plan_is_refused(self, project, staff):
        with pytest.raises(services.RuleError):
            services.save_disbursement_plan(
                project=project,
                user=staff,
                months=[
                    (date(2020, 3, 31), Decimal(50)),
                    (date(2020, 4, 30), Decimal(40)),
                ],
                version=project.budget_version,
                today=TODAY,
            )


# The SQL mirror agrees with the pure functions


def make_random_money_projects(rng: random.Random, department) -> list[Project]:
    """Fourteen projects of FY 2563 with random budgets, plans, reports (some not
    approved, some without amounts) and 0 to 2 disbursement plan versions."""
    user = UserFactory()
    projects = []
    for index in range(14):
        budget = rng.choice([None, Decimal(0), Decimal(rng.randint(1, 900) * 10_000)])
        project = ProjectFactory(department=department, budget_amount=budget)
        PlanStepFactory(
            project=project,
            planned_start=date(2019, 10, 1) + timedelta(days=rng.randint(0, 90)),
            planned_end=date(2020, 9, 30) - timedelta(days=rng.randint(0, 90)),
        )
        paid = Decimal(0)
        for month in range(12):
            if rng.random() < 0.6:
                paid += Decimal(rng.randint(0, 120) * 1000)
                ProgressUpdateFactory(
                    project=project,
                    report_date=date(2019, 10, 5) + timedelta(days=month * 30),
                    percent=Decimal(rng.randint(0, 100)),
                    disbursed=None if rng.random() < 0.2 else paid,
                    committed=None
                    if rng.random() < 0.5
                    else Decimal(rng.randint(0, 9)),
                    status=rng.choice(["approved", "approved", "submitted"]),
                )
        revisions = index % 3
        for number in range(revisions):
            project.refresh_from_db()
            today = date(2019, 10, 1) + timedelta(days=rng.randint(0, 330))
            if number and index % 4 == 1:
                # A revision back to the work plan's own pace.
                services.follow_work_plan(
                    project=project,
                    user=user,
                    version=project.budget_version,
                    reason="ตามแผนงาน",
                    today=today,
                )
                continue
            cumulative = sorted(Decimal(rng.randint(0, 100)) for _ in range(12))
            services.save_disbursement_plan(
                project=project,
                user=user,
                months=[
                    (date(2019 + (m > 2), (m + 9) % 12 + 1, 1), value)
                    for m, value in enumerate(cumulative)
                ],
                version=project.budget_version,
                reason="ปรับแผน",
                today=today,
            )
        projects.append(project)
    return projects


def python_money(project: Project, on: date, threshold: int) -> progress.Money:
    """A project's money on a date from the pure functions (the Python home)."""
    updates = list(project.updates.filter(status="approved"))
    plans = [
        plan.as_plan() for plan in project.disbursement_plans.prefetch_related("months")
    ]
    return progress.money(
        allocation=project.budget_amount,
        reports=[(u.report_date, u.disbursed, u.committed) for u in updates],
        plans=plans,
        work_planned=project.planned_percent(on),
        on=on,
        threshold=threshold,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [18, 2563])
def test_sql_and_python_money_agree_on_random_projects(seed, settings):
    settings.DISBURSEMENT_BEHIND_THRESHOLD = 15
    department = DepartmentFactory()
    projects = make_random_money_projects(random.Random(seed), department)
    for on in [
        date(2019, 11, 3),
        date(2020, 2, 29),
        date(2020, 6, 30),
        date(2020, 9, 27),
    ]:
        rows = {
            row.pk: row
            for row in Project.objects.filter(department=department)
            .with_progress(on)
            .with_money(on)
            .with_money_status()
        }
        for project in projects:
            expected = python_money(project, on, 15)
            row = rows[project.pk]
            assert row.disbursed_amount == expected.disbursed, (project.pk, on)
            assert row.committed_amount == expected.committed
            assert row.planned_disbursed_percent == expected.planned_percent
            assert row.disbursed_percent == expected.disbursed_percent
            assert row.money_status == expected.status
            assert row.money_state == expected.status
            assert row.disbursed_of_plan == expected.of_plan_percent


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [18, 2563])
def test_the_year_series_and_overview_agree_with_each_projects_money(seed):
    """The dashboards' grouped figures (figures_over, year_overview) are the sums
    and averages of each project's own figures from the pure functions."""
    department = DepartmentFactory()
    projects = make_random_money_projects(random.Random(seed), department)
    base = Project.objects.filter(department=department)
    on = date(2020, 6, 20)
    points, money_points = dashboard.year_series(base, 2563, on)
    assert [p.day for p in points] == dashboard.progress_days(2563, on)
    for point, money_point in zip(points, money_points, strict=True):
        day = point.day
        figures = [python_money(p, day, 15) for p in projects]
        planned = [p.planned_percent(day) for p in projects]
        actual = [
            progress.latest_amount(
                (
                    (u.report_date, u.percent)
                    for u in p.updates.filter(status="approved")
                ),
                day,
            )
            or Decimal(0)
            for p in projects
        ]
        assert point.planned == progress.quantize(sum(planned) / len(planned)), day
        assert money_point.allocated == sum(m.allocation or 0 for m in figures)
        assert money_point.planned == progress.quantize(
            sum(
                ((m.allocation or 0) * m.planned_percent / 100 for m in figures),
                Decimal(0),
            )
        ), day
        if day <= on:
            assert point.actual == progress.quantize(sum(actual) / len(actual)), day
            assert money_point.disbursed == sum(m.disbursed or 0 for m in figures)
        else:
            assert point.actual is None and money_point.disbursed is None
    summary, by_department, overview = dashboard.year_overview(
        base.with_progress(on), on
    )
    assert summary == base.with_progress(on).progress_summary()
    assert by_department == [{"department": department.pk, **summary}]
    figures = [python_money(p, on, 15) for p in projects]
    assert overview.totals.count == len(projects)
    assert overview.totals.disbursed == sum(m.disbursed or 0 for m in figures)
    assert overview.totals.behind == sum(
        m.status == progress.MoneyStatus.BEHIND for m in figures
    )


@pytest.mark.django_db
def test_figures_over_no_project_or_no_day_is_empty():
    assert Project.objects.none().figures_over([date(2020, 1, 31)]) == []
    assert Project.objects.all().figures_over([]) == []


# The budget page: who may use it


@pytest.mark.usefixtures("_today")
class TestBudgetPage:
    def url(self, project):
        return reverse("projects:budget-edit", args=[project.code])

    def test_anonymous_is_sent_to_login(self, client, project):
        response = client.get(self.url(project))
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize("role", ["staff", "evaluator"])
    def test_others_are_refused(self, client, project, role):
        user = UserFactory(role=role)
        if role == "staff":
            DepartmentFactory().members.add(user)
        client.force_login(user)
        assert client.get(self.url(project)).status_code == 403
        assert client.post(self.url(project), {}).status_code == 403

    def test_staff_save_lines_benefit_and_plan(
        self, client, project, staff, categories
    ):
        client.force_login(staff)
        assert client.get(self.url(project)).status_code == 200
        data = {
            "version": project.budget_version,
            "citizen_benefit": "ประชาชนได้ใช้ถนนที่ปลอดภัย",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-category": categories["operating"].pk,
            "lines-0-amount": "250000",
            "lines-0-source": "งบประมาณกรุงเทพมหานคร",
            "lines-1-category": categories["investment"].pk,
            "lines-1-amount": "750000",
            "lines-1-source": "",
        }
        for index in range(12):
            data[f"month_{index}"] = str(min(100, index * 10))
        response = client.post(self.url(project), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        project.refresh_from_db()
        assert project.budget_amount == Decimal(1_000_000)
        assert project.citizen_benefit == "ประชาชนได้ใช้ถนนที่ปลอดภัย"
        plan = project.disbursement_plans.get()
        assert [m.percent for m in plan.months.all()][-1] == 100
        html = client.get(project.get_absolute_url()).content.decode()
        assert 'data-testid="citizen-benefit"' in html
        assert "1,000,000.00 บาท" in html
        # The same form sent again is a conflict: someone saved meanwhile.
        assert client.post(self.url(project), data).status_code == 409

    def budget_data(self, project, **values):
        data = {
            "version": project.budget_version,
            "citizen_benefit": "",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
        }
        return {**data, **values}

    def test_a_plan_typed_by_quarter_is_kept_by_month(self, client, project, staff):
        client.force_login(staff)
        html = client.get(self.url(project)).content.decode()
        assert 'name="quarter_3"' in html and 'name="plan_by"' in html
        data = self.budget_data(
            project,
            plan_by="quarter",
            quarter_0="30",
            quarter_1="",
            quarter_2="60",
            quarter_3="100",
            # The month fields are ignored when planning by quarter.
            month_0="99",
        )
        response = client.post(self.url(project), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        plan = project.disbursement_plans.get()
        assert [m.percent for m in plan.months.all()] == [
            10,
            20,
            30,
            30,
            30,
            30,
            40,
            50,
            60,
            Decimal("73.33"),
            Decimal("86.67"),
            100,
        ]
        # Shown again by quarter as the figures at each quarter's end.
        form = client.get(self.url(project)).context["form"]
        assert [form.initial[f"quarter_{i}"] for i in range(4)] == [30, 30, 60, 100]

    def test_back_to_the_work_plan_through_the_form_needs_a_reason_after_reports(
        self, client, project, staff, english
    ):
        services.save_disbursement_plan(
            project=project,
            user=staff,
            months=[(date(2020, 9, 30), Decimal(100))],
            version=project.budget_version,
            today=date(2019, 10, 2),
        )
        ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1))
        project.refresh_from_db()
        client.force_login(staff)
        html = client.get(self.url(project)).content.decode()
        assert 'data-testid="own-plan-notice"' in html
        data = self.budget_data(project, follow_work_plan="on")
        response = client.post(self.url(project), data)
        assert response.status_code == 200
        assert "Give the reason" in response.content.decode()
        assert project.disbursement_plans.count() == 1
        response = client.post(self.url(project), {**data, "reason": "ตามความคืบหน้างาน"})
        assert response.status_code == 302, response.content.decode()[:3000]
        back = project.disbursement_plans.get(number=2)
        assert back.follows_work_plan and back.valid_from == TODAY
        assert back.reason == "ตามความคืบหน้างาน"
        assert back.history.get().history_user == staff
        page = client.get(project.get_absolute_url()).content.decode()
        assert "follows the work plan" in page

    def test_a_falling_plan_is_a_clear_error_and_saves_nothing(
        self, client, project, staff, english, categories
    ):
        client.force_login(staff)
        data = {
            "version": project.budget_version,
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "month_0": "50",
            "month_1": "40",
        }
        response = client.post(self.url(project), data)
        assert response.status_code == 200
        assert "must not fall" in response.content.decode()
        assert not DisbursementPlan.objects.exists()


# Pages with money


@pytest.mark.django_db
def test_project_page_shows_money_beside_progress(client, project):
    ProgressUpdateFactory(
        project=project, report_date=date(2020, 3, 1), percent=40, disbursed=250_000
    )
    project.citizen_benefit = "ประชาชนได้ประโยชน์"
    project.save()
    with override("th"):
        html = client.get(project.get_absolute_url(), {}).content.decode()
    assert 'data-testid="citizen-benefit"' in html
    assert 'id="money-curve-chart"' in html
    assert 'id="money-table"' in html
    assert "250,000.00" in html


@pytest.mark.django_db
def test_list_filters_and_sorts_by_money(client):
    department = DepartmentFactory()
    big = ProjectFactory(department=department, budget_amount=5 * MILLION)
    small = ProjectFactory(department=department, budget_amount=MILLION)
    none = ProjectFactory(department=department)
    for item in (big, small, none):
        PlanStepFactory(project=item)
    ProgressUpdateFactory(
        project=big, report_date=date(2020, 9, 1), percent=90, disbursed=100
    )
    ProgressUpdateFactory(
        project=small, report_date=date(2020, 9, 1), percent=90, disbursed=MILLION
    )
    response = client.get("/projects/", {"fy": 2563, "sort": "-budget"})
    assert [p.code for p in response.context["page"]] == [
        big.code,
        small.code,
        none.code,
    ]
    response = client.get("/projects/", {"fy": 2563, "money": "money_behind"})
    assert [p.code for p in response.context["page"]] == [big.code]
    response = client.get("/projects/", {"fy": 2563, "sort": "-disbursed"})
    assert [p.code for p in response.context["page"]][:2] == [small.code, big.code]


@pytest.mark.django_db
def test_dashboard_counts_and_sums_money(client):
    department = DepartmentFactory()
    done = ProjectFactory(department=department, budget_amount=2 * MILLION)
    quiet = ProjectFactory(department=department, budget_amount=MILLION)
    for item in (done, quiet):
        PlanStepFactory(project=item)
    ProgressUpdateFactory(
        project=done, report_date=date(2020, 9, 1), percent=100, disbursed=MILLION
    )
    response = client.get(reverse("reports:dashboard"), {"fy": 2563})
    overview = response.context["money"]
    assert overview.totals.allocated == 3 * MILLION
    assert overview.totals.disbursed == MILLION
    states = {state.value: sums for state, sums in overview.by_state}
    assert (states["done"].count, states["done"].allocated) == (1, 2 * MILLION)
    assert (states["not_reported"].count, states["not_reported"].allocated) == (
        1,
        MILLION,
    )
    html = response.content.decode()
    with override("th"):
        assert "3.00 ล้านบาท" in html
    assert 'id="money-departments-table"' in html
    # Every amount of the tables in the unit of the total: the not-reported
    # project's 0 disbursed reads 0.00 ล้านบาท beside 2.00 ล้านบาท.
    tables = html[html.index('id="money-states-table"') :]
    tables = tables[: tables.index("</section>")]
    cells = re.findall(r'<td class="text-end text-nowrap">([^<]*)</td>', tables)
    assert cells and all(cell.endswith("ล้านบาท") for cell in cells), cells


@pytest.mark.django_db
def test_overview_shows_money_beside_progress_from_the_dashboards_figures(client):
    department = DepartmentFactory(short_name="สนย.")
    done = ProjectFactory(department=department, budget_amount=2 * MILLION)
    behind = ProjectFactory(department=department, budget_amount=MILLION)
    for item in (done, behind):
        PlanStepFactory(project=item)
    ProgressUpdateFactory(
        project=done, report_date=date(2020, 9, 1), percent=100, disbursed=MILLION
    )
    ProgressUpdateFactory(
        project=behind, report_date=date(2020, 9, 1), percent=5, disbursed=0
    )
    with override("th"):
        response = client.get("/", {"fy": 2563})
    overview = response.context["money"]
    base = Project.objects.filter(fiscal_year=2563)
    expected = dashboard.money_overview(base, response.context["on"])
    assert overview.totals == expected.totals
    assert [(d.pk, sums) for d, sums in overview.by_department] == [
        (d.pk, sums) for d, sums in expected.by_department
    ]
    states = {state.value: sums for state, sums in overview.by_state}
    assert (states["done"].count, states["done"].allocated) == (1, 2 * MILLION)
    assert (states["behind"].count, states["behind"].allocated) == (1, MILLION)
    html = response.content.decode()
    # The numbers as text, the Thai way: allocated, disbursed, % and the tables.
    assert 'data-testid="money-allocated">3.00 ล้านบาท<' in html
    assert 'data-testid="money-disbursed">1.00 ล้านบาท<' in html
    assert "33.33%" in html
    assert 'id="money-states-table"' in html
    assert 'id="money-departments-table"' in html


@pytest.mark.django_db
def test_export_has_the_money_columns(client):
    project = ProjectFactory(budget_amount=MILLION)
    PlanStepFactory(project=project)
    ProgressUpdateFactory(
        project=project, report_date=date(2020, 9, 1), percent=50, disbursed=300_000
    )
    response = client.get(
        reverse("reports:export-csv", args=["projects"]), {"fy": 2563}
    )
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    text = body.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert "เบิกจ่ายสะสม" in header or "disbursed" in header.lower()
    assert "300000" in row


@pytest.mark.django_db
def test_money_flags_reach_the_data_quality_report_and_evaluators(client):
    from projects import evaluations
    from projects.models import Department
    from reports import dataquality

    project = ProjectFactory(budget_amount=Decimal(1000))
    PlanStepFactory(project=project)
    ProgressUpdateFactory(
        project=project, report_date=date(2020, 2, 1), percent=100, disbursed=100
    )
    groups = dataquality.collect(
        2563,
        Department.objects.filter(pk=project.department_id),
        date(2020, 9, 30),
        date(2020, 9, 30),
    )
    codes = {row.flag.code for group in groups for row in group.rows}
    assert "done_little_disbursed" in codes
    row = Project.objects.with_progress(date(2020, 9, 30)).get(pk=project.pk)
    steps, updates = evaluations._project_facts([row])
    flags = evaluations.quarter_project_flags(
        row, steps[row.pk], updates[row.pk], 2, False, date(2020, 9, 30)
    )
    assert "done_little_disbursed" in {flag.code for flag in flags}


@pytest.mark.django_db
def test_the_plan_import_keeps_what_citizens_get_and_respects_the_lines(settings):
    from tests.projects.test_import_plan import preview_of as plan_preview_of
    from tests.projects.test_import_plan import project_row, xlsx_file

    department = DepartmentFactory(code="21000000")
    project = ProjectFactory(
        code="21000000-1001",
        department=department,
        fiscal_year=2563,
        name_th="โครงการ 21000000-1001",
        officer_name="นายทดสอบ",
        budget_amount=Decimal("1500000"),
        objectives=["ข้อหนึ่ง", "ข้อสอง"],
        citizen_benefit="ประชาชนได้ประโยชน์",
    )
    preview = plan_preview_of(xlsx_file([project_row(project.code, department)]))
    assert preview.counts["unchanged"] == 1
    BudgetLineFactory(project=project, amount=Decimal(1_000_000))
    BudgetLineFactory(project=project, amount=Decimal(500_000))
    changed = project_row(project.code, department, **{"Budget (baht)": "2,000,000"})
    preview = plan_preview_of(xlsx_file([changed]))
    assert [e.column for e in preview.errors] == ["Budget (baht)"]
