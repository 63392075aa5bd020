"""Workflows that write KPI results; one keyword-only function each, one transaction.

Approval follows the same rules as monthly reports (``projects.approval``, applied
by ``projects.services.apply_transition``); a locked quarter or a closed year
freezes a result's approval state too.
"""

from django.db import IntegrityError, transaction

from indicators.models import Indicator, IndicatorResult
from projects import access, approval
from projects.cache import bump_data_version
from projects.services import (
    Batch,
    ConflictError,
    DuplicateError,
    LockedError,
    TransitionError,
    apply_transition,
)


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
            result._history_user = user
            bump_data_version()
            result.save()
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
        locked._history_user = user
        bump_data_version()
        locked.save()
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
