"""Tests of the portal's figures: plain, JSON-ready plotly dicts, without a database."""

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template import engines
from django.template.loader import render_to_string
from django.utils.translation import override, trans_real

from bmaproj.staticfinders import vendor_files
from projects.progress import STATUS_ORDER, Status
from reports import charts

PLOTLY_JS = vendor_files()["vendor/plotly-basic.min.js"]

# What the Thai catalogue is to say for the charts' words. Patched in by the
# thai_words fixture, so these tests check that labels go through gettext in the
# requested language, whatever locale/th holds at the moment.
THAI = {
    "Planned": "แผน",
    "Actual": "ผลจริง",
    "as of": "ณ วันที่",
    "Target": "เป้าหมาย",
    "Weight": "น้ำหนัก",
    "Plan step": "ขั้นตอน",
    "Milestone": "หมุดหมาย",
    "Projects": "โครงการ",
    "Average score": "คะแนนเฉลี่ย",
    "No data yet": "ยังไม่มีข้อมูล",
    "Complete": "เสร็จสิ้น",
    "On track": "ตามแผน",
    "Behind plan": "ล่าช้ากว่าแผน",
    "Not started": "ยังไม่เริ่ม",
}


@pytest.fixture
def thai_words(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = trans_real.translation("th")._catalog._catalogs[0]
    for english, thai in THAI.items():
        monkeypatch.setitem(catalog, english, thai)


@dataclass(frozen=True)
class Step:
    number: int
    description: str
    weight: Decimal
    planned_start: date
    planned_end: date


PLANNED_POINTS = [
    (date(2019, 10, 1), Decimal("0.00")),
    (date(2020, 3, 31), Decimal("45.50")),
    (date(2020, 9, 30), Decimal("100.00")),
]
ACTUAL_POINTS = [
    (date(2020, 1, 15), Decimal("10.25")),
    (date(2019, 11, 30), Decimal("5.00")),
]
STEPS = [
    Step(2, "ดำเนินการตามแผน", Decimal("70.00"), date(2020, 1, 1), date(2020, 6, 30)),
    Step(1, "จัดทำแผน", Decimal("20.00"), date(2019, 10, 1), date(2019, 12, 31)),
    Step(3, "สรุปผล", Decimal("10.00"), date(2020, 9, 15), date(2020, 9, 15)),
]
COUNTS = {
    Status.BEHIND: 3,
    Status.COMPLETE: 1,
    Status.ON_TRACK: 5,
    Status.NOT_STARTED: 0,
}
DEPARTMENTS = [
    ("สนข.", Decimal("40.00"), Decimal("50.00")),
    ("สยป.", Decimal("75.50"), Decimal("60.00")),
    ("สวท.", None, 0),
]
SCORES = [
    ("2.1", 1, Decimal("80")),
    ("2.2", 1, Decimal("70.5")),
    ("2.1", 2, Decimal("90")),
    ("2.2", 3, None),
]

BANDS = [
    ("met", "บรรลุค่าเป้าหมาย", 4),
    ("near", "ร้อยละ 80 ถึงต่ำกว่า 100", 3),
    ("partial", "ร้อยละ 50 ถึงต่ำกว่า 80", 0),
    ("low", "ต่ำกว่าร้อยละ 50", 1),
    ("no_result", "ยังไม่มีผลงาน", 2),
]
MONTHS = [("ต.ค. 2562", 40, 3, 7), ("พ.ย. 2562", 42, 0, 8), ("ธ.ค. 2562", 0, 0, 0)]
FIGURES = {
    "gauge": lambda lang: charts.gauge(
        Decimal("42.50"), Decimal("55.25"), Status.BEHIND, lang
    ),
    "s_curve": lambda lang: charts.s_curve(
        PLANNED_POINTS, ACTUAL_POINTS, lang, today=date(2020, 2, 1)
    ),
    "plan_timeline": lambda lang: charts.plan_timeline(STEPS, lang),
    "indicator_chart": lambda lang: charts.indicator_chart(
        [1, 2, 4],
        [Decimal("15"), Decimal("40"), Decimal("1")],
        Decimal("1"),
        "ฉบับ",
        lang,
    ),
    "status_distribution": lambda lang: charts.status_distribution(COUNTS, lang),
    "department_progress": lambda lang: charts.department_progress(DEPARTMENTS, lang),
    "scores_by_quarter": lambda lang: charts.scores_by_quarter(SCORES, lang),
    "achievement_distribution": lambda lang: charts.achievement_distribution(
        BANDS, lang
    ),
    "compliance_by_month": lambda lang: charts.compliance_by_month(MONTHS, lang),
}
EMPTY_FIGURES = {
    "s_curve": lambda lang: charts.s_curve([], [], lang, today=date(2020, 2, 1)),
    "plan_timeline": lambda lang: charts.plan_timeline([], lang),
    "indicator_chart": lambda lang: charts.indicator_chart([], [], None, "", lang),
    "indicator_chart_target_only": lambda lang: charts.indicator_chart(
        [], [], Decimal("5"), "ร้อยละ", lang
    ),
    "status_distribution": lambda lang: charts.status_distribution({}, lang),
    "status_distribution_zeros": lambda lang: charts.status_distribution(
        dict.fromkeys(Status.values, 0), lang
    ),
    "department_progress": lambda lang: charts.department_progress([], lang),
    "scores_by_quarter": lambda lang: charts.scores_by_quarter([], lang),
    "scores_by_quarter_no_scores": lambda lang: charts.scores_by_quarter(
        [("2.1", 1, None)], lang
    ),
    "achievement_distribution": lambda lang: charts.achievement_distribution(
        [(key, key, 0) for key, _label, _count in BANDS], lang
    ),
    "compliance_by_month": lambda lang: charts.compliance_by_month(
        [("ต.ค. 2562", 0, 0, 0)], lang
    ),
}


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


# Every figure


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("name", [*FIGURES, *(f"empty {n}" for n in EMPTY_FIGURES)])
def test_figures_are_plain_json(name: str, lang: str) -> None:
    build = EMPTY_FIGURES[name[6:]] if name.startswith("empty ") else FIGURES[name]
    figure = build(lang)

    assert set(figure) == {"data", "layout"}
    plain = json.dumps(figure, allow_nan=False)
    assert json.dumps(figure, cls=DjangoJSONEncoder) == plain
    # Nothing is lost on the way: no Decimals, dates or lazy strings inside.
    assert json.loads(plain) == figure


@pytest.mark.parametrize("name", FIGURES)
def test_figures_share_a_small_responsive_layout(name: str) -> None:
    layout = FIGURES[name]("th")["layout"]

    assert layout["autosize"] is True
    assert layout["font"]["family"] == (
        "Sarabun, 'TH Sarabun New', Garuda, Loma, sans-serif"
    )
    assert set(layout["margin"]) >= {"l", "r", "t", "b"}
    assert 150 <= layout["height"] <= 600


@pytest.mark.parametrize("name", EMPTY_FIGURES)
def test_empty_inputs_give_an_empty_state_figure(name: str) -> None:
    with override("en"):
        figure = EMPTY_FIGURES[name]("en")

    assert figure["data"] == []
    assert [note["text"] for note in figure["layout"]["annotations"]] == ["No data yet"]
    assert figure["layout"]["xaxis"] == {"visible": False}


def test_empty_state_speaks_thai(thai_words: None) -> None:
    figure = charts.plan_timeline([], "th")

    assert figure["layout"]["annotations"][0]["text"] == "ยังไม่มีข้อมูล"


def test_labels_follow_lang_not_the_active_language(thai_words: None) -> None:
    with override("en"):
        thai = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "th")
    with override("th"):
        english = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en")

    assert [trace["name"] for trace in thai["data"]] == ["แผน", "ผลจริง"]
    assert [trace["name"] for trace in english["data"]] == ["Planned", "Actual"]


def test_nan_and_infinity_become_null() -> None:
    figure = charts.s_curve(
        [(date(2020, 1, 1), Decimal("NaN")), (date(2020, 2, 1), float("inf"))], [], "en"
    )

    assert figure["data"][0]["y"] == [None, None]
    json.dumps(figure, allow_nan=False)


def test_every_colour_meets_wcag_aa_against_white() -> None:
    colours = [
        charts.TEXT_COLOUR,
        charts.MUTED_COLOUR,
        charts.PLANNED_COLOUR,
        charts.ACTUAL_COLOUR,
        charts.TARGET_COLOUR,
        charts.MILESTONE_COLOUR,
        *charts.STATUS_COLOURS.values(),
        *charts.SERIES_COLOURS,
        *charts.BAND_COLOURS.values(),
        *charts.COMPLIANCE_COLOURS,
    ]

    assert min(contrast_with_white(colour) for colour in colours) >= 4.5


# Gauge


def test_gauge_shows_the_actual_and_marks_the_planned() -> None:
    (trace,) = charts.gauge(Decimal("42.50"), Decimal("55.25"), "on_track", "th")[
        "data"
    ]

    assert trace["type"] == "indicator"
    assert trace["mode"] == "gauge+number"
    assert trace["value"] == 42.5
    assert trace["number"]["suffix"] == "%"
    assert trace["gauge"]["axis"]["range"] == [0, 100]
    assert trace["gauge"]["threshold"]["value"] == 55.25
    assert trace["gauge"]["steps"] == [{"range": [0, 55.25], "color": "#e9ecef"}]


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        (Status.COMPLETE, "#166534"),
        (Status.ON_TRACK, "#0f766e"),
        (Status.BEHIND, "#b91c1c"),
        (Status.NOT_STARTED, "#6b7280"),
        ("not_started", "#6b7280"),
        ("unknown", "#6b7280"),
    ],
)
def test_gauge_bar_is_coloured_by_status(status: str, colour: str) -> None:
    (trace,) = charts.gauge(Decimal(50), Decimal(50), status, "en")["data"]

    assert trace["gauge"]["bar"]["color"] == colour


def test_gauge_without_a_report_shows_zero_and_keeps_within_its_axis() -> None:
    (none,) = charts.gauge(None, Decimal("120"), Status.NOT_STARTED, "th")["data"]
    (over,) = charts.gauge(Decimal("150"), Decimal("-5"), Status.COMPLETE, "th")["data"]

    assert (none["value"], none["gauge"]["threshold"]["value"]) == (0.0, 100.0)
    assert (over["value"], over["gauge"]["threshold"]["value"]) == (100.0, 0.0)


# S-curve


def test_s_curve_plots_dates_as_iso_strings_and_percentages_as_floats() -> None:
    planned, actual = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en")["data"]

    assert planned["mode"] == "lines"
    assert planned["x"] == ["2019-10-01", "2020-03-31", "2020-09-30"]
    assert planned["y"] == [0.0, 45.5, 100.0]
    assert actual["mode"] == "lines+markers"
    # In date order, whatever order they came in.
    assert actual["x"] == ["2019-11-30", "2020-01-15"]
    assert actual["y"] == [5.0, 10.25]


def test_s_curve_y_axis_is_zero_to_a_hundred_per_cent() -> None:
    layout = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "th")["layout"]

    assert layout["yaxis"]["range"] == [0, 100]
    assert layout["yaxis"]["ticksuffix"] == "%"
    assert layout["xaxis"]["type"] == "date"


def test_s_curve_reads_dates_in_be_in_thai() -> None:
    thai = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "th")
    english = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en")

    assert thai["layout"]["xaxis"]["ticktext"] == [
        "ต.ค. 2562",
        "ธ.ค. 2562",
        "ก.พ. 2563",
        "เม.ย. 2563",
        "มิ.ย. 2563",
        "ส.ค. 2563",
    ]
    assert thai["layout"]["xaxis"]["tickvals"][0] == "2019-10-01"
    assert english["layout"]["xaxis"]["ticktext"][0] == "Oct 2019"
    assert thai["data"][1]["text"] == ["30 พ.ย. 2562", "15 ม.ค. 2563"]
    assert english["data"][1]["text"] == ["30 Nov 2019", "15 Jan 2020"]


def test_s_curve_names_its_lines_in_english(thai_words: None) -> None:
    figure = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en")

    assert [trace["name"] for trace in figure["data"]] == ["Planned", "Actual"]


def test_s_curve_names_its_lines_in_thai(thai_words: None) -> None:
    figure = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "th", today=date(2020, 2, 1))

    assert [trace["name"] for trace in figure["data"]] == ["แผน", "ผลจริง"]
    assert figure["layout"]["annotations"][0]["text"] == "ณ วันที่ 1 ก.พ. 2563"


def test_s_curve_draws_a_today_line_only_when_asked() -> None:
    with_today = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en", date(2020, 2, 1))
    without = charts.s_curve(PLANNED_POINTS, ACTUAL_POINTS, "en")

    (line,) = with_today["layout"]["shapes"]
    assert (line["type"], line["x0"], line["x1"]) == (
        "line",
        "2020-02-01",
        "2020-02-01",
    )
    assert (line["yref"], line["y0"], line["y1"]) == ("paper", 0, 1)
    assert with_today["layout"]["annotations"][0]["text"] == "as of 1 Feb 2020"
    assert "shapes" not in without["layout"]
    assert "annotations" not in without["layout"]


def test_s_curve_with_only_a_plan_keeps_an_empty_actual_line() -> None:
    planned, actual = charts.s_curve(PLANNED_POINTS, [], "en")["data"]

    assert planned["y"] == [0.0, 45.5, 100.0]
    assert (actual["x"], actual["y"]) == ([], [])


def test_s_curve_of_a_single_point_ticks_its_date() -> None:
    figure = charts.s_curve([], [(date(2020, 1, 15), Decimal(5))], "th")

    assert figure["layout"]["xaxis"]["ticktext"] == ["15 ม.ค. 2563"]


# Plan timeline


def test_timeline_draws_steps_as_bars_from_start_to_end() -> None:
    bars, _marks = charts.plan_timeline(STEPS, "en")["data"]

    assert (bars["type"], bars["orientation"]) == ("bar", "h")
    assert bars["y"] == ["1. จัดทำแผน", "2. ดำเนินการตามแผน"]
    assert bars["base"] == ["2019-10-01", "2020-01-01"]
    assert bars["x"] == [91 * 86_400_000, 181 * 86_400_000]
    assert bars["customdata"][0] == [
        "จัดทำแผน",
        "1 Oct 2019 – 31 Dec 2019",
        "Weight 20%",
    ]


def test_timeline_draws_milestones_as_diamonds() -> None:
    _bars, marks = charts.plan_timeline(STEPS, "th")["data"]

    assert (marks["type"], marks["mode"]) == ("scatter", "markers")
    assert marks["marker"]["symbol"] == "diamond"
    assert marks["y"] == ["3. สรุปผล"]
    assert marks["x"] == ["2020-09-15"]
    assert marks["customdata"][0][1] == "15 ก.ย. 2563"


def test_timeline_lists_steps_by_number_top_down() -> None:
    layout = charts.plan_timeline(STEPS, "th")["layout"]

    assert layout["yaxis"]["categoryarray"] == [
        "1. จัดทำแผน",
        "2. ดำเนินการตามแผน",
        "3. สรุปผล",
    ]
    assert layout["yaxis"]["autorange"] == "reversed"
    assert layout["showlegend"] is True
    assert layout["height"] == charts.figure_height(3)


def test_timeline_names_its_traces_in_thai(thai_words: None) -> None:
    bars, marks = charts.plan_timeline(STEPS, "th")["data"]

    assert (bars["name"], marks["name"]) == ("ขั้นตอน", "หมุดหมาย")
    assert bars["customdata"][0][2] == "น้ำหนัก 20%"


def test_timeline_reads_tuples_too_and_needs_no_legend_without_milestones() -> None:
    figure = charts.plan_timeline(
        [(1, "Survey", Decimal("100"), date(2020, 1, 1), date(2020, 1, 31))], "en"
    )

    (bars,) = figure["data"]
    assert bars["type"] == "bar"
    assert bars["y"] == ["1. Survey"]
    assert figure["layout"]["showlegend"] is False


def test_timeline_of_milestones_only_draws_no_bars() -> None:
    (marks,) = charts.plan_timeline([STEPS[2]], "en")["data"]

    assert marks["marker"]["symbol"] == "diamond"


def test_timeline_shortens_long_descriptions_without_splitting_thai_marks() -> None:
    description = "ก" * 34 + "ที่" + "ข" * 10
    (bars,) = charts.plan_timeline(
        [(1, description, Decimal(100), date(2020, 1, 1), date(2020, 2, 1))], "th"
    )["data"]

    assert bars["y"] == ["1. " + "ก" * 34 + "ที่…"]
    assert bars["customdata"][0][0] == description


# KPI chart


def test_indicator_chart_labels_quarters_in_thai_and_english() -> None:
    thai = charts.indicator_chart([1, 3], [Decimal(2), Decimal(4)], None, "ฉบับ", "th")
    english = charts.indicator_chart([1, 3], [Decimal(2), Decimal(4)], None, "", "en")

    assert thai["data"][0]["x"] == ["ไตรมาส 1", "ไตรมาส 3"]
    assert thai["layout"]["xaxis"]["categoryarray"] == [
        "ไตรมาส 1",
        "ไตรมาส 2",
        "ไตรมาส 3",
        "ไตรมาส 4",
    ]
    assert english["data"][0]["x"] == ["Q1", "Q3"]
    assert english["layout"]["xaxis"]["categoryarray"] == ["Q1", "Q2", "Q3", "Q4"]
    # All four quarters show, with or without a result.
    assert english["layout"]["xaxis"]["range"] == [-0.5, 3.5]


def test_indicator_chart_bars_the_values_and_draws_the_target_line() -> None:
    figure = FIGURES["indicator_chart"]("en")

    bars, legend = figure["data"]
    assert (bars["type"], bars["name"]) == ("bar", "Actual")
    assert bars["x"] == ["Q1", "Q2", "Q4"]
    assert bars["y"] == [15.0, 40.0, 1.0]
    assert bars["text"] == ["15", "40", "1"]
    (line,) = figure["layout"]["shapes"]
    assert (line["type"], line["y0"], line["y1"]) == ("line", 1.0, 1.0)
    assert (line["xref"], line["x0"], line["x1"]) == ("paper", 0, 1)
    assert legend["name"] == "Target 1 ฉบับ"
    assert legend["line"] == {"color": charts.TARGET_COLOUR, "width": 2, "dash": "dash"}
    assert legend["line"]["color"] == line["line"]["color"]
    assert figure["layout"]["showlegend"] is True
    assert figure["layout"]["yaxis"]["title"]["text"] == "ฉบับ"


def test_indicator_chart_y_range_shows_a_target_above_every_result() -> None:
    figure = charts.indicator_chart(
        [1], [Decimal("10")], Decimal("1000.5"), "ร้อยละ", "en"
    )

    assert figure["layout"]["yaxis"]["range"][1] > 1000.5
    assert figure["data"][1]["name"] == "Target 1,000.5 ร้อยละ"


def test_indicator_chart_names_the_target_in_thai(thai_words: None) -> None:
    figure = charts.indicator_chart([2], [Decimal("3")], Decimal("1"), "ฉบับ", "th")

    assert [trace["name"] for trace in figure["data"]] == ["ผลจริง", "เป้าหมาย 1 ฉบับ"]


def test_indicator_chart_steps_the_target_when_it_was_revised() -> None:
    figure = charts.indicator_chart(
        [1, 2],
        [Decimal(15), Decimal(40)],
        Decimal(10),
        "ฉบับ",
        "en",
        quarter_targets=[Decimal(1), Decimal(10), Decimal(10), Decimal(10)],
    )

    bars, line = figure["data"]
    assert "shapes" not in figure["layout"]
    assert (line["type"], line["name"]) == ("scatter", "Target")
    assert line["x"] == ["Q1", "Q2", "Q3", "Q4"]
    assert line["y"] == [1.0, 10.0, 10.0, 10.0]
    assert line["line"]["color"] == charts.TARGET_COLOUR


def test_indicator_chart_keeps_a_flat_line_for_an_unrevised_target() -> None:
    figure = charts.indicator_chart(
        [1], [Decimal(1)], Decimal(1), "", "en", quarter_targets=[Decimal(1)] * 4
    )

    assert len(figure["layout"]["shapes"]) == 1


def test_indicator_chart_without_target_has_no_line() -> None:
    figure = charts.indicator_chart([2], [Decimal("3")], None, "ระดับ", "th")

    assert "shapes" not in figure["layout"]
    assert len(figure["data"]) == 1
    assert figure["layout"]["showlegend"] is False


def test_indicator_chart_rejects_a_quarter_outside_one_to_four() -> None:
    with pytest.raises(ValueError, match="quarter"):
        charts.indicator_chart([5], [Decimal(1)], None, "", "th")


# Status distribution


def test_status_distribution_keeps_a_fixed_order_and_the_gauge_colours() -> None:
    (bars,) = FIGURES["status_distribution"]("en")["data"]

    assert bars["x"] == ["Complete", "On track", "Behind plan", "Not started"]
    assert bars["y"] == [1, 5, 3, 0]
    assert bars["marker"]["color"] == [
        charts.STATUS_COLOURS[status] for status in STATUS_ORDER
    ]


def test_status_distribution_speaks_thai(thai_words: None) -> None:
    figure = charts.status_distribution({"behind": 2}, "th")

    (bars,) = figure["data"]
    assert bars["x"] == ["เสร็จสิ้น", "ตามแผน", "ล่าช้ากว่าแผน", "ยังไม่เริ่ม"]
    assert bars["y"] == [0, 0, 2, 0]
    assert figure["layout"]["yaxis"]["title"]["text"] == "โครงการ"


# Department progress


def test_department_progress_sorts_best_first_and_compares_to_plan() -> None:
    figure = FIGURES["department_progress"]("en")

    actual, planned = figure["data"]
    assert (actual["name"], planned["name"]) == ("Actual", "Planned")
    assert actual["orientation"] == planned["orientation"] == "h"
    assert actual["y"] == planned["y"] == ["สยป.", "สนข.", "สวท."]
    assert actual["x"] == [75.5, 40.0, 0.0]
    assert planned["x"] == [60.0, 50.0, 0.0]
    assert figure["layout"]["yaxis"]["categoryarray"] == ["สยป.", "สนข.", "สวท."]
    assert figure["layout"]["barmode"] == "group"
    assert figure["layout"]["xaxis"]["range"] == [0, 100]


def test_department_progress_grows_with_its_rows() -> None:
    rows = [(f"เขต {n}", n, 50) for n in range(50)]

    figure = charts.department_progress(rows, "th")

    assert figure["layout"]["height"] == charts.figure_height(50, per_row=40)
    assert figure["data"][0]["y"][0] == "เขต 49"


# Scores by quarter


def test_scores_by_quarter_groups_bars_by_series() -> None:
    figure = FIGURES["scores_by_quarter"]("en")

    first, second = figure["data"]
    assert (first["name"], first["x"], first["y"]) == (
        "2.1",
        ["Q1", "Q2"],
        [80.0, 90.0],
    )
    assert (second["name"], second["x"], second["y"]) == ("2.2", ["Q1"], [70.5])
    assert first["marker"]["color"] != second["marker"]["color"]
    assert figure["layout"]["barmode"] == "group"
    assert figure["layout"]["yaxis"]["range"] == [0, 100]
    assert figure["layout"]["xaxis"]["categoryarray"] == ["Q1", "Q2", "Q3", "Q4"]
    assert figure["layout"]["xaxis"]["range"] == [-0.5, 3.5]


# Helpers


@pytest.mark.parametrize(("rows", "height"), [(0, 180), (3, 180), (10, 370)])
def test_figure_height_grows_with_rows_from_a_minimum(rows: int, height: int) -> None:
    assert charts.figure_height(rows) == height


# The template partial


def render_chart(**context: object) -> str:
    return render_to_string("includes/chart.html", context)


def test_chart_partial_links_the_canvas_to_its_json_script() -> None:
    figure = charts.gauge(Decimal("42.50"), Decimal("55.25"), Status.BEHIND, "th")

    html = render_chart(chart_id="gauge", figure=figure, title="มาตรวัด <ความคืบหน้า>")

    assert '<figure class="chart" id="gauge-chart">' in html
    assert (
        '<div class="chart-canvas" data-chart="gauge-data" role="img"'
        ' aria-label="มาตรวัด &lt;ความคืบหน้า&gt;"></div>'
    ) in html
    match = re.search(
        r'<script id="gauge-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match is not None
    assert json.loads(match.group(1)) == figure
    assert "<figcaption" in html and "มาตรวัด &lt;ความคืบหน้า&gt;</figcaption>" in html


def test_chart_partial_builds_ids_from_filtered_chart_ids() -> None:
    figure = charts.indicator_chart([1], [Decimal(1)], None, "", "en")

    template = engines["django"].from_string(
        '{% include "includes/chart.html" with chart_id="kpi-"|add:code'
        ' figure=figure title="K" %}'
    )

    html = template.render({"code": "2100-1044", "figure": figure})

    assert 'data-chart="kpi-2100-1044-data"' in html
    assert '<script id="kpi-2100-1044-data" type="application/json">' in html


def test_chart_partial_escapes_figure_text_inside_its_script() -> None:
    figure = charts.plan_timeline(
        [(1, "</script><b>x</b>", Decimal(100), date(2020, 1, 1), date(2020, 2, 1))],
        "en",
    )

    html = render_chart(chart_id="timeline", figure=figure, title="Plan")

    assert "</script><b>" not in html
    assert html.count("</script>") == 1


# Drawing in a browser: the static script against the real plotly.js


def page_html(tmp_path: Path, with_plotly: bool) -> Path:
    charts_js = Path(settings.BASE_DIR) / "static" / "js" / "charts.js"
    figures = "".join(
        render_chart(chart_id=name.replace("_", "-"), figure=build("th"), title=name)
        for name, build in FIGURES.items()
    ) + render_chart(chart_id="empty", figure=EMPTY_FIGURES["s_curve"]("th"), title="0")
    scripts = (
        f'<script src="{PLOTLY_JS.as_uri()}" defer></script>' if with_plotly else ""
    ) + f'<script src="{charts_js.as_uri()}" defer></script>'
    page = tmp_path / f"charts-{with_plotly}.html"
    page.write_text(
        f'<!doctype html><html lang="th"><head><meta charset="utf-8">{scripts}'
        f'</head><body style="width:800px">{figures}</body></html>',
        encoding="utf-8",
    )
    return page


@pytest.mark.browser
def test_charts_js_draws_every_chart_and_survives_printing(
    tmp_path: Path, page
) -> None:
    drawn = page_html(tmp_path, with_plotly=True)
    bare = page_html(tmp_path, with_plotly=False)
    count = len(FIGURES) + 1
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Charts are drawn as they come into view: a window tall enough for all.
    page.set_viewport_size({"width": 900, "height": 30000})
    page.goto(drawn.as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart-ready=true]').length == n",
        arg=count,
    )
    assert page.locator(".chart-canvas .main-svg").count() >= count
    assert page.locator(".modebar, .modebar-container a").count() == 0
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert errors == []

    page.goto(bare.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("[data-chart-ready]").count() == 0
    assert page.locator(".chart-canvas *").count() == 0
    assert errors == []


# KPI achievement and reporting compliance


def test_achievement_distribution_lays_bands_down_in_order_with_their_colours() -> None:
    figure = charts.achievement_distribution(BANDS, "th")
    (trace,) = figure["data"]

    assert trace["orientation"] == "h"
    assert trace["y"] == [label for _key, label, _count in BANDS]
    assert trace["x"] == [4, 3, 0, 1, 2]
    assert trace["marker"]["color"] == [
        charts.BAND_COLOURS[key] for key, _label, _count in BANDS
    ]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"
    assert figure["layout"]["xaxis"]["dtick"] == 1


def test_achievement_distribution_names_kpis_in_thai(thai_words: None) -> None:
    with override("th"):
        THAI_KPIS = str(charts.KPIS)
    figure = charts.achievement_distribution(BANDS, "th")

    assert figure["data"][0]["name"] == THAI_KPIS


def test_compliance_by_month_stacks_on_time_late_and_missing() -> None:
    figure = charts.compliance_by_month(MONTHS, "en")

    assert [trace["name"] for trace in figure["data"]] == ["On time", "Late", "Missing"]
    assert [trace["y"] for trace in figure["data"]] == [
        [40, 42, 0],
        [3, 0, 0],
        [7, 8, 0],
    ]
    assert all(
        trace["x"] == ["ต.ค. 2562", "พ.ย. 2562", "ธ.ค. 2562"]
        for trace in figure["data"]
    )
    assert figure["layout"]["barmode"] == "stack"
    assert figure["layout"]["legend"]["traceorder"] == "normal"
    assert figure["layout"]["yaxis"]["dtick"] == 10  # 50 reports at most: ticks of 10


@pytest.mark.parametrize(
    ("top", "step"), [(1, 1), (6, 1), (7, 2), (12, 2), (25, 5), (47, 10), (300, 50)]
)
def test_count_axes_tick_whole_numbers(top: int, step: int) -> None:
    assert charts._count_step(top) == step
