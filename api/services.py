"""Issuing, checking and revoking API tokens; one function each."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from projects.models import Department, Profile

# bma_<prefix>_<secret>: the prefix finds the row, the whole string is hashed.
TOKEN_PATTERN = re.compile(r"^bma_([0-9a-f]{12})_([A-Za-z0-9_-]{32,64})$")
# last_used_at is written at most this often a token: not one write per request.
TOUCH_EVERY = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """The stored form of a secret. A token is 256 random bits, so a plain
    SHA-256 is as strong as a slow password hash and costs nothing per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    *, name: str, departments: Iterable[Department], by
) -> tuple[ApiToken, str]:
    """Make a token for an agency system; returns it and its secret, which is
    shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = f"bma_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        user = get_user_model().objects.create(
            username=f"api-{prefix}", first_name=name[:150], is_active=True
        )
        user.set_unusable_password()
        user.save()
        Profile.objects.create(user=user, role=Profile.Role.STAFF)
        token = ApiToken(
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            user=user,
            created_by=by,
        )
        token._history_user = by
        token.save()
        token.departments.set(departments)
    return token, secret


def save_token(*, token: ApiToken, departments: Iterable[Department], by) -> ApiToken:
    """Rename a token or change the departments it may write."""
    with transaction.atomic():
        token._history_user = by
        token.save()
        token.departments.set(departments)
        token.user.first_name = token.name[:150]
        token.user.save(update_fields=["first_name"])
    return token


def revoke_token(*, token: ApiToken, by) -> ApiToken:
    """Refuse the token from now on (kept, with when, for the record)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token._history_user = by
            token._change_reason = "Revoked"
            token.save()
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token whose secret this is, or None."""
    match = TOKEN_PATTERN.match(secret)
    if match is None:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(prefix=match.group(1))
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    return token


def touch(token: ApiToken) -> None:
    """Record that the token was used (at most once a minute)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
