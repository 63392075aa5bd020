"""The shared cache of derived figures and rendered pages, right across replicas.

Every cached value is stored with the **data version** it was computed under, and is
used only while that version is still the current one. The version is one key in
the shared cache (the ``default`` alias: a table in PostgreSQL, so every process
and every ``web`` replica sees the same one). A write changes the version, and so
every value cached before it is ignored by the very next request, on any replica.

**Every code path that writes portal data must call** ``bump_data_version()``: the
service functions in ``projects/services.py`` and ``indicators/services.py``, the
Django admin (``PortalModelAdmin``), and the data commands (``load_demo``,
``generate_data``). Call it inside the writing transaction or after it: the new
version is published when the transaction commits, so no request can cache what it
read before the commit under the new version. A write that forgets to bump leaves
pages and figures stale until the next bump or the end of the day.

Invalidation is whole-portal on purpose: writes are rare beside reads (monthly
reports, quarterly scores), and one version cannot miss a dependency, such as a
KPI result changing a project page that shows the KPI.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

T = TypeVar("T")

VERSION_KEY = "portal:data-version"
# Cached values also carry the date: derived figures are read at today's date.
TIMEOUT = 24 * 60 * 60
# The form token of the page a cached copy was rendered for, replaced per visitor.
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = "\x00csrf-token\x00"


def data_version() -> str:
    """The current data version; a new one is made when the cache has none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _new_version()
    return version


def bump_data_version() -> None:
    """Make every cached value stale, from the moment the current write commits.

    Once a transaction: an import saving 60,000 rows would otherwise write the
    version 60,000 times after its commit. A savepoint rolled back drops its own
    registration, and the next write registers again.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is _publish_new_version for _ids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_publish_new_version)


def _publish_new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _new_version() -> str:
    # add() keeps a version another process set first; either way, read the winner.
    cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    return cache.get(VERSION_KEY) or uuid.uuid4().hex


def _key(*parts: object) -> str:
    """A short cache key of any parts (paths, query strings, Thai text)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:40]
    return f"portal:{parts[0]}:{digest}"


def cached(name: str, compute: Callable[[], T], *parts: object) -> T:
    """The value of ``compute()`` for ``name`` and ``parts``, cached per data version.

    One round trip to the cache reads both the version and the value.
    """
    key = _key(name, timezone.localdate(), *parts)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _new_version()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    cache.set(key, (version, value), timeout=TIMEOUT)
    return value


def _cacheable_request(request: HttpRequest) -> bool:
    """An anonymous visitor's GET with no cookie that could change the page."""
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    neutral = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return set(request.COOKIES) <= neutral


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous visitors a reading page from the shared cache.

    The page is cached per full path, language and day, under the data version.
    Signed-in people (whose pages show their own links and data-quality flags) and
    visitors carrying a session or messages get the page rendered for them. The
    form token is not cached: each visitor gets their own.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        path = request.get_full_path()
        key = _key("page", timezone.localdate(), get_language(), path)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or _new_version()
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            _version, content_type, packed = entry
            html = zlib.decompress(packed).decode()
            html = html.replace(CSRF_PLACEHOLDER, get_token(request))
            return HttpResponse(html, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            html = CSRF_INPUT.sub(
                rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", response.content.decode()
            )
            # Compressed: a big page is read from the cache table ten times faster.
            packed = zlib.compress(html.encode(), 1)
            entry = (version, response["Content-Type"], packed)
            cache.set(key, entry, timeout=TIMEOUT)
        return response

    return wrapper
