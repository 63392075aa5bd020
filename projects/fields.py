"""Model fields that store Thai text normalised, whichever way it arrives.

Normalising in the field covers forms, admin, bulk inserts and lookups alike.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.db import models

from projects.text import normalize_items, normalize_optional, normalize_text


class _NormalizedMixin:
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
        return normalize_optional(value) if self.none_words else normalize_text(value)

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
    """A CharField stored in NFC with the composed sara am, trimmed."""


class NormalizedTextField(_NormalizedMixin, models.TextField):
    """A TextField stored in NFC with the composed sara am, trimmed."""


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


def person_field(verbose_name, *, blank: bool = True) -> models.ForeignKey:
    """Who did something (author, evaluator, locked by…): kept as history when the
    account is deleted (the row stays, the link empties), never a reverse name."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
    )
