"""The exports: they open in openpyxl and the csv module, carry Thai headers, BE
dates beside real dates and numbers as numbers, and match their page row for row."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import trans_real
from openpyxl import load_workbook

from reports import exports
from tests.factories import (
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.reports.test_views import (
    FY,
    JUNK,
    make_project,
    make_seed_like_kpi,
    make_year,
)

pytestmark = pytest.mark.django_db

EXPORTS = ["projects", "kpis", "evaluations", "compliance"]
THAI = {
    "Code": "รหัส",
    "Last report": "รายงานล่าสุด",
    "%(column)s (B.E.)": "%(column)s (พ.ศ.)",
    "Projects": "โครงการ",
}


@pytest.fixture
def thai_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Thai catalogue says for a few headers, whatever locale/th holds."""
    catalog = trans_real.translation("th")._catalog._catalogs[0]
    for english, thai in THAI.items():
        monkeypatch.setitem(catalog, english, thai)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def workbook_rows(response) -> tuple[list, list[list]]:
    sheet = load_workbook(io.BytesIO(content_of(response))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def csv_rows(response) -> tuple[list, list[list]]:
    rows = list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig"))))
    return rows[0], rows[1:]


def export(client, name: str, fmt: str, params: dict):
    return client.get(reverse(f"reports:export-{fmt}", args=[name]), params)


def page_codes(client, url: str, params: dict, code_of) -> list[str]:
    """Every row of a paginated page, all pages read."""
    codes, number = [], 1
    while True:
        response = client.get(url, {**params, "page": number})
        page = response.context["page"]
        codes += [code_of(item) for item in page.object_list]
        if not page.has_next():
            return codes
        number += 1


class TestProjectsExport:
    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"department": "21000000"},
            {"status": "behind"},
            {"status": "complete"},
            {"kind": "activity"},
            {"q": "ระบายน้ำ"},
            {"sort": "gap"},
            {"sort": "-progress", "department": "21000000"},
        ],
    )
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_matches_the_project_list_row_for_row(self, client, params, fmt):
        _first, _second, projects = make_year()
        make_project(projects["steady"].department, name_th="โครงการระบายน้ำ")
        for _ in range(27):  # a second page of the list
            ProjectFactory(department=projects["silent"].department)
        params = {"fy": FY, **params}
        expected = page_codes(
            client, reverse("projects:list"), params, lambda p: p.code
        )
        response = export(client, "projects", fmt, params)
        assert response.status_code == 200
        _header, rows = (workbook_rows if fmt == "xlsx" else csv_rows)(response)
        assert [row[0] for row in rows] == expected
        assert expected

    def test_xlsx_has_frozen_bold_thai_headers_widths_dates_and_numbers(
        self, client, thai_words
    ):
        _first, _second, projects = make_year()
        response = export(client, "projects", "xlsx", {"fy": FY, "sort": "code"})
        assert response["Content-Type"] == exports.XLSX_TYPE
        assert 'filename="projects-2563.xlsx"' in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(content_of(response))).active
        assert sheet.freeze_panes == "A2"
        header = [cell.value for cell in sheet[1]]
        assert header[0] == "รหัส"
        assert all(cell.font.b for cell in sheet[1])
        position = header.index("รายงานล่าสุด (พ.ศ.)")
        assert header[position + 1] == "รายงานล่าสุด"
        assert sheet.column_dimensions["B"].width == 60
        steady = next(
            row
            for row in sheet.iter_rows(min_row=2)
            if row[0].value == projects["steady"].code
        )
        assert steady[position].value == "1 ก.ย. 2563"
        assert steady[position + 1].value == datetime(2020, 9, 1)
        assert steady[position + 1].number_format == exports.EXCEL_DATE_FORMAT
        numbers = [
            cell.value for cell in steady if isinstance(cell.value, (int, float))
        ]
        assert 2563 in numbers and 60 in numbers  # fiscal year, actual %

    def test_csv_has_a_byte_order_mark_iso_dates_and_plain_numbers(
        self, client, english
    ):
        _first, _second, projects = make_year()
        response = export(
            client, "projects", "csv", {"fy": FY, "department": "21000000"}
        )
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            'filename="projects-2563-21000000.csv"' in response["Content-Disposition"]
        )
        body = content_of(response)
        assert body.startswith("\ufeff".encode())
        header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert header[:2] == ["Code", "Project name (Thai)"]
        row = dict(zip(header, rows[0], strict=True))
        assert row["Code"] == projects["steady"].code
        assert row["Last report (B.E.)"] == "1 Sep 2020"
        assert row["Last report"] == "2020-09-01"
        assert Decimal(row["Actual (%)"]) == Decimal(60)
        assert Decimal(row["Planned (%)"]) == Decimal(100)
        assert row["Status"] == "Behind plan"
        # December, February to April and June to August: as the compliance page.
        assert row["Missing monthly reports"] == "7"

    def test_text_is_never_run_as_a_formula(self, client):
        department = DepartmentFactory()
        ProjectFactory(department=department, name_th='=HYPERLINK("http://x","y")')
        xlsx = export(client, "projects", "xlsx", {"fy": FY})
        sheet = load_workbook(io.BytesIO(content_of(xlsx))).active
        assert sheet["B2"].data_type == "s"
        assert sheet["B2"].value == '=HYPERLINK("http://x","y")'
        _header, rows = csv_rows(export(client, "projects", "csv", {"fy": FY}))
        assert rows[0][1] == '\'=HYPERLINK("http://x","y")'

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    @pytest.mark.parametrize("size", [2, 6])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, fmt, size
    ):
        for _ in range(size):
            make_project(DepartmentFactory(), updates=[(date(2020, 1, 10), 30)])
        with django_assert_num_queries(1):
            response = export(client, "projects", fmt, {"fy": FY})
            assert len(content_of(response)) > 0


class TestKpisExport:
    @pytest.mark.parametrize("params", [{}, {"band": "met"}, {"band": "low"}])
    def test_matches_the_kpi_results_page_with_each_quarter(self, client, params):
        department = DepartmentFactory(code="21000000")
        make_seed_like_kpi(department)
        low = IndicatorFactory(department=DepartmentFactory(), target=10, unit="ครั้ง")
        IndicatorResultFactory(indicator=low, quarter=2, value=3)
        params = {"fy": FY, **params}
        expected = page_codes(
            client, reverse("reports:kpis"), params, lambda row: row.indicator.code
        )
        header, rows = workbook_rows(export(client, "kpis", "xlsx", params))
        assert [row[0] for row in rows] == expected
        _csv_header, csv_lines = csv_rows(export(client, "kpis", "csv", params))
        assert [line[0] for line in csv_lines] == expected

    def test_quarter_results_and_scores_are_numbers(self, client, english):
        make_seed_like_kpi(DepartmentFactory())
        header, rows = workbook_rows(export(client, "kpis", "xlsx", {"fy": FY}))
        row = dict(zip(header, rows[0], strict=True))
        assert [row[f"Q{q} result"] for q in (1, 2, 3, 4)] == [15, 40, 0, 1]
        assert row["Q1 score 2.1"] == 100 and row["Q4 score 2.2"] == 100
        assert row["Target"] == 1 and row["% of target"] == 100

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        EvaluationCriterionFactory()
        for _ in range(size):
            IndicatorResultFactory(indicator=IndicatorFactory())
        # +1 since KPI target revisions: they are prefetched (quarter targets).
        with django_assert_num_queries(3):
            content_of(export(client, "kpis", "csv", {"fy": FY}))


class TestEvaluationsExport:
    @pytest.mark.parametrize("params", [{}, {"quarter": 2}])
    def test_matches_the_evaluations_page(self, client, params, english):
        evaluator = UserFactory(first_name="Somchai", last_name="Dee")
        for project in (ProjectFactory(), ProjectFactory()):
            for quarter in (1, 2):
                ProjectEvaluationFactory(
                    project=project,
                    quarter=quarter,
                    score=80 + quarter,
                    evaluator=evaluator,
                )
        params = {"fy": FY, **params}
        expected = page_codes(
            client,
            reverse("reports:evaluations"),
            params,
            lambda e: (e.project.code, str(e.quarter)),
        )
        header, rows = csv_rows(export(client, "evaluations", "csv", params))
        assert [(row[0], row[4]) for row in rows] == expected
        row = dict(zip(header, rows[-1], strict=True))
        assert row["Score"] == "82.00" and row["Evaluator"] == "Somchai Dee"
        assert row["Quarter (B.E.)"] == "Q2 FY 2563"

    @pytest.mark.parametrize("size", [1, 4])
    def test_query_count_does_not_grow_with_rows(
        self, client, django_assert_num_queries, size
    ):
        for _ in range(size):
            ProjectEvaluationFactory(project=ProjectFactory(), evaluator=UserFactory())
        with django_assert_num_queries(1):
            content_of(export(client, "evaluations", "xlsx", {"fy": FY}))


class TestComplianceExport:
    def test_department_matrix_matches_the_page(self, client, english):
        first, second, _projects = make_year()
        page = client.get(reverse("reports:compliance"), {"fy": FY})
        header, rows = workbook_rows(export(client, "compliance", "xlsx", {"fy": FY}))
        assert [row[0] for row in rows] == [first.code, second.code]
        for item, row in zip(page.context["rows"], rows, strict=True):
            matrix = item["row"]
            counts = []
            for cell in matrix.cells:
                counts += [cell.on_time, cell.late, cell.missing]
            assert row[2] == matrix.projects
            assert row[3:39] == counts
            total = matrix.total
            assert row[-4:] == [
                total.on_time,
                total.late,
                total.missing,
                float(total.rate),
            ]
        assert header[3:6] == [
            "Oct 2019: On time",
            "Oct 2019: Late",
            "Oct 2019: Missing",
        ]

    def test_project_matrix_matches_the_drill_down(self, client, english):
        first, _second, projects = make_year()
        params = {
            "fy": FY,
            "department": first.code,
            "month": "2019-11",
            "state": "late",
        }
        page = client.get(reverse("reports:compliance"), params)
        header, rows = csv_rows(export(client, "compliance", "csv", params))
        assert [row[0] for row in rows] == [
            item["row"].subject.code for item in page.context["rows"]
        ]
        assert rows[0][0] == projects["steady"].code
        assert rows[0][2:6] == ["On time", "Late", "Missing", "On time"]


class TestAnyExport:
    @pytest.mark.parametrize("name", EXPORTS)
    @pytest.mark.parametrize("junk", JUNK)
    def test_junk_parameters_never_fail(self, client, name, junk):
        make_project(DepartmentFactory(), updates=[(date(2020, 1, 10), 30)])
        params = dict.fromkeys(
            ("fy", "department", "status", "sort", "month", "state", "quarter", "band"),
            junk,
        )
        for fmt in ("xlsx", "csv"):
            response = export(client, name, fmt, params)
            assert response.status_code == 200
            assert content_of(response)

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_unknown_export_is_404(self, client, fmt):
        url = reverse(f"reports:export-{fmt}", args=["passwords"])
        assert client.get(url).status_code == 404

    def test_the_list_pages_link_to_their_exports(self, client):
        make_year()
        html = client.get(reverse("reports:kpis"), {"fy": FY, "band": "met"}).content
        assert b"/reports/export/kpis.xlsx?fy=2563&amp;band=met" in html
        html = client.get(reverse("reports:dashboard"), {"fy": FY}).content
        assert b"/reports/export/projects.csv?fy=2563" in html


def test_the_project_list_links_to_its_export_with_its_filters(client):
    _first, _second, projects = make_year()
    params = {"fy": FY, "status": "behind", "sort": "gap"}
    html = client.get(reverse("projects:list"), params).content.decode()
    href = html.split('href="/reports/export/projects.csv?', 1)[1].split('"', 1)[0]
    query = href.replace("&amp;", "&")
    assert query == "fy=2563&fy=2563&status=behind&sort=gap"
    page = page_codes(client, reverse("projects:list"), params, lambda p: p.code)
    _header, rows = csv_rows(client.get(f"/reports/export/projects.csv?{query}"))
    assert (
        [row[0] for row in rows]
        == page
        == [
            projects["silent"].code,
            projects["behind"].code,
            projects["steady"].code,
        ]
    )
