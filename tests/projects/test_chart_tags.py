"""Charts drawn on the server: the progress gauge and the status bars."""

from django.template.loader import render_to_string

from projects.templatetags.chart_tags import Bar, bars, stacks
from reports import charts


def test_bars_scale_to_the_tallest_with_room_for_its_value() -> None:
    figure = charts.status_distribution(
        {"complete": 1, "on_track": 31, "behind": 6, "not_started": 12}, "en"
    )
    result = bars(figure)
    assert [(bar.value, bar.height) for bar in result] == [
        (1, 3),
        (31, 85),
        (6, 16),
        (12, 33),
    ]
    assert result[1] == Bar("On track", 31, charts.status_colour("on_track"), 85)


def test_bar_chart_names_every_bar_for_screen_readers() -> None:
    figure = charts.status_distribution({"complete": 2, "behind": 1}, "en")
    html = render_to_string(
        "includes/bar_chart.html",
        {"chart_id": "status", "figure": figure, "title": "Projects per status"},
    )
    assert (
        'role="img" aria-label="Projects per status: Complete 2, On track 0, '
        'Behind plan 1, Not started 0"'
    ) in html
    assert "height: 85%" in html and "height: 42%" in html


def test_bar_chart_of_no_data_says_so() -> None:
    html = render_to_string(
        "includes/bar_chart.html",
        {"chart_id": "status", "figure": charts.status_distribution({}, "en")},
    )
    assert "bar-chart-bars" not in html
    assert "No data yet" in html


def test_stacks_put_each_month_segments_in_one_column() -> None:
    months = [("ต.ค. 2562", 40, 3, 7), ("พ.ย. 2562", 42, 0, 8)]
    columns = stacks(charts.compliance_by_month(months, "en"))
    assert [(column.label, column.total) for column in columns] == [
        ("ต.ค. 2562", 50),
        ("พ.ย. 2562", 50),
    ]
    assert [(s.name, s.value, s.height) for s in columns[0].segments] == [
        ("On time", 40, 68.0),
        ("Late", 3, 5.1),
        ("Missing", 7, 11.9),
    ]
