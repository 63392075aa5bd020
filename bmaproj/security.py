"""Security glue: junk URLs refused early, and login throttling with django-axes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKOUT_STATUS = 429


class RejectNulMiddleware:
    """Answer 400 Bad Request to a URL holding a NUL character (%00).

    No page of the portal takes one, and PostgreSQL refuses to compare text with
    it, so a code such as /projects/%00/ would otherwise end in a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote_plus(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path_info or "\x00" in query:
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)


class AxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request.

    Every login a person makes (the login page, the admin's) passes its request.
    ``authenticate()`` without one, as the test client's ``login()`` and a shell do,
    has no client address to throttle; axes would raise, so it is left to the next
    backend, which checks the password as usual.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or one set by a trusted proxy.

    With PROXY_COUNT = n, the n proxies in front of the portal each appended the
    address they were called from to X-Forwarded-For, so the client is the n-th
    entry from the right; entries further left were sent by the client and may be
    forged.
    """
    count = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page shown instead of the login while a username and address cool off."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=LOCKOUT_STATUS,
    )
