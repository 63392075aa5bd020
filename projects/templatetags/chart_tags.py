"""Small charts drawn on the server from the figures reports/charts.py builds.

A chart in the first view of a page is drawn without plotly.js, so the page shows
it at once and fetches plotly.js only for the charts further down.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

register = template.Library()


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str
    height: int  # per cent of the plot area; the tallest bar leaves room for its value


@register.filter
def bars(figure: dict) -> list[Bar]:
    """The bars of a one-trace bar figure (status_distribution), tallest = 85."""
    if not figure or not figure.get("data"):
        return []
    trace = figure["data"][0]
    values = [int(value or 0) for value in trace.get("y", [])]
    colours = trace.get("marker", {}).get("color", [])
    tallest = max(values, default=0) or 1
    return [
        Bar(
            str(label),
            value,
            colours[i] if i < len(colours) else "#5c636a",
            round(value * 85 / tallest),
        )
        for i, (label, value) in enumerate(
            zip(trace.get("x", []), values, strict=False)
        )
    ]


@dataclass(frozen=True)
class Segment:
    name: str
    value: int
    colour: str
    height: float  # per cent of the plot area


@dataclass(frozen=True)
class Stack:
    label: str
    total: int
    segments: list[Segment]


@register.filter
def stacks(figure: dict) -> list[Stack]:
    """The columns of a stacked bar figure (compliance_by_month), tallest = 85."""
    traces = (figure or {}).get("data") or []
    if not traces:
        return []
    labels = traces[0].get("x", [])
    totals = [
        sum(int((trace.get("y") or [])[i] or 0) for trace in traces)
        for i in range(len(labels))
    ]
    tallest = max(totals, default=0) or 1
    return [
        Stack(
            str(label),
            totals[i],
            [
                Segment(
                    str(trace.get("name", "")),
                    value := int(trace["y"][i] or 0),
                    trace.get("marker", {}).get("color", "#5c636a"),
                    round(value * 85 / tallest, 2),
                )
                for trace in traces
            ],
        )
        for i, label in enumerate(labels)
    ]


@register.filter
def legend(figure: dict) -> list[tuple[str, str]]:
    """(name, colour) of each trace of a figure, for a legend."""
    return [
        (str(trace.get("name", "")), trace.get("marker", {}).get("color", ""))
        for trace in (figure or {}).get("data") or []
    ]
