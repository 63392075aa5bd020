"""Normalisation of the Thai text people type or paste into the portal."""

import re
import unicodedata
from collections.abc import Iterable

# Thai keyboards and old documents write sara am (ำ) as nikhahit + sara aa (ํ + า);
# text copied out of PDFs often puts a tone mark between them (นํ้า for น้ำ).
# NFC leaves both alone: the sara am's decomposition is a compatibility one.
DECOMPOSED_SARA_AM = "\u0e4d\u0e32"
SARA_AM = "\u0e33"
_DECOMPOSED_SARA_AM_RE = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")

# Words people type to say "nothing to report"; stored as an empty string.
NONE_WORDS = frozenset({"", "-", "--", "ไม่มี", "none", "n/a", "na", "ไม่มี."})


def normalize_text(value: str | None) -> str:
    """Return value in NFC with the composed sara am and trimmed whitespace."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = _DECOMPOSED_SARA_AM_RE.sub(r"\1" + SARA_AM, value)
    return value.strip()


def normalize_optional(value: str | None) -> str:
    """Normalise value, storing "ไม่มี", "-" and other words for none as empty."""
    value = normalize_text(value)
    return "" if value.lower() in NONE_WORDS else value


def normalize_items(items: str | Iterable[object] | None) -> list[str]:
    """Normalise each item of a list, dropping blank ones; a text gives its lines."""
    if items is None:
        return []
    if isinstance(items, str):
        items = items.splitlines()
    texts = (normalize_text(str(item)) for item in items if item is not None)
    return [text for text in texts if text]
