"""Load and soak on loopback: ``make soak`` (60 s, 20 clients); CI runs a short form.

What it does, printing its progress:

1. Prepares a PostgreSQL database (bmaproj_soak by default, on a loopback address
   only): migrates it, and makes one staff user and three projects per client in
   a department of its own, each with a one-step work plan over the last fiscal
   year (every day of it already past, so every day can take a report). Reports a
   previous run left are deleted first.
2. Starts the portal as in production with bench/run.py's helpers: gunicorn with
   2 sync workers on 127.0.0.1, DEBUG off, requests marked as forwarded over HTTPS.
3. Runs the clients at once for the given time, each a person with a browser of
   its own: it logs in, then reads pages (its project, the project list, the
   overview, My work) and reports on its projects (the form is fetched for its
   CSRF token, then a valid update with a date of its own is posted), now and
   then changing a report it made. A client stops at the deadline or after
   --max-requests requests.
4. Checks that there was no 5xx answer, no connection error and no unexpected
   answer, that the reports in the database are exactly those acknowledged (a
   302 after the POST): nothing lost, nothing extra, and that their versions
   count every acknowledged change. Prints a table of requests, errors, p50 and
   p95 per kind of request; exits 1 on any failure.

With ``--replicas 2`` (``make soak-replicas``) the portal runs as in production
behind its reverse proxy: two gunicorn replicas on the one PostgreSQL, behind
nginx (deploy/nginx/portal.conf.template) on 127.0.0.1, with PROXY_COUNT=1. Part
way through (``--kill-at``, a share of the time) one replica is killed outright
(SIGKILL to its process group), and the run fails unless:

- every acknowledged update is stored exactly once, and nothing else is stored
  but what was in flight at the kill (a POST the dying replica may have
  committed without answering);
- sessions survive the switch: signed-in clients carry on with no new login
  (any redirect to the login page is an unexpected answer);
- no page shows data older than the last write: after each acknowledged update
  an anonymous visitor (the shared page cache) reads the project page through
  the proxy and must find the update on it;
- errors happen only in flight at the kill: a 502 or a dropped connection
  within ``KILL_GRACE`` seconds of it; anything else fails the run.

Run it with ``.venv/bin/python bench/soak.py [--seconds 60] [--clients 20]
[--replicas 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import run as bench

NGINX_TEMPLATE = bench.ROOT / "deploy" / "nginx" / "portal.conf.template"
# Seconds after the kill in which a request in flight may fail (502, dropped).
KILL_GRACE = 3.0

PYTHON = sys.executable
SOAK_DEPARTMENT = "77000000"
PASSWORD = "soak-only-password-2569"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
PERCENT_INPUT = re.compile(r'name="percent" value="([^"]*)"')
DATE_INPUT = re.compile(r'name="report_date" value="([^"]*)"')
# What each client does next, with its weight.
ACTIONS = {
    "project page": 30,
    "project list": 15,
    "overview": 15,
    "my work": 10,
    "report": 25,
    "edit": 5,
}


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


# Inside Django (``soak.py prepare`` and ``soak.py check``, with DATABASE_URL set)


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmaproj.settings")
    django.setup()


def prepare(clients: int, projects: int) -> None:
    """Make the users and projects; print them, with the fiscal year, as JSON."""
    _django()
    from axes.utils import reset as reset_login_throttle
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from projects import thaicalendar
    from projects.cache import bump_data_version
    from projects.models import (
        Department,
        FiscalYearReopening,
        PlanStep,
        Profile,
        ProgressUpdate,
        Project,
    )

    call_command("migrate", verbosity=0, interactive=False)
    fiscal_year = thaicalendar.fiscal_year_of(date.today()) - 1
    first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
    # Last year has its every day to report on, but closes by itself a month after
    # it ends: the soak's year is reopened, as an evaluator would for corrections.
    if (
        not FiscalYearReopening.objects.active()
        .filter(fiscal_year=fiscal_year)
        .exists()
    ):
        FiscalYearReopening.objects.create(
            fiscal_year=fiscal_year, reason="Load and soak test (bench/soak.py)"
        )
    password = make_password(PASSWORD)
    people = {}
    with transaction.atomic():
        department, _ = Department.objects.update_or_create(
            code=SOAK_DEPARTMENT,
            defaults={"name_th": "สำนักทดสอบภาระงาน", "name_en": "Soak test office"},
        )
        ProgressUpdate.objects.filter(project__department=department).delete()
        for index in range(clients):
            user, _ = get_user_model().objects.update_or_create(
                username=f"soak-staff-{index:02d}",
                defaults={"password": password, "is_active": True},
            )
            Profile.objects.update_or_create(
                user=user, defaults={"role": Profile.Role.STAFF}
            )
            department.members.add(user)
            reset_login_throttle(username=user.username)
            codes = []
            for number in range(projects):
                project, _ = Project.objects.update_or_create(
                    code=f"{SOAK_DEPARTMENT}-{1000 + index * projects + number}",
                    defaults={
                        "department": department,
                        "fiscal_year": fiscal_year,
                        "name_th": f"โครงการทดสอบภาระงาน {index}-{number}",
                        "officer_name": user.username,
                    },
                )
                project.steps.all().delete()
                PlanStep.objects.create(
                    project=project,
                    number=1,
                    description="ดำเนินงานตลอดปี",
                    weight=100,
                    planned_start=first,
                    planned_end=last,
                )
                codes.append(project.code)
            people[user.username] = codes
        bump_data_version()
    facts = {
        "fiscal_year": fiscal_year,
        "first": first.isoformat(),
        "last": min(last, date.today()).isoformat(),
        "people": people,
    }
    print("SOAK_FACTS " + json.dumps(facts), flush=True)


def check() -> None:
    """Print the soak department's reports as JSON: project code, date, version."""
    _django()
    from projects.models import ProgressUpdate

    rows = ProgressUpdate.objects.filter(
        project__department__code=SOAK_DEPARTMENT
    ).values_list("project__code", "report_date", "version")
    reports = [[code, day.isoformat(), version] for code, day, version in rows]
    print("SOAK_REPORTS " + json.dumps(reports), flush=True)


def in_django(mode: str, url: str, *args: str) -> dict | list:
    output = subprocess.run(
        [PYTHON, __file__, mode, *args],
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        cwd=bench.ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    marker = f"SOAK_{'FACTS' if mode == 'prepare' else 'REPORTS'} "
    for line in output.splitlines():
        if line.startswith(marker):
            return json.loads(line.removeprefix(marker))
        print(line, flush=True)
    raise RuntimeError(f"soak.py {mode} printed nothing")


# The clients


class Browser:
    """One person's browser: its cookies, and the headers the TLS proxy adds."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host = parts.netloc
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=60
        )
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict | None = None
    ) -> tuple[int, dict, str]:
        headers = {"X-Forwarded-Proto": "https", "Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{self.host}"
            headers["Referer"] = f"https://{self.host}{path}"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie:
                    self.cookies[key.strip()] = cookie
                else:
                    self.cookies.pop(key.strip(), None)
        answer = {k.lower(): v for k, v in response.getheaders()}
        return response.status, answer, content.decode("utf-8", "replace")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Stats:
    """What all clients saw; shared, behind a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: int = 0
    connection_errors: int = 0
    unexpected: list[str] = field(default_factory=list)
    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    edits: int = 0
    # Replica mode: what failed when (to tell in-flight failures at the kill from
    # others), POSTs whose outcome is unknown, and fresh reads after writes.
    failures: list[tuple[float, str, int]] = field(default_factory=list)
    in_doubt: set[tuple[str, str]] = field(default_factory=set)
    fresh_reads: int = 0
    stale: list[str] = field(default_factory=list)
    killed_at: float | None = None


class Failed(Exception):
    """A request failed; already counted."""


class Client:
    """One person: logs in, then reads and reports until the deadline."""

    def __init__(
        self,
        index: int,
        base: str,
        username: str,
        codes: list[str],
        facts: dict,
        stats: Stats,
        deadline: float,
        cap: int,
        check_fresh: bool = False,
    ) -> None:
        self.rng = random.Random(index)
        self.browser = Browser(base)
        # An anonymous visitor's browser: reads the pages of the shared cache.
        self.reader = Browser(base) if check_fresh else None
        self.username = username
        self.codes = codes
        self.first = date.fromisoformat(facts["first"])
        self.last = date.fromisoformat(facts["last"])
        self.fiscal_year = facts["fiscal_year"]
        self.stats = stats
        self.deadline = deadline
        self.cap = cap
        self.requests = 0
        self.reported = 0  # the next report's number: its project and its day
        self.edit_links: dict[str, list[str]] = {}

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict | None = None,
        expect: int = 200,
    ) -> str:
        self.requests += 1
        started = time.perf_counter()
        try:
            status, headers, body = self.browser.request(method, path, form)
        except (OSError, http.client.HTTPException) as error:
            with self.stats.lock:
                self.stats.errors[kind] += 1
                self.stats.connection_errors += 1
                self.stats.unexpected.append(f"{kind} {path}: {error!r}")
                self.stats.failures.append((time.monotonic(), kind, 0))
            raise Failed from error
        elapsed = time.perf_counter() - started
        with self.stats.lock:
            self.stats.times[kind].append(elapsed)
            if status != expect:
                self.stats.errors[kind] += 1
                self.stats.server_errors += status >= 500
                self.stats.unexpected.append(f"{kind} {method} {path}: {status}")
                self.stats.failures.append((time.monotonic(), kind, status))
        if status != expect:
            raise Failed
        return headers.get("location", "") if expect == 302 else body

    def run(self) -> None:
        try:
            self.login()
            while time.monotonic() < self.deadline and self.requests < self.cap:
                action = self.rng.choices(list(ACTIONS), weights=ACTIONS.values())[0]
                try:
                    self.act(action)
                except Failed:
                    continue
        except Failed:
            pass
        except Exception as error:  # a page the client cannot read is a failure too
            with self.stats.lock:
                self.stats.unexpected.append(f"{self.username} stopped: {error!r}")
        finally:
            self.browser.close()
            if self.reader is not None:
                self.reader.close()

    def login(self) -> None:
        page = self.call("login", "GET", "/accounts/login/")
        form = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
            "username": self.username,
            "password": PASSWORD,
            "next": "/my/",
        }
        self.call("login", "POST", "/accounts/login/", form, expect=302)

    def act(self, action: str) -> None:
        code = self.rng.choice(self.codes)
        if action == "project page":
            page = self.call(action, "GET", f"/projects/{code}/")
            self.edit_links[code] = re.findall(
                rf"/projects/{code}/updates/\d+/edit/", page
            )
        elif action == "project list":
            self.call(action, "GET", f"/projects/?fy={self.fiscal_year}")
        elif action == "overview":
            self.call(action, "GET", f"/?fy={self.fiscal_year}")
        elif action == "my work":
            self.call(action, "GET", "/my/")
        elif action == "report":
            self.report()
        elif action == "edit" and self.edit_links.get(code):
            self.edit(self.rng.choice(self.edit_links[code]))

    def report(self) -> None:
        """A new update on the next free day of the client's next project."""
        code = self.codes[self.reported % len(self.codes)]
        day = self.first + timedelta(days=self.reported // len(self.codes))
        if day > self.last:
            return  # every day of the year has its report
        self.reported += 1
        path = f"/projects/{code}/updates/new/"
        page = self.call("update form", "GET", path)
        percent = min(100, round((day - self.first).days * 100 / 365, 2))
        done = f"ดำเนินการตามแผน รายงานที่ {self.reported} ของ {self.username}"
        form = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
            "report_date": f"{day.day}/{day.month}/{day.year + 543}",
            "percent": str(percent),
            "done": done,
            "problems": "",
            "obstacles": "-",
            "confirm": "on",
        }
        try:
            self.call("update POST", "POST", path, form, expect=302)
        except Failed:
            with self.stats.lock:
                self.stats.in_doubt.add((code, day.isoformat()))
            raise
        with self.stats.lock:
            self.stats.acknowledged.add((code, day.isoformat()))
        if self.reader is not None:
            self.read_fresh(code, done)

    def read_fresh(self, code: str, done: str) -> None:
        """The project page, as an anonymous visitor gets it, shows the update."""
        path = f"/projects/{code}/"
        self.requests += 1
        started = time.perf_counter()
        try:
            status, _headers, body = self.reader.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            with self.stats.lock:
                self.stats.errors["fresh read"] += 1
                self.stats.connection_errors += 1
                self.stats.unexpected.append(f"fresh read {path}: {error!r}")
                self.stats.failures.append((time.monotonic(), "fresh read", 0))
            raise Failed from error
        with self.stats.lock:
            self.stats.times["fresh read"].append(time.perf_counter() - started)
            if status != 200:
                self.stats.errors["fresh read"] += 1
                self.stats.server_errors += status >= 500
                self.stats.unexpected.append(f"fresh read GET {path}: {status}")
                self.stats.failures.append((time.monotonic(), "fresh read", status))
            elif done not in body:
                self.stats.stale.append(f"{path} lacks '{done}'")
            else:
                self.stats.fresh_reads += 1

    def edit(self, path: str) -> None:
        """Change the text of a report the client made, with the version it saw."""
        page = self.call("edit form", "GET", path)
        form = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
            "report_date": DATE_INPUT.search(page).group(1),
            "percent": PERCENT_INPUT.search(page).group(1),
            "done": f"แก้ไขโดย {self.username} เมื่อ {time.time():.3f}",
            "version": VERSION_INPUT.search(page).group(1),
            "confirm": "on",
        }
        self.call("edit POST", "POST", path, form, expect=302)
        with self.stats.lock:
            self.stats.edits += 1


# Replicas behind the proxy


def nginx_site(listen: str, upstreams: list[str], forwarded_proto: str) -> str:
    """deploy/nginx/portal.conf.template filled in, as the nginx image does."""
    values = {
        "PORTAL_LISTEN": listen,
        "PORTAL_UPSTREAMS": " ".join(
            f"server {upstream} max_fails=1 fail_timeout=60s;" for upstream in upstreams
        ),
        "PORTAL_FORWARDED_PROTO": forwarded_proto,
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def nginx_main(work: Path) -> str:
    """A whole nginx.conf that keeps every file of nginx's in ``work``."""
    temp = " ".join(
        f"{kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "worker_processes 1;\n"
        "daemon off;\n"
        f"pid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; {temp} include {work / 'portal.conf'}; }}\n"
    )


def _wait_healthy(base: str, process: subprocess.Popen, what: str) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped (exit {process.returncode})")
        try:
            if bench.fetch(base, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer /healthz")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        # A killed master leaves no worker behind: the whole group goes.
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def behind_nginx(env: dict, replicas: int, workers: int, work: Path):
    """gunicorn replicas on loopback behind nginx; yields (base URL, replicas).

    Each replica is a process group of its own, so that killing it kills its
    workers too, as a crashed machine or container would.
    """
    if shutil.which("nginx") is None:
        raise RuntimeError("nginx is not installed (make soak-replicas installs it)")
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)  # nginx's workers may run as another user
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / kind).mkdir(exist_ok=True)
        os.chmod(work / kind, 0o777)
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        ports = []
        for number in range(replicas):
            port = bench.free_port()
            log_file = open(work / f"replica-{number}.log", "w")  # noqa: SIM115
            logs.append(log_file)
            processes.append(
                subprocess.Popen(
                    bench.gunicorn_command(port, workers),
                    env=env,
                    cwd=bench.ROOT,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            ports.append(port)
        for number, (port, process) in enumerate(zip(ports, processes, strict=True)):
            _wait_healthy(f"http://127.0.0.1:{port}", process, f"replica {number}")
        proxy_port = bench.free_port()
        (work / "portal.conf").write_text(
            nginx_site(
                f"127.0.0.1:{proxy_port}",
                [f"127.0.0.1:{port}" for port in ports],
                "https",  # as if TLS ended in front, as in production
            )
        )
        (work / "nginx.conf").write_text(nginx_main(work))
        nginx_log = open(work / "nginx.out", "w")  # noqa: SIM115
        logs.append(nginx_log)
        nginx = subprocess.Popen(
            ["nginx", "-p", str(work), "-c", str(work / "nginx.conf")],
            stdout=nginx_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(nginx)
        base = f"http://127.0.0.1:{proxy_port}"
        _wait_healthy(base, nginx, "nginx")
        yield base, processes[:replicas]
    finally:
        for process in reversed(processes):
            _stop(process)
        for log_file in logs:
            log_file.close()


def kill_replica(replica: subprocess.Popen, stats: Stats) -> None:
    """Kill a replica outright, master and workers, mid-run."""
    with contextlib.suppress(OSError):
        os.killpg(replica.pid, signal.SIGKILL)
    with stats.lock:
        stats.killed_at = time.monotonic()
    log(f"killed replica (process group {replica.pid}) with SIGKILL")


def in_flight_at_kill(stats: Stats) -> list[tuple[float, str, int]]:
    """The failures a kill explains: a 502 or a dropped connection just after it."""
    if stats.killed_at is None:
        return []
    return [
        (when, kind, status)
        for when, kind, status in stats.failures
        if stats.killed_at - 0.5 <= when <= stats.killed_at + KILL_GRACE
        and status in (0, 502, 503, 504)
    ]


# The run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def table(stats: Stats, seconds: float, reports: list, clients: int) -> str:
    head = f"{'request':<14} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [head, "-" * len(head)]
    kinds = ["login", "project page", "project list", "overview", "my work"]
    kinds += ["update form", "update POST", "fresh read", "edit form", "edit POST"]
    total = sum(len(times) for times in stats.times.values())
    for kind in kinds:
        times = stats.times.get(kind, [])
        if not times and not stats.errors.get(kind):
            continue
        p50 = f"{percentile(times, 0.5):.0f}" if times else "-"
        p95 = f"{percentile(times, 0.95):.0f}" if times else "-"
        lines.append(
            f"{kind:<14} {len(times):>7} {stats.errors.get(kind, 0):>6} "
            f"{p50:>8} {p95:>8}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'all':<14} {total:>7} {sum(stats.errors.values()):>6}   "
        f"{total / seconds:.1f} requests/s, {clients} clients, {seconds:.0f} s"
    )
    lines.append("")
    lines.append(
        f"5xx answers: {stats.server_errors}; connection errors: "
        f"{stats.connection_errors}; other unexpected answers: "
        f"{len(stats.unexpected) - stats.server_errors - stats.connection_errors}"
    )
    lines.append(
        f"updates acknowledged (302): {len(stats.acknowledged)}; in the database: "
        f"{len(reports)}; edits acknowledged: {stats.edits}, stored: "
        f"{sum(version - 1 for _code, _day, version in reports)}"
    )
    return "\n".join(lines)


def replica_table(
    stats: Stats,
    started: float,
    elapsed: float,
    excused: list,
    reports: list,
    args: argparse.Namespace,
) -> str:
    killed = (
        f"one killed at {stats.killed_at - started:.1f} s"
        if stats.killed_at is not None
        else "none killed"
    )
    return "\n".join(
        [
            f"replicas: {args.replicas} behind nginx, {killed}",
            f"failures in flight at the kill (502 or dropped, within "
            f"{KILL_GRACE:.0f} s): {len(excused)}; other failures: "
            f"{len(stats.failures) - len(excused)}",
            f"acknowledged = stored: {len(stats.acknowledged)} acknowledged, "
            f"{len(reports)} stored, {len(stats.in_doubt)} in doubt at the kill",
            f"fresh reads after writes (anonymous, shared cache): "
            f"{stats.fresh_reads}; stale: {len(stats.stale)}",
            f"sessions: {len(stats.times.get('login', [])) // 2} logins for "
            f"{args.clients} clients, none again after the kill (a lost session "
            f"would be a redirect to the login page: an unexpected answer)",
        ]
    )


def soak(args: argparse.Namespace) -> bool:
    host = urlsplit(args.database_url).hostname
    if host not in LOOPBACK:
        sys.exit(f"the soak test runs on loopback only, not on {host}")
    name = args.database_url.rsplit("/", 1)[1]
    server = args.database_url.rsplit("/", 1)[0]
    if not bench._psql(
        f"{server}/postgres", f"SELECT 1 FROM pg_database WHERE datname='{name}'"
    ):
        log(f"creating database {name}")
        bench._psql(f"{server}/postgres", f'CREATE DATABASE "{name}"')
    log(f"preparing {args.clients} staff users and their projects in {name}")
    facts = in_django(
        "prepare", args.database_url, str(args.clients), str(args.projects)
    )
    static_root = tempfile.mkdtemp(prefix="soak-static-")
    error_log = Path(static_root) / "gunicorn-errors.log"
    stats = Stats()
    try:
        env = bench.server_env(args.database_url, static_root)
        # Every acknowledged report is published at once, so that a fresh anonymous
        # read after a write can check the shared cache (tests/projects/
        # test_approval.py covers the approval flow itself).
        env["APPROVAL_REQUIRED"] = "false"
        # Errors and tracebacks of the workers into a file shown on failure.
        env["GUNICORN_CMD_ARGS"] = f"--error-logfile {error_log} --capture-output"
        bench.collectstatic(env)
        if args.replicas > 1:
            env["PROXY_COUNT"] = "1"
            server = behind_nginx(
                env, args.replicas, args.workers, Path(static_root) / "nginx"
            )
        else:
            server = bench.gunicorn(env, workers=args.workers)
        with server as (base, running):
            where = (
                f"{args.replicas} replicas ({args.workers} workers each) behind nginx"
                if args.replicas > 1
                else f"gunicorn ({args.workers} workers)"
            )
            log(f"{where} at {base}: {args.clients} clients for {args.seconds:.0f} s")
            started = time.monotonic()
            deadline = started + args.seconds
            clients = [
                Client(
                    i,
                    base,
                    username,
                    codes,
                    facts,
                    stats,
                    deadline,
                    args.cap,
                    check_fresh=args.replicas > 1,
                )
                for i, (username, codes) in enumerate(facts["people"].items())
            ]
            threads = [threading.Thread(target=c.run) for c in clients]
            killer = None
            if args.replicas > 1 and args.kill_at > 0:
                killer = threading.Timer(
                    args.seconds * args.kill_at, kill_replica, (running[0], stats)
                )
                killer.start()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 180)
            if killer is not None:
                killer.cancel()
            elapsed = time.monotonic() - started
            hung = sum(thread.is_alive() for thread in threads)
        reports = in_django("check", args.database_url)
        server_log = error_log.read_text() if error_log.exists() else ""
        if args.replicas > 1:
            server_log = "\n".join(
                path.read_text()[-2000:]
                for path in sorted((Path(static_root) / "nginx").glob("*.log"))
            )
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    stored = {(code, day) for code, day, _version in reports}
    excused = in_flight_at_kill(stats)
    print()
    print(table(stats, elapsed, reports, args.clients))
    if args.replicas > 1:
        print(replica_table(stats, started, elapsed, excused, reports, args))
    problems = [] if len(excused) == len(stats.failures) else [*stats.unexpected[:20]]
    if hung:
        problems.append(f"{hung} clients still running after the deadline")
    # A POST in flight at the kill may have been stored without an answer.
    extra_allowed = stats.in_doubt if args.replicas > 1 else set()
    lost = stats.acknowledged - stored
    extra = stored - stats.acknowledged - extra_allowed
    if lost or extra or len(reports) != len(stored):
        problems.append(
            f"reports lost: {sorted(lost)[:10]}; not acknowledged: {sorted(extra)[:10]}"
        )
    changes = sum(version - 1 for _code, _day, version in reports)
    edits_in_flight = sum(kind == "edit POST" for _when, kind, _status in excused)
    if not stats.edits <= changes <= stats.edits + edits_in_flight:
        problems.append(f"{stats.edits} edits acknowledged, {changes} stored")
    if not stats.acknowledged:
        problems.append("no update was acknowledged")
    if stats.stale:
        problems.append(f"{len(stats.stale)} stale pages: {stats.stale[:5]}")
    if args.replicas > 1 and args.kill_at > 0 and stats.killed_at is None:
        problems.append("no replica was killed")
    if problems:
        print("\nFAILED:")
        print("\n".join(f"  - {problem}" for problem in problems))
        if stats.server_errors and server_log:
            print("\nThe server's log, last lines:\n" + server_log[-4000:])
        return False
    if args.replicas > 1:
        print(
            "\nPASSED: a replica killed mid-run; every acknowledged update stored"
            " exactly once, sessions kept, no stale page."
        )
    else:
        print("\nPASSED: no errors; every acknowledged update is in the database.")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "mode", nargs="?", default="run", choices=["run", "prepare", "check"]
    )
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--projects", type=int, default=3, help="per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="gunicorn replicas; more than one runs them behind nginx",
    )
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.5,
        help="with replicas: kill the first at this share of the time (0: never)",
    )
    parser.add_argument(
        "--max-requests",
        dest="cap",
        type=int,
        default=20_000,
        help="per client, a bound besides the time",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SOAK_DATABASE_URL", f"{bench.PG_SERVER}/bmaproj_soak"),
    )
    args = parser.parse_args()
    if args.mode == "prepare":
        prepare(int(args.args[0]), int(args.args[1]))
    elif args.mode == "check":
        check()
    else:
        sys.exit(0 if soak(args) else 1)


if __name__ == "__main__":
    main()
