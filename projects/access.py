"""Who may see and do what: the one place the portal's permission rules live."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from projects.models import Department, Profile, QuarterLock


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
    """Evaluators and the department's staff see data-quality flags of its work."""
    return is_evaluator(user) or is_department_member(user, department_id)


def quality_departments(user) -> QuerySet[Department]:
    """The departments whose data-quality flags the user sees (sees_quality_flags).

    All for evaluators and admins, their own for staff, none for anonymous visitors.
    """
    if is_evaluator(user):
        return Department.objects.all()
    if not user.is_authenticated:
        return Department.objects.none()
    return user.departments.all()


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


def locked_quarters(user, fiscal_year: int, department_id: int) -> set[int]:
    """Quarters of the year the evaluators locked for the department, for this user.

    A locked quarter's updates and KPI results are read-only to staff; admins may
    still correct them.
    """
    if role_of(user) == Profile.Role.ADMIN:
        return set()
    locks = QuarterLock.objects.active().filter(
        Q(department_id=department_id) | Q(department__isnull=True),
        fiscal_year=fiscal_year,
    )
    return set(locks.values_list("quarter", flat=True))


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
