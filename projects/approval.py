"""Approval before publication: the states of a report and who may move it.

The one home of the transition rules for monthly progress reports (and, through the
same rules, KPI quarter results). A report is

- ``draft``: saved, only the department sees it;
- ``submitted``: waiting for approval; it counts as reported for compliance;
- ``approved``: published: public pages and every derived figure use it;
- ``returned``: sent back with the approver's comment; the author edits and
  submits it again.

Pure: plain values in, answers out; no database. The services in
``projects/services.py`` ask ``check`` before each write and record the move in
the audit history. With the ``APPROVAL_REQUIRED`` setting off every save is
approved at once, as before approval existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Pending approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Action(models.TextChoices):
    SAVE = "save", _("Saved as draft")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")


# States in which a report counts as sent for compliance (a draft is not a report;
# a returned one waits to be sent again).
REPORTED = (State.SUBMITTED, State.APPROVED)

# From which states each action may be taken. Saving or submitting an approved
# report is a correction: it leaves publication until approved again.
ALLOWED: dict[str, frozenset[str]] = {
    Action.SAVE: frozenset({State.DRAFT, State.RETURNED, State.SUBMITTED}),
    Action.SUBMIT: frozenset(
        {State.DRAFT, State.RETURNED, State.SUBMITTED, State.APPROVED}
    ),
    Action.APPROVE: frozenset({State.SUBMITTED}),
    Action.RETURN: frozenset({State.SUBMITTED}),
}

TARGET: dict[str, str] = {
    Action.SAVE: State.DRAFT,
    Action.SUBMIT: State.SUBMITTED,
    Action.APPROVE: State.APPROVED,
    Action.RETURN: State.RETURNED,
}

REVIEW_ACTIONS = (Action.APPROVE, Action.RETURN)

# The audit history's reason for each move, stored as written (not translated), so
# the record does not depend on the language of the person who made it.
HISTORY_REASONS: dict[str, str] = {
    Action.SAVE: "Saved as draft",
    Action.SUBMIT: "Submitted",
    Action.APPROVE: "Approved",
    Action.RETURN: "Returned",
}
APPROVED_AT_ONCE = "Saved and approved at once (approval not required)"

CONFLICT_MESSAGE = _(
    "Someone changed or reviewed this report after you opened the page; "
    "it was left as it is."
)


@dataclass(frozen=True)
class Refusal:
    """Why a move is refused: a code for tests and a message for the person."""

    code: str
    message: str


def target(action: str, *, required: bool) -> str:
    """The state a report reaches by the action; everything saved is approved
    at once when approval is not required."""
    if not required and action in (Action.SAVE, Action.SUBMIT):
        return State.APPROVED
    return TARGET[action]


def check(
    action: str,
    state: str | None,
    *,
    is_author: bool,
    may_write: bool,
    may_review: bool,
    comment: str = "",
) -> Refusal | None:
    """None when the person may take ``action`` on a report in ``state``, else why not.

    ``state`` is None for a report not saved yet. ``may_write``: staff of the
    department (or an admin); ``may_review``: an approver of the department or an
    evaluator. Nobody approves or returns a report they wrote themselves.
    """
    if action in REVIEW_ACTIONS:
        if not may_review:
            return Refusal(
                "not_approver",
                str(_("Only the department's approver or an evaluator may do this.")),
            )
        if is_author:
            return Refusal(
                "own_report",
                str(
                    _(
                        "You wrote this report: another approver or an evaluator "
                        "must approve or return it."
                    )
                ),
            )
        if action == Action.RETURN and not comment.strip():
            return Refusal(
                "comment_required",
                str(_("Say what needs to change: a returned report needs a comment.")),
            )
    elif not may_write:
        return Refusal(
            "not_staff",
            str(_("Only the department's staff may write its reports.")),
        )
    if state is not None and state not in ALLOWED[action]:
        return Refusal(
            "wrong_state",
            str(
                _(
                    "This report is no longer waiting for that: it is "
                    "“%(state)s”. Reload the page to see where it stands."
                )
                % {"state": State(state).label}
            ),
        )
    if state is None and action in REVIEW_ACTIONS:
        return Refusal("wrong_state", str(_("This report has not been saved yet.")))
    return None
