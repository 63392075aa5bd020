"""ETag and Last-Modified of API answers, from the portal's data version
(``projects.cache``): a client that sends them back gets 304 Not Modified without
the query being run, until a write changes the version (or the day changes, as
derived figures are read at today's date).

Anonymous readers' answers are also kept in the shared cache under the same
digest, so the next anonymous reader of the same address gets them without a
query, as public pages are (``projects.cache.public_page``). Only addresses whose
query parameters are all ones the view reads are kept (no repeated, over-long or
free-text value: ``projects.cache.known_query``), so junk cannot flood the cache."""

from __future__ import annotations

import hashlib
from datetime import datetime, time

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from rest_framework import exceptions
from rest_framework.response import Response

from api.authentication import token_of
from projects.cache import TIMEOUT, data_version, known_query, release

PAGE_PARAMS = frozenset({"page", "page_size"})


class NotModified(exceptions.APIException):
    status_code = 304


class CachedAnswer(exceptions.APIException):
    """An anonymous reader's answer found in the shared cache."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


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

    def read_params(self) -> frozenset[str]:
        """The query parameters the view reads: its filters' and the pages'."""
        names = set(PAGE_PARAMS)
        form_class = getattr(self, "filter_form_class", None)
        if form_class is not None:
            names |= set(form_class.base_fields)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names |= set(filterset_class.base_filters)
        return frozenset(names)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._validators = None
        self._body_key = None
        if request.method not in ("GET", "HEAD"):
            return
        version = data_version()
        today = timezone.localdate()
        digest = hashlib.sha256(
            "\x1f".join(
                [
                    release(),
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
        if viewer_key(request) == "anonymous":
            params = self.read_params()
            _query, _key, cacheable = known_query(request._request, params)
            if cacheable and set(request.query_params) <= params:
                self._body_key = f"api:body:{digest}"
                body = cache.get(self._body_key)
                if body is not None:
                    raise CachedAnswer(body)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotModified):
            return Response(status=304)
        if isinstance(exc, CachedAnswer):
            return HttpResponse(exc.body, content_type="application/json")
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_body_key", None)
        if key and response.status_code == 200 and isinstance(response, Response):
            response.render()
            cache.set(key, response.content, timeout=TIMEOUT)
        validators = getattr(self, "_validators", None)
        if validators and response.status_code in (200, 304):
            response["ETag"] = validators[0]
            response["Last-Modified"] = http_date(validators[1])
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
