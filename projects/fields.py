"""Model fields that store Thai text normalised, whichever way it arrives.

Normalising in the field covers forms, admin, bulk inserts and lookups alike.
"""

from typing import Any

from django import forms
from django.db import models

from projects.text import normalize_items, normalize_optional, normalize_text


class _NormalizedMixin:
    single_line = False

    def __init__(self, *args, none_words: bool = False, **kwargs) -> None:
        self.none_words = none_words
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.none_words:
            kwargs["none_words"] = True
        return name, path, args, kwargs

    def normalize(self, value):
        if value is None or not isinstance(value, str):
            return value
        if self.none_words:
            return normalize_optional(value, single_line=self.single_line)
        return normalize_text(value, single_line=self.single_line)

    def to_python(self, value):
        # Validation (max_length above all) sees the text as stored: NFC makes
        # some text longer (क़ becomes two code points).
        return self.normalize(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = self.normalize(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        return super().get_prep_value(self.normalize(value))


class NormalizedCharField(_NormalizedMixin, models.CharField):
    """A one-line CharField stored in NFC with the composed sara am, trimmed,
    without control, bidirectional or zero-width characters."""

    single_line = True


class NormalizedTextField(_NormalizedMixin, models.TextField):
    """A TextField stored in NFC with the composed sara am, trimmed, without
    control, bidirectional or zero-width characters (line breaks are kept)."""


class TextListWidget(forms.Textarea):
    """Edits an ordered list of text items, one item per line."""

    def format_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        return "\n".join(str(item) for item in value or [])


class TextListFormField(forms.Field):
    """An ordered list of text items typed one per line; blank lines are dropped."""

    widget = TextListWidget

    def to_python(self, value: Any) -> list[str]:
        return normalize_items(value)


class TextListField(models.JSONField):
    """An ordered list of normalised text items, such as objectives or targets."""

    def pre_save(self, model_instance, add):
        value = normalize_items(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        # QuerySet.update() and lookups skip pre_save(); a bare string is left
        # alone here because a key lookup (objectives__0="...") passes one.
        if isinstance(value, list | tuple):
            value = normalize_items(value)
        return super().get_prep_value(value)

    def formfield(self, **kwargs):
        # Skip JSONField.formfield: its encoder/decoder mean nothing to a list of
        # lines, and a hidden initial would render the list as Python text.
        defaults = {"form_class": TextListFormField, "show_hidden_initial": False}
        return models.Field.formfield(self, **{**defaults, **kwargs})
