"""Every URL of the portal, as every role, with valid ids, unknown ids and junk.

The walker discovers the URL patterns itself (``get_resolver().url_patterns``,
recursively, admin included), so a URL added later is walked without editing this
file. Path parameters are filled by name from the seed project's data (the
``world`` fixture's contexts; the admin's ids from each ModelAdmin's model); a
parameter the walker has no value for fails the test with a hint. Unknown ids (0,
999999999, beyond 64 bits) are among the junk.

For each role it GETs each URL with valid values, then with junk in each path
parameter and in the query string, and checks:

- never a server error;
- anonymous visitors get a page (200) only from ``PUBLIC_URLS``;
- people who are not admins get no admin page but the admin's login;
- staff of another department get no non-public page of the seed's department;
- evaluators get no page that writes agency data (names ending in -create, -edit,
  -delete), and agency staff no page of the evaluators' work (names with evaluat,
  score, lock, reopen) that is not public;
- no redirect leaves the site, no junk HTML comes back unescaped, no page has an
  inline script (the Content Security Policy would block it);
- GET writes nothing to the database.

The admin user walks the admin's own pages with valid values and junk filters on
the change lists only: Django's admin and django-simple-history's admin views answer
some junk (a non-numeric id in .../<id>/history/, ?department=<junk> on an add form)
with a server error, on pages only superusers reach.

Anonymous visitors and outsiders also POST junk to every URL they may not use:
nothing is written. The junk values are spread over the roles rather than crossed
with all of them, which keeps the walk well under a minute.
"""

from __future__ import annotations

import itertools
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from evidence import services as evidence_services
from indicators.models import Indicator, IndicatorResult
from projects import demo
from projects.models import PlanRevision, Profile, Project
from tests.evidence import samples
from tests.factories import (
    DepartmentFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)
from tests.hardening.test_security_headers import inline_scripts

# Pages anyone may read while PUBLIC_READ is on (the original portal is public).
PUBLIC_URLS = {
    "projects:overview",
    "projects:list",
    "projects:detail",
    "projects:print",
    "projects:department-list",
    "projects:department-detail",
    "indicators:list",
    "indicators:detail",
    "reports:dashboard",
    "reports:compliance",
    "reports:kpis",
    "reports:evaluations",
    "reports:department-print",
    "reports:export-xlsx",
    "reports:export-csv",
    # The JSON API's reads (approved data only) and the open data.
    *(
        f"api:{name}-{kind}"
        for name in (
            "department",
            "strategy",
            "project",
            "plan-step",
            "plan-revision",
            "progress-update",
            "indicator",
            "indicator-result",
            "project-evaluation",
            "indicator-evaluation",
            "evidence",
        )
        for kind in ("list", "detail")
    ),
    # Public evidence files of approved reports (others answer 404).
    "api:evidence-file",
    "api:evidence-thumbnail",
    "api:fiscal-year-list",
    "api:api-root",
    "api:schema",
    "api:docs",
    "api:open-data",
    "api:open-data-archive",
}
# Pages anyone may open whatever PUBLIC_READ says: logging in, and the health check.
ALWAYS_PUBLIC_URLS = {"healthz", "login", "admin:login"}
# Posting to these ends the walker's session.
LOGOUT_URLS = {"logout", "admin:logout"}
# URL names of agency writes, which evaluators must not get ...
AGENCY_WRITE = re.compile(r"(^|[-_])(create|new|edit|delete)$")
# ... unless they are the evaluators' own work.
EVALUATOR_WORK = ("score", "evaluat", "lock", "reopen")

# Junk for path parameters; each role tries the next JUNK_PATHS_PER_PARAM of them in
# each parameter, so that the five roles together try them all.
PATH_JUNK = (
    "0",
    "999999999",
    "9" * 30,
    "-1",
    "x" * 2000,
    "โครงการ-๒๕๖๓",
    "' OR '1'='1",
    "1; DROP TABLE projects_project; --",
    "<script>alert('walker')</script>",
    '"><img src=x onerror=alert(1)>',
    "2563-02-30",
    "31/13/2563",
    "\x00",
    "../../etc/passwd",
    "😀𝕏",
)
# Junk for query parameters: the same, and numbers and addresses to redirect to.
JUNK = (*PATH_JUNK, "1e309", "NaN", "https://evil.example/", "//evil.example/")
XSS_JUNK = tuple(value for value in JUNK if "<" in value)
QUERY_KEYS = (
    "fy",
    "q",
    "page",
    "department",
    "status",
    "kind",
    "level",
    "strategy",
    "sort",
    "quarter",
    "on",
    "date",
    "next",
    "o",
    "p",
    "_changelist_filters",
)
JUNK_PATHS_PER_PARAM = 3
JUNK_QUERIES = 2
ROLES = ("anonymous", "staff", "outsider", "evaluator", "admin")
# Tables a request may write to without writing the portal's data.
BOOKKEEPING_TABLES = ("django_session", "axes_")


@dataclass(frozen=True)
class Param:
    name: str
    regex: str


@dataclass(frozen=True)
class Route:
    """One URL pattern, with the pattern strings from the root to it."""

    parts: tuple[str, ...]
    kinds: tuple[str, ...]  # "route" or "regex", one per part
    name: str | None
    params: tuple[Param, ...]
    model_admin: Any = None

    @property
    def label(self) -> str:
        return self.name or "".join(self.parts)

    def build(self, values: dict[str, str]) -> str:
        """The path with each parameter replaced by its (quoted) value."""
        path = ""
        position = itertools.count(1)
        for part, kind in zip(self.parts, self.kinds, strict=True):
            if kind == "route":
                path += re.sub(
                    r"<(?:(\w+):)?(\w+)>",
                    lambda m: quote(values[m[2]], safe="/" if m[1] == "path" else ""),
                    part,
                )
            else:
                text = part.removeprefix("^").removesuffix("$")
                text = re.sub(
                    r"\((?:\?P<(\w+)>)?[^()]*\)",
                    lambda m: quote(values[m[1] or f"_{next(position)}"], safe="/"),
                    text,
                )
                path += text.replace("\\", "")
        return "/" + path


@dataclass
class Fill:
    """Values for a route's parameters, and the department owning what they name."""

    values: dict[str, str]
    department_id: int | None = None


@dataclass
class World:
    project: Project
    indicator: Indicator
    users: dict[str, Any]
    contexts: list[tuple[dict[str, list[str]], int | None]]
    admin_objects: dict[type, tuple[str, str]] = field(default_factory=dict)


def discover(patterns=None, parts=(), kinds=(), namespace="") -> Iterator[Route]:
    """Every URL pattern of the project, depth first."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        kind = "regex" if isinstance(pattern.pattern, RegexPattern) else "route"
        here = (*parts, str(pattern.pattern))
        here_kinds = (*kinds, kind)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from discover(pattern.url_patterns, here, here_kinds, inner)
        elif isinstance(pattern, URLPattern):
            name = None
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(
                parts=here,
                kinds=here_kinds,
                name=name,
                params=tuple(_params(here, here_kinds)),
                model_admin=_model_admin(pattern.callback),
            )


def _model_admin(view: Any) -> admin.ModelAdmin | None:
    """The ModelAdmin whose view this is: set by ModelAdmin.get_urls, or the
    bound method that AdminSite.admin_view wrapped (simple-history's views)."""
    found = getattr(view, "model_admin", None)
    if found is None:
        found = getattr(getattr(view, "__wrapped__", None), "__self__", None)
    return found if isinstance(found, admin.ModelAdmin) else None


def _params(parts: tuple[str, ...], kinds: tuple[str, ...]) -> Iterator[Param]:
    position = itertools.count(1)
    for part, kind in zip(parts, kinds, strict=True):
        if kind == "route":
            for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", part):
                regex = {"int": r"[0-9]+", "path": r".+"}.get(converter, r"[^/]+")
                yield Param(name, regex)
        else:
            for group in re.finditer(r"\((?:\?P<(\w+)>)?([^()]*)\)", part):
                yield Param(group[1] or f"_{next(position)}", group[2])


ROUTES = list(discover())


@pytest.fixture
def world(db) -> World:
    project, _created = demo.write_seed_project()
    department = project.department
    other = DepartmentFactory()
    ProjectFactory(department=other)
    users = {
        "anonymous": None,
        "staff": UserFactory(username="walk-staff", role=Profile.Role.STAFF),
        "outsider": UserFactory(username="walk-outsider", role=Profile.Role.STAFF),
        "evaluator": UserFactory(
            username="walk-evaluator", role=Profile.Role.EVALUATOR
        ),
        "admin": UserFactory(
            username="walk-admin",
            role=Profile.Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        ),
    }
    department.members.add(users["staff"])
    other.members.add(users["outsider"])
    indicator = Indicator.objects.get(projects=project)
    update_pks = [str(pk) for pk in project.updates.values_list("pk", flat=True)[:1]]
    step_pks = [str(pk) for pk in project.steps.values_list("pk", flat=True)[:1]]
    evaluation_pks = [
        str(pk) for pk in project.evaluations.values_list("pk", flat=True)[:1]
    ]
    result_pks = [
        str(pk)
        for pk in IndicatorResult.objects.filter(indicator=indicator).values_list(
            "pk", flat=True
        )[:1]
    ] + [str(pk) for pk in indicator.evaluations.values_list("pk", flat=True)[:1]]
    staff = users["staff"]
    strategy = StrategyNodeFactory(code="9.9")
    revision = PlanRevision.objects.create(project=project, number=1)
    # A photo on the seed project's first report, for the evidence pages.
    photo = evidence_services.prepare(
        SimpleUploadedFile("site.jpg", samples.jpeg_with_gps(), "image/jpeg")
    )
    (attachment,) = evidence_services.attach(
        target=project.updates.order_by("pk").first(), user=staff, files=[photo]
    )
    fiscal_year = [str(project.fiscal_year)]
    quarters = ["1", "2"]
    contexts = [
        (
            {
                "code": [project.code],
                "pk": update_pks + step_pks + evaluation_pks,
                "quarter": quarters,
                "fy": fiscal_year,
                "fiscal_year": fiscal_year,
            },
            department.pk,
        ),
        ({"code": [department.code], "fy": fiscal_year}, department.pk),
        (
            {
                "code": [indicator.code],
                "quarter": quarters,
                "pk": result_pks,
                "fy": fiscal_year,
            },
            department.pk,
        ),
        ({"pk": [str(attachment.pk)]}, department.pk),
        ({"fy": fiscal_year, "quarter": quarters}, None),
        ({"code": [strategy.code], "pk": [str(revision.pk)]}, department.pk),
        (
            {
                "uidb64": [urlsafe_base64_encode(force_bytes(staff.pk))],
                "token": [default_token_generator.make_token(staff)],
            },
            None,
        ),
        ({"app_label": ["projects"]}, None),
        (
            {
                "content_type_id": [str(ContentType.objects.get_for_model(Project).pk)],
                "object_id": [str(project.pk)],
            },
            None,
        ),
        ({"url": ["projects/"]}, None),
        # Names of exports, tables and the like: any one the portal knows will do.
        (
            {"name": ["projects", "indicators", "kpis", "evaluations", "compliance"]},
            None,
        ),
    ]
    world = World(project, indicator, users, contexts)
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        history = getattr(obj, "history", None)
        history_id = ""
        if history is not None:
            if not history.exists():
                obj.save()
            history_id = str(history.latest().history_id)
        world.admin_objects[model] = (str(obj.pk), history_id)
    return world


def valid_fills(route: Route, world: World) -> list[Fill]:
    names = [param.name for param in route.params]
    if not names:
        return [Fill({})]
    if route.model_admin is not None:
        pk, history_id = world.admin_objects.get(route.model_admin.model, ("1", "1"))
        values = {"object_id": pk, "id": pk, "_1": pk, "_2": history_id or "1"}
        if set(names) <= values.keys():
            return [Fill({name: values[name] for name in names})]
    fills = []
    for context, department_id in world.contexts:
        if set(names) <= context.keys():
            for combination in itertools.product(*(context[name] for name in names)):
                values = dict(zip(names, combination, strict=True))
                fills.append(Fill(values, department_id))
    return fills


def junk_fills(route: Route, base: Fill, role_index: int) -> Iterator[Fill]:
    """Junk in each path parameter in turn, the other parameters kept valid.

    Each role takes the next few junk values, so that the roles together try all.
    """
    for offset, param in enumerate(route.params):
        start = role_index * JUNK_PATHS_PER_PARAM + offset
        for step in range(JUNK_PATHS_PER_PARAM):
            value = PATH_JUNK[(start + step) % len(PATH_JUNK)]
            if re.fullmatch(param.regex, value):
                yield Fill({**base.values, param.name: value}, base.department_id)


def junk_queries(route: Route, role_index: int) -> Iterator[dict[str, str]]:
    start = (role_index * JUNK_QUERIES + len(route.label)) % len(JUNK)
    for step in range(JUNK_QUERIES):
        value = JUNK[(start + step) % len(JUNK)]
        yield dict.fromkeys(QUERY_KEYS, value)


def view_name(path: str) -> str | None:
    try:
        return resolve(unquote(urlsplit(path).path)).view_name
    except Resolver404:
        return None


def row_counts() -> dict[str, int]:
    tables = [
        table
        for table in connection.introspection.table_names()
        if not table.startswith(BOOKKEEPING_TABLES)
    ]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


class Walk:
    """Requests of one role, and what went wrong with them."""

    def __init__(self, role: str, world: World, settings) -> None:
        self.role = role
        self.world = world
        self.settings = settings
        self.client = Client(raise_request_exception=False)
        user = world.users[role]
        if user is not None:
            self.client.force_login(user)
        self.problems: list[str] = []
        self.requests = 0

    def get(self, route: Route, fill: Fill, query: dict[str, str] | None = None):
        path = route.build(fill.values)
        response = self.client.get(path, query or {})
        self.check(route, fill, path, query, response, "GET")
        return response

    def post(self, route: Route, fill: Fill) -> None:
        path = route.build(fill.values)
        data = dict.fromkeys(QUERY_KEYS, JUNK[len(path) % len(JUNK)])
        response = self.client.post(path, data)
        self.check(route, fill, path, data, response, "POST")

    def check(self, route, fill, path, query, response, method) -> None:
        self.requests += 1
        status = response.status_code
        where = f"{self.role} {method} {path[:120]!r} ({route.label})"
        if query:
            where += f" with {next(iter(query.values()))[:40]!r}"
        if status >= 500:
            detail = ""
            if getattr(response, "exc_info", None):
                detail = "".join(traceback.format_exception(*response.exc_info)[-3:])
            self.problems.append(f"{where}: {status}\n{detail}")
            return
        location = response.get("Location", "")
        if location and urlsplit(location).netloc not in ("", "testserver"):
            self.problems.append(f"{where}: redirects off the site to {location}")
        if response.get("Content-Type", "").startswith("text/html"):
            body = response.content.decode(errors="replace")
            for value in XSS_JUNK:
                if value in body:
                    self.problems.append(f"{where}: echoes {value!r} unescaped")
        if status != 200:
            return
        if response.get("Content-Type", "").startswith("text/html"):
            found = inline_scripts(response.content.decode(errors="replace"))
            if found:
                self.problems.append(f"{where}: inline script {found[:2]}")
        name = view_name(path) or ""
        public = name in ALWAYS_PUBLIC_URLS or (
            self.settings.PUBLIC_READ and name in PUBLIC_URLS
        )
        if self.role == "anonymous" and not public:
            self.problems.append(f"{where}: 200 for an anonymous visitor ({name})")
        if self.role != "admin" and name.startswith("admin:") and name != "admin:login":
            self.problems.append(f"{where}: an admin page for a non-admin ({name})")
        if (
            self.role == "outsider"
            and fill.department_id is not None
            and name not in PUBLIC_URLS | ALWAYS_PUBLIC_URLS
        ):
            self.problems.append(
                f"{where}: another department's non-public page ({name})"
            )
        if (
            self.role == "evaluator"
            and not name.startswith("admin:")
            and AGENCY_WRITE.search(name.rpartition(":")[2])
            and not any(word in name for word in EVALUATOR_WORK)
        ):
            self.problems.append(f"{where}: an agency write page for an evaluator")
        if (
            self.role in ("staff", "outsider")
            and not name.startswith("admin:")
            and any(word in name for word in EVALUATOR_WORK)
            and name not in PUBLIC_URLS
        ):
            self.problems.append(f"{where}: an evaluator's page for agency staff")


def walk(
    role: str, world: World, settings, *, junk: bool = True
) -> tuple[Walk, list[str]]:
    """GET every route as ``role``; returns the walk and the routes never reached."""
    role_index = ROLES.index(role)
    walker = Walk(role, world, settings)
    unreached = []
    for route in ROUTES:
        fills = valid_fills(route, world)
        if not fills:
            walker.problems.append(
                f"{route.label}: no valid value for its parameters "
                f"{[p.name for p in route.params]}; add them to the world's contexts"
            )
            continue
        statuses = [walker.get(route, fill).status_code for fill in fills]
        if all(status == 404 for status in statuses):
            unreached.append(route.label)
        if not junk:
            continue
        admins_own = role == "admin" and route.parts[0] == "admin/"
        if not admins_own:
            for fill in junk_fills(route, fills[0], role_index):
                walker.get(route, fill)
        if not admins_own or (route.name or "").endswith("_changelist"):
            for query in junk_queries(route, role_index):
                walker.get(route, fills[0], query)
    return walker, unreached


@pytest.mark.parametrize("role", ROLES)
def test_every_url_as_every_role(role, world, settings):
    before = row_counts()
    walker, _unreached = walk(role, world, settings)
    assert walker.requests > len(ROUTES)
    assert not walker.problems, "\n".join(walker.problems)
    assert row_counts() == before, "a GET wrote to the database"


def test_the_admin_reaches_every_url_with_the_seed_data(world, settings):
    """Each pattern answers something other than 404 to its valid values,
    so the walk above really reaches the pages and not only 'not found'."""
    _walker, unreached = walk("admin", world, settings, junk=False)
    _walker, staff_unreached = walk("staff", world, settings, junk=False)
    # The API's catch-all answers 404 to everything it matches, by design.
    never = sorted(set(unreached) & set(staff_unreached) - {"api:not-found"})
    assert not never, f"never reached with valid values: {never}"


def test_anonymous_reads_nothing_but_logging_in_when_public_read_is_off(
    world, settings
):
    settings.PUBLIC_READ = False
    walker, _unreached = walk("anonymous", world, settings)
    assert not walker.problems, "\n".join(walker.problems)


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_posting_junk_where_one_may_not_writes_nothing(role, world, settings):
    walker = Walk(role, world, settings)
    before = row_counts()
    for route in ROUTES:
        if route.name in LOGOUT_URLS:
            continue
        for fill in valid_fills(route, world)[:1]:
            if role == "outsider" and fill.department_id is None:
                continue
            walker.post(route, fill)
    assert walker.requests > 10
    assert not walker.problems, "\n".join(walker.problems)
    assert row_counts() == before, f"a {role} POST wrote to the database"


def test_discovers_the_portal_admin_and_login_urls():
    names = {route.name for route in ROUTES}
    assert {"projects:detail", "indicators:detail", "healthz", "login"} <= names
    assert "admin:projects_project_changelist" in names
    assert any(route.model_admin is not None for route in ROUTES)
    missing = PUBLIC_URLS - names
    assert not missing, f"public pages renamed or gone: update PUBLIC_URLS {missing}"
