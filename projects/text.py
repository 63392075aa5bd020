"""Normalisation of the Thai text people type or paste into the portal."""

import unicodedata

# Thai keyboards and old documents write sara am (ำ) as nikhahit + sara aa (ํ + า).
DECOMPOSED_SARA_AM = "\u0e4d\u0e32"
SARA_AM = "\u0e33"

# Words people type to say "nothing to report"; stored as an empty string.
NONE_WORDS = frozenset({"", "-", "--", "ไม่มี", "none", "n/a", "na", "ไม่มี."})


def normalize_text(value: str | None) -> str:
    """Return value in NFC with the composed sara am and trimmed whitespace."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).replace(DECOMPOSED_SARA_AM, SARA_AM)
    return value.strip()


def normalize_optional(value: str | None) -> str:
    """Normalise value, storing "ไม่มี", "-" and other words for none as empty."""
    value = normalize_text(value)
    return "" if value.lower() in NONE_WORDS else value
