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

Run it with ``.venv/bin/python bench/soak.py [--seconds 60] [--clients 20]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
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
    from projects.models import Department, PlanStep, Profile, ProgressUpdate, Project

    call_command("migrate", verbosity=0, interactive=False)
    fiscal_year = thaicalendar.fiscal_year_of(date.today()) - 1
    first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
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
    ) -> None:
        self.rng = random.Random(index)
        self.browser = Browser(base)
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
            raise Failed from error
        elapsed = time.perf_counter() - started
        with self.stats.lock:
            self.stats.times[kind].append(elapsed)
            if status != expect:
                self.stats.errors[kind] += 1
                self.stats.server_errors += status >= 500
                self.stats.unexpected.append(f"{kind} {method} {path}: {status}")
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
        form = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
            "report_date": f"{day.day}/{day.month}/{day.year + 543}",
            "percent": str(percent),
            "done": f"ดำเนินการตามแผน รายงานที่ {self.reported} ของ {self.username}",
            "problems": "",
            "obstacles": "-",
            "confirm": "on",
        }
        self.call("update POST", "POST", path, form, expect=302)
        with self.stats.lock:
            self.stats.acknowledged.add((code, day.isoformat()))

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


# The run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def table(stats: Stats, seconds: float, reports: list, clients: int) -> str:
    head = f"{'request':<14} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [head, "-" * len(head)]
    kinds = ["login", "project page", "project list", "overview", "my work"]
    kinds += ["update form", "update POST", "edit form", "edit POST"]
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
        # Errors and tracebacks of the workers into a file shown on failure.
        env["GUNICORN_CMD_ARGS"] = f"--error-logfile {error_log} --capture-output"
        bench.collectstatic(env)
        with bench.gunicorn(env, workers=args.workers) as (base, _process):
            log(
                f"gunicorn ({args.workers} workers) at {base}: {args.clients} "
                f"clients for {args.seconds:.0f} s"
            )
            started = time.monotonic()
            deadline = started + args.seconds
            clients = [
                Client(i, base, username, codes, facts, stats, deadline, args.cap)
                for i, (username, codes) in enumerate(facts["people"].items())
            ]
            threads = [threading.Thread(target=c.run) for c in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 180)
            elapsed = time.monotonic() - started
            hung = sum(thread.is_alive() for thread in threads)
        reports = in_django("check", args.database_url)
        server_log = error_log.read_text() if error_log.exists() else ""
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    stored = {(code, day) for code, day, _version in reports}
    print()
    print(table(stats, elapsed, reports, args.clients))
    problems = [*stats.unexpected[:20]]
    if hung:
        problems.append(f"{hung} clients still running after the deadline")
    if stored != stats.acknowledged or len(reports) != len(stored):
        problems.append(
            f"reports lost: {sorted(stats.acknowledged - stored)[:10]}; "
            f"not acknowledged: {sorted(stored - stats.acknowledged)[:10]}"
        )
    changes = sum(version - 1 for _code, _day, version in reports)
    if changes != stats.edits:
        problems.append(f"{stats.edits} edits acknowledged, {changes} stored")
    if not stats.acknowledged:
        problems.append("no update was acknowledged")
    if problems:
        print("\nFAILED:")
        print("\n".join(f"  - {problem}" for problem in problems))
        if stats.server_errors and server_log:
            print("\nThe server's log, last lines:\n" + server_log[-4000:])
        return False
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
