"""What a notification says, in the reader's language, from its kind and details.

Notifications store their kind and plain details, not sentences, so the same
notification reads in Thai or English to whoever opens it, with dates in BE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Kind
from projects import thaicalendar


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def _name(params: dict, lang: str) -> str:
    english = params.get("name_en") or ""
    return english if lang.startswith("en") and english else params.get("name", "")


def _subject(params: dict, lang: str) -> str:
    """The project or KPI a notification is about: its code and name."""
    code = params.get("code") or params.get("indicator") or ""
    name = _name(params, lang)
    return f"{code} {name}".strip()


def _month(params: dict, lang: str) -> str:
    return thaicalendar.format_month(params["year"], params["month"], lang)


def _quarter(params: dict, lang: str) -> str:
    return thaicalendar.format_quarter(params["fiscal_year"], params["quarter"], lang)


def _date(value: str, lang: str) -> str:
    return thaicalendar.format_date(date.fromisoformat(value), "long", lang)


def describe(kind: str, params: dict, lang: str) -> Text:
    """The title and sentence of a notification in ``lang`` ("th" or "en")."""
    lang = "en" if (lang or "th").startswith("en") else "th"
    with translation.override(lang):
        return _describe(kind, params, lang)


def _describe(kind: str, p: dict, lang: str) -> Text:  # noqa: C901 (one branch a kind)
    subject = _subject(p, lang)
    if kind == Kind.DUE_SOON:
        return Text(
            _("Report for %(month)s due on %(date)s")
            % {
                "month": _month(p, lang),
                "date": _date(p["due"], lang),
            },
            _("%(project)s has no report for %(month)s yet.")
            % {"project": subject, "month": _month(p, lang)},
        )
    if kind == Kind.OVERDUE:
        return Text(
            _("Report for %(month)s is overdue") % {"month": _month(p, lang)},
            _("%(project)s: the report for %(month)s was due on %(date)s.")
            % {
                "project": subject,
                "month": _month(p, lang),
                "date": _date(p["due"], lang),
            },
        )
    if kind == Kind.SUBMITTED:
        if "quarter" in p:
            body = _("The result of %(kpi)s for %(quarter)s waits for your approval.")
            return Text(
                _("KPI result waiting for approval"),
                body % {"kpi": subject, "quarter": _quarter(p, lang)},
            )
        return Text(
            _("Report waiting for your approval"),
            _("The report of %(project)s dated %(date)s waits for your approval.")
            % {"project": subject, "date": _date(p["report_date"], lang)},
        )
    if kind == Kind.RETURNED:
        what = (
            _("The result of %(kpi)s for %(quarter)s was returned.")
            % {"kpi": subject, "quarter": _quarter(p, lang)}
            if "quarter" in p
            else _("Your report of %(project)s dated %(date)s was returned.")
            % {"project": subject, "date": _date(p["report_date"], lang)}
        )
        comment = p.get("comment", "")
        label = _("Comment:")
        body = f"{what} {label} {comment}" if comment else what
        return Text(_("Returned to you for changes"), body)
    if kind == Kind.APPROVED:
        what = (
            _("The result of %(kpi)s for %(quarter)s was approved and published.")
            % {"kpi": subject, "quarter": _quarter(p, lang)}
            if "quarter" in p
            else _(
                "Your report of %(project)s dated %(date)s was approved and published."
            )
            % {"project": subject, "date": _date(p["report_date"], lang)}
        )
        return Text(_("Approved"), what)
    if kind == Kind.KPI_DUE:
        return Text(
            _("KPI result for %(quarter)s due") % {"quarter": _quarter(p, lang)},
            _("%(kpi)s has no result for %(quarter)s, which has ended.")
            % {"kpi": subject, "quarter": _quarter(p, lang)},
        )
    if kind == Kind.SCORING_OPEN:
        return Text(
            _("%(quarter)s is ready for scoring") % {"quarter": _quarter(p, lang)},
            _("%(quarter)s has ended: %(count)s projects can be scored.")
            % {"quarter": _quarter(p, lang), "count": p.get("count", 0)},
        )
    if kind == Kind.UNSCORED:
        return Text(
            _("Projects not scored for %(quarter)s") % {"quarter": _quarter(p, lang)},
            _("%(count)s projects of %(quarter)s have no score yet.")
            % {"quarter": _quarter(p, lang), "count": p.get("count", 0)},
        )
    if kind == Kind.QUARTER_LOCKED:
        return Text(
            _("%(quarter)s locked") % {"quarter": _quarter(p, lang)},
            _(
                "%(quarter)s was locked: its reports and results can no longer "
                "be changed."
            )
            % {"quarter": _quarter(p, lang)},
        )
    if kind == Kind.QUARTER_REOPENED:
        body = _("%(quarter)s was reopened: corrections can be made again.") % {
            "quarter": _quarter(p, lang)
        }
        if p.get("reason"):
            label = _("Reason:")
            body = f"{body} {label} {p['reason']}"
        return Text(_("%(quarter)s reopened") % {"quarter": _quarter(p, lang)}, body)
    if kind == Kind.YEAR_CLOSING:
        year = thaicalendar.format_fiscal_year(p["fiscal_year"], lang)
        return Text(
            _("%(year)s closes on %(date)s")
            % {"year": year, "date": _date(p["closes_on"], lang)},
            _(
                "After %(date)s the reports, results and plans of %(year)s become "
                "read-only. Send what is missing before then."
            )
            % {"year": year, "date": _date(p["closes_on"], lang)},
        )
    if kind == Kind.SCORED:
        return Text(
            _("Score for %(quarter)s") % {"quarter": _quarter(p, lang)},
            _("%(project)s was scored %(score)s for %(quarter)s.")
            % {
                "project": subject,
                "score": format(Decimal(p["score"]).normalize(), "f"),
                "quarter": _quarter(p, lang),
            },
        )
    return Text(str(kind), subject)
