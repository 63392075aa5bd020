"""Who may see and do what: the one place the portal's permission rules live."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from projects.models import Profile


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


def is_department_member(user, department_id: int) -> bool:
    """True when the user is staff of the department."""
    if not user.is_authenticated:
        return False
    return user.departments.filter(pk=department_id).exists()


def sees_quality_flags(user, department_id: int) -> bool:
    """Evaluators and the department's staff see data-quality flags of its work."""
    return is_evaluator(user) or is_department_member(user, department_id)


def public_read(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let anonymous visitors read the page only when PUBLIC_READ is on."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PUBLIC_READ and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
