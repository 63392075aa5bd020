"""Who reads and writes what through the API, from the portal's own rules
(``projects.access``): anonymous visitors follow PUBLIC_READ and see published
data; signed-in people their role; an agency system its token's departments."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from rest_framework import permissions

from api.authentication import token_of
from evidence.models import Attachment
from projects import access, approval
from projects.models import Department


class ApiAccess(permissions.BasePermission):
    """Reads: anyone when PUBLIC_READ is on, else signed-in people and tokens.
    Writes: signed-in people and tokens (the department is checked on the object,
    ``may_write``)."""

    def has_permission(self, request, view) -> bool:
        authenticated = bool(request.user and request.user.is_authenticated)
        if request.method in permissions.SAFE_METHODS:
            return settings.PUBLIC_READ or authenticated
        return authenticated


def may_write(request, department_id: int) -> bool:
    """A token writes its departments; a person what ``access.can_edit`` allows."""
    token = token_of(request)
    if token is not None:
        return token.departments.filter(pk=department_id).exists()
    return access.can_edit(request.user, department_id)


def pending_departments(request) -> QuerySet[Department]:
    """The departments whose reports and results not yet approved the requester
    sees: a token's own, else the audience of their quality flags (none for
    anonymous visitors, all for evaluators)."""
    token = token_of(request)
    if token is not None:
        return token.departments.all()
    return access.quality_departments(request.user)


def visible(queryset: QuerySet, request, department_path: str) -> QuerySet:
    """Approved rows, and rows of the departments the requester may see pending."""
    if not request.user.is_authenticated:
        return queryset.published()
    departments = pending_departments(request).values("pk")
    return queryset.filter(
        Q(status=approval.State.APPROVED) | Q(**{f"{department_path}__in": departments})
    )


def shown_evidence(request) -> QuerySet[Attachment]:
    """The evidence files the requester sees (``Attachment.shown_to``): every kept
    file of the departments whose reports they see pending, public files of
    approved reports and results otherwise."""
    if not request.user.is_authenticated:
        return Attachment.objects.shown()
    return Attachment.objects.shown(pending_departments(request).values("pk"))


def evidence_prefetch(request) -> Prefetch:
    """A report's or result's files the requester sees, as ``shown_evidence``."""
    return Prefetch(
        "attachments", queryset=shown_evidence(request), to_attr="shown_evidence"
    )
