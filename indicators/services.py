"""Workflows that write KPIs and their quarter results; one keyword-only function
each, one transaction.

Approval of results follows the same rules as monthly reports
(``projects.approval``, applied by ``projects.services.apply_transition``); a
locked quarter or a closed year freezes a result's approval state too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import Indicator, IndicatorResult, TargetRevision
from notifications import outbox
from projects import access, approval
from projects import services as project_services
from projects.cache import bump_data_version
from projects.models import Project
from projects.services import (
    BULK_SIZE,
    Batch,
    ConflictError,
    DuplicateError,
    LockedError,
    ReasonRequiredError,
    TransitionError,
    apply_transition,
    current_change_reason,
)
from projects.services import revision_start as dated_revision_start

__all__ = [
    "ConflictError",
    "DuplicateError",
    "LockedError",
    "ReasonRequiredError",
    "TransitionError",
    "approve_many_results",
    "approve_result",
    "check_indicator",
    "create_indicators",
    "is_target_revision",
    "return_result",
    "revision_start",
    "save_indicator",
    "save_result",
]


def is_target_revision(stored: Indicator, target: Decimal | None) -> bool:
    """True when setting the stored KPI's target to ``target`` is a revision.

    A new target on a KPI that has results (or was revised before) is a dated
    revision with a reason; before any result, the target is simply corrected.
    """
    if stored.pk is None or target is None or target == stored.target:
        return False
    return stored.results.exists() or stored.revisions.exists()


def check_indicator(
    *, stored: Indicator, target: Decimal | None, reason: str, version: int | None
) -> None:
    """Refuse a save of a KPI someone saved since ``version`` (ConflictError), or
    a target revision without a reason (ReasonRequiredError)."""
    if stored.pk is not None and stored.version != version:
        raise ConflictError
    if is_target_revision(stored, target) and not reason.strip():
        raise ReasonRequiredError


def revision_start(indicator: Indicator, user, today: date) -> date:
    """The first day a new target may hold (``projects.services.revision_start``)."""
    return dated_revision_start(
        fiscal_year=indicator.fiscal_year,
        department_id=indicator.department_id,
        today=today,
    )


def save_indicator(
    *,
    indicator: Indicator,
    user,
    reason: str = "",
    version: int | None = None,
    today: date | None = None,
    projects: Sequence[Project] | None = None,
) -> Indicator:
    """Create a KPI, or save changes to one nobody saved since ``version``;
    with ``projects``, link it to exactly those projects.

    A changed target on a KPI with results is a revision (``is_target_revision``):
    it needs a reason, keeps the old target readable as a superseded revision and
    holds from ``revision_start``, so no locked quarter's figures move.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        if indicator.pk is None:
            indicator.version = 1
            revising = False
        else:
            stored = Indicator.objects.select_for_update().get(pk=indicator.pk)
            check_indicator(
                stored=stored, target=indicator.target, reason=reason, version=version
            )
            revising = is_target_revision(stored, indicator.target)
            indicator.version = stored.version + 1
        project_services.stamp(indicator, user)
        indicator.save()
        if projects is not None:
            indicator.projects.set(projects)
        if revising:
            _record_revision(stored, indicator, user, reason.strip(), today)
    return indicator


def create_indicators(
    *, items: Sequence[tuple[Indicator, Sequence[Project]]], user
) -> list[Indicator]:
    """Create many new KPIs, each linked to its projects, in a few queries (an
    import of the year's plan): what ``save_indicator`` does for a new KPI, with
    the same audit history (the KPI and its links, the person, the reason of
    ``projects.services.change_reason``)."""
    indicators = [indicator for indicator, _projects in items]
    through = Indicator.projects.through
    # simple-history's record of each history row's links (m2m_fields).
    linked_history = apps.get_model("indicators", "HistoricalIndicator_projects")
    try:
        with transaction.atomic():
            for indicator in indicators:
                indicator.version = 1
            Indicator.objects.bulk_create(indicators, batch_size=BULK_SIZE)
            links = through.objects.bulk_create(
                [
                    through(indicator=indicator, project=project)
                    for indicator, projects in items
                    for project in projects
                ],
                batch_size=BULK_SIZE,
            )
            records = Indicator.history.bulk_history_create(
                indicators,
                batch_size=BULK_SIZE,
                default_user=user,
                default_change_reason=current_change_reason(),
            )
            record_of = {record.id: record for record in records}
            linked_history.objects.bulk_create(
                [
                    linked_history(
                        history=record_of[link.indicator_id],
                        id=link.pk,
                        indicator_id=link.indicator_id,
                        project_id=link.project_id,
                    )
                    for link in links
                ],
                batch_size=BULK_SIZE,
            )
            bump_data_version()
    except IntegrityError as error:
        raise DuplicateError from error
    return indicators


def _record_revision(
    stored: Indicator, indicator: Indicator, user, reason: str, today: date
) -> None:
    start = revision_start(indicator, user, today)
    revisions = list(
        TargetRevision.objects.select_for_update()
        .filter(indicator=indicator)
        .order_by("number")
    )
    if revisions:
        superseded = revisions[-1]
    else:
        superseded = TargetRevision(
            indicator=indicator, number=1, target=stored.target, valid_from=None
        )
    superseded.valid_until = start
    project_services.stamp(superseded, user)
    superseded.save()
    revision = TargetRevision(
        indicator=indicator,
        number=superseded.number + 1,
        target=indicator.target,
        valid_from=start,
        valid_until=None,
        reason=reason,
        author=user,
    )
    project_services.stamp(revision, user)
    revision.save()


def _check_unlocked(indicator: Indicator, quarter: int) -> None:
    lock = access.quarter_locks(indicator.fiscal_year, indicator.department_id).get(
        quarter
    )
    if lock is not None:
        raise LockedError(lock)


def save_result(
    *,
    indicator: Indicator,
    quarter: int,
    user,
    values: dict,
    result: IndicatorResult | None = None,
    version: int | None = None,
    submit: bool = True,
) -> IndicatorResult:
    """Create a quarter's result, or change one nobody changed since ``version``.

    ``submit`` sends it for approval, else it is kept as a draft (with approval
    not required it is approved at once).
    """
    action = approval.Action.SUBMIT if submit else approval.Action.SAVE
    try:
        with transaction.atomic():
            _check_unlocked(indicator, quarter)
            if result is None:
                result = IndicatorResult(
                    indicator=indicator, quarter=quarter, author=user, **values
                )
            else:
                result = IndicatorResult.objects.select_for_update().get(pk=result.pk)
                if result.version != version:
                    raise ConflictError
                for name, value in values.items():
                    setattr(result, name, value)
                result.version += 1
            apply_transition(
                result,
                user=user,
                action=action,
                department_id=indicator.department_id,
            )
            project_services.stamp(result, user)
            result.save()
            outbox.result_moved(result, action=action, actor=user)
    except IntegrityError as error:
        raise DuplicateError from error
    return result


def _review(
    result: IndicatorResult, user, version: int, action: str, comment: str
) -> IndicatorResult:
    with transaction.atomic():
        locked = (
            IndicatorResult.objects.select_for_update().filter(pk=result.pk).first()
        )
        if locked is None or locked.version != version:
            raise ConflictError
        locked.indicator = result.indicator
        _check_unlocked(result.indicator, locked.quarter)
        apply_transition(
            locked,
            user=user,
            action=action,
            department_id=result.indicator.department_id,
            comment=comment,
        )
        locked.version += 1
        project_services.stamp(locked, user)
        locked.save()
        outbox.result_moved(locked, action=action, actor=user)
    return locked


def approve_result(
    *, result: IndicatorResult, user, version: int, comment: str = ""
) -> IndicatorResult:
    """Publish a submitted KPI result: the department's approver or an evaluator,
    never its author."""
    return _review(result, user, version, approval.Action.APPROVE, comment)


def return_result(
    *, result: IndicatorResult, user, version: int, comment: str
) -> IndicatorResult:
    """Send a submitted KPI result back with a required comment."""
    return _review(result, user, version, approval.Action.RETURN, comment)


def approve_many_results(*, items, user) -> Batch:
    """Approve each (pk, version) KPI result on its own, as ``approve_many``."""
    batch = Batch([], [])
    results = IndicatorResult.objects.select_related("indicator").in_bulk(
        [pk for pk, _version in items]
    )
    for pk, version in items:
        result = results.get(pk)
        try:
            if result is None:
                raise ConflictError
            batch.approved.append(
                approve_result(result=result, user=user, version=version)
            )
        except ConflictError:
            batch.refused.append((pk, str(approval.CONFLICT_MESSAGE)))
        except (TransitionError, LockedError) as error:
            batch.refused.append((pk, str(error)))
    return batch
