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
