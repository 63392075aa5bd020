"""The KPI pages: list and detail, content, filters, access, junk and queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator
from tests.factories import (
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("indicators:list")
SEED_RESULTS = ((1, 15), (2, 40), (3, 0), (4, 1))


@pytest.fixture
def english(client, settings):
    """Ask for the English pages, as a visitor who switched language does."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def make_seed_like_kpi(results=SEED_RESULTS, projects: int = 1) -> Indicator:
    """KPI 2100-1044 as the seed page shows it: target 1 ฉบับ, every quarter 100/100."""
    department = DepartmentFactory(
        code="21000000",
        name_th="สำนักยุทธศาสตร์และประเมินผล",
        name_en="Strategy and Evaluation Department",
        short_name="สยป.",
    )
    criteria = [
        EvaluationCriterionFactory(fiscal_year=2563, code="2.1", name_en="Timeliness"),
        EvaluationCriterionFactory(fiscal_year=2563, code="2.2", name_en="Quality"),
    ]
    indicator = IndicatorFactory(
        code="2100-1044",
        department=department,
        name_th="จำนวนรายงานผลการศึกษาเบื้องต้นแนวทางการพัฒนาพื้นที่เป้าหมาย",
        name_en="Preliminary study reports on smart-city target areas",
        unit="ฉบับ",
        target=Decimal(1),
        fiscal_year=2563,
        definition="รายงานผลการศึกษาที่จัดทำแล้วเสร็จ",
        calculation_method="นับจำนวนรายงานที่แล้วเสร็จ",
    )
    for quarter, value in results:
        IndicatorResultFactory(
            indicator=indicator,
            quarter=quarter,
            value=value,
            report=f"รายงานไตรมาส {quarter}",
        )
        evaluation = IndicatorEvaluationFactory(
            indicator=indicator, quarter=quarter, comment=f"ความเห็นไตรมาส {quarter}"
        )
        for criterion in criteria:
            evaluation.scores.create(criterion=criterion, score=100)
    for _ in range(projects):
        indicator.projects.add(ProjectFactory(department=department))
    return indicator


def codes_of(response) -> list[str]:
    return [row["indicator"].code for row in response.context["rows"]]


class TestIndicatorDetail:
    def test_shows_the_seed_kpi_target_achieved_and_definition(self, client, english):
        indicator = make_seed_like_kpi()
        response = client.get(indicator.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="kpi-code">2100-1044<' in html
        assert indicator.name_th in html
        assert 'data-testid="kpi-name-en">Preliminary study reports' in html
        assert 'data-testid="kpi-fiscal-year">FY 2563 (2019–20)<' in html
        assert 'data-testid="kpi-unit"><span lang="th">ฉบับ</span><' in html
        assert 'data-testid="kpi-target">1 <span lang="th">ฉบับ</span><' in html
        assert 'data-testid="kpi-achievement">100%<' in html
        assert response.context["indicator"].achieved == Decimal(1)
        assert response.context["achievement"] == Decimal(100)
        assert "Strategic KPI" in html and "Output" in html
        assert "Latest quarter · Higher is better" in html
        assert "<p>รายงานผลการศึกษาที่จัดทำแล้วเสร็จ</p>" in html
        assert "<p>นับจำนวนรายงานที่แล้วเสร็จ</p>" in html
        department_url = indicator.department.get_absolute_url()
        assert f'href="{department_url}?fy=2563"' in html
        assert response.context["fiscal_year"] == 2563

    def test_quarter_table_has_every_value(self, client):
        indicator = make_seed_like_kpi()
        response = client.get(indicator.get_absolute_url())
        html = response.content.decode()
        rows = response.context["rows"]
        assert [row.result.value for row in rows] == [15, 40, 0, 1]
        for value in ("15.00", "40.00", "0.00", "1.00"):
            assert f"<td>{value}</td>" in html

    def test_narrative_scores_and_comment_of_each_quarter(self, client, english):
        indicator = make_seed_like_kpi()
        html = client.get(indicator.get_absolute_url()).content.decode()
        for quarter in range(1, 5):
            assert f'data-testid="report-{quarter}">รายงานไตรมาส {quarter}<' in html
            assert f'data-testid="comment-{quarter}">ความเห็นไตรมาส {quarter}<' in html
            assert f'data-testid="score-{quarter}-2.1">2.1 Timeliness: 100<' in html
            assert f'data-testid="score-{quarter}-2.2">2.2 Quality: 100<' in html
        assert "Score 2.1" in html and "Score 2.2" in html

    def test_criteria_of_another_fiscal_year_are_not_shown(self, client, english):
        indicator = make_seed_like_kpi()
        EvaluationCriterionFactory(fiscal_year=2564, code="9.9")
        response = client.get(indicator.get_absolute_url())
        assert [c.code for c in response.context["criteria"]] == ["2.1", "2.2"]
        assert "Score 9.9" not in response.content.decode()

    def test_linked_projects_are_linked_with_code_and_name(self, client):
        indicator = make_seed_like_kpi(projects=2)
        html = client.get(indicator.get_absolute_url()).content.decode()
        for project in indicator.projects.all():
            url = reverse("projects:detail", args=[project.code])
            assert f'<a href="{url}">{project.code}</a>' in html
            assert f'<a href="{url}">{project.name_th}</a>' in html

    def test_chart_against_the_target_is_in_the_page(self, client):
        indicator = make_seed_like_kpi()
        response = client.get(indicator.get_absolute_url())
        html = response.content.decode()
        assert 'id="kpi-2100-1044-data"' in html
        assert 'data-chart="kpi-2100-1044-data"' in html
        assert "vendor/plotly-basic.min.js" in html and "js/charts.js" in html
        figure = response.context["figure"]
        assert figure["data"][0]["y"] == [15.0, 40.0, 0.0, 1.0]
        assert figure["layout"]["shapes"][0]["y0"] == 1.0

    def test_kpi_without_results_says_so(self, client, english):
        indicator = IndicatorFactory()
        response = client.get(indicator.get_absolute_url())
        assert response.status_code == 200
        assert response.context["achievement"] is None
        assert "No result yet" in response.content.decode()

    def test_unknown_code_is_404(self, client):
        assert client.get("/indicators/9999-1/").status_code == 404
        assert client.get("/indicators/%3Cscript%3E/").status_code == 404

    def test_only_get_and_head(self, client):
        indicator = IndicatorFactory()
        assert client.post(indicator.get_absolute_url()).status_code == 405
        assert client.head(indicator.get_absolute_url()).status_code == 200

    def test_public_read_off_sends_anonymous_visitors_to_login(self, client, settings):
        settings.PUBLIC_READ = False
        url = IndicatorFactory().get_absolute_url()
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"
        client.force_login(UserFactory())
        assert client.get(url).status_code == 200

    def test_public_read_on_lets_anonymous_visitors_read(self, client, settings):
        settings.PUBLIC_READ = True
        assert client.get(IndicatorFactory().get_absolute_url()).status_code == 200

    def test_flags_are_for_department_staff_and_evaluators_only(self, client, english):
        indicator = make_seed_like_kpi()  # 15 and 40 are over 5× the target of 1
        url = indicator.get_absolute_url()
        anonymous = client.get(url).content.decode()
        assert "Data-quality flags" not in anonymous and "data-flag=" not in anonymous
        assert "table-warning" not in anonymous
        outsider = UserFactory(role="staff")
        DepartmentFactory().members.add(outsider)
        client.force_login(outsider)
        assert "data-flag=" not in client.get(url).content.decode()
        staff = UserFactory(role="staff")
        indicator.department.members.add(staff)
        client.force_login(staff)
        response = client.get(url)
        assert [flag.code for flag in response.context["flags"]] == [
            "over_target",
            "over_target",
            "scored_no_result",
        ]
        html = response.content.decode()
        assert "Data-quality flags" in html
        assert "Q1 FY 2563: The value 15.00 is more than 5 times" in html
        assert "Q3 FY 2563: Quarter 3 is scored but has no result." in html
        client.force_login(UserFactory(role="evaluator"))
        html = client.get(url).content.decode()
        assert html.count('data-flag="over_target"') == 2
        assert html.count('data-flag="scored_no_result"') == 1

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        indicator = make_seed_like_kpi(
            results=[(q, q) for q in range(1, size + 1)], projects=size
        )
        for project in indicator.projects.all():
            ProgressUpdateFactory(project=project)
        # KPI, results, their evidence, target revisions, evaluations, scores,
        # criteria, projects, fiscal years.
        with django_assert_num_queries(9):
            assert client.get(indicator.get_absolute_url()).status_code == 200


class TestIndicatorList:
    def test_rows_show_target_achieved_and_quarters_reported(self, client, english):
        indicator = make_seed_like_kpi()
        IndicatorFactory(fiscal_year=2564, name_th="ปีหน้า")
        response = client.get(LIST_URL, {"fy": 2563})
        assert response.status_code == 200
        assert response.context["fiscal_year"] == 2563
        assert codes_of(response) == ["2100-1044"]
        row = response.context["rows"][0]
        assert row["indicator"].achieved == Decimal(1)
        assert row["achievement"] == Decimal(100)
        assert row["bar"] == 100
        html = response.content.decode()
        assert "ปีหน้า" not in html
        url = indicator.get_absolute_url()
        assert f'href="{url}">2100-1044<' in html
        assert (
            f'href="{url}">Preliminary study reports on smart-city target areas<'
            in html
        )
        assert "สยป." in html
        assert 'data-testid="target">1<' in html
        assert 'data-testid="achieved">1<' in html
        assert 'data-testid="achievement">100%<' in html
        assert 'style="width: 100%"' in html
        assert 'data-testid="quarters-reported">4/4<' in html
        assert "Strategic KPI" in html and "Output" in html

    def test_achievement_bar_is_kept_within_100(self, client):
        IndicatorFactory(target=Decimal(10), aggregation="sum")
        kpi = Indicator.objects.get()
        IndicatorResultFactory(indicator=kpi, quarter=1, value=25)
        IndicatorResultFactory(indicator=kpi, quarter=2, value=5)
        response = client.get(LIST_URL, {"fy": 2563})
        row = response.context["rows"][0]
        assert row["indicator"].achieved == Decimal(30)
        assert row["achievement"] == Decimal(300)
        assert row["bar"] == 100
        assert row["indicator"].quarters_reported == 2

    def test_kpi_without_results_has_no_achievement(self, client):
        IndicatorFactory()
        response = client.get(LIST_URL, {"fy": 2563})
        row = response.context["rows"][0]
        assert row["achievement"] is None and row["bar"] == 0
        assert row["indicator"].quarters_reported == 0
        assert 'data-testid="quarters-reported">0/4<' in response.content.decode()

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"q": "ระบายน้ำ"}, ["drain"]),
            ({"q": "CANALS"}, ["drain"]),
            ({"q": "2100-70"}, ["drain"]),
            ({"kind": "routine"}, ["routine"]),
            ({"level": "outcome"}, ["routine"]),
            ({"department": "21000000"}, ["drain"]),
            ({"department": "22000000"}, ["routine"]),
            ({}, ["drain", "routine"]),
        ],
    )
    def test_filters_narrow_the_rows(self, client, params, expected):
        drain = IndicatorFactory(
            code="2100-7001",
            department=DepartmentFactory(code="21000000"),
            name_th="ร้อยละของคลองที่ระบายน้ำได้",
            name_en="Share of canals draining",
        )
        routine = IndicatorFactory(
            code="2200-1",
            department=DepartmentFactory(code="22000000"),
            kind="routine",
            level="outcome",
        )
        names = {"drain": drain.code, "routine": routine.code}
        response = client.get(LIST_URL, {"fy": 2563, **params})
        assert codes_of(response) == [names[n] for n in expected]

    @pytest.mark.parametrize(
        "params",
        [
            {"fy": "abc"},
            {"fy": "99999"},
            {"fy": "2563", "department": "nonexistent"},
            {"fy": "2563", "page": "-1"},
            {"fy": "2563", "page": "abc"},
            {"fy": "2563", "page": "99999999999999999999"},
            {"fy": "2563", "q": "ก" * 500},
            {"fy": "2563", "q": "<script>alert(1)</script>"},
            {"fy": "2563", "kind": "<script>", "level": "' OR 1=1 --"},
            {"fy": "<script>", "department": "<script>", "page": "<script>"},
        ],
    )
    def test_junk_parameters_never_fail(self, client, params):
        IndicatorFactory()
        response = client.get(LIST_URL, params)
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.content.decode()

    def test_invalid_filters_are_ignored_and_reported(self, client, english):
        indicator = IndicatorFactory()
        response = client.get(
            LIST_URL, {"fy": 2563, "department": "nonexistent", "q": "ก" * 500}
        )
        assert codes_of(response) == [indicator.code]
        assert set(response.context["form"].errors) == {"department", "q"}
        assert "Some filters were not understood" in response.content.decode()

    def test_pagination_by_25(self, client):
        department = DepartmentFactory()
        for _ in range(30):
            IndicatorFactory(department=department)
        first = client.get(LIST_URL, {"fy": 2563})
        second = client.get(LIST_URL, {"fy": 2563, "page": 2})
        assert len(first.context["rows"]) == 25
        assert len(second.context["rows"]) == 5
        assert "fy=2563&amp;page=2" in first.content.decode()

    def test_public_read_off_sends_anonymous_visitors_to_login(self, client, settings):
        settings.PUBLIC_READ = False
        response = client.get(LIST_URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        client.force_login(UserFactory())
        assert client.get(LIST_URL, {"fy": 2563}).status_code == 200

    def test_public_read_on_lets_anonymous_visitors_read(self, client, settings):
        settings.PUBLIC_READ = True
        assert client.get(LIST_URL, {"fy": 2563}).status_code == 200

    @pytest.mark.parametrize("rows", [3, 12])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, rows
    ):
        for number in range(rows):
            indicator = IndicatorFactory(department=DepartmentFactory())
            IndicatorResultFactory(indicator=indicator, quarter=1 + number % 4)
        # Count, page of rows, departments of the filter, fiscal years.
        with django_assert_num_queries(4):
            assert client.get(LIST_URL, {"fy": 2563}).status_code == 200
