"""User text is never markup, and hidden characters never reach the database.

A payload of HTML, a plotly hover template and an entity is typed into every free
text field; every surface (charts, pages, print, admin, history, exports) must show
it as the literal text it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Department, Project, StrategyNode
from projects.text import normalize_items, normalize_text
from reports import charts
from tests.factories import (
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.projects.test_admin import admin_url, post_data

PAYLOAD = '<b>B</b><img src=x onerror="alert(1)">%{meta}&amp;'
# What plotly.js must receive for it: nothing it reads as a tag, entity or template.
FOR_PLOTLY = (
    '&lt;b&gt;B&lt;/b&gt;&lt;img src=x onerror="alert(1)"&gt;%&#123;meta&#125;&amp;amp;'
)
RAW_MARKUP = re.compile(r"<b>B</b>|<img src=x")


def figures_in(html: str) -> list[dict]:
    """The figures a page hands to plotly.js (json_script blocks)."""
    blocks = re.findall(
        r'<script id="[^"]*-data" type="application/json">(.*?)</script>', html, re.S
    )
    return [json.loads(block) for block in blocks]


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def assert_shown_literally(client, urls: list[str]) -> None:
    """Each page answers, holds no markup of the payload, nor hands plotly any."""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not RAW_MARKUP.search(html), url
        for figure in figures_in(html):
            texts = strings_in(figure)
            assert not any(RAW_MARKUP.search(text) for text in texts), url
            assert not any("%{meta}" in text for text in texts), url


class TestChartsEscapeUserText:
    def test_plain_escapes_markup_entities_and_templates(self):
        assert charts.plain(PAYLOAD) == FOR_PLOTLY
        assert charts.plain("สำนัก & <ฝ่าย>") == "สำนัก &amp; &lt;ฝ่าย&gt;"

    def test_every_builder_escapes_what_a_person_typed(self):
        figures = [
            charts.plan_timeline(
                [(1, PAYLOAD, 60, date(2019, 10, 1), date(2020, 1, 1))]
                + [(2, PAYLOAD, 40, date(2020, 3, 1), date(2020, 3, 1))],
                "th",
            ),
            charts.indicator_chart([1], [3], 5, PAYLOAD, "th"),
            charts.department_progress([(PAYLOAD, 50, 60)], "th"),
            charts.scores_by_quarter([(PAYLOAD, 1, 80)], "th"),
            charts.achievement_distribution([("met", PAYLOAD, 2)], "th"),
            charts.compliance_by_month([(PAYLOAD, 1, 1, 1)], "th"),
        ]
        for figure in figures:
            texts = strings_in(figure)
            assert not any(RAW_MARKUP.search(text) for text in texts), figure
            assert not any("%{meta}" in text for text in texts), figure
            assert any("&lt;b&gt;B&lt;/b&gt;" in text for text in texts), figure


@pytest.mark.django_db
class TestPagesShowUserTextLiterally:
    @pytest.fixture
    def world(self):
        department = DepartmentFactory(
            code="21000000", name_th=PAYLOAD, name_en=PAYLOAD, short_name=PAYLOAD[:50]
        )
        project = ProjectFactory(
            department=department,
            name_th=PAYLOAD,
            name_en=PAYLOAD,
            officer_name=PAYLOAD,
            officer_contact=PAYLOAD,
            rationale=PAYLOAD,
            objectives=[PAYLOAD],
            targets=[PAYLOAD],
        )
        PlanStepFactory(project=project, number=1, description=PAYLOAD)
        ProgressUpdateFactory(
            project=project,
            report_date=date(2020, 1, 15),
            done=PAYLOAD,
            problems=PAYLOAD,
            obstacles=PAYLOAD,
        )
        ProjectEvaluationFactory(project=project, comment=PAYLOAD)
        indicator = IndicatorFactory(
            department=department,
            name_th=PAYLOAD,
            unit=PAYLOAD[:50],
            definition=PAYLOAD,
            calculation_method=PAYLOAD,
        )
        indicator.projects.add(project)
        IndicatorResultFactory(indicator=indicator, value=Decimal(3), report=PAYLOAD)
        EvaluationCriterionFactory(name_th=PAYLOAD)
        return project, indicator

    def test_public_pages_print_and_charts(self, client, world):
        project, indicator = world
        urls = [
            reverse("projects:detail", args=[project.code]),
            reverse("projects:print", args=[project.code]),
            reverse("projects:list") + "?fy=2563",
            reverse("projects:overview") + "?fy=2563",
            reverse("projects:department-detail", args=["21000000"]) + "?fy=2563",
            reverse("indicators:detail", args=[indicator.code]),
            reverse("reports:dashboard") + "?fy=2563",
            reverse("reports:evaluations") + "?fy=2563",
            reverse("reports:kpis") + "?fy=2563",
            reverse("reports:department-print", args=["21000000"]) + "?fy=2563",
        ]
        assert_shown_literally(client, urls)

    def test_signed_in_pages_evaluation_and_quality(self, client, world):
        project, indicator = world
        client.force_login(UserFactory(role="evaluator"))
        urls = [
            reverse("projects:detail", args=[project.code]),
            reverse("projects:evaluate", args=[project.code, 1]),
            reverse("projects:evaluation-quarter", args=[2563, 1]),
            reverse("projects:evaluation-score", args=[2563, 1]),
            reverse("projects:evaluation-summary", args=[2563]),
            reverse("reports:data-quality") + "?fy=2563",
            reverse("reports:compliance") + "?fy=2563",
            reverse("projects:history", args=[project.code]),
            reverse("indicators:detail", args=[indicator.code]),
        ]
        assert_shown_literally(client, urls)

    def test_exports_carry_the_text_as_typed(self, client, world):
        url = reverse("reports:export-csv", args=["projects"])
        body = content_of(client.get(url, {"fy": 2563})).decode("utf-8-sig")
        assert PAYLOAD.replace('"', '""') in body

    def test_the_project_page_names_the_step_in_the_chart_escaped(self, client, world):
        project, _indicator = world
        html = client.get(reverse("projects:detail", args=[project.code])).content
        texts = [s for f in figures_in(html.decode()) for s in strings_in(f)]
        assert any("&lt;b&gt;B&lt;/b&gt;" in text for text in texts)

    def test_admin_and_history(self, admin_client, world):
        project, _indicator = world
        for url in [
            admin_url(Project, "changelist"),
            admin_url(Project, "change", project.pk),
            admin_url(Department, "changelist"),
            reverse("projects:history", args=[project.code]),
        ]:
            response = admin_client.get(url)
            assert response.status_code == 200, url
            assert not RAW_MARKUP.search(response.content.decode()), url


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.django_db
class TestExportsNeverRunFormulas:
    @pytest.mark.parametrize("start", ["=", "+", "-", "@"])
    def test_text_cells_starting_a_formula_stay_text(self, client, start):
        name = f'{start}HYPERLINK("http://x","y")'
        ProjectFactory(name_th=name)
        url = reverse("reports:export-xlsx", args=["projects"])
        sheet = load_workbook(io.BytesIO(content_of(client.get(url, {"fy": 2563}))))
        cell = sheet.active["B2"]
        assert (cell.data_type, cell.value) == ("s", name)
        assert cell.quotePrefix
        url = reverse("reports:export-csv", args=["projects"])
        body = content_of(client.get(url, {"fy": 2563})).decode("utf-8-sig")
        _header, row = list(csv.reader(io.StringIO(body)))
        assert row[1] == f"'{name}"

    def test_control_characters_stored_earlier_do_not_break_the_workbook(self, client):
        project = ProjectFactory()
        # A row written before the text was cleaned, behind the field's back.
        Project.objects.filter(pk=project.pk).update(name_th="a")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Project._meta.db_table} SET name_th = %s WHERE id = %s",
                ["bad\x07bell", project.pk],
            )
        url = reverse("reports:export-xlsx", args=["projects"])
        response = client.get(url, {"fy": 2563})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(content_of(response)))
        assert sheet.active["B2"].value == "badbell"


HIDDEN = "\x00\x07\x1b\u202e\u2066\u200b\u200d\ufeff\u200f"


class TestHiddenCharacters:
    def test_text_keeps_line_breaks_and_loses_hidden_characters(self):
        typed = f"ก{HIDDEN}ข\r\nค\tง"
        assert normalize_text(typed) == "กข\nค\tง"

    def test_names_are_one_line(self):
        assert normalize_text(f"ก{HIDDEN}\nข\tค", single_line=True) == "ก ข ค"

    def test_list_items_lose_them_and_a_blank_item_goes(self):
        assert normalize_items([f"ก{HIDDEN}", HIDDEN, "\u202e"]) == ["ก"]

    def test_lone_surrogates_are_dropped(self):
        assert normalize_text("ก\ud800ข") == "กข"

    @pytest.mark.django_db
    def test_models_store_names_codes_and_lists_without_them(self):
        strategy = StrategyNode.objects.create(
            level=StrategyNode.Level.PILLAR, code=f"9{HIDDEN}.1", title_th="ด้าน"
        )
        project = ProjectFactory(
            name_th=f"โครงการ{HIDDEN}ทดสอบ",
            budget_owner_unit=f"2110{HIDDEN}0100",
            objectives=[f"ข้อ{HIDDEN}หนึ่ง"],
        )
        strategy.refresh_from_db()
        project.refresh_from_db()
        assert strategy.code == "9.1"
        assert project.name_th == "โครงการทดสอบ"
        assert project.budget_owner_unit == "21100100"
        assert project.objectives == ["ข้อหนึ่ง"]

    @pytest.mark.django_db
    def test_admin_refuses_or_cleans_them_and_never_fails(self, admin_client):
        project = ProjectFactory()
        url = admin_url(Project, "change", project.pk)
        data = post_data(admin_client.get(url))
        data["name_th"] = f"ชื่อ{HIDDEN[1:]}ใหม่"
        data["objectives"] = f"หนึ่ง{HIDDEN}\nสอง\u202e"
        response = admin_client.post(url, data)
        assert response.status_code == 302
        project.refresh_from_db()
        assert project.name_th == "ชื่อใหม่"
        assert project.objectives == ["หนึ่ง", "สอง"]
        # NUL in a one-line field is refused with a message, not a server error.
        data["name_th"] = "ชื่อ\x00"
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert "name_th" in response.context["adminform"].form.errors

    @pytest.mark.django_db
    def test_huge_and_strange_input_to_the_admin_is_never_a_server_error(
        self, admin_client
    ):
        project = ProjectFactory()
        url = admin_url(Project, "change", project.pk)
        data = post_data(admin_client.get(url))
        for value in ["\x00" * 10, "ก" * 100_000, "\U0010ffff\ufffe", HIDDEN * 1000]:
            data["objectives"] = value
            data["rationale"] = value
            response = admin_client.post(url, data)
            assert response.status_code in (200, 302), repr(value[:5])


@pytest.mark.django_db
def test_user_names_in_the_admin_lose_hidden_characters(admin_client):
    from django.contrib.auth import get_user_model

    user = UserFactory(username="somchai")
    url = admin_url(get_user_model(), "change", user.pk)
    data = post_data(admin_client.get(url))
    joined = user.date_joined.astimezone()
    data.update(
        {
            "first_name": f"สม{HIDDEN[1:]}ชาย",
            "last_name": "ใจ\u202eดี",
            "date_joined_0": joined.date().isoformat(),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        }
    )
    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("สมชาย", "ใจดี")
