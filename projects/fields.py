"""Model fields that store Thai text normalised, whichever way it arrives.

Normalising in the field covers forms, admin, bulk inserts and lookups alike.
"""

from django.db import models

from projects.text import normalize_optional, normalize_text


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


class TextListField(models.JSONField):
    """An ordered list of normalised text items, such as objectives or targets."""

    def pre_save(self, model_instance, add):
        items = getattr(model_instance, self.attname) or []
        value = [text for text in (normalize_text(str(i)) for i in items) if text]
        setattr(model_instance, self.attname, value)
        return value
