"""The portal's own error pages: its layout, its language and a way back.

Django calls these for 400, 403, 404 and 500 (``handler400`` … in bmaproj/urls.py)
and for a refused form token (``CSRF_FAILURE_VIEW``). Two cases get pages of their
own:

- a request larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413): the person is told
  the limit and that the browser still holds what they typed (static/js/drafts.js);
- the database unreachable (503 with Retry-After): a short page that needs no
  database, since the layout reads the signed-in user and the fiscal years.

A failure while rendering the layout falls back to the plain page, so an error
page never fails in turn.
"""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
TOO_LARGE_STATUS = 413
UNAVAILABLE_STATUS = 503
API_PREFIX = "/api/"


def _back_url(request: HttpRequest) -> str | None:
    """The page the person came from, when it is one of the portal's own."""
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer)
    if not referer or (parts.netloc and parts.netloc != request.get_host()):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") or None


def _render(
    request: HttpRequest, status: int, title: str, message: str, **extra: Any
) -> HttpResponse:
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back_url": _back_url(request),
        **extra,
    }
    try:
        html = loader.render_to_string("errors/error.html", context, request)
    except Exception:  # noqa: BLE001 - an error page must not fail in turn
        logger.exception("The error page's layout failed; the plain page is sent")
        html = loader.render_to_string("errors/plain.html", context)
    return _no_store(HttpResponse(html, status=status))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def unavailable(request: HttpRequest) -> HttpResponse:
    """503: the database does not answer. Needs no database to render."""
    html = loader.render_to_string(
        "errors/unavailable.html", {"languages": ("th", "en")}
    )
    response = _no_store(HttpResponse(html, status=UNAVAILABLE_STATUS))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def too_large(request: HttpRequest) -> HttpResponse:
    """413: the form sent more than the portal accepts; nothing was saved."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _render(
        request,
        TOO_LARGE_STATUS,
        _("What you sent is too large"),
        _(
            "The form you sent is larger than the portal accepts (%(size).1f MB), "
            "so nothing was saved. Go back to the form: your browser still holds "
            "what you typed. Shorten the longest texts, or send the report in "
            "parts, and save again."
        )
        % {"size": megabytes},
        keep_work=True,
    )


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        return too_large(request)
    if request.path_info.startswith(API_PREFIX):
        return _api_bad_request()
    return _render(
        request,
        400,
        _("The request could not be read"),
        _("The address or the form sent was not one the portal understands."),
    )


def _api_bad_request() -> JsonResponse:
    """400 in the JSON API's error shape (api/errors.py) for a request refused
    before any view ran (a NUL character in the address, for one)."""
    message = {}
    for language in ("th", "en"):
        with translation.override(language):
            message[language] = _(
                "The address or the form sent was not one the portal understands."
            )
    body = {"errors": [{"field": None, "code": "bad_request", "message": message}]}
    return _no_store(JsonResponse(body, status=400))


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return _render(
        request,
        403,
        _("You may not open this page"),
        _("Your account has no access to this page. Log in as someone who has."),
    )


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return _render(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address. It may have moved or been deleted."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if is_database_down(error):
        return unavailable(request)
    return _render(
        request,
        500,
        _("Something went wrong"),
        _("The portal failed to show this page. Try again in a moment."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _render(
        request,
        403,
        _("The form has expired"),
        _(
            "The form was sent without a valid security token, often because it "
            "was open for a long time or cookies are off. Go back, reload the "
            "page and send it again."
        ),
        keep_work=True,
    )


def is_database_down(error: BaseException | None) -> bool:
    """Whether an error says the database cannot be reached (not a bad query)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    # SQLite's "database is locked" and the like are OperationalErrors too, but a
    # lost or refused connection is what an unreachable server gives.
    text = str(error).lower()
    return any(
        word in text
        for word in (
            "connect",
            "connection",
            "server closed",
            "terminating",
            "shutting down",
            "could not translate host",
            "timeout",
            "unable to open database",
        )
    )
