"""An error summary for forms: what went wrong, each error a link to its field.

After a failed submit the page opens with the summary (templates/includes/
error_summary.html), which static/js/portal.js focuses, and the page title starts
with the number of errors (templates/base.html), so a person using a screen reader
hears at once that, and how much, needs fixing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.forms import BaseForm, BaseFormSet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@dataclass(frozen=True)
class Error:
    message: str
    field_id: str = ""
    label: str = ""


def _form_errors(form: BaseForm, row: int | None = None) -> list[Error]:
    errors = [Error(str(message)) for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == "__all__":
            continue
        field = form[name]
        label = str(field.label or name)
        if row is not None:
            label = _("Step %(row)s, %(field)s") % {"row": row, "field": label}
        errors += [
            Error(str(message), field.id_for_label or field.auto_id, label)
            for message in messages
        ]
    return errors


def form_errors(*forms: object) -> list[Error]:
    """Every error of the bound forms and formsets given, in page order."""
    errors: list[Error] = []
    for form in forms:
        if isinstance(form, BaseFormSet) and form.is_bound:
            errors += [Error(str(message)) for message in form.non_form_errors()]
            for row, member in enumerate(form.forms, start=1):
                errors += _form_errors(member, row)
        elif isinstance(form, BaseForm) and form.is_bound:
            errors += _form_errors(form)
    return errors


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: object) -> dict:
    """The summary of a failed submit; nothing when every form is valid."""
    return {"errors": form_errors(*forms)}


@register.simple_tag
def error_title_prefix(*forms: object) -> str:
    """'(2 errors) ' before the page title after a failed submit; else ''."""
    count = len(form_errors(*forms))
    if not count:
        return ""
    return ngettext("(%(count)d error) ", "(%(count)d errors) ", count) % {
        "count": count
    }
