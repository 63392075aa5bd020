"""Workflows that write KPI results; one keyword-only function each, one transaction."""

from django.db import IntegrityError, transaction

from indicators.models import Indicator, IndicatorResult
from projects import access
from projects.cache import bump_data_version
from projects.services import ConflictError, DuplicateError, LockedError


def save_result(
    *,
    indicator: Indicator,
    quarter: int,
    user,
    values: dict,
    result: IndicatorResult | None = None,
    version: int | None = None,
) -> IndicatorResult:
    """Create a quarter's result, or change one nobody changed since ``version``."""
    try:
        with transaction.atomic():
            lock = access.quarter_locks(
                indicator.fiscal_year, indicator.department_id
            ).get(quarter)
            if lock is not None:
                raise LockedError(lock)
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
            result._history_user = user
            bump_data_version()
            result.save()
    except IntegrityError as error:
        raise DuplicateError from error
    return result
