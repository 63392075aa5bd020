"""Who may see and do what: the one place the portal's permission rules live,
and the one place that decides which quarters are read-only (locks and closed
fiscal years)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects import thaicalendar
from projects.models import Department, FiscalYearReopening, Profile, QuarterLock


def role_of(user) -> str | None:
    """The user's role: admin for superusers, else the profile's, None for anonymous."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Profile.Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else Profile.Role.STAFF


def is_evaluator(user) -> bool:
    """Evaluators and admins read everything and score quarters."""
    return role_of(user) in (Profile.Role.EVALUATOR, Profile.Role.ADMIN)


def is_admin(user) -> bool:
    """Administrators: superusers and people given the admin role."""
    return role_of(user) == Profile.Role.ADMIN


def is_department_member(user, department_id: int) -> bool:
    """True when the user is staff of the department."""
    if not user.is_authenticated:
        return False
    return user.departments.filter(pk=department_id).exists()


def sees_quality_flags(user, department_id: int) -> bool:
    """Evaluators, the department's staff and its approvers see data-quality flags
    of its work, and its reports not approved yet (marked as pending)."""
    return (
        is_evaluator(user)
        or is_department_member(user, department_id)
        or is_department_approver(user, department_id)
    )


def quality_departments(user) -> QuerySet[Department]:
    """The departments whose data-quality flags the user sees (sees_quality_flags).

    All for evaluators and admins, their own for staff, none for anonymous visitors.
    """
    if is_evaluator(user):
        return Department.objects.all()
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(Q(members=user) | Q(approvers=user)).distinct()


def can_see_history(user, department_id: int) -> bool:
    """The audit history of a department's work: the audience of its quality flags."""
    return sees_quality_flags(user, department_id)


def public_read(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let anonymous visitors read the page only when PUBLIC_READ is on."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PUBLIC_READ and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def can_edit(user, department_id: int) -> bool:
    """Admins, and staff of the department, write its projects, plans and results.

    Evaluators read everything but write no agency data.
    """
    role = role_of(user)
    if role == Profile.Role.ADMIN:
        return True
    return role == Profile.Role.STAFF and is_department_member(user, department_id)


def is_department_approver(user, department_id: int) -> bool:
    """True when admins made the user an approver of the department's reports."""
    if not user.is_authenticated:
        return False
    return user.approves_for.filter(pk=department_id).exists()


def can_approve(user, department_id: int) -> bool:
    """The department's approvers, evaluators and admins approve or return its
    submitted reports (never their own: ``approval.check`` refuses that)."""
    return is_evaluator(user) or is_department_approver(user, department_id)


def approval_departments(user) -> QuerySet[Department] | None:
    """The departments whose reports the user approves: None for all (evaluators
    and admins), else the ones they approve for (none for most people)."""
    if is_evaluator(user):
        return None
    if not user.is_authenticated:
        return Department.objects.none()
    return user.approves_for.all()


def sees_pending(user, department_id: int) -> bool:
    """Reports not approved yet are shown, marked as pending, to the audience of
    the department's quality flags; everyone else sees approved ones only."""
    return sees_quality_flags(user, department_id)


def editable_departments(user) -> QuerySet[Department]:
    """The departments whose projects the user may create and edit."""
    if role_of(user) == Profile.Role.ADMIN:
        return Department.objects.all()
    if role_of(user) == Profile.Role.STAFF:
        return user.departments.all()
    return Department.objects.none()


def require_edit(user, department_id: int) -> None:
    """Raise PermissionDenied (403) unless the user may write the department's data."""
    if not can_edit(user, department_id):
        raise PermissionDenied


def user_name(user: Any) -> str:
    """A person as the portal names them: full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Lock:
    """Why a quarter is read-only: the evaluators locked it, or its year closed."""

    fiscal_year: int
    quarter: int
    year_closed: bool
    on: date
    by: str = ""

    @property
    def message(self) -> str:
        """What the person is told, in the active language."""
        lang = get_language() or "th"
        when = thaicalendar.format_date(self.on, "short", lang)
        if self.year_closed:
            return _(
                "Fiscal year %(year)s closed on %(date)s: its reports, results and "
                "plans can no longer be changed. Ask an evaluator to reopen the year "
                "if a correction is needed."
            ) % {"year": self.fiscal_year, "date": when}
        return _(
            "%(quarter)s was locked by %(name)s on %(date)s: its reports and results "
            "can no longer be changed. Ask an evaluator to reopen it if a correction "
            "is needed."
        ) % {
            "quarter": thaicalendar.format_quarter(
                self.fiscal_year, self.quarter, lang
            ),
            "name": self.by or _("an evaluator"),
            "date": when,
        }


def year_closes_on(fiscal_year: int) -> date:
    """The day a fiscal year closes by itself (FISCAL_YEAR_CLOSE_DAYS after 30 Sep)."""
    return thaicalendar.fiscal_year_closes_on(
        fiscal_year, settings.FISCAL_YEAR_CLOSE_DAYS
    )


def year_closed(fiscal_year: int, today: date | None = None) -> bool:
    """True once the year closed by itself, unless an evaluator reopened it."""
    today = today or timezone.localdate()
    if today < year_closes_on(fiscal_year):
        return False
    return (
        not FiscalYearReopening.objects.active()
        .filter(fiscal_year=fiscal_year)
        .exists()
    )


def year_lock(fiscal_year: int, today: date | None = None) -> Lock | None:
    """The lock of a closed fiscal year (None while it is open or reopened)."""
    if not year_closed(fiscal_year, today):
        return None
    return Lock(fiscal_year, 4, year_closed=True, on=year_closes_on(fiscal_year))


def quarter_locks(
    fiscal_year: int, department_id: int | None, today: date | None = None
) -> dict[int, Lock]:
    """The read-only quarters of a department's year, with why: every quarter of a
    closed year, else the quarters the evaluators locked (for the department or
    for all; with no department, those locked for all). The same for everyone,
    admins included: a correction starts with an audited reopening."""
    closed = year_lock(fiscal_year, today)
    if closed is not None:
        return dict.fromkeys((1, 2, 3, 4), closed)
    scope = Q(department__isnull=True)
    if department_id is not None:
        scope |= Q(department_id=department_id)
    locks = (
        QuarterLock.objects.active()
        .filter(scope, fiscal_year=fiscal_year)
        .select_related("locked_by")
        .order_by("locked_at")
    )
    return {
        lock.quarter: Lock(
            fiscal_year,
            lock.quarter,
            year_closed=False,
            on=thaicalendar.local_date(lock.locked_at),
            by=user_name(lock.locked_by),
        )
        for lock in locks
    }


def locked_quarters(fiscal_year: int, department_id: int) -> set[int]:
    """The quarters of the year whose reports and results are read-only."""
    return set(quarter_locks(fiscal_year, department_id))


def lock_of(fiscal_year: int, department_id: int, day: date) -> Lock | None:
    """The lock covering a day's quarter, if any (a day outside the year: None)."""
    if thaicalendar.fiscal_year_of(day) != fiscal_year:
        return None
    return quarter_locks(fiscal_year, department_id).get(thaicalendar.quarter_of(day))


def evaluator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that score, lock and reopen quarters: evaluators and admins only.

    Anonymous visitors are sent to log in; everyone else gets 403.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_evaluator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
