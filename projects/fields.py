"""Model fields that store Thai text normalised, whichever way it arrives.

Normalising in the field covers forms, admin, bulk inserts and lookups alike.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

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
    control, bidirectional or zero-width characters (line breaks are kept).

    Its form field stops at TEXT_MAX_LENGTH characters and says so, so that a
    form typed in full stays below the request limit (DATA_UPLOAD_MAX_MEMORY_SIZE).
    """

    def formfield(self, **kwargs):
        limit = self.max_length or settings.TEXT_MAX_LENGTH
        field = super().formfield(**{"max_length": limit, **kwargs})
        if field is not None and not self.choices:
            field.help_text = limit_help_text(field.help_text, limit)
        return field


def limit_help_text(help_text: Any, limit: int) -> Any:
    """A field's help text followed by the most characters it takes."""
    limit_text = format_lazy(_("At most {} characters."), f"{limit:,}")
    if not help_text:
        return limit_text
    return format_lazy("{} {}", help_text, limit_text)


class TextListWidget(forms.Textarea):
    """Edits an ordered list of text items, one item per line."""

    def format_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        return "\n".join(str(item) for item in value or [])


class TextListFormField(forms.Field):
    """An ordered list of text items typed one per line; blank lines are dropped.

    The text as typed may hold at most ``max_length`` characters (TEXT_MAX_LENGTH).
    """

    widget = TextListWidget

    def __init__(self, *, max_length: int | None = None, **kwargs: Any) -> None:
        self.max_length = max_length or settings.TEXT_MAX_LENGTH
        super().__init__(**kwargs)
        self.help_text = limit_help_text(self.help_text, self.max_length)
        self.validators.append(_TypedLengthValidator(self.max_length))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "maxlength": str(self.max_length)}

    def to_python(self, value: Any) -> list[str]:
        return normalize_items(value)


class _TypedLengthValidator(MaxLengthValidator):
    """The items' length as one text of lines, as the person typed them."""

    def clean(self, x: Any) -> int:
        return len("\n".join(x)) if isinstance(x, list) else len(x)


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


def person_field(verbose_name, *, blank: bool = True, **options) -> models.ForeignKey:
    """Who did something (author, evaluator, locked by…): kept as history when the
    account is deleted (the row stays, the link empties), never a reverse name."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        **options,
    )
