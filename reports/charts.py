"""The portal's figures: plotly figures as plain dicts, built from plain values.

Every function returns ``{"data": [...], "layout": {...}}``, ready for Django's
``json_script`` and drawn in the page by ``static/js/charts.js`` with plotly.js.
Plain dicts rather than ``plotly.graph_objects``: a dict costs about 0.01 ms to
build, a graph_objects figure about 5 ms. Everything in a figure is plain JSON:
Decimals become floats (NaN and infinities become null), dates ISO strings, lazy
translations str.

The functions are pure: no ORM, no request, no settings. Labels follow ``lang``
("en…" is English, anything else Thai): words through gettext under that
language, dates and months through projects.thaicalendar (BE years in Thai).
Empty inputs give an empty-state figure that says there is no data yet.

A chart is drawn only with JavaScript, so every page that shows one also shows its
numbers as text (see templates/includes/chart.html).

plotly.js reads HTML in every label (``<b>``, ``<br>``, ``<a href>``, entities) and
fills ``%{...}`` in hover templates, so every string a person typed goes through
``plain()`` before it enters a figure: names, units, step descriptions, categories.
"""

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from projects import money, thaicalendar
from projects.progress import STATUS_ORDER, Status

Figure = dict[str, Any]
Number = Decimal | float | int

FONT_FAMILY = "Sarabun, 'TH Sarabun New', Garuda, Loma, sans-serif"
FONT_SIZE = 14

# Every colour below has a contrast of at least 4.5:1 against white (WCAG AA for
# text, so also for the 3:1 that graphical objects need); tests check it.
TEXT_COLOUR = "#212529"
MUTED_COLOUR = "#495057"
GRID_COLOUR = "#dee2e6"
PLAN_SHADE = "#e9ecef"
PLANNED_COLOUR = "#1d4ed8"
ACTUAL_COLOUR = "#c2410c"
TARGET_COLOUR = "#92400e"
MILESTONE_COLOUR = "#7e22ce"
STATUS_COLOURS: dict[str, str] = {
    Status.COMPLETE: "#166534",
    Status.ON_TRACK: "#0f766e",
    Status.BEHIND: "#b91c1c",
    Status.NOT_STARTED: "#6b7280",
}
# Series of grouped bars, in order; told apart by the legend as well as by colour.
SERIES_COLOURS = ("#1d4ed8", "#c2410c", "#0f766e", "#7e22ce", "#a16207", "#be185d")


PLANNED = _("Planned")
BASELINE = _("Original plan")
ACTUAL = _("Actual")
AS_OF = _("as of")
TARGET = _("Target")
WEIGHT = _("Weight")
PLAN_STEP = _("Plan step")
MILESTONE = _("Milestone")
PROJECTS = _("Projects")
AVERAGE_SCORE = _("Average score")
NO_DATA = _("No data yet")
KPIS = _("KPIs")
ON_TIME = _("On time")
LATE = _("Late")
MISSING = _("Missing")

# KPI achievement bands (reports.dashboard.Band), best first; grey for no result.
BAND_COLOURS: dict[str, str] = {
    "met": "#166534",
    "near": "#0f766e",
    "partial": "#a16207",
    "low": "#b91c1c",
    "needs_checking": "#6d28d9",
    "no_result": "#6b7280",
}
# Monthly reports: on time, late, missing.
COMPLIANCE_COLOURS = ("#166534", "#a16207", "#b91c1c")

MAX_DATE_TICKS = 6
LABEL_LENGTH = 36
MILLISECONDS_PER_DAY = 86_400_000


class StepLike(Protocol):
    number: int
    description: str
    weight: Decimal
    planned_start: date
    planned_end: date


class TimelineStep(NamedTuple):
    """One plan step as plan_timeline reads it; PlanStep instances fit as well."""

    number: int
    description: str
    weight: Number
    planned_start: date
    planned_end: date


class DepartmentRow(NamedTuple):
    """A department's average actual and planned %, for department_progress."""

    name: str
    actual: Number | None
    planned: Number | None


class ScoreRow(NamedTuple):
    """An average score of one series (a criterion, a department) in one quarter."""

    series: str
    quarter: int
    score: Number | None


# Helpers


def _num(value: Number | None) -> float | None:
    """Return value as a JSON-safe float: None for None, NaN and infinities."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _percent(value: Number | None) -> float:
    """Return a percentage as a float kept within 0 to 100 (None is 0)."""
    return min(max(_num(value) or 0.0, 0.0), 100.0)


# Characters plotly.js reads as markup: HTML tags and entities, and the braces of
# hover templates' %{variables}. Numeric entities are shown as the character.
_PLOTLY_MARKUP = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;"}
)


def plain(text: object) -> str:
    """Return text that plotly.js shows literally: markup and templates escaped."""
    return str(text).translate(_PLOTLY_MARKUP)


def _format_number(value: float) -> str:
    """Return a number for reading: thousands separated, at most two decimals."""
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shorten(text: str, length: int = LABEL_LENGTH) -> str:
    """Return text cut to about length characters, never inside a Thai cluster."""
    text = " ".join(str(text).split())
    if len(text) <= length:
        return text
    cut = length - 1
    # Keep the vowel and tone marks that belong to the last letter kept.
    while cut < len(text) and unicodedata.category(text[cut]) == "Mn":
        cut += 1
    return text[:cut].rstrip() + "…"


def quarter_label(quarter: int, lang: str) -> str:
    """Return a fiscal quarter's axis label: "ไตรมาส 1", or "Q1" in English."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")
    if lang.lower().startswith("en"):
        return f"Q{quarter}"
    return f"ไตรมาส {quarter}"


def figure_height(
    n_rows: int, per_row: int = 28, base: int = 90, minimum: int = 180
) -> int:
    """Return a figure's height in pixels for n_rows rows of horizontal bars."""
    return max(minimum, base + per_row * max(n_rows, 0))


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    """Return the layout every figure shares: responsive, small, Thai fonts."""
    layout: dict[str, Any] = {
        "autosize": True,
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48, "pad": 4},
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT_COLOUR},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": FONT_SIZE}},
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def _legend() -> dict[str, Any]:
    """Return a horizontal legend above the plot, which suits narrow screens."""
    return {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": 1.02,
        "yanchor": "bottom",
    }


def _axis(**extra: Any) -> dict[str, Any]:
    """Return an axis with the shared grid and line colours."""
    axis: dict[str, Any] = {
        "gridcolor": GRID_COLOUR,
        "linecolor": MUTED_COLOUR,
        "zerolinecolor": GRID_COLOUR,
        "automargin": True,
        "fixedrange": True,
    }
    axis.update(extra)
    return axis


def _month_starts(first: date, last: date) -> list[date]:
    """Return the first days of the months from first to last, both included."""
    day = date(first.year, first.month, 1)
    if day < first:
        day = thaicalendar.month_end(day.year, day.month) + timedelta(days=1)
    starts = []
    while day <= last:
        starts.append(day)
        day = thaicalendar.month_end(day.year, day.month) + timedelta(days=1)
    return starts


def _thin(values: list[Any], most: int = MAX_DATE_TICKS) -> list[Any]:
    """Return every n-th value so that at most `most` remain."""
    step = math.ceil(len(values) / most) if values else 1
    return values[::step]


def _date_axis(days: Iterable[date], lang: str) -> dict[str, Any]:
    """Return a date axis whose ticks read in BE ("ต.ค. 2562") or in English."""
    days = sorted(set(days))
    ticks = _thin(_month_starts(days[0], days[-1]))
    if len(ticks) >= 2:
        labels = [thaicalendar.format_month(d.year, d.month, lang) for d in ticks]
    else:
        ticks = _thin(days)
        labels = [thaicalendar.format_date(d, "short", lang) for d in ticks]
    return _axis(
        type="date",
        tickmode="array",
        tickvals=[d.isoformat() for d in ticks],
        ticktext=labels,
    )


def _quarter_axis(lang: str, **extra: Any) -> dict[str, Any]:
    """Return a category axis that always shows the four fiscal quarters."""
    return _axis(
        type="category",
        categoryorder="array",
        categoryarray=[quarter_label(quarter, lang) for quarter in (1, 2, 3, 4)],
        range=[-0.5, 3.5],
        **extra,
    )


def _percent_axis(**extra: Any) -> dict[str, Any]:
    """Return a 0–100 % axis."""
    return _axis(range=[0, 100], ticksuffix="%", dtick=20, **extra)


def empty_figure(lang: str, height: int = 180) -> Figure:
    """Return a figure without data that says so, for empty inputs."""
    with override(lang):
        message = str(NO_DATA)
    layout = _layout(
        height,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": FONT_SIZE + 2, "color": MUTED_COLOUR},
            }
        ],
    )
    return {"data": [], "layout": layout}


def status_colour(status: str) -> str:
    """Return the colour of a project status (grey for an unknown one)."""
    return STATUS_COLOURS.get(status, STATUS_COLOURS[Status.NOT_STARTED])


# Figures


def gauge(
    actual: Number | None, planned: Number | None, status: str, lang: str
) -> Figure:
    """Return a gauge of the actual %, coloured by status, marking the planned %."""
    value = _percent(actual)
    mark = _percent(planned)
    trace = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": value,
        "number": {
            "suffix": "%",
            "valueformat": ".2~f",
            "font": {"size": 32, "color": TEXT_COLOUR},
        },
        "gauge": {
            "shape": "angular",
            "axis": {
                "range": [0, 100],
                "ticksuffix": "%",
                "dtick": 25,
                "tickcolor": MUTED_COLOUR,
                "tickwidth": 1,
            },
            "bar": {"color": status_colour(status), "thickness": 0.6},
            "bgcolor": "#ffffff",
            "borderwidth": 1,
            "bordercolor": MUTED_COLOUR,
            "steps": [{"range": [0, mark], "color": PLAN_SHADE}],
            "threshold": {
                "line": {"color": TEXT_COLOUR, "width": 4},
                "thickness": 0.9,
                "value": mark,
            },
        },
        "domain": {"x": [0, 1], "y": [0, 1]},
    }
    layout = _layout(200, margin={"l": 48, "r": 48, "t": 24, "b": 8, "pad": 0})
    return {"data": [trace], "layout": layout}


def s_curve(
    planned_points: Sequence[tuple[date, Number]],
    actual_points: Sequence[tuple[date, Number]],
    lang: str,
    today: date | None = None,
    baseline_points: Sequence[tuple[date, Number]] = (),
) -> Figure:
    """Return the planned-against-actual cumulative % over dates (the S-curve).

    ``baseline_points``, when the plan was revised, draw the original plan beside
    the current one.
    """
    if not planned_points and not actual_points:
        return empty_figure(lang)
    with override(lang):
        planned_name, actual_name = str(PLANNED), str(ACTUAL)
        baseline_name = str(BASELINE)
        as_of = str(AS_OF)
    series_list = [
        (planned_points, planned_name, PLANNED_COLOUR, "lines", "dash"),
        (actual_points, actual_name, ACTUAL_COLOUR, "lines+markers", "solid"),
    ]
    if baseline_points:
        series_list.insert(
            0, (baseline_points, baseline_name, MUTED_COLOUR, "lines", "dot")
        )
    data = []
    for series, name, colour, mode, dash in series_list:
        points = sorted(series)
        data.append(
            {
                "type": "scatter",
                "mode": mode,
                "name": name,
                "x": [day.isoformat() for day, _value in points],
                "y": [_num(value) for _day, value in points],
                "text": [
                    thaicalendar.format_date(day, "short", lang) for day, _v in points
                ],
                "line": {"color": colour, "width": 2.5, "dash": dash},
                "marker": {"color": colour, "size": 8},
                "cliponaxis": False,
                "hovertemplate": f"{name}<br>%{{text}}: %{{y:.2f}}%<extra></extra>",
            }
        )
    days = [day for points, *_rest in series_list for day, _v in points]
    layout = _layout(
        320,
        margin={"l": 56, "r": 16, "t": 40, "b": 48, "pad": 4},
        showlegend=True,
        legend=_legend(),
        hovermode="closest",
        xaxis=_date_axis(days + ([today] if today else []), lang),
        yaxis=_percent_axis(),
    )
    if today is not None:
        iso = today.isoformat()
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": iso,
                "x1": iso,
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED_COLOUR, "width": 1.5, "dash": "dot"},
            }
        ]
        layout["annotations"] = [
            {
                "text": f"{as_of} {thaicalendar.format_date(today, 'short', lang)}",
                "xref": "x",
                "yref": "paper",
                "x": iso,
                "y": 1,
                "xanchor": "right",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": FONT_SIZE - 2, "color": MUTED_COLOUR},
            }
        ]
    return {"data": data, "layout": layout}


PLANNED_DISBURSEMENT = _("Planned disbursement")
DISBURSED = _("Disbursed")
WORK_PROGRESS = _("Work progress")
MONEY_COLOUR = "#0f766e"


def money_curve(
    planned_points: Sequence[tuple[date, Number]],
    disbursed_points: Sequence[tuple[date, Number]],
    progress_points: Sequence[tuple[date, Number]],
    lang: str,
    today: date | None = None,
) -> Figure:
    """Money beside progress: planned and actual disbursement as % of the
    allocation, with the work's actual % for comparison, over the year."""
    figure = s_curve(planned_points, disbursed_points, lang, today=today)
    if not figure["data"]:
        return figure
    with override(lang):
        names = (str(PLANNED_DISBURSEMENT), str(DISBURSED), str(WORK_PROGRESS))
    planned, disbursed = figure["data"]
    for trace, name, colour in (
        (planned, names[0], PLANNED_COLOUR),
        (disbursed, names[1], MONEY_COLOUR),
    ):
        trace["name"] = name
        trace["line"]["color"] = trace["marker"]["color"] = colour
        trace["hovertemplate"] = f"{name}<br>%{{text}}: %{{y:.2f}}%<extra></extra>"
    points = sorted(progress_points)
    figure["data"].append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": names[2],
            "x": [day.isoformat() for day, _value in points],
            "y": [_num(value) for _day, value in points],
            "text": [
                thaicalendar.format_date(day, "short", lang) for day, _v in points
            ],
            "line": {
                "color": ACTUAL_COLOUR,
                "width": 1.5,
                "dash": "dot",
                "shape": "hv",
            },
            "hovertemplate": f"{names[2]}<br>%{{text}}: %{{y:.2f}}%<extra></extra>",
        }
    )
    return figure


def money_by_department(
    rows: Sequence[tuple[str, Number, Number, Number]], lang: str
) -> Figure:
    """Allocated, planned to date and disbursed per department, in millions of
    baht: rows of (label, allocated, planned, disbursed)."""
    if not rows:
        return empty_figure(lang)
    with override(lang):
        names = (str(ALLOCATED), str(PLANNED_DISBURSEMENT), str(DISBURSED))
        unit = str(MILLION_BAHT)
    labels = [_shorten(plain(label)) for label, *_values in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": labels,
            "x": [money.millions(values[index]) for _label, *values in rows],
            "marker": {"color": colour},
            "hovertemplate": f"{name}<br>%{{y}}: %{{x:,.2f}} {unit}<extra></extra>",
        }
        for index, (name, colour) in enumerate(
            zip(names, (MUTED_COLOUR, PLANNED_COLOUR, MONEY_COLOUR), strict=True)
        )
    ]
    layout = _layout(
        figure_height(len(rows) * 3, per_row=12, minimum=220),
        barmode="group",
        margin={"l": 8, "r": 16, "t": 40, "b": 48, "pad": 4},
        showlegend=True,
        legend=_legend(),
        xaxis=_axis(title={"text": unit}, rangemode="tozero"),
        yaxis=_axis(automargin=True, autorange="reversed"),
    )
    return {"data": data, "layout": layout}


ALLOCATED = _("Allocated")
MILLION_BAHT = _("million baht")


def plan_timeline(
    steps: Sequence[StepLike | tuple[int, str, Number, date, date]], lang: str
) -> Figure:
    """Return the work plan as a Gantt chart: bars, and diamonds for milestones."""
    if not steps:
        return empty_figure(lang)
    rows = sorted(
        (
            TimelineStep(*step)
            if isinstance(step, tuple)
            else TimelineStep(
                step.number,
                step.description,
                step.weight,
                step.planned_start,
                step.planned_end,
            )
            for step in steps
        ),
        key=lambda step: step.number,
    )
    with override(lang):
        step_name, milestone_name, weight_name = (
            str(PLAN_STEP),
            str(MILESTONE),
            str(WEIGHT),
        )
    labels = [f"{step.number}. {plain(_shorten(step.description))}" for step in rows]
    bars: dict[str, list[Any]] = {"y": [], "base": [], "x": [], "customdata": []}
    marks: dict[str, list[Any]] = {"y": [], "x": [], "customdata": []}
    for label, step in zip(labels, rows, strict=True):
        start = thaicalendar.format_date(step.planned_start, "short", lang)
        end = thaicalendar.format_date(step.planned_end, "short", lang)
        weight = f"{weight_name} {_format_number(_num(step.weight) or 0.0)}%"
        if step.planned_start == step.planned_end:
            marks["y"].append(label)
            marks["x"].append(step.planned_start.isoformat())
            marks["customdata"].append([plain(step.description), start, weight])
        else:
            days = (step.planned_end - step.planned_start).days
            bars["y"].append(label)
            bars["base"].append(step.planned_start.isoformat())
            bars["x"].append(days * MILLISECONDS_PER_DAY)
            bars["customdata"].append(
                [plain(step.description), f"{start} – {end}", weight]
            )
    hover = "%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"
    data = []
    if bars["y"]:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": step_name,
                **bars,
                "marker": {"color": PLANNED_COLOUR},
                "hovertemplate": hover,
            }
        )
    if marks["y"]:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": milestone_name,
                **marks,
                "marker": {
                    "symbol": "diamond",
                    "size": 14,
                    "color": MILESTONE_COLOUR,
                    "line": {"color": "#ffffff", "width": 1},
                },
                "cliponaxis": False,
                "hovertemplate": hover,
            }
        )
    days = [d for step in rows for d in (step.planned_start, step.planned_end)]
    layout = _layout(
        figure_height(len(rows)),
        margin={"l": 16, "r": 16, "t": 40 if marks["y"] else 16, "b": 48, "pad": 4},
        showlegend=bool(marks["y"]),
        legend=_legend(),
        bargap=0.35,
        xaxis=_date_axis(days, lang),
        yaxis=_axis(
            type="category",
            categoryorder="array",
            categoryarray=labels,
            autorange="reversed",
            showgrid=False,
        ),
    )
    return {"data": data, "layout": layout}


def indicator_chart(
    quarters: Sequence[int],
    values: Sequence[Number | None],
    target: Number | None,
    unit: str,
    lang: str,
    quarter_targets: Sequence[Number | None] | None = None,
) -> Figure:
    """Return a KPI's quarter results as bars, with its target as a dashed line.

    ``quarter_targets`` are the targets in force in quarters 1 to 4; when they
    differ (the target was revised), the line steps from quarter to quarter.
    """
    results = [
        (quarter, _num(value))
        for quarter, value in zip(quarters, values, strict=True)
        if _num(value) is not None
    ]
    if not results:
        return empty_figure(lang)
    unit = plain(unit or "")
    goal = _num(target)
    with override(lang):
        actual_name, target_name = str(ACTUAL), str(TARGET)
    numbers = [value for _quarter, value in results]
    steps = [_num(value) for value in quarter_targets or ()]
    if len(set(steps)) < 2:
        steps = []
    top = max([*numbers, goal or 0.0, *(step or 0.0 for step in steps)])
    bottom = min([*numbers, 0.0])
    data = [
        {
            "type": "bar",
            "name": actual_name,
            "x": [quarter_label(quarter, lang) for quarter, _value in results],
            "y": numbers,
            "marker": {"color": PLANNED_COLOUR},
            "text": [_format_number(value) for value in numbers],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"%{{x}}: %{{y:,.2~f}} {unit}<extra></extra>",
        }
    ]
    layout = _layout(
        280,
        margin={"l": 56, "r": 16, "t": 40, "b": 40, "pad": 4},
        bargap=0.4,
        xaxis=_quarter_axis(lang),
        yaxis=_axis(
            title={"text": unit},
            range=[bottom * 1.2, (top * 1.25) if top > 0 else 1],
        ),
    )
    if steps:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": target_name,
                "x": [quarter_label(quarter, lang) for quarter in (1, 2, 3, 4)],
                "y": steps,
                "line": {
                    "color": TARGET_COLOUR,
                    "width": 2,
                    "dash": "dash",
                    "shape": "hvh",
                },
                "hovertemplate": f"%{{x}}: %{{y:,.2~f}} {unit}<extra></extra>",
            }
        )
        layout.update(showlegend=True, legend=_legend())
    elif goal is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": goal,
                "y1": goal,
                "line": {"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
            }
        ]
        # The shape spans the whole plot; this empty trace names it in the legend.
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{target_name} {_format_number(goal)} {unit}".strip(),
                "x": [None],
                "y": [None],
                "line": {"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
        layout.update(showlegend=True, legend=_legend())
    return {"data": data, "layout": layout}


def status_distribution(counts: Mapping[str, int], lang: str) -> Figure:
    """Return the number of projects in each status as bars, in a fixed order."""
    numbers = [int(counts.get(status, 0) or 0) for status in STATUS_ORDER]
    if not any(numbers):
        return empty_figure(lang)
    with override(lang):
        labels = [str(status.label) for status in STATUS_ORDER]
        projects = str(PROJECTS)
    data = [
        {
            "type": "bar",
            "name": projects,
            "x": labels,
            "y": numbers,
            "marker": {"color": [status_colour(status) for status in STATUS_ORDER]},
            "text": [str(number) for number in numbers],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"%{{x}}: %{{y}} {projects}<extra></extra>",
        }
    ]
    layout = _layout(
        260,
        margin={"l": 56, "r": 16, "t": 24, "b": 48, "pad": 4},
        bargap=0.35,
        xaxis=_axis(type="category"),
        yaxis=_axis(
            title={"text": projects},
            range=[0, max(numbers) * 1.2],
            tickformat="d",
            dtick=_count_step(max(numbers)),
            rangemode="tozero",
        ),
    )
    return {"data": data, "layout": layout}


def department_progress(
    rows: Sequence[tuple[str, Number | None, Number | None]], lang: str
) -> Figure:
    """Return each department's average actual and planned % as bars, best first."""
    if not rows:
        return empty_figure(lang)
    ordered = sorted(
        (
            DepartmentRow(plain(name), _percent(actual), _percent(planned))
            for name, actual, planned in rows
        ),
        key=lambda row: (-row.actual, row.name),
    )
    names = [row.name for row in ordered]
    with override(lang):
        actual_name, planned_name = str(ACTUAL), str(PLANNED)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": names,
            "x": [getattr(row, field) for row in ordered],
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}<br>{name}: %{{x:.2f}}%<extra></extra>",
        }
        for name, field, colour in (
            (actual_name, "actual", ACTUAL_COLOUR),
            (planned_name, "planned", PLANNED_COLOUR),
        )
    ]
    layout = _layout(
        figure_height(len(ordered), per_row=40),
        margin={"l": 16, "r": 32, "t": 40, "b": 40, "pad": 4},
        showlegend=True,
        legend=_legend(),
        barmode="group",
        bargap=0.3,
        bargroupgap=0.05,
        xaxis=_percent_axis(),
        yaxis=_axis(
            type="category",
            categoryorder="array",
            categoryarray=names,
            autorange="reversed",
            showgrid=False,
        ),
    )
    return {"data": data, "layout": layout}


def scores_by_quarter(
    rows: Sequence[tuple[str, int, Number | None]], lang: str
) -> Figure:
    """Return average scores (0–100) per quarter as bars grouped by series."""
    series: dict[str, list[tuple[int, float]]] = {}
    for name, quarter, score in rows:
        points = series.setdefault(plain(name), [])
        if _num(score) is not None:
            points.append((quarter, _num(score)))
    series = {name: points for name, points in series.items() if points}
    if not series:
        return empty_figure(lang)
    with override(lang):
        score_name = str(AVERAGE_SCORE)
    data = [
        {
            "type": "bar",
            "name": name,
            "x": [quarter_label(quarter, lang) for quarter, _score in sorted(points)],
            "y": [score for _quarter, score in sorted(points)],
            "marker": {"color": SERIES_COLOURS[index % len(SERIES_COLOURS)]},
            "hovertemplate": f"{name}<br>%{{x}}: %{{y:.2f}}<extra></extra>",
        }
        for index, (name, points) in enumerate(series.items())
    ]
    layout = _layout(
        300,
        margin={"l": 56, "r": 16, "t": 40, "b": 40, "pad": 4},
        showlegend=True,
        legend=_legend(),
        barmode="group",
        bargap=0.3,
        xaxis=_quarter_axis(lang),
        yaxis=_axis(title={"text": score_name}, range=[0, 100], dtick=20),
    )
    return {"data": data, "layout": layout}


def _count_step(top: int) -> int:
    """Return a round tick step for a count axis up to top: about five ticks."""
    step = 1
    while top / step > 6:
        for factor in (2, 5, 10):
            if top / (step * factor) <= 6:
                return step * factor
        step *= 10
    return step


def achievement_distribution(
    bands: Sequence[tuple[str, str, int]], lang: str
) -> Figure:
    """Return the number of KPIs in each achievement band as bars, in the given order.

    ``bands`` holds (key, label, count); the key picks the colour (BAND_COLOURS).
    The bars lie down, so that long labels stay readable on a phone.
    """
    numbers = [int(count or 0) for _key, _label, count in bands]
    if not any(numbers):
        return empty_figure(lang)
    with override(lang):
        kpis = str(KPIS)
    labels = [plain(_shorten(str(label))) for _key, label, _count in bands]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": kpis,
            "y": labels,
            "x": numbers,
            "marker": {
                "color": [BAND_COLOURS.get(key, MUTED_COLOUR) for key, _l, _c in bands]
            },
            "text": [str(number) for number in numbers],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"%{{y}}: %{{x}} {kpis}<extra></extra>",
        }
    ]
    layout = _layout(
        figure_height(len(bands), per_row=40),
        margin={"l": 16, "r": 32, "t": 16, "b": 48, "pad": 4},
        bargap=0.3,
        xaxis=_axis(
            title={"text": kpis},
            range=[0, max(numbers) * 1.2],
            tickformat="d",
            dtick=_count_step(max(numbers)),
            rangemode="tozero",
        ),
        yaxis=_axis(
            type="category",
            categoryorder="array",
            categoryarray=labels,
            autorange="reversed",
            showgrid=False,
        ),
    )
    return {"data": data, "layout": layout}


def compliance_by_month(
    months: Sequence[tuple[str, int, int, int]], lang: str
) -> Figure:
    """Return monthly reports on time, late and missing as stacked bars per month.

    ``months`` holds (label, on time, late, missing), in calendar order.
    """
    if not any(sum(counts) for _label, *counts in months):
        return empty_figure(lang)
    with override(lang):
        names = (str(ON_TIME), str(LATE), str(MISSING))
        projects = str(PROJECTS)
    labels = [plain(label) for label, *_counts in months]
    data = [
        {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [int(counts[index] or 0) for _label, *counts in months],
            "marker": {"color": colour},
            "hovertemplate": f"%{{x}}<br>{name}: %{{y}} {projects}<extra></extra>",
        }
        for index, (name, colour) in enumerate(
            zip(names, COMPLIANCE_COLOURS, strict=True)
        )
    ]
    layout = _layout(
        300,
        margin={"l": 56, "r": 16, "t": 40, "b": 56, "pad": 4},
        showlegend=True,
        legend={**_legend(), "traceorder": "normal"},
        barmode="stack",
        bargap=0.25,
        xaxis=_axis(
            type="category", categoryorder="array", categoryarray=labels, tickangle=-45
        ),
        yaxis=_axis(
            title={"text": projects},
            tickformat="d",
            dtick=_count_step(max(sum(counts) for _label, *counts in months)),
            rangemode="tozero",
        ),
    )
    return {"data": data, "layout": layout}
