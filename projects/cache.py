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

**Scoped versions.** A monthly report changes one project, yet a single version
would make every project, department and KPI page of the city render afresh. So
besides the data version (``VERSION_KEY``, changed by *every* write) there is a
base version (``BASE_KEY``, changed by every write that is not scoped) and one
version per project, per department and per KPI. A write whose effects are known
(``scope_of``: a progress report, a plan step, money, an evaluation, a KPI result
or score, their evidence) changes only the versions of what it touches, expanded
when it commits (``expand``): a project's write changes the project's version,
its department's and those of the KPIs linked to it; a KPI's write changes the
KPI's, its department's and those of the projects linked to it. Every other write
(a project, a department, a strategy, a user, a lock, an import of projects, the
admin, the data commands) changes the base version, and with it every value. A
value cached with a ``scope`` (``cached``, ``fragment_page``, ``cached_each``) is
used while the base version and the versions of its scope are unchanged; one
cached without a scope follows the data version, as the city-wide pages and the
anonymous visitors' whole pages do. A city-wide figure is assembled from pieces
cached per department (``cached_each``), so after one report only that
department's piece is read again from the database.

Each scoped value names what it shows: the project page its project (its KPI
table follows the project's version: KPI writes change the linked projects'), a
department's page and its list of projects the department, a KPI page the KPI.
Where the dependencies of a write cannot be named, the write is not scoped.

**A new release never serves an older one's pages.** Every key carries the release
(``release()``: the ``PORTAL_RELEASE`` setting, or a digest of the code, templates,
translations and static files), so changed templates or rules are seen at once
after a deploy, while replicas of one release share their entries. The versions
(data, base and scoped) are shared by all releases: a write on a replica of either
release during a rolling deploy makes both releases' copies stale.

**The cache cannot be flooded.** A page is cached under its path and the *known*
filter parameters its view reads (``@public_page("fy", "department")``), put in
one order; the view sees only those, so junk parameters (``?utm=…``, ``?x=1``)
neither bypass the cache nor make new entries. A request with a parameter given
twice, an over-long value or a text search (``q``) is rendered, not cached. The
table is bounded in bytes as well as in entries (``BoundedDatabaseCache``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import random
import re
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

T = TypeVar("T")
K = TypeVar("K")

VERSION_KEY = "portal:data-version"
# Changed by every write that is not scoped: every cached value depends on it.
BASE_KEY = "portal:base-version"
# A write touching more than this many projects and KPIs makes every value stale.
MAX_SCOPE = 200
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


def version_key(kind: str, pk: int) -> str:
    """The cache key of one project's, department's or KPI's version."""
    return f"portal:version:{kind}:{pk}"


def project_scope(pk: int) -> tuple[str, ...]:
    """The scope of what one project's page shows."""
    return (version_key("project", pk),)


def department_scope(pk: int) -> tuple[str, ...]:
    """The scope of what a department's projects and KPIs make of its pages."""
    return (version_key("department", pk),)


def indicator_scope(pk: int) -> tuple[str, ...]:
    """The scope of what one KPI's page shows."""
    return (version_key("indicator", pk),)


def scope_of(instance: Any) -> tuple[tuple[str, int], ...] | None:
    """What a write of ``instance`` changes: ("project", pk) and ("indicator", pk)
    seeds, expanded on commit; None when it cannot be named (the whole portal).

    A row of a project (report, plan step or revision, budget line, disbursement
    plan and its months, the evaluator's score) is the project's; a KPI's result,
    target revision, evaluation and criterion score are the KPI's; evidence is its
    report's or result's. A project, KPI, department, strategy, lock, person or
    anything else is not scoped.
    """
    from evidence.models import Attachment
    from indicators.models import (
        CriterionScore,
        IndicatorEvaluation,
        IndicatorResult,
        TargetRevision,
    )
    from projects.models import (
        BudgetLine,
        DisbursementPlan,
        DisbursementPlanMonth,
        PlanRevision,
        PlanRevisionStep,
        PlanStep,
        ProgressUpdate,
        ProjectEvaluation,
    )

    project_rows = (
        ProgressUpdate,
        PlanStep,
        PlanRevision,
        BudgetLine,
        DisbursementPlan,
        ProjectEvaluation,
    )
    if isinstance(instance, project_rows):
        return (("project", instance.project_id),)
    if isinstance(instance, PlanRevisionStep):
        return (("project", instance.revision.project_id),)
    if isinstance(instance, DisbursementPlanMonth):
        return (("project", instance.plan.project_id),)
    if isinstance(instance, IndicatorResult | TargetRevision | IndicatorEvaluation):
        return (("indicator", instance.indicator_id),)
    if isinstance(instance, CriterionScore):
        return (("indicator", instance.evaluation.indicator_id),)
    if isinstance(instance, Attachment):
        if instance.update_id is not None:
            return (("project", instance.update.project_id),)
        if instance.result_id is not None:
            return (("indicator", instance.result.indicator_id),)
    return None


def expand(seeds: Iterable[tuple[str, int]]) -> list[str]:
    """The version keys a scoped write changes (see the module's docstring)."""
    from indicators.models import Indicator
    from projects.models import Project

    projects = {pk for kind, pk in seeds if kind == "project"}
    indicators = {pk for kind, pk in seeds if kind == "indicator"}
    links = Indicator.projects.through.objects
    linked = list(
        links.filter(Q(project__in=projects) | Q(indicator__in=indicators))
        .values_list("project", "indicator")
        .order_by()
    )
    projects |= {project for project, _indicator in linked}
    indicators |= {indicator for _project, indicator in linked}
    departments = set(
        Project.objects.filter(pk__in=projects)
        .values_list("department", flat=True)
        .order_by()
    ) | set(
        Indicator.objects.filter(pk__in=indicators)
        .values_list("department", flat=True)
        .order_by()
    )
    return sorted(
        [version_key("project", pk) for pk in projects]
        + [version_key("indicator", pk) for pk in indicators]
        + [version_key("department", pk) for pk in departments]
    )


def bump_data_version(scope: Iterable[tuple[str, int]] | None = None) -> None:
    """Make the cached values a write changes stale, from the moment it commits.

    ``scope``: the write's seeds (``scope_of``); None (the default) makes every
    cached value stale. Once a transaction: an import saving 60,000 rows would
    otherwise write the versions 60,000 times after its commit; the seeds of all
    the transaction's writes are gathered, and past ``MAX_SCOPE`` of them the
    whole portal is made stale. A registration is reused only while it is
    pending (not yet run, and not dropped with a rolled-back savepoint), so a
    write after a publication always registers again.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _ids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Publication) and func.pending:
                func.add(scope)
                return
    publication = _Publication()
    publication.add(scope)
    transaction.on_commit(publication)


class _Publication:
    """One registration of new versions, run when its transaction commits."""

    def __init__(self) -> None:
        self.pending = True
        self.whole = False
        self.seeds: set[tuple[str, int]] = set()

    def add(self, scope: Iterable[tuple[str, int]] | None) -> None:
        if scope is None:
            self.whole = True
        else:
            self.seeds.update(scope)
        if len(self.seeds) > MAX_SCOPE:
            self.whole = True

    def __call__(self) -> None:
        self.pending = False
        if self.whole or not self.seeds:
            _publish_new_version()
            return
        try:
            keys = expand(self.seeds)
        except DatabaseError:
            # The write has committed: when its scope cannot be read, make
            # every value stale rather than leave some stale values in use.
            _publish_new_version()
            return
        _publish(keys)


def _publish(keys: list[str]) -> None:
    # One transaction: a request reads the versions in one query, so it sees
    # all of them new or none (a city-wide page built from department pieces
    # must not see a new data version beside an old department version).
    values = {key: uuid.uuid4().hex for key in keys}
    values[VERSION_KEY] = uuid.uuid4().hex
    with transaction.atomic():
        cache.set_many(values, timeout=None)


def _publish_new_version() -> None:
    """A new base and data version: every cached value is stale."""
    _publish([BASE_KEY])


def _new_version(key: str = VERSION_KEY) -> str:
    # add() keeps a version another process set first; either way, read the winner.
    # The base and data versions are made together, so that the next request,
    # whichever it reads, finds both (an empty cache costs one request, not two).
    for made in (BASE_KEY, VERSION_KEY) if key in (BASE_KEY, VERSION_KEY) else (key,):
        cache.add(made, uuid.uuid4().hex, timeout=None)
    return cache.get(key) or uuid.uuid4().hex


def _versions(found: dict, keys: Iterable[str]) -> tuple[str, ...]:
    """The current versions of ``keys``, read in ``found`` or made."""
    return tuple(found.get(key) or _new_version(key) for key in keys)


def _version_keys(scope: Sequence[str] | None) -> tuple[str, ...]:
    """The versions a value depends on: the data version, or the base version
    and its scope's."""
    return (VERSION_KEY,) if scope is None else (BASE_KEY, *scope)


# What a release is made of: the files whose change can change a cached page.
RELEASE_SUFFIXES = (".py", ".html", ".txt", ".mo", ".css", ".js", ".json", ".svg")
RELEASE_SKIPPED = frozenset(
    {".git", ".venv", "node_modules", "staticfiles", "media", "backups", "imports"}
    | {"tests", "bench", "audit", "deploy", "build", "__pycache__", ".ruff_cache"}
)


@functools.cache
def release() -> str:
    """The release the running code is: ``PORTAL_RELEASE`` or a digest of its files."""
    return settings.PORTAL_RELEASE or code_digest(settings.BASE_DIR)


def code_digest(root: os.PathLike | str) -> str:
    """A digest of the contents of the release's files under ``root`` (about 10 ms)."""
    digest = hashlib.sha256()
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(
            name
            for name in folders
            if name not in RELEASE_SKIPPED and not name.endswith(".egg-info")
        )
        for name in sorted(files):
            if name.endswith(RELEASE_SUFFIXES):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode() + b"\x00")
                with open(path, "rb") as file:
                    digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()[:16]


def _key(*parts: object) -> str:
    """A short cache key of any parts (paths, query strings, Thai text), per release."""
    text = "\x1f".join(map(str, (release(), *parts)))
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    return f"portal:{parts[0]}:{digest}"


def cached(
    name: str,
    compute: Callable[[], T],
    *parts: object,
    scope: Sequence[str] | None = None,
) -> T:
    """The value of ``compute()`` for ``name`` and ``parts``, cached per data
    version, or per base version and the versions of ``scope``.

    One round trip to the cache reads both the versions and the value.
    """
    keys = _version_keys(scope)
    key = _key(name, timezone.localdate(), *parts)
    found = cache.get_many([*keys, key])
    version = _versions(found, keys)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    cache.set(key, (version, value), timeout=TIMEOUT)
    return value


def cached_each(
    name: str,
    compute: Callable[[list[K]], dict[K, T]],
    scopes: dict[K, Sequence[str]],
    *parts: object,
) -> dict[K, T]:
    """A value for each item of ``scopes``, each cached under the base version
    and its own scope; those missing or stale are computed in one call,
    ``compute(items)``, which returns a value for each item it is given.

    One round trip reads every version and value: after a write scoped to one
    department, only that department's piece is computed again.
    """
    keys = {item: _key(name, timezone.localdate(), *parts, item) for item in scopes}
    version_keys = [BASE_KEY]
    for scope in scopes.values():
        version_keys += [key for key in scope if key not in version_keys]
    found = cache.get_many([*version_keys, *keys.values()])
    current = dict(zip(version_keys, _versions(found, version_keys), strict=True))
    expected = {
        item: tuple(current[key] for key in _version_keys(scope))
        for item, scope in scopes.items()
    }
    values: dict[K, T] = {}
    for item, key in keys.items():
        entry = found.get(key)
        if entry is not None and entry[0] == expected[item]:
            values[item] = entry[1]
    missing = [item for item in scopes if item not in values]
    if missing:
        computed = compute(missing)
        cache.set_many(
            {keys[item]: (expected[item], computed[item]) for item in missing},
            timeout=TIMEOUT,
        )
        values.update(computed)
    return {item: values[item] for item in scopes}


def _cacheable_request(request: HttpRequest) -> bool:
    """An anonymous visitor's GET with no cookie that could change the page."""
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    neutral = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return set(request.COOKIES) <= neutral


# Values longer than this are no filter a link of the portal makes.
MAX_PARAM_LENGTH = 100
# Free-text parameters: every search is its own page, so none is cached.
UNCACHED_PARAMS = frozenset({"q"})


def known_query(request: HttpRequest, params: Iterable[str]) -> tuple[str, str, bool]:
    """The request's query string with only ``params``, as sent (for the view)
    and in one order (for the cache key), and whether a page with it may be
    cached (no repeated, over-long or free-text value)."""
    cacheable = True
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name not in params:
            continue
        if (
            len(values) > 1
            or len(values[0]) > MAX_PARAM_LENGTH
            or (name in UNCACHED_PARAMS and values[0])
        ):
            cacheable = False
        kept.setlist(name, values)
    ordered = QueryDict(mutable=True)
    for name in sorted(kept):
        ordered.setlist(name, kept.getlist(name))
    return kept.urlencode(), ordered.urlencode(), cacheable


def public_page(
    *params: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve anonymous visitors a reading page from the shared cache.

    ``params`` are the query parameters the view reads; the view sees only those.
    The page is cached per path, known parameters (in one order), language and
    day, under the data version. Signed-in people (whose pages show their own links and
    data-quality flags) and visitors carrying a session or messages get the page
    rendered for them. The form token is not cached: each visitor gets their own.
    """
    for param in params:
        if not isinstance(param, str):
            raise TypeError("use @public_page(...) with the parameters the view reads")

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return _public_page(view, frozenset(params))

    return decorate


def _public_page(
    view: Callable[..., HttpResponse], params: frozenset[str]
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query, key_query, cacheable_query = known_query(request, params)
        if query != request.META.get("QUERY_STRING", ""):
            request.GET = QueryDict(query)
            request.META["QUERY_STRING"] = query
        if not cacheable_query or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(
            "page", timezone.localdate(), get_language(), request.path, key_query
        )
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


# The part of a page that is the same for everyone in one audience, marked in the
# page's template around the content it shares (``{% block content %}``).
FRAGMENT_START = "<!--fragment-->"
FRAGMENT_END = "<!--/fragment-->"


def fragment_page(
    request: HttpRequest,
    name: str,
    parts: tuple,
    *,
    full: Callable[[], HttpResponse],
    thin: Callable[[SafeString], HttpResponse],
    scope: Sequence[str] | None = None,
) -> HttpResponse:
    """A signed-in person's page, with its shared part from the cache.

    What signed-in people read is rendered for them (their menu, name, form token
    and messages), but most of a page is the same for everyone who may do the
    same things on it. ``full()`` renders the whole page, its shared part between
    ``FRAGMENT_START`` and ``FRAGMENT_END``; that part is cached under ``name``,
    ``parts`` (what the page shows: its object, filters; and what differs per
    person: role, edit rights), the language and the day, under the data version
    like every cached value. The next request of the same audience gets
    ``thin(fragment)``: the page around the cached part, without the queries and
    the rendering of the part. A request that carries messages is rendered whole
    (they are shown inside the part). The form token is kept per visitor.
    Anonymous visitors are left to ``public_page``, which caches their whole page.
    With a ``scope``, the part is kept while the base version and the versions
    of the scope are unchanged (see the module's docstring).
    ``parts`` must come from a bounded set (parsed filters, not raw query strings
    with repeated or over-long values), or the cache could be flooded.
    """
    if not request.user.is_authenticated or len(get_messages(request)):
        return full()
    key = _key("fragment", name, timezone.localdate(), get_language(), *parts)
    keys = _version_keys(scope)
    found = cache.get_many([*keys, key])
    version = _versions(found, keys)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        html = zlib.decompress(entry[1]).decode()
        return thin(mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request))))  # noqa: S308  # nosec B308 B703 (rendered by our own template)
    response = full()
    if response.status_code == 200 and not response.streaming:
        content = response.content.decode()
        start = content.find(FRAGMENT_START)
        end = content.find(FRAGMENT_END, start)
        if 0 <= start < end:
            fragment = content[start : end + len(FRAGMENT_END)]
            fragment = CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", fragment)
            packed = zlib.compress(fragment.encode(), 1)
            cache.set(key, (version, packed), timeout=TIMEOUT)
    return response


class BoundedDatabaseCache(DatabaseCache):
    """Django's database cache, bounded in bytes as well as in entries.

    OPTIONS: ``MAX_BYTES`` (the table's values, in bytes; 0 for no bound),
    ``MAX_ENTRY_BYTES`` (a larger value is not stored at all) and
    ``BYTES_CHECK_EVERY`` (the table's size is summed on one set in that many,
    at random: a sum reads every row, as the COUNT(*) Django makes on every set
    does). Over the bound, expired entries go first, then those nearest to
    expiry, down to three quarters of it. Entries without expiry (the data
    version) are never culled. Between two checks a process can add at most
    ``BYTES_CHECK_EVERY`` entries of ``MAX_ENTRY_BYTES``: that is the overshoot.
    """

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        options = params.get("OPTIONS", {})
        self._max_bytes = int(options.get("MAX_BYTES", 0))
        self._max_entry_bytes = int(options.get("MAX_ENTRY_BYTES", 0))
        self._check_every = max(int(options.get("BYTES_CHECK_EVERY", 10)), 1)

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        if mode != "touch" and (self._max_bytes or self._max_entry_bytes):
            size = len(pickle.dumps(value, self.pickle_protocol)) * 4 // 3
            if self._max_entry_bytes and size > self._max_entry_bytes:
                return False
            if self._max_bytes and random.randrange(self._check_every) == 0:  # noqa: S311
                self.cull_to_max_bytes()
        return super()._base_set(mode, key, value, timeout)

    def stored_bytes(self) -> int:
        """The bytes of the values the table holds (as stored, base64)."""
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        # PostgreSQL's octet_length reads a stored value's size from its header,
        # without fetching and decompressing the value (length() would).
        size = "octet_length" if connection.vendor == "postgresql" else "length"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(SUM({size}(value)), 0) FROM {table}")  # noqa: S608  # nosec B608 (the table is a setting)
            return int(cursor.fetchone()[0])

    def cull_to_max_bytes(self) -> None:
        """Drop entries until the values take at most three quarters of MAX_BYTES."""
        if self.stored_bytes() <= self._max_bytes:
            return
        connection = connections[router.db_for_write(self.cache_model_class)]
        quote = connection.ops.quote_name
        table = quote(self._table)
        now = connection.ops.adapt_datetimefield_value(
            timezone.now().replace(microsecond=0)
        )
        never = connection.ops.adapt_datetimefield_value(
            datetime.max.replace(microsecond=0)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])  # noqa: S608  # nosec B608 (the table is a setting)
            while self.stored_bytes() > self._max_bytes * 3 // 4:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE expires < %s",  # noqa: S608  # nosec B608 (the table is a setting)
                    [never],
                )
                count = int(cursor.fetchone()[0])
                if count == 0:
                    return
                cursor.execute(
                    f"DELETE FROM {table} WHERE cache_key IN ("  # noqa: S608  # nosec B608 (the table is a setting)
                    f"SELECT cache_key FROM {table} WHERE expires < %s "
                    f"ORDER BY expires LIMIT %s)",
                    [never, max(count // 4, 1)],
                )
