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

# Characters that are never part of what a person means to store, and that can
# make text read differently from what it holds: control characters (NUL breaks
# PostgreSQL), bidirectional overrides and isolates (which reorder what follows,
# "Trojan source"), and zero-width characters (which make two equal-looking names
# or codes differ). Line breaks and tabs are kept in text; names and codes are
# one line (``single_line``).
_HIDDEN = "".join(
    [
        *(chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n"),
        *(chr(c) for c in range(0x7F, 0xA0)),
        "\u061c\u200e\u200f",  # Arabic letter mark, LRM, RLM
        *(chr(c) for c in range(0x202A, 0x202F)),  # embeddings and overrides
        *(chr(c) for c in range(0x2066, 0x206A)),  # isolates
        "\u200b\u200c\u200d\u2060\ufeff\u180e",  # zero-width and BOM
        "\ufff9\ufffa\ufffb",  # interlinear annotation
    ]
)
_HIDDEN_RE = re.compile(f"[{re.escape(_HIDDEN)}]")
_LINE_BREAKS_RE = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")

# Words people type to say "nothing to report"; stored as an empty string.
NONE_WORDS = frozenset({"", "-", "--", "ไม่มี", "none", "n/a", "na", "ไม่มี."})


def strip_hidden(value: str, *, single_line: bool = False) -> str:
    """Return value without control, bidirectional and zero-width characters.

    Line breaks become "\\n" (or, with ``single_line``, a space, as do tabs).
    """
    value = _LINE_BREAKS_RE.sub("\n", value)
    value = _SURROGATES_RE.sub("", _HIDDEN_RE.sub("", value))
    if single_line:
        value = re.sub(r"[\t\n]+", " ", value)
    return value


def normalize_text(value: str | None, *, single_line: bool = False) -> str:
    """Return value in NFC with the composed sara am, hidden characters removed
    and whitespace trimmed."""
    if not value:
        return ""
    value = strip_hidden(value, single_line=single_line)
    value = unicodedata.normalize("NFC", value)
    value = _DECOMPOSED_SARA_AM_RE.sub(r"\1" + SARA_AM, value)
    return value.strip()


def normalize_optional(value: str | None, *, single_line: bool = False) -> str:
    """Normalise value, storing "ไม่มี", "-" and other words for none as empty."""
    value = normalize_text(value, single_line=single_line)
    return "" if value.lower() in NONE_WORDS else value


def normalize_items(items: str | Iterable[object] | None) -> list[str]:
    """Normalise each item of a list, dropping blank ones; a text gives its lines."""
    if items is None:
        return []
    if isinstance(items, str):
        items = items.splitlines()
    texts = (
        normalize_text(str(item), single_line=True)
        for item in items
        if item is not None
    )
    return [text for text in texts if text]
