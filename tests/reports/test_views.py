"""The report pages: right numbers, drill-down links, access, junk and query counts.

Every figure is checked against one computed here, independently, from the rows
the test wrote (with the pure functions of projects.progress where a rule is
needed). Fiscal year 2563 is long past, so its reading date is always its last
day, 30 Sep 2020, whatever today is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from projects import progress, thaicalendar
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
    UserFactory,
)

pytestmark = pytest.mark.django_db

FY = 2563
END = date(2020, 9, 30)  # the reading date of FY 2563
DUE_DAY = 25
JUNK = [
    "abc",
    "-1",
    "99999999999999999999",
    "0",
    "2020",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "ก" * 500,
    "2563-13-45",
]
READING_PAGES = [
    reverse("reports:dashboard"),
    reverse("reports:compliance"),
    reverse("reports:kpis"),
    reverse("reports:evaluations"),
]


@pytest.fixture(autouse=True)
def _due_day(settings):
    settings.REPORT_DUE_DAY = DUE_DAY
    settings.BEHIND_THRESHOLD = 10


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def make_project(department, steps=(), updates=(), **fields):
    """A project with steps (weight, start, end) and updates (date, %[, problems])."""
    project = ProjectFactory(department=department, fiscal_year=FY, **fields)
    for number, (weight, start, end) in enumerate(steps, start=1):
        PlanStepFactory(
            project=project,
            number=number,
            weight=Decimal(weight),
            planned_start=start,
            planned_end=end,
        )
    for day, percent, *problems in updates:
        ProgressUpdateFactory(
            project=project,
            report_date=day,
            percent=Decimal(percent),
            problems=problems[0] if problems else "",
        )
    return project


def make_year():
    """Two departments of FY 2563 with projects in every status, and noise around."""
    first = DepartmentFactory(code="21000000", short_name="สยป.")
    second = DepartmentFactory()
    whole_year = [(100, date(2019, 10, 1), date(2020, 9, 30))]
    projects = {
        # On time in Oct, late in Nov, nothing in Dec, then on time to 60%.
        "steady": make_project(
            first,
            whole_year,
            [
                (date(2019, 10, 20), 10),
                (date(2019, 11, 28), 20),
                (date(2020, 1, 10), 30),
                (date(2020, 5, 5), 45),
                (date(2020, 9, 1), 60),
            ],
        ),
        # Complete in March: owes no report after it.
        "done": make_project(
            first,
            [
                (40, date(2019, 11, 1), date(2019, 11, 1)),
                (60, date(2020, 3, 1), date(2020, 3, 1)),
            ],
            [(date(2019, 11, 2), 40), (date(2020, 3, 15), 100)],
            kind="activity",
        ),
        # Behind plan, and its latest report gives no problems.
        "behind": make_project(
            second,
            whole_year,
            [(date(2020, 2, 3), 5), (date(2020, 6, 30), 20, "")],
        ),
        # Never reported.
        "silent": make_project(second, whole_year),
    }
    ProjectFactory(department=first, fiscal_year=2564)  # another year
    return first, second, projects


def expected_points(projects, fiscal_year=FY, on=END):
    """Average planned and actual % at each month end, from the pure functions."""
    days = sorted(
        {
            thaicalendar.month_end(y, m)
            for y, m in thaicalendar.fiscal_months(fiscal_year)
        }
        | {on}
    )
    rows = []
    for day in days:
        planned = [progress.planned_percent(list(p.steps.all()), day) for p in projects]
        actual = [
            progress.actual_percent(
                [(u.report_date, u.percent) for u in p.updates.all()], day
            )
            or Decimal(0)
            for p in projects
        ]
        rows.append(
            (
                day,
                progress.quantize(sum(planned) / len(planned)),
                progress.quantize(sum(actual) / len(actual)) if day <= on else None,
            )
        )
    return rows


class TestDashboard:
    def test_status_counts_match_the_rows(self, client):
        _first, _second, projects = make_year()
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        assert response.status_code == 200
        expected = defaultdict(int)
        for project in projects.values():
            figures = progress.figures(
                list(project.steps.all()),
                [(u.report_date, u.percent) for u in project.updates.all()],
                on=END,
                threshold=10,
                due_day=DUE_DAY,
            )
            expected[figures.status] += 1
        assert response.context["statuses"] == {
            status: expected[status] for status in progress.Status.values
        }
        assert response.context["summary"]["count"] == 4
        assert {k: v for k, v in expected.items() if v} == {"complete": 1, "behind": 3}

    def test_s_curve_averages_every_month_end(self, client):
        _first, _second, projects = make_year()
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        points = [(p.day, p.planned, p.actual) for p in response.context["points"]]
        assert points == expected_points(list(projects.values()))
        assert len(points) == 12
        html = response.content.decode()
        assert 'id="progress-data"' in html and 'id="progress-table"' in html

    def test_s_curve_stops_the_actual_line_at_the_reading_date(
        self, client, monkeypatch
    ):
        department = DepartmentFactory()
        project = make_project(
            department,
            [(100, date(2019, 10, 1), date(2020, 9, 30))],
            [(date(2019, 12, 10), 25)],
        )
        today = date(2020, 1, 15)
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: today)
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        points = response.context["points"]
        assert [p.day for p in points][3:5] == [today, date(2020, 1, 31)]
        assert [(p.day, p.planned, p.actual) for p in points] == expected_points(
            [project], on=today
        )
        assert points[3].actual == Decimal(25) and points[4].actual is None

    def test_one_department(self, client):
        first, _second, projects = make_year()
        response = client.get(
            reverse("reports:dashboard"), {"fy": FY, "department": first.code}
        )
        context = response.context
        assert context["department"] == first
        assert context["summary"]["count"] == 2
        assert [(p.day, p.planned, p.actual) for p in context["points"]] == (
            expected_points([projects["steady"], projects["done"]])
        )
        html = response.content.decode()
        assert reverse("reports:department-print", args=[first.code]) in html

    def test_departments_compared_with_links_to_their_projects(self, client):
        first, second, _projects = make_year()
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        rows = {row["department"]: row for row in response.context["departments"]}
        assert rows[first]["count"] == 2 and rows[second]["count"] == 2
        # steady 60, done 100; behind 20, silent 0
        assert rows[first]["actual"] == Decimal(80)
        assert rows[second]["actual"] == Decimal(10)
        assert [row["department"] for row in response.context["departments"]] == [
            first,
            second,
        ]
        html = response.content.decode()
        assert f"/projects/?fy={FY}&amp;department={second.code}&amp;status=behind" in (
            html
        )

    def test_kpi_bands_count_each_kpi_once(self, client):
        department = DepartmentFactory()
        for target, value in ((10, 12), (10, 9), (10, 6), (10, 1), (10, None)):
            indicator = IndicatorFactory(
                department=department, unit="ครั้ง", target=target
            )
            if value is not None:
                IndicatorResultFactory(indicator=indicator, quarter=1, value=value)
        IndicatorFactory(department=department, fiscal_year=2564)
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        bands = {key: count for key, _label, count in response.context["bands"]}
        assert bands == {
            "met": 1,
            "near": 1,
            "partial": 1,
            "low": 1,
            "needs_checking": 0,
            "no_result": 1,
        }
        assert response.context["kpi_count"] == 5
        html = response.content.decode()
        assert f"/reports/kpis/?fy={FY}&amp;band=partial" in html

    def test_a_kpi_whose_results_carry_a_flag_needs_checking_not_met(self, client):
        # The seed: a count with target 1 given 15, 40, 0, 1 (over 5× the target).
        make_seed_like_kpi(DepartmentFactory())
        percent = IndicatorFactory(unit="ร้อยละ", target=80)
        IndicatorResultFactory(indicator=percent, quarter=1, value=120)
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        bands = {key: count for key, _label, count in response.context["bands"]}
        assert (bands["met"], bands["needs_checking"]) == (0, 2)
        html = response.content.decode()
        assert f"/reports/kpis/?fy={FY}&amp;band=needs_checking" in html
        assert "ต้องตรวจสอบ" in html

    def test_scores_by_quarter_average_projects_and_each_criterion(self, client):
        department = DepartmentFactory()
        one, two = ProjectFactory(department=department), ProjectFactory()
        ProjectEvaluationFactory(project=one, quarter=1, score=80)
        ProjectEvaluationFactory(project=two, quarter=1, score=91)
        ProjectEvaluationFactory(project=two, quarter=3, score=70)
        criterion = EvaluationCriterionFactory(code="2.1")
        indicator = IndicatorFactory(department=department)
        for quarter, score in ((1, 100), (2, 60)):
            CriterionScoreFactory(
                evaluation=IndicatorEvaluationFactory(
                    indicator=indicator, quarter=quarter
                ),
                criterion=criterion,
                score=score,
            )
        response = client.get(reverse("reports:dashboard"), {"fy": FY})
        projects, kpi = response.context["scores"]
        assert projects.cells() == [
            (1, Decimal("85.50"), 2),
            (2, None, 0),
            (3, Decimal("70.00"), 1),
            (4, None, 0),
        ]
        assert kpi.key == "2.1"
        assert kpi.cells()[:2] == [(1, Decimal("100.00"), 1), (2, Decimal("60.00"), 1)]
        html = response.content.decode()
        assert f"/reports/evaluations/?fy={FY}&amp;quarter=3" in html

    def test_an_empty_year_says_so(self, client, english):
        response = client.get(reverse("reports:dashboard"), {"fy": 2600})
        assert response.status_code == 200
        assert response.context["points"] == []
        assert "No project in this fiscal year." in response.content.decode()

    @pytest.mark.parametrize("size", [1, 5])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        for _ in range(size):
            department = DepartmentFactory()
            project = make_project(
                department,
                [(100, date(2019, 10, 1), date(2020, 9, 30))],
                [(date(2020, 1, 10), 30)],
            )
            ProjectEvaluationFactory(project=project)
            IndicatorResultFactory(indicator=IndicatorFactory(department=department))
        # +1 since KPI target revisions: they are prefetched (quarter targets).
        # Progress and money share one read of the rows on the date and one query
        # for the year by month (year_overview, year_series); without a
        # department chosen, the department table reuses the summary's rows.
        with django_assert_num_queries(9):
            assert (
                client.get(reverse("reports:dashboard"), {"fy": FY}).status_code == 200
            )
        with django_assert_num_queries(11):
            response = client.get(
                reverse("reports:dashboard"), {"fy": FY, "department": department.code}
            )
            assert response.status_code == 200


def expected_state(updates, year, month, on=END, plan_start=date(2019, 10, 1)):
    """The compliance state of one month, re-derived from the dates by hand."""
    start = date(year, month, 1)
    end = thaicalendar.month_end(year, month)
    due = date(year, month, min(DUE_DAY, end.day))
    if start > on:
        return "not_due"
    if any(day < start and percent >= 100 for day, percent in updates):
        return "complete"
    in_month = sorted(day for day, _p in updates if start <= day <= min(end, on))
    if in_month:
        return "on_time" if in_month[0] <= due else "late"
    if due >= on:
        return "not_due"
    return "missing" if plan_start is not None and plan_start <= due else "not_started"


def plan_start(project):
    return min((step.planned_start for step in project.steps.all()), default=None)


class TestCompliance:
    def test_project_states_month_by_month(self, client):
        first, _second, projects = make_year()
        response = client.get(
            reverse("reports:compliance"), {"fy": FY, "department": first.code}
        )
        rows = {row["row"].subject.code: row["row"] for row in response.context["rows"]}
        assert set(rows) == {projects["steady"].code, projects["done"].code}
        for name in ("steady", "done"):
            project = projects[name]
            updates = [(u.report_date, u.percent) for u in project.updates.all()]
            assert rows[project.code].states == [
                expected_state(updates, y, m, plan_start=plan_start(project))
                for y, m in thaicalendar.fiscal_months(FY)
            ]
        assert rows[projects["steady"].code].states[:4] == [
            "on_time",
            "late",
            "missing",
            "on_time",
        ]
        assert rows[projects["done"].code].states[5:7] == ["on_time", "complete"]

    def test_department_matrix_counts_and_totals(self, client):
        first, second, projects = make_year()
        response = client.get(reverse("reports:compliance"), {"fy": FY})
        assert response.status_code == 200
        months = thaicalendar.fiscal_months(FY)
        expected = {
            first: [[0, 0, 0] for _ in months],
            second: [[0, 0, 0] for _ in months],
        }
        for project in projects.values():
            updates = [(u.report_date, u.percent) for u in project.updates.all()]
            for index, (y, m) in enumerate(months):
                state = expected_state(updates, y, m, plan_start=plan_start(project))
                if state in ("on_time", "late", "missing"):
                    position = ("on_time", "late", "missing").index(state)
                    expected[project.department][index][position] += 1
        rows = response.context["rows"]
        assert [item["row"].subject for item in rows] == [first, second]
        for item in rows:
            cells = [[c.on_time, c.late, c.missing] for c in item["row"].cells]
            assert cells == expected[item["row"].subject]
        grand = response.context["grand"]
        flat = [cell for cells in expected.values() for cell in cells]
        assert (grand.on_time, grand.late, grand.missing) == tuple(
            sum(cell[i] for cell in flat) for i in range(3)
        )
        assert grand.rate == progress.quantize(
            Decimal(grand.on_time) * 100 / (grand.on_time + grand.late + grand.missing)
        )
        assert response.context["project_total"] == 4

    def test_cells_drill_down_to_the_projects_in_that_state(self, client):
        first, _second, projects = make_year()
        html = client.get(reverse("reports:compliance"), {"fy": FY}).content.decode()
        link = f"?fy={FY}&amp;department={first.code}&amp;month=2019-11&amp;state=late"
        assert link in html
        response = client.get(
            reverse("reports:compliance"),
            {"fy": FY, "department": first.code, "month": "2019-11", "state": "late"},
        )
        codes = [item["row"].subject.code for item in response.context["rows"]]
        assert codes == [projects["steady"].code]

    def test_months_ahead_of_the_reading_date_are_not_due(self, client, monkeypatch):
        department = DepartmentFactory()
        make_project(department, updates=[(date(2019, 10, 30), 10)])
        monkeypatch.setattr(
            "django.utils.timezone.localdate", lambda *a: date(2019, 11, 20)
        )
        response = client.get(
            reverse("reports:compliance"), {"fy": FY, "department": department.code}
        )
        (item,) = response.context["rows"]
        assert item["row"].states[:3] == ["late", "not_due", "not_due"]

    def test_a_due_day_past_the_month_end_is_its_last_day(self, client, settings):
        settings.REPORT_DUE_DAY = 31
        department = DepartmentFactory()
        make_project(department, updates=[(date(2020, 2, 29), 10)])
        response = client.get(
            reverse("reports:compliance"), {"fy": FY, "department": department.code}
        )
        (item,) = response.context["rows"]
        assert item["row"].states[4] == "on_time"

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        department = DepartmentFactory()
        for _ in range(size):
            make_project(DepartmentFactory(), updates=[(date(2020, 1, 10), 30)])
            make_project(department, updates=[(date(2020, 1, 10), 30)])
        with django_assert_num_queries(4):
            client.get(reverse("reports:compliance"), {"fy": FY})
        with django_assert_num_queries(4):
            client.get(
                reverse("reports:compliance"), {"fy": FY, "department": department.code}
            )


def make_seed_like_kpi(department, code: str | None = "2100-1044"):
    """The seed KPI 2100-1044: target 1 ฉบับ, results 15/40/0/1, scored 100/100."""
    criteria = [
        EvaluationCriterionFactory(code="2.1"),
        EvaluationCriterionFactory(code="2.2"),
    ]
    extra = {"code": code} if code else {}
    indicator = IndicatorFactory(department=department, unit="ฉบับ", target=1, **extra)
    for quarter, value in ((1, 15), (2, 40), (3, 0), (4, 1)):
        IndicatorResultFactory(indicator=indicator, quarter=quarter, value=value)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=quarter)
        for criterion in criteria:
            CriterionScoreFactory(evaluation=evaluation, criterion=criterion)
    return indicator


def flags_of(response) -> set[tuple[str, str]]:
    return {
        (row.subject_code, row.flag.code)
        for group in response.context["groups"]
        for row in group.rows
    }


class TestDataQuality:
    def make_flagged(self):
        first, second, projects = make_year()
        make_seed_like_kpi(first)
        down = make_project(
            second,
            [(50, date(2019, 10, 1), date(2020, 3, 31))],  # weights total 50
            [
                (date(2019, 10, 10), 60),
                (date(2019, 11, 10), 40),
                (date(2020, 10, 5), 45),  # outside FY 2563
            ],
        )
        unplanned = make_project(second, updates=[(date(2019, 12, 1), 5)])
        ProjectEvaluationFactory(project=projects["silent"], quarter=2)
        return first, second, projects, down, unplanned

    def test_every_rule_flags_its_case_and_links_to_the_fix(self, client):
        first, second, projects, down, unplanned = self.make_flagged()
        client.force_login(UserFactory(role="evaluator"))
        response = client.get(reverse("reports:data-quality"), {"fy": FY})
        assert response.status_code == 200
        assert flags_of(response) == {
            ("2100-1044", "over_target"),
            ("2100-1044", "scored_no_result"),
            (projects["steady"].code, "behind_no_problems"),
            (projects["done"].code, "all_milestones"),
            (projects["done"].code, "percent_jump"),
            (projects["behind"].code, "behind_no_problems"),
            (projects["silent"].code, "scored_no_report"),
            (down.code, "percent_down"),
            (down.code, "date_outside_year"),
            (down.code, "weights_total"),
            (unplanned.code, "no_plan"),
        }
        groups = response.context["groups"]
        assert [group.department for group in groups] == [first, second]
        kpi_rows = [row for row in groups[0].rows if row.is_indicator]
        assert len(kpi_rows) == 3  # over 5× in Q1 and Q2, scored with 0 in Q3
        assert {row.url for row in kpi_rows} == {"/indicators/2100-1044/"}
        html = response.content.decode()
        assert f'href="/projects/{down.code}/#updates-heading"' in html
        assert f'href="/projects/{projects["done"].code}/#plan-heading"' in html

    def test_the_project_page_shows_the_same_flags_as_the_report(self, client):
        _first, _second, projects, down, unplanned = self.make_flagged()
        client.force_login(UserFactory(role="evaluator"))
        report = flags_of(client.get(reverse("reports:data-quality"), {"fy": FY}))
        for project in [*projects.values(), down, unplanned]:
            page = client.get(project.get_absolute_url())
            shown = {
                flag.code
                for flag in page.context["flags"]
                # The page lists its KPIs' flags too; the report files them
                # under the KPI.
                if not flag.message.startswith("2100-1044")
            }
            expected = {code for subject, code in report if subject == project.code}
            assert shown == expected, project.code

    def test_summary_counts_each_rule_per_department(self, client, english):
        first, second, *_rest = self.make_flagged()
        client.force_login(UserFactory(role="evaluator"))
        response = client.get(reverse("reports:data-quality"), {"fy": FY})
        counts = {
            group.department: dict(
                zip(map(str, response.context["rules"]), group.counts(), strict=True)
            )
            for group in response.context["groups"]
        }
        assert sum(counts[first].values()) == 6
        assert sum(counts[second].values()) == 6
        assert counts[first]["KPI value over 5 times its target"] == 2
        assert counts[second]["Progress going down"] == 1
        assert response.context["total"] == 12

    def test_a_report_dated_in_the_future(self, client, monkeypatch):
        department = DepartmentFactory()
        project = make_project(
            department,
            [(100, date(2019, 10, 1), date(2020, 9, 30))],
            [(date(2020, 3, 2), 50, "รอเอกสาร")],
        )
        monkeypatch.setattr(
            "django.utils.timezone.localdate", lambda *a: date(2020, 3, 1)
        )
        client.force_login(UserFactory(role="evaluator"))
        response = client.get(reverse("reports:data-quality"), {"fy": FY})
        assert flags_of(response) == {(project.code, "date_future")}

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        response = client.get(reverse("reports:data-quality"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_staff_see_their_own_departments_only(self, client, english):
        first, second, projects, down, _unplanned = self.make_flagged()
        staff = UserFactory(role="staff")
        first.members.add(staff)
        client.force_login(staff)
        response = client.get(reverse("reports:data-quality"), {"fy": FY})
        assert [g.department for g in response.context["groups"]] == [first]
        assert down.code not in response.content.decode()
        asked = client.get(
            reverse("reports:data-quality"), {"fy": FY, "department": second.code}
        )
        assert [g.department for g in asked.context["groups"]] == [first]
        assert "Some filters were not understood" in asked.content.decode()

    def test_staff_without_a_department_see_nothing(self, client, english):
        self.make_flagged()
        client.force_login(UserFactory(role="staff"))
        response = client.get(reverse("reports:data-quality"), {"fy": FY})
        assert response.status_code == 200
        assert response.context["groups"] == []
        assert "not a member of any department" in response.content.decode()

    def test_evaluators_and_admins_see_every_department(self, client):
        first, second, *_rest = self.make_flagged()
        for user in (UserFactory(role="evaluator"), UserFactory(role="admin")):
            client.force_login(user)
            response = client.get(reverse("reports:data-quality"), {"fy": FY})
            assert [g.department for g in response.context["groups"]] == [first, second]

    def test_one_department(self, client):
        first, second, *_rest = self.make_flagged()
        client.force_login(UserFactory(role="evaluator"))
        response = client.get(
            reverse("reports:data-quality"), {"fy": FY, "department": second.code}
        )
        assert [g.department for g in response.context["groups"]] == [second]

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        department = DepartmentFactory()
        for _ in range(size):
            project = make_project(
                department,
                [(60, date(2019, 10, 1), date(2020, 3, 1))],
                [(date(2020, 1, 10), 70), (date(2020, 2, 10), 10)],
            )
            ProjectEvaluationFactory(project=project)
            make_seed_like_kpi(DepartmentFactory(), code=None)
        client.force_login(UserFactory(role="evaluator"))
        # +1 since KPI target revisions: they are prefetched (quarter targets).
        # +1: the notification bell's unread count (signed-in pages).
        with django_assert_num_queries(16):
            assert (
                client.get(reverse("reports:data-quality"), {"fy": FY}).status_code
                == 200
            )


class TestKpiResults:
    def test_rows_show_each_quarter_and_score(self, client):
        department = DepartmentFactory()
        indicator = make_seed_like_kpi(department)
        response = client.get(reverse("reports:kpis"), {"fy": FY})
        (row,) = response.context["page"].object_list
        assert row.indicator == indicator
        assert [(q, v) for q, v, _s in row.quarters] == [
            (1, Decimal(15)),
            (2, Decimal(40)),
            (3, Decimal(0)),
            (4, Decimal(1)),
        ]
        assert row.quarters[0][2] == [Decimal(100), Decimal(100)]
        # 15 and 40 against a target of 1: the KPI needs checking, not met.
        assert row.achievement == Decimal(100) and row.band == "needs_checking"

    def test_band_filter_lists_the_kpis_that_need_checking(self, client):
        department = DepartmentFactory()
        seed = make_seed_like_kpi(department)
        met = IndicatorFactory(department=department, target=10, unit="ครั้ง")
        IndicatorResultFactory(indicator=met, value=12)
        url = reverse("reports:kpis")
        checking = client.get(url, {"fy": FY, "band": "needs_checking"})
        assert [r.indicator for r in checking.context["page"].object_list] == [seed]
        met_rows = client.get(url, {"fy": FY, "band": "met"}).context["page"]
        assert [r.indicator for r in met_rows.object_list] == [met]

    def test_a_quarter_is_checked_against_the_target_in_force_then(self, client):
        # 12 in Q1 against the target of 2 then is over 5×; a target raised to 10
        # from Q2 on does not clear it.
        from indicators import services

        indicator = IndicatorFactory(target=2, unit="ครั้ง", fiscal_year=FY)
        IndicatorResultFactory(indicator=indicator, quarter=1, value=12)
        indicator.target = Decimal(10)
        services.save_indicator(
            indicator=indicator,
            user=UserFactory(),
            reason="ปรับเป้า",
            version=1,
            today=date(2020, 1, 2),
        )
        (row,) = client.get(reverse("reports:kpis"), {"fy": FY}).context["page"]
        assert (row.achievement, row.band) == (Decimal(120), "needs_checking")

    def test_band_filter_keeps_the_kpis_of_that_band(self, client):
        department = DepartmentFactory()
        low = IndicatorFactory(department=department, target=10, unit="ครั้ง")
        IndicatorResultFactory(indicator=low, value=2)
        IndicatorFactory(department=department)
        response = client.get(reverse("reports:kpis"), {"fy": FY, "band": "low"})
        assert [r.indicator for r in response.context["page"].object_list] == [low]

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        EvaluationCriterionFactory()
        for _ in range(size):
            IndicatorResultFactory(indicator=IndicatorFactory())
        # +1 since KPI target revisions: they are prefetched (quarter targets).
        with django_assert_num_queries(5):
            client.get(reverse("reports:kpis"), {"fy": FY})


class TestEvaluations:
    def test_lists_the_scores_of_the_year_filtered_by_quarter(self, client):
        department = DepartmentFactory()
        project = ProjectFactory(department=department)
        ProjectEvaluationFactory(project=project, quarter=1, score=70)
        second = ProjectEvaluationFactory(project=project, quarter=2, score=90)
        ProjectEvaluationFactory(project=ProjectFactory(fiscal_year=2564))
        response = client.get(reverse("reports:evaluations"), {"fy": FY})
        assert response.context["page"].paginator.count == 2
        response = client.get(reverse("reports:evaluations"), {"fy": FY, "quarter": 2})
        assert list(response.context["page"].object_list) == [second]

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        for _ in range(size):
            ProjectEvaluationFactory(project=ProjectFactory(), quarter=1)
        with django_assert_num_queries(4):
            client.get(reverse("reports:evaluations"), {"fy": FY})


class TestDepartmentPrint:
    def test_the_report_has_summary_projects_kpis_and_scores(self, client):
        first, _second, projects = make_year()
        make_seed_like_kpi(first)
        ProjectEvaluationFactory(project=projects["steady"], quarter=2, score=88)
        url = reverse("reports:department-print", args=[first.code])
        response = client.get(url, {"fy": FY})
        assert response.status_code == 200
        context = response.context
        assert [p.code for p in context["projects"]] == sorted(
            [projects["steady"].code, projects["done"].code]
        )
        steady = context["projects"][0]
        assert (steady.score, steady.score_quarter) == (Decimal(88), 2)
        assert [row.indicator.code for row in context["kpis"]] == ["2100-1044"]
        assert context["summary"]["count"] == 2
        html = response.content.decode()
        assert 'data-testid="average-actual">80.00%<' in html
        assert 'data-action="print"' in html
        assert "vendor/plotly-basic.min.js" in html

    def test_unknown_department_is_404(self, client):
        url = reverse("reports:department-print", args=["00000000"])
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        department = DepartmentFactory()
        EvaluationCriterionFactory()
        for _ in range(size):
            make_project(department, updates=[(date(2020, 1, 10), 30)])
            IndicatorResultFactory(indicator=IndicatorFactory(department=department))
        url = reverse("reports:department-print", args=[department.code])
        # +1 since KPI target revisions: they are prefetched (quarter targets).
        # Progress and money share one read of the rows on the date and one query
        # for the year by month (year_overview, year_series).
        with django_assert_num_queries(10):
            assert client.get(url, {"fy": FY}).status_code == 200


class TestAccessAndJunk:
    @pytest.mark.parametrize("url", READING_PAGES)
    @pytest.mark.parametrize("junk", JUNK)
    def test_junk_parameters_never_fail(self, client, url, junk):
        department = DepartmentFactory()
        make_project(department, updates=[(date(2020, 1, 10), 30)])
        params = dict.fromkeys(
            ("fy", "department", "month", "state", "quarter", "band", "q", "kind"),
            junk,
        )
        assert client.get(url, {**params, "page": junk}).status_code == 200

    def test_junk_department_for_print_is_404(self, client):
        url = reverse("reports:department-print", args=["<script>"])
        assert client.get(url, {"fy": "junk"}).status_code == 404

    @pytest.mark.parametrize(
        "url",
        [
            *READING_PAGES,
            reverse("reports:department-print", args=["21000000"]),
            reverse("reports:export-xlsx", args=["projects"]),
            reverse("reports:export-csv", args=["compliance"]),
        ],
    )
    def test_public_read_off_sends_anonymous_visitors_to_login(
        self, client, settings, url
    ):
        DepartmentFactory(code="21000000")
        settings.PUBLIC_READ = False
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        client.force_login(UserFactory())
        assert client.get(url).status_code == 200

    @pytest.mark.parametrize("url", READING_PAGES)
    def test_only_get_and_head(self, client, url):
        assert client.post(url).status_code == 405

    def test_reports_are_in_the_main_navigation(self, client, english):
        html = client.get("/").content.decode()
        assert f'href="{reverse("reports:dashboard")}">Reports</a>' in html


def test_the_department_page_links_to_its_report_and_print(client):
    department = DepartmentFactory()
    html = client.get(department.get_absolute_url(), {"fy": FY}).content.decode()
    assert f"/reports/?fy={FY}&amp;department={department.code}" in html
    assert f"/reports/departments/{department.code}/print/?fy={FY}" in html
