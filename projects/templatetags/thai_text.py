"""Marking Thai data on English pages, so it is read aloud and hyphenated as Thai.

Names, units and department abbreviations are often Thai only; on a page in
English, ``{{ project.name|mark_thai }}`` wraps such text in ``<span lang="th">``.
On Thai pages, and for text with no Thai letters, the text is only escaped.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

THAI_LETTERS = re.compile("[\u0e00-\u0e7f]")


@register.filter
def mark_thai(value: object) -> SafeString:
    """The text, in <span lang="th"> when it is Thai on a page not in Thai."""
    text = "" if value is None else str(value)
    language = get_language() or "th"
    if language.startswith("th") or not THAI_LETTERS.search(text):
        return conditional_escape(value if value is not None else "")
    return format_html('<span lang="th">{}</span>', text)
