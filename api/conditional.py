"""ETag and Last-Modified of API answers, from the portal's data version
(``projects.cache``): a client that sends them back gets 304 Not Modified without
the query being run, until a write changes the version (or the day changes, as
derived figures are read at today's date)."""

from __future__ import annotations

import hashlib
from datetime import datetime, time

from django.core.cache import cache
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from rest_framework import exceptions
from rest_framework.response import Response

from api.authentication import token_of
from projects.cache import TIMEOUT, data_version


class NotModified(exceptions.APIException):
    status_code = 304


def version_seen_at(version: str) -> datetime:
    """When this data version was first seen: no earlier than the write that made
    it, so a Last-Modified from it is never too old."""
    key = f"api:version-seen:{version}"
    seen = cache.get(key)
    if seen is None:
        cache.add(key, timezone.now(), timeout=TIMEOUT)
        seen = cache.get(key) or timezone.now()
    return seen


def viewer_key(request) -> str:
    """Whose answer it is: visibility depends on the token or the person."""
    token = token_of(request)
    if token is not None:
        return f"t{token.pk}"
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    return "anonymous"


class ConditionalMixin:
    """ETag and Last-Modified on GET and HEAD of a DRF view; 304 when unchanged."""

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._validators = None
        if request.method not in ("GET", "HEAD"):
            return
        version = data_version()
        today = timezone.localdate()
        digest = hashlib.sha256(
            "\x1f".join(
                [
                    version,
                    today.isoformat(),
                    get_language() or "th",
                    viewer_key(request),
                    request.get_full_path(),
                ]
            ).encode()
        ).hexdigest()[:32]
        etag = f'"{digest}"'
        midnight = timezone.make_aware(datetime.combine(today, time.min))
        modified = max(version_seen_at(version), midnight)
        self._validators = (etag, int(modified.timestamp()))
        if get_conditional_response(
            request._request, etag=etag, last_modified=self._validators[1]
        ):
            raise NotModified

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotModified):
            return Response(status=304)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        validators = getattr(self, "_validators", None)
        if validators and response.status_code in (200, 304):
            response["ETag"] = validators[0]
            response["Last-Modified"] = http_date(validators[1])
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
