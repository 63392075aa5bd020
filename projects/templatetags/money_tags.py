"""Template filters for amounts of money (projects.money)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from projects import money

register = template.Library()


@register.filter
def baht(value: Decimal | None) -> str:
    """1,234,567.50 บาท."""
    return money.baht(value)


@register.filter
def baht_short(value: Decimal | None) -> str:
    """12.35 ล้านบาท from a million up, else baht."""
    return money.baht_short(value)


@register.filter
def baht_like(value: Decimal | None, reference: Decimal | None) -> str:
    """In the unit of ``reference`` (a table's total): one unit a column."""
    return money.baht_like(value, reference)
