"""Template filters of the evaluation pages and links."""

from django import template

from projects import access

register = template.Library()


@register.filter
def can_evaluate(user) -> bool:
    """True for evaluators and admins, who score, lock and reopen quarters."""
    return access.is_evaluator(user)


@register.filter
def unscored_quarters(rows) -> list[int]:
    """The quarters of a KPI's quarter_rows() not scored on every criterion."""
    return [
        row.quarter
        for row in rows
        if row.evaluation is None or any(score is None for score in row.scores)
    ]


@register.filter
def person(user) -> str:
    """A person as the audit history names them, or a dash for nobody."""
    return access.user_name(user) or "–"
