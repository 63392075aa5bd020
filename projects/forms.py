"""Forms of the projects app, and the BE date field and widget they share."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.thaicalendar import DateInputError, parse_date, to_input


class ThaiDateInput(forms.TextInput):
    """A text input showing a date as typed in Thailand: d/m/yyyy with the BE year."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # A numeric keypad has no slash, so inputmode stays unset.
        defaults = {"placeholder": _("dd/mm/yyyy (B.E.)"), "autocomplete": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        """Show a date in BE; leave text as typed so a mistake can be corrected."""
        if isinstance(value, date):
            return to_input(value)
        return super().format_value(value)


class ThaiDateField(forms.DateField):
    """A date typed in BE (15/9/2563) or ISO (2020-09-15), with clear errors."""

    widget = ThaiDateInput
    default_error_messages = {
        "invalid": _("Enter a date such as 15/9/2563 (Buddhist year) or 2020-09-15."),
        "ambiguous": _(
            "The year %(year)s could be Buddhist or Christian era; type all four "
            "digits, e.g. 2563 or 2020."
        ),
    }

    def to_python(self, value: Any) -> date | None:
        """Return the date typed, or None when nothing was typed."""
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except DateInputError as error:
            if error.code == "empty":
                return None
            raise forms.ValidationError(
                self.error_messages[error.code],
                code=error.code,
                params={"year": error.year},
            ) from None
