"""Amounts of money as people read them: thousands separators and the unit, in
baht, or in millions of baht (ล้านบาท) for large totals. The one formatter every
page, chart, export and message uses; pure, no app code."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

MILLION = Decimal(1_000_000)


def number(amount: Decimal | int | float, places: int = 2) -> str:
    """1234567.5 → "1,234,567.50" (half up, thousands separated by commas)."""
    exponent = Decimal(1).scaleb(-places)
    value = Decimal(str(amount)).quantize(exponent, rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}"


def baht(amount: Decimal | int | float | None) -> str:
    """An exact amount: "1,234,567.50 บาท" ("" when there is none)."""
    if amount is None:
        return ""
    return _("%(amount)s baht") % {"amount": number(amount)}


def baht_short(amount: Decimal | int | float | None) -> str:
    """A total as it reads best: "12.35 ล้านบาท" from a million up, else baht."""
    return baht_like(amount, amount)


def baht_like(
    amount: Decimal | int | float | None, reference: Decimal | int | float | None
) -> str:
    """An amount in the unit ``baht_short`` gives ``reference`` (the largest of a
    table's column, or its total), so that a column reads in one unit: 0.84
    ล้านบาท beside 365.41 ล้านบาท, not 844,904.00 บาท."""
    if amount is None:
        return ""
    if reference is not None and abs(Decimal(str(reference))) >= MILLION:
        return _("%(amount)s million baht") % {
            "amount": number(Decimal(str(amount)) / MILLION)
        }
    return baht(amount)


def millions(amount: Decimal | int | float | None) -> float | None:
    """An amount in millions of baht as a float, for chart axes."""
    if amount is None:
        return None
    return float(Decimal(str(amount)) / MILLION)
