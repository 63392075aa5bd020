"""The reading pages of projects and departments: content, access, junk, queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from projects.models import PlanRevision, PlanRevisionStep
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    DisbursementPlanFactory,
    DisbursementPlanMonthFactory,
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
from tests.projects.test_models import make_seed_like_project

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def english(client, settings):
    """Browse in English, as the language switch does, with the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def add_kpi(project, results=((1, 15), (2, 40), (3, 0), (4, 1))):
    criteria = [
        EvaluationCriterionFactory(fiscal_year=project.fiscal_year, code="2.1"),
        EvaluationCriterionFactory(fiscal_year=project.fiscal_year, code="2.2"),
    ]
    indicator = IndicatorFactory(
        department=project.department,
        fiscal_year=project.fiscal_year,
        unit="ฉบับ",
        target=1,
    )
    indicator.projects.add(project)
    for quarter, value in results:
        IndicatorResultFactory(indicator=indicator, quarter=quarter, value=value)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=quarter)
        for criterion in criteria:
            evaluation.scores.create(criterion=criterion, score=100)
    return indicator


class TestProjectDetail:
    def test_shows_the_seed_facts_with_be_dates(self, client):
        project = make_seed_like_project()
        project.officer_name = "นายองอาจ ภิรมย์ปักษา"
        project.objectives = ["เพื่อศึกษา", "เพื่อคัดเลือก"]
        project.is_routine = True
        project.budget_owner_unit = project.budget_implementing_unit = "21100100"
        project.save()
        ProjectEvaluationFactory(project=project, quarter=2, score=100)
        add_kpi(project)
        response = client.get(project.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert project.code in html
        assert "นายองอาจ ภิรมย์ปักษา" in html
        assert "21100100/21100100" in html
        assert "<li>เพื่อศึกษา</li>" in html
        assert "15 กันยายน 2563" in html  # the last update, long BE date
        assert "21 ตุลาคม 2562" in html  # the first one
        assert "1 ต.ค. 2562" in html  # the first step's date, short
        assert 'data-testid="actual-percent">100.00<' in html
        assert 'data-testid="planned-percent">100.00<' in html
        assert response.context["latest_evaluation"].quarter == 2
        assert "(12)" in html and "(1)" in html
        assert len(response.context["updates"]) == 12
        assert [row[1] for row in response.context["plan_rows"]] == [
            Decimal(5),
            Decimal(15),
            Decimal(25),
            Decimal(65),
            Decimal(100),
        ]

    def test_updates_are_numbered_oldest_first(self, client):
        project = make_seed_like_project()
        html = client.get(project.get_absolute_url()).content.decode()
        first = html.index('id="update-1"')
        assert html.index("21 ตุลาคม 2562", first) < html.index('id="update-2"')

    def test_empty_problems_show_none(self, client, english):
        project = ProjectFactory()
        ProgressUpdateFactory(project=project, problems="-", obstacles="ไม่มี")
        html = client.get(project.get_absolute_url()).content.decode()
        assert "<strong>Problems:</strong> None" in html
        assert "<strong>Obstacles:</strong> None" in html

    def test_kpi_block_shows_target_achieved_and_scores(self, client, english):
        project = make_seed_like_project()
        add_kpi(project)
        response = client.get(project.get_absolute_url())
        html = response.content.decode()
        # Thai data on an English page is marked as Thai.
        assert 'data-testid="kpi-target">1 <span lang="th">ฉบับ</span><' in html
        assert '1 <span lang="th">ฉบับ</span> <span' in html  # achieved = latest = 1
        assert "(100% of target)" in html
        assert "Score 2.1" in html and "Score 2.2" in html
        assert "15.00" in html and "40.00" in html

    def test_strategy_path_from_pillar_to_objective(self, client):
        pillar = StrategyNodeFactory(code="5", title_th="ด้านที่ 5")
        dimension = StrategyNodeFactory(
            code="5.2", title_th="มิติที่ 5.2", level="dimension", parent=pillar
        )
        project = ProjectFactory()
        project.strategies.add(dimension)
        html = client.get(project.get_absolute_url()).content.decode()
        assert html.index("ด้านที่ 5") < html.index("มิติที่ 5.2")

    def test_routine_work_is_shown_instead_of_a_strategy(self, client, english):
        project = ProjectFactory(is_routine=True)
        html = client.get(project.get_absolute_url()).content.decode()
        assert "Routine work of the agency" in html

    def test_predecessor_and_successor_are_linked(self, client):
        old = ProjectFactory(fiscal_year=2562)
        new = ProjectFactory(fiscal_year=2563, predecessor=old)
        assert (
            old.get_absolute_url()
            in client.get(new.get_absolute_url()).content.decode()
        )
        assert (
            new.get_absolute_url()
            in client.get(old.get_absolute_url()).content.decode()
        )

    def test_charts_data_is_in_the_page_as_json(self, client):
        project = make_seed_like_project()
        html = client.get(project.get_absolute_url()).content.decode()
        for chart in ("s-curve", "timeline"):
            assert f'id="{chart}-data"' in html
            assert f'data-chart="{chart}-data"' in html
        assert "vendor/plotly-basic.min.js" in html

    def test_gauge_is_svg_drawn_on_the_server(self, client):
        project = make_seed_like_project()
        html = client.get(project.get_absolute_url()).content.decode()
        assert 'id="gauge-data"' not in html
        assert 'data-testid="gauge"' in html
        assert '<text x="100" y="96" text-anchor="middle" class="gauge-number"' in html
        assert ">100%</text>" in html
        assert 'stroke-dasharray="100.00 100" class="gauge-bar"' in html

    def test_unknown_code_is_404(self, client):
        assert client.get("/projects/99999999-1/").status_code == 404
        assert client.get("/projects/%3Cscript%3E/").status_code == 404

    def test_flags_are_for_department_staff_and_evaluators_only(self, client, english):
        project = ProjectFactory()
        ProgressUpdateFactory(project=project, report_date=date(2020, 1, 1), percent=60)
        ProgressUpdateFactory(project=project, report_date=date(2020, 2, 1), percent=40)
        url = project.get_absolute_url()
        assert "Data-quality flags" not in client.get(url).content.decode()
        outsider = UserFactory(role="staff")
        DepartmentFactory().members.add(outsider)
        client.force_login(outsider)
        assert "Data-quality flags" not in client.get(url).content.decode()
        staff = UserFactory(role="staff")
        project.department.members.add(staff)
        client.force_login(staff)
        html = client.get(url).content.decode()
        assert "Data-quality flags" in html and 'data-flag="percent_down"' in html
        client.force_login(UserFactory(role="evaluator"))
        assert 'data-flag="percent_down"' in client.get(url).content.decode()

    def test_public_read_off_sends_anonymous_visitors_to_login(self, client, settings):
        settings.PUBLIC_READ = False
        project = ProjectFactory()
        response = client.get(project.get_absolute_url())
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        client.force_login(UserFactory())
        assert client.get(project.get_absolute_url()).status_code == 200

    def test_only_get_and_head(self, client):
        project = ProjectFactory()
        assert client.post(project.get_absolute_url()).status_code == 405

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        project = ProjectFactory(budget_amount=Decimal(size * 1_000_000))
        for number in range(1, size + 1):
            PlanStepFactory(project=project, number=number, weight=Decimal(100) / size)
            ProgressUpdateFactory(
                project=project,
                report_date=date(2020, number, 1),
                percent=number,
                disbursed=Decimal(number * 1000),
            )
            ProjectEvaluationFactory(project=project, quarter=number)
            pillar = StrategyNodeFactory()
            project.strategies.add(pillar)
            ProjectFactory(predecessor=project, fiscal_year=2564)
        for _ in range(size):
            add_kpi(project, results=[(q, q) for q in range(1, size + 1)])
        for number in range(1, size + 1):
            revision = PlanRevision.objects.create(
                project=project,
                number=number,
                valid_from=date(2019, 10, number) if number > 1 else None,
                valid_until=date(2019, 10, number + 1),
                reason="ปรับแผน",
            )
            PlanRevisionStep.objects.create(
                revision=revision,
                number=1,
                description="เดิม",
                weight=100,
                planned_start=date(2019, 10, 1),
                planned_end=date(2020, 9, 30),
            )
        for number in range(1, size + 1):
            BudgetLineFactory(project=project, number=number)
            plan = DisbursementPlanFactory(
                project=project,
                number=number,
                valid_from=date(2019, 10, number) if number > 1 else None,
                valid_until=date(2019, 10, number + 1) if number < size else None,
            )
            for month in range(1, size + 1):
                DisbursementPlanMonthFactory(
                    plan=plan, month_end=date(2020, month, 28), percent=month * 10
                )
        # 12 before revisions, + plan revisions and their steps, + KPI target
        # revisions (prefetched for the quarter targets), + budget lines,
        # disbursement plans and their months (issue 18), + the reports' evidence.
        with django_assert_num_queries(19):
            response = client.get(project.get_absolute_url())
            assert response.status_code == 200
        assert response.content.decode().count("data-revision=") == size


class TestProjectPrint:
    def test_print_view_has_everything_and_the_date_printed(self, client):
        project = make_seed_like_project()
        add_kpi(project)
        response = client.get(reverse("projects:print", args=[project.code]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "15 กันยายน 2563" in html
        assert "site-header" not in html
        assert "<details" in html and " open>" in html

    def test_unknown_code_is_404(self, client):
        assert client.get("/projects/nope/print/").status_code == 404


class TestProjectList:
    def test_lists_projects_of_the_fiscal_year_with_status(self, client):
        make_seed_like_project()
        ProjectFactory(fiscal_year=2564, name_th="ปีหน้า")
        response = client.get("/projects/", {"fy": 2563})
        assert response.status_code == 200
        html = response.content.decode()
        assert "ปีหน้า" not in html
        assert response.context["page"].paginator.count == 1
        assert "status-complete" in html

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"q": "ระบายน้ำ"}, ["drain"]),
            ({"q": "Drainage"}, ["drain"]),
            ({"q": "-7001"}, ["drain"]),
            ({"status": "complete"}, ["done"]),
            ({"status": "not_started"}, ["drain"]),
            ({"kind": "activity"}, ["done"]),
        ],
    )
    def test_filters_narrow_the_rows(self, client, params, expected):
        department = DepartmentFactory(code="21000000")
        drain = ProjectFactory(
            code="21000000-7001",
            department=department,
            name_th="โครงการระบายน้ำ",
            name_en="Drainage",
        )
        done = ProjectFactory(kind="activity", department=department)
        ProgressUpdateFactory(project=done, percent=100, report_date=date(2020, 9, 1))
        names = {"drain": drain.code, "done": done.code}
        response = client.get("/projects/", {"fy": 2563, **params})
        codes = [p.code for p in response.context["page"].object_list]
        assert codes == [names[n] for n in expected]

    def test_department_and_strategy_filters(self, client):
        pillar = StrategyNodeFactory(code="7")
        goal = StrategyNodeFactory(code="7.1", parent=pillar, level="dimension")
        mine = ProjectFactory()
        mine.strategies.add(goal)
        other = ProjectFactory()
        by_department = client.get(
            "/projects/", {"fy": 2563, "department": other.department.code}
        )
        assert [p.code for p in by_department.context["page"]] == [other.code]
        by_strategy = client.get("/projects/", {"fy": 2563, "strategy": "7"})
        assert [p.code for p in by_strategy.context["page"]] == [mine.code]

    def test_overdue_filter(self, client, settings):
        settings.REPORT_DUE_DAY = 25
        late = ProjectFactory()
        PlanStepFactory(project=late)
        ProgressUpdateFactory(project=late, report_date=date(2020, 8, 1), percent=90)
        response = client.get("/projects/", {"fy": 2563, "status": "overdue"})
        assert [p.code for p in response.context["page"]] == [late.code]

    def test_sorting_by_gap_puts_the_furthest_behind_first(self, client):
        ahead = ProjectFactory()
        behind = ProjectFactory()
        for project, percent in ((ahead, 90), (behind, 10)):
            PlanStepFactory(project=project)
            ProgressUpdateFactory(project=project, percent=percent)
        response = client.get("/projects/", {"fy": 2563, "sort": "gap"})
        assert [p.code for p in response.context["page"]] == [behind.code, ahead.code]

    @pytest.mark.parametrize("junk", JUNK)
    def test_junk_parameters_never_fail(self, client, junk):
        ProjectFactory()
        params = dict.fromkeys(("fy", "q", "department", "status", "kind"), junk)
        params |= {"strategy": junk, "sort": junk, "page": junk}
        response = client.get("/projects/", params)
        assert response.status_code == 200

    def test_invalid_filters_are_reported(self, client, english):
        response = client.get("/projects/", {"status": "bogus"})
        assert "Some filters were not understood" in response.content.decode()

    def test_pagination(self, client):
        department = DepartmentFactory()
        for _ in range(30):
            ProjectFactory(department=department)
        first = client.get("/projects/", {"fy": 2563})
        second = client.get("/projects/", {"fy": 2563, "page": 2})
        assert len(first.context["page"].object_list) == 25
        assert len(second.context["page"].object_list) == 5
        assert "page=2" in first.content.decode()

    @pytest.mark.parametrize("rows", [3, 12])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, rows
    ):
        for _ in range(rows):
            project = ProjectFactory()
            ProgressUpdateFactory(project=project)
        StrategyNodeFactory()
        with django_assert_num_queries(5):
            assert client.get("/projects/", {"fy": 2563}).status_code == 200


class TestDepartments:
    def test_department_list_shows_averages(self, client):
        project = make_seed_like_project()
        response = client.get("/departments/", {"fy": 2563})
        assert response.status_code == 200
        rows = dict(response.context["departments"])
        summary = rows[project.department]
        assert summary["count"] == 1
        assert summary["complete"] == 1
        assert summary["actual"] == Decimal(100)

    def test_department_detail_shows_projects_kpis_and_counts(self, client):
        project = make_seed_like_project()
        indicator = add_kpi(project)
        ProjectFactory(department=project.department)
        response = client.get(project.department.get_absolute_url(), {"fy": 2563})
        assert response.status_code == 200
        html = response.content.decode()
        assert project.code in html and indicator.code in html
        assert response.context["summary"]["count"] == 2
        assert response.context["statuses"]["complete"] == 1
        assert response.context["statuses"]["not_started"] == 1
        assert 'data-testid="average-actual">50.00%<' in html

    def test_unknown_department_is_404(self, client):
        assert client.get("/departments/00000000/").status_code == 404

    @pytest.mark.parametrize("junk", JUNK)
    def test_junk_fiscal_year_never_fails(self, client, junk):
        department = DepartmentFactory()
        assert (
            client.get(department.get_absolute_url(), {"fy": junk}).status_code == 200
        )
        assert client.get("/departments/", {"fy": junk}).status_code == 200

    @pytest.mark.parametrize("rows", [3, 12])
    def test_query_counts_do_not_grow_with_rows(
        self, client, django_assert_num_queries, rows
    ):
        department = DepartmentFactory()
        for _ in range(rows):
            ProgressUpdateFactory(project=ProjectFactory(department=department))
            IndicatorFactory(department=department)
            DepartmentFactory()
        with django_assert_num_queries(3):
            client.get("/departments/", {"fy": 2563})
        # The money section (issue 18) and the status summary reuse the project
        # rows: no query of their own.
        with django_assert_num_queries(4):
            client.get(department.get_absolute_url(), {"fy": 2563})


class TestOverview:
    def test_totals_statuses_and_lists(self, client):
        project = make_seed_like_project()
        lagging = ProjectFactory()
        PlanStepFactory(project=lagging)
        ProgressUpdateFactory(project=lagging, report_date=date(2020, 9, 1), percent=5)
        response = client.get("/", {"fy": 2563})
        assert response.status_code == 200
        context = response.context
        assert context["summary"]["count"] == 2
        assert context["statuses"]["complete"] == 1
        assert context["statuses"]["behind"] == 1
        assert [p.code for p in context["behind"]] == [lagging.code]
        assert context["latest_updates"][0].project == project
        assert project.code not in [p.code for p in context["behind"]]

    @pytest.mark.parametrize("junk", JUNK)
    def test_junk_fiscal_year_never_fails(self, client, junk):
        assert client.get("/", {"fy": junk}).status_code == 200

    @pytest.mark.parametrize("rows", [3, 12])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, rows
    ):
        for _ in range(rows):
            ProgressUpdateFactory(project=ProjectFactory())
        with django_assert_num_queries(6):
            assert client.get("/", {"fy": 2563}).status_code == 200
