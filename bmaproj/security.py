"""Security glue: junk URLs refused early, and login throttling with django-axes.

The throttle counts wrong passwords per username and client address, on the login
pages and on the password-change page alike (``ThrottledPasswordChangeView``);
tries made during a lockout do not extend it
(``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``); behind a proxy the
client address is the one the trusted proxies recorded (``client_ip``).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import PasswordChangeView
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
        if len(hops) >= count and _is_address(hops[-count]):
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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


class ThrottledPasswordChangeView(PasswordChangeView):
    """The password change, throttled like the login.

    A wrong current password counts as a failed login of that username from that
    address, so the page cannot be used to guess a password that a stolen or
    unattended session does not know; during a lockout the page answers as the
    login does (429).
    """

    def _credentials(self) -> dict[str, str]:
        return {"username": self.request.user.get_username()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if AxesProxyHandler.is_locked(request, self._credentials()):
            return lockout_response(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" in form.errors:
            user_login_failed.send(
                sender=type(self), credentials=self._credentials(), request=self.request
            )
            if getattr(self.request, "axes_locked_out", False):
                return lockout_response(self.request)
        return super().form_invalid(form)
