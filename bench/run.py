"""The portal's benchmark: ``make bench`` (full data set) and ``make bench-quick`` (CI).

What it does, printing its progress:

1. Builds the data set in PostgreSQL, or reuses it when it is already there: with
   ``generate_data`` 10,000 projects in each of three fiscal years (2,000 KPIs a
   year), ``load_demo`` for the seed project 21000000-3152, and two bench projects
   of the same shape with 12 and 120 updates. The data is generated as of
   30 Sep 2026, the last day of FY 2569, so that every project of the data set's
   latest year has its 12 monthly updates and every KPI its four results; pages
   are asked for with ``?fy=2569``. ``--quick`` builds 100 projects a year instead.
2. Collects static files into a temporary STATIC_ROOT and starts the portal as in
   production: gunicorn with 2 sync workers on 127.0.0.1, DEBUG off, whitenoise,
   persistent connections (CONN_MAX_AGE), requests marked as forwarded over HTTPS
   as the TLS proxy in front of it does.
3. Drives each page with wrk at 8 concurrent connections: /healthz as the baseline,
   then the reading pages, as anonymous visitors (served from the shared cache once
   rendered), with a cookie that bypasses that cache, and signed in: as ``staff``
   and as ``evaluator``, each with a real session made by posting the login form
   (the approval queue as ``approver``, the staff member who approves; My work
   and the queue are signed-in pages only). For each signed-in page it also times
   a warm request and the first request after a write, one at a time: after a
   real write (a report corrected on a project of the benchmark's department
   and approved, through the services), or with ``--after-write drop`` after
   the data version is dropped (as a write that is not scoped). The Excel export
   is timed one request at a time, with the gunicorn workers' memory.
4. Measures how latency grows (one connection, signed in as ``staff``): the project
   page with 12 vs 120 updates; without ``--quick``, the project, list, department,
   overview, dashboard and KPI pages on the data set vs on 100 projects a year
   (``--projects 100000`` builds one fiscal year of 100,000 projects in
   ``<prefix>_100k``); and the bytes a first and a repeat view of the project page
   transfer, compressed as served.
5. Prints one table and writes everything to bench/results.json.

Run it with ``.venv/bin/python bench/run.py [--quick]``; ``--help`` lists options.
It needs PostgreSQL (databases ``$BENCH_DB_PREFIX`` (default bmaproj_bench),
``…_small``, ``…_100k``) and wrk. Rates move with the machine's load: compare the
ratios to /healthz of one run, and see ``bench/profile_pages.py`` for the CPU time
and queries of one request in process, which do not.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# The modes run inside Django (prepare, write) import this checkout's code, not
# the one the virtualenv has installed.
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# Databases: <prefix> (10,000 projects a year), <prefix>_small (100),
# <prefix>_100k (100,000) and <prefix>_<n> for any other size.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bmaproj_bench")
TODAY = "2026-09-30"  # the data set's date: the last day of FY 2569
FISCAL_YEAR = 2569
YEARS = 3
BIG_DATA_SET = 100_000
SEED_PROJECT = "21000000-3152"
BENCH_DEPARTMENT = "21000000"  # the seed's, which the generator never uses
SMALL_UPDATES, LARGE_UPDATES = 12, 120
BENCH_PROJECTS = {
    SMALL_UPDATES: f"{BENCH_DEPARTMENT}-9012",
    LARGE_UPDATES: f"{BENCH_DEPARTMENT}-9120",
}
EXPORT_PATH = f"/reports/export/projects.xlsx?fy={FISCAL_YEAR}"
# Any cookie but the language's and the form token's makes a page render afresh.
BYPASS_COOKIE = "bench=uncached"
TARGETS = {
    "project (seed)": 0.25,
    "project (generated)": 0.25,
    "project list by department": 0.2,
    "department": 0.2,
    "KPI": 0.2,
    "overview": 0.1,
    "API projects (100 a page)": 0.25,
}
P95_TARGET_MS = 150
# Signed-in (rendered) pages, each as a staff member and as an evaluator: the least
# share of the baseline's rate, and the largest p95 where the issue sets one.
SIGNED_IN_TARGETS = {
    "project (seed)": (0.12, 100),
    "project (generated)": (0.12, 100),
    "project list by department": (0.1, None),
    "KPI": (0.1, None),
    "overview": (0.08, None),
    "dashboard": (0.08, None),
    "department": (0.05, 250),
}
# The first request after a write may take at most this many warm rendered ones.
AFTER_WRITE_TARGET = 2.0
# The people whose real sessions (made through the login form) read the pages, and
# who stands in for them where their role has no such page (a staff member has no
# approval queue unless an approver: the demo's ``approver`` is one).
PASSWORD = "demo-pass-2563"  # noqa: S105 (the demo users' published password)
SIGNED_IN = ("staff", "evaluator")
STAND_INS = {("approvals", "staff"): "approver"}
SIGNED_IN_ONLY = ("approvals", "my work")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


# The data set, built in a subprocess per database (``run.py prepare``).


def years_for(projects: int) -> int:
    """Fiscal years of a data set: three, or one from 100,000 projects a year on
    (the latest year is the one measured; two more would only triple the build)."""
    return 1 if projects >= BIG_DATA_SET else YEARS


def prepare(projects: int, years: int = YEARS) -> None:
    """Run inside Django with DATABASE_URL set: build or reuse, then print facts."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # It replaces the generated data: never in the development database.
        raise SystemExit("prepare needs DATABASE_URL of a PostgreSQL database")
    import django
    from django.db.models import Count

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmaproj.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from indicators.models import Indicator
    from projects import generator
    from projects.cache import bump_data_version
    from projects.models import Department, PlanStep, ProgressUpdate, Project

    call_command("migrate", verbosity=0, interactive=False)
    generated = Project.objects.filter(
        department__code__in=generator.GENERATED_DEPARTMENT_CODES
    )
    per_year = generated.filter(fiscal_year=FISCAL_YEAR).count()
    found_years = generated.values("fiscal_year").distinct().count()
    if per_year != projects or found_years != years:
        log(
            f"building the data set: {projects} projects x {years} years "
            f"as of {TODAY} (found {per_year} in FY {FISCAL_YEAR}, "
            f"{found_years} years)"
        )
        started = time.perf_counter()
        call_command(
            "generate_data",
            projects=projects,
            years=years,
            today=TODAY,
            replace=bool(per_year),
            verbosity=1,
            stdout=sys.stdout,
        )
        log(f"generated in {time.perf_counter() - started:.0f} s")
    else:
        log(f"reusing the data set: {per_year} projects in FY {FISCAL_YEAR}")
    if not Project.objects.filter(code=SEED_PROJECT).exists():
        with open(os.devnull, "w") as quiet:
            call_command("load_demo", today=TODAY, verbosity=0, stdout=quiet)
    department = Department.objects.get(code=BENCH_DEPARTMENT)
    with transaction.atomic():
        for count, code in BENCH_PROJECTS.items():
            if ProgressUpdate.objects.filter(project__code=code).count() == count:
                continue
            Project.objects.filter(code=code).delete()
            _bench_project(department, code, count, Project, PlanStep, ProgressUpdate)
        bump_data_version()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    sample = generated.filter(fiscal_year=FISCAL_YEAR, indicators__isnull=False)
    biggest = (
        generated.filter(fiscal_year=FISCAL_YEAR)
        .values("department__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__code")
        .first()
    )
    indicator = (
        Indicator.objects.filter(fiscal_year=FISCAL_YEAR, results__quarter=4)
        .order_by("code")
        .first()
    )
    facts = {
        "projects_in_year": Project.objects.filter(fiscal_year=FISCAL_YEAR).count(),
        "projects": Project.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "indicators_in_year": Indicator.objects.filter(fiscal_year=FISCAL_YEAR).count(),
        "generated_project": sample.order_by("code").values_list("code", flat=True)[0],
        "department": biggest["department__code"],
        "department_projects": biggest["n"],
        "indicator": indicator.code,
    }
    print("BENCH_FACTS " + json.dumps(facts), flush=True)


def _bench_project(department, code, updates, Project, PlanStep, ProgressUpdate):
    """A project of FY 2569 with 5 steps and ``updates`` updates spread over it."""
    first, last = date(2025, 10, 1), date(2026, 9, 30)
    project = Project.objects.create(
        code=code,
        name_th=f"โครงการทดสอบความเร็ว {updates} รายงาน",
        name_en=f"Benchmark project with {updates} updates",
        department=department,
        fiscal_year=FISCAL_YEAR,
        officer_name="นายทดสอบ ความเร็ว",
        rationale="โครงการสำหรับวัดความเร็วของหน้าโครงการ",
        objectives=["เพื่อวัดความเร็ว"],
        targets=["หน้าโครงการเร็ว"],
        is_routine=True,
    )
    span = (last - first).days
    PlanStep.objects.bulk_create(
        PlanStep(
            project=project,
            number=number,
            description=f"ขั้นตอนที่ {number}",
            weight=Decimal(20),
            planned_start=first + timedelta(days=span * (number - 1) // 5),
            planned_end=first + timedelta(days=span * number // 5 - 1),
        )
        for number in range(1, 6)
    )
    step = span / updates
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            project=project,
            report_date=first + timedelta(days=int(step * (index + 1))),
            percent=Decimal(100 * (index + 1) // updates),
            done=f"ดำเนินการตามแผน ครั้งที่ {index + 1}",
        )
        for index in range(updates)
    )


def database_name(projects: int) -> str:
    if projects == 10_000:
        return DB_PREFIX
    if projects == BIG_DATA_SET:
        return f"{DB_PREFIX}_100k"
    return f"{DB_PREFIX}_{projects}"


def prepare_database(url: str, projects: int, years: int | None = None) -> dict:
    name = url.rsplit("/", 1)[1]
    if not _psql(
        f"{PG_SERVER}/postgres", f"SELECT 1 FROM pg_database WHERE datname='{name}'"
    ):
        log(f"creating database {name}")
        _psql(f"{PG_SERVER}/postgres", f'CREATE DATABASE "{name}"')
    output = subprocess.run(
        [PYTHON, __file__, "prepare", "--projects", str(projects)]
        + (["--years", str(years)] if years else []),
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("BENCH_FACTS "):
            return json.loads(line.removeprefix("BENCH_FACTS "))
        print(line, flush=True)
    raise RuntimeError("prepare printed no facts")


def _psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-tAc", sql], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, static_root: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": static_root,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def collectstatic(env: dict) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def gunicorn_command(port: int, workers: int) -> list[str]:
    """The portal under gunicorn on 127.0.0.1:port, as in production."""
    return [
        str(Path(PYTHON).with_name("gunicorn")),
        "bmaproj.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
    ]


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    """The portal on a free loopback port; yields (base URL, process)."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in finally)
        "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        gunicorn_command(port, workers),
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if process.poll() is not None:
                break
            try:
                if fetch(base, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz")
        if process.poll() is not None:
            log_file.seek(0)
            raise RuntimeError("gunicorn stopped:\n" + log_file.read()[-3000:])
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
        os.unlink(log_file.name)


def fetch(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET through the TLS proxy's header; (status, headers, body as sent)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request(
            "GET", path, headers={"X-Forwarded-Proto": "https", **(headers or {})}
        )
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def login(base: str, username: str) -> str:
    """A real session: the login form asked for and posted, as a browser does.

    Returns the Cookie header (session and form token) that the person's browser
    would send from then on.
    """
    status, headers, body = fetch(base, "/accounts/login/")
    if status != 200:
        raise RuntimeError(f"/accounts/login/ answered {status}")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', html_text(headers, body)
    )
    if not (csrf_cookie and token):
        raise RuntimeError("the login form carried no form token")
    form = urlencode(
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        }
    )
    host = base.removeprefix("http://")
    status, headers, _body = post(
        base,
        "/accounts/login/",
        form,
        {
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
            "Referer": f"https://{host}/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or not session:
        raise RuntimeError(f"{username} could not log in ({status})")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie.group(1)}"


def post(base: str, path: str, body: str, headers: dict) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request(
            "POST", path, body=body, headers={"X-Forwarded-Proto": "https", **headers}
        )
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


# Load


def wrk(
    base: str,
    path: str,
    seconds: float,
    connections: int,
    cookie: str = "",
    etag: str = "",
) -> dict:
    threads = min(2, connections)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench" / "report.lua"),
            base + path,
        ],
        env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_IF_NONE_MATCH": etag},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    line = next(x for x in result.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": sum(raw["errors"].values()),
    }


def warm(base: str, path: str, cookie: str = "") -> None:
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(3):
        status, _headers, _body = fetch(base, path, headers)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")


def clear_version(url: str) -> None:
    """Drop the data and base versions, as a write that is not scoped does: every
    cached page and figure is stale (``--after-write drop``)."""
    _psql(
        url,
        "DELETE FROM portal_cache WHERE cache_key LIKE '%portal:data-version' "
        "OR cache_key LIKE '%portal:base-version'",
    )


# The write the first request after a write follows (``--after-write report``):
# the monthly report of one project of the benchmark's department corrected by
# its staff member and approved by an evaluator, through the services, as the
# portal sees every month.
WRITE_PROJECT = BENCH_PROJECTS[SMALL_UPDATES]


def writer(code: str = WRITE_PROJECT) -> None:
    """Run inside Django: for each line on stdin, one report and its approval on
    project ``code``; print ``written`` after each. The project's fiscal year, closed
    by the calendar, is reopened first (an evaluator's audited act, as the
    portal allows) and closed again at the end of the input."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmaproj.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from projects import access, evaluations, services
    from projects.models import Project

    users = get_user_model().objects.in_bulk(
        ["staff", "evaluator"], field_name="username"
    )
    project = Project.objects.select_related("department").get(code=code)
    reopened = access.year_closed(project.fiscal_year)
    if reopened:
        evaluations.reopen_year(
            fiscal_year=project.fiscal_year,
            user=users["evaluator"],
            reason="benchmark: the first request after a report",
        )
    print("ready", flush=True)
    for count, _line in enumerate(sys.stdin, start=1):
        update = project.updates.order_by("-report_date").first()
        done = update.done.split(" / ")[0]
        update = services.save_update(
            project=project,
            user=users["staff"],
            values={"done": f"{done} / {count}"},
            update=update,
            version=update.version,
        )
        services.approve_update(
            update=update, user=users["evaluator"], version=update.version
        )
        print("written", flush=True)
    if reopened:
        evaluations.close_year(fiscal_year=project.fiscal_year, user=users["evaluator"])


class Writer:
    """The writes a run makes: a report (a process of ``run.py write``) or the
    data version dropped."""

    def __init__(self, url: str, kind: str, project: str = WRITE_PROJECT) -> None:
        self.url, self.kind, self.process = url, kind, None
        if kind == "report":
            self.process = subprocess.Popen(
                [PYTHON, __file__, "write", "--write-project", project],
                env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self._expect("ready")

    def _expect(self, word: str) -> None:
        line = self.process.stdout.readline().strip()
        if line != word:
            raise RuntimeError(f"the writer answered {line!r}, not {word!r}")

    def write(self) -> None:
        if self.process is None:
            clear_version(self.url)
            return
        self.process.stdin.write("report\n")
        self.process.stdin.flush()
        self._expect("written")

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


def cold_ms(base: str, writer: Writer, path: str, cookie: str = "") -> float:
    """The time of the first request after a write (median of three)."""
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    for _ in range(3):
        writer.write()
        started = time.perf_counter()
        fetch(base, path, headers)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def warm_ms(base: str, path: str, cookie: str = "") -> float:
    """The time of one warm request (median of five, one at a time)."""
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    for _ in range(5):
        started = time.perf_counter()
        fetch(base, path, headers)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def signed_in(
    base: str,
    writer: Writer,
    name: str,
    path: str,
    cookies: dict,
    seconds: float,
    conns: int,
) -> dict:
    """The page for each signed-in person: rate and latency at ``conns`` clients,
    a warm request and the first one after a write, one at a time."""
    columns = {}
    for person in SIGNED_IN:
        who = STAND_INS.get((name, person), person)
        cookie = cookies[who]
        warm(base, path, cookie)
        log(f"{name}: signed in as {who}")
        row = wrk(base, path, seconds, conns, cookie)
        row["user"] = who
        row["warm_ms"] = warm_ms(base, path, cookie)
        row["first_after_write_ms"] = cold_ms(base, writer, path, cookie)
        row["after_write_x_warm"] = round(
            row["first_after_write_ms"] / max(row["warm_ms"], 0.1), 2
        )
        columns[person] = row
    return columns


def worker_rss_mb(process: subprocess.Popen) -> float:
    """The largest resident memory of the gunicorn workers, in MB."""
    largest = 0
    for child in Path("/proc").glob("[0-9]*"):
        try:
            if int((child / "stat").read_text().split()[3]) != process.pid:
                continue
            status = (child / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            largest = max(largest, int(match.group(1)))
    return round(largest / 1024, 1)


def export(base: str, process: subprocess.Popen, runs: int) -> dict:
    status, _headers, _body = fetch(base, EXPORT_PATH)
    if status == 404:
        return {"skipped": f"{EXPORT_PATH} answered 404 (not there yet)"}
    if status != 200:
        return {"skipped": f"{EXPORT_PATH} answered {status}", "errors": 1}
    peak = [worker_rss_mb(process)]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak.append(worker_rss_mb(process))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    times, errors, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        status, _headers, body = fetch(base, EXPORT_PATH)
        times.append(time.perf_counter() - started)
        errors += status != 200
        size = len(body)
    stop.set()
    watcher.join()
    return {
        "requests": runs,
        "rps": round(runs / sum(times), 2),
        "p50_ms": round(statistics.median(times) * 1000),
        "p95_ms": round(max(times) * 1000),
        "errors": errors,
        "bytes": size,
        "worker_peak_rss_mb": max(peak),
    }


def latencies(cases: dict[str, tuple[str, str, str]], seconds: float) -> dict:
    """One client on each case (base, path, cookie), in turns (3 rounds), so that
    noise hits all alike."""
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    for _round in range(3):
        for name, (base, path, cookie) in cases.items():
            warm(base, path, cookie)
            runs[name].append(wrk(base, path, seconds / 3, 1, cookie))
    return {
        name: {
            "path": cases[name][1],
            "p50_ms": statistics.median(run["p50_ms"] for run in results),
            "p95_ms": statistics.median(run["p95_ms"] for run in results),
            "rounds": results,
        }
        for name, results in runs.items()
    }


def growth_paths(facts: dict, skip: Iterable[str] = ()) -> dict[str, str]:
    """The pages whose latency must stay flat as the year's projects grow (but
    those in ``skip``)."""
    paths = {
        "project": f"/projects/{BENCH_PROJECTS[SMALL_UPDATES]}/",
        "project list by department": (
            f"/projects/?fy={FISCAL_YEAR}&department={facts['department']}"
        ),
        "department": f"/departments/{facts['department']}/?fy={FISCAL_YEAR}",
        "overview": f"/?fy={FISCAL_YEAR}",
        "dashboard": f"/reports/?fy={FISCAL_YEAR}",
        "KPI": f"/indicators/{facts['indicator']}/",
    }
    return {name: path for name, path in paths.items() if name not in skip}


# Bytes of a first and a repeat view


ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def page_weight(base: str, path: str) -> dict:
    accept = {"Accept-Encoding": "gzip, br"}
    status, headers, html = fetch(base, path, accept)
    assets = []
    for url in dict.fromkeys(ASSET.findall(html_text(headers, html))):
        _status, asset_headers, body = fetch(base, url, accept)
        cache_control = asset_headers.get("cache-control", "")
        assets.append(
            {
                "url": url,
                "bytes": len(body),
                "encoding": asset_headers.get("content-encoding", "identity"),
                "immutable": "immutable" in cache_control,
                "cache_control": cache_control,
            }
        )
    html_bytes = len(html)
    return {
        "page": path,
        "html_bytes": html_bytes,
        "html_encoding": headers.get("content-encoding", "identity"),
        "assets": assets,
        "first_view_bytes": html_bytes + sum(a["bytes"] for a in assets),
        "repeat_view_bytes": html_bytes
        + sum(a["bytes"] for a in assets if not a["immutable"]),
    }


def html_text(headers: dict, body: bytes) -> str:
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8", "replace")


# The run


def measure(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (make bench does it)")
    quick = args.quick
    main_url = args.database_url or f"{PG_SERVER}/{database_name(args.projects)}"
    small_url = f"{PG_SERVER}/{DB_PREFIX}_small"
    if quick:
        main_url = args.database_url or small_url
    log(f"data set in {main_url.rsplit('/', 1)[1]}")
    facts = prepare_database(main_url, 100 if quick else args.projects, args.years)
    small_facts = None
    if not quick:
        log("small data set (100 projects a year) in bmaproj_bench_small")
        small_facts = prepare_database(small_url, 100)
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    seconds = args.seconds or (2 if quick else 10)
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "mode": "quick" if quick else "full",
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "data": facts,
        "small_data": small_facts,
        "settings": {
            "workers": 2,
            "connections": args.connections,
            "seconds_per_page": seconds,
            "fiscal_year": FISCAL_YEAR,
            "after_write": args.after_write,
            "write_project": args.write_project,
        },
    }
    writer = None
    try:
        env = server_env(main_url, static_root)
        log("collectstatic into a temporary STATIC_ROOT")
        collectstatic(env)
        pages = {
            "baseline /healthz": "/healthz",
            "project (seed)": f"/projects/{SEED_PROJECT}/",
            "project (generated)": f"/projects/{facts['generated_project']}/",
            "project list by department": (
                f"/projects/?fy={FISCAL_YEAR}&department={facts['department']}"
            ),
            "department": f"/departments/{facts['department']}/?fy={FISCAL_YEAR}",
            "overview": f"/?fy={FISCAL_YEAR}",
            "dashboard": f"/reports/?fy={FISCAL_YEAR}",
            "KPI": f"/indicators/{facts['indicator']}/",
            "approvals": "/approvals/",
            "my work": "/my/",
        }
        writer = Writer(main_url, args.after_write, args.write_project)
        with gunicorn(env) as (base, process):
            log(f"gunicorn (2 workers) at {base}")
            people = {*SIGNED_IN, *STAND_INS.values()}
            cookies = {person: login(base, person) for person in sorted(people)}
            rows = {}
            for name, path in pages.items():
                if name in args.skip:
                    rows[name] = {"path": path, "skipped": "--skip"}
                    continue
                if name in SIGNED_IN_ONLY:
                    rows[name] = {"path": path, "signed_in": {}}
                    rows[name]["signed_in"] = signed_in(
                        base, writer, name, path, cookies, seconds, args.connections
                    )
                    continue
                warm(base, path)
                log(f"{name}: {path} for {seconds} s at {args.connections} clients")
                row = {"path": path, **wrk(base, path, seconds, args.connections)}
                if path != "/healthz":
                    warm(base, path, BYPASS_COOKIE)
                    log(f"{name}: rendered afresh (cache bypassed)")
                    fresh = wrk(base, path, seconds, args.connections, BYPASS_COOKIE)
                    row["uncached"] = fresh
                    row["first_after_write_ms"] = cold_ms(base, writer, path)
                    row["signed_in"] = signed_in(
                        base, writer, name, path, cookies, seconds, args.connections
                    )
                rows[name] = row
            # The JSON API is never cached as a page: each request runs its
            # queries. Then the same request made conditional (If-None-Match),
            # answered 304 from the data version alone.
            for name, path in api_pages(facts).items():
                warm(base, path)
                log(f"{name}: {path} for {seconds} s at {args.connections} clients")
                row = {"path": path, **wrk(base, path, seconds, args.connections)}
                _status, headers, _body = fetch(base, path)
                log(f"{name}: conditional, If-None-Match")
                row["conditional"] = wrk(
                    base, path, seconds, args.connections, etag=headers["etag"]
                )
                rows[name] = row
            baseline = rows["baseline /healthz"]["rps"]
            for row in rows.values():
                if "rps" in row:
                    row["ratio"] = round(row["rps"] / baseline, 3)
                for kind in ("uncached", "conditional"):
                    if kind in row:
                        row[kind]["ratio"] = round(row[kind]["rps"] / baseline, 3)
                for column in row.get("signed_in", {}).values():
                    column["ratio"] = round(column["rps"] / baseline, 3)
            if "export" in args.skip:
                rows["Excel export (10,000 rows)"] = {
                    "path": EXPORT_PATH,
                    "skipped": "--skip",
                }
            else:
                log(f"Excel export {EXPORT_PATH}, one request at a time")
                rows["Excel export (10,000 rows)"] = {
                    "path": EXPORT_PATH,
                    **export(base, process, 1 if quick else 3),
                }
            results["pages"] = rows
            log("bytes of a first and a repeat view of the project page")
            results["page_weight"] = page_weight(base, f"/projects/{SEED_PROJECT}/")
            log("latency of the pages as their data grows (1 client, signed in)")
            cases = {
                f"{count} updates": (base, f"/projects/{code}/", cookies["staff"])
                for count, code in BENCH_PROJECTS.items()
            }
            with contextlib.ExitStack() as stack:
                if small_facts:
                    small_base, _process = stack.enter_context(
                        gunicorn(server_env(small_url, static_root))
                    )
                    small_cookie = login(small_base, "staff")
                    big_paths = growth_paths(facts, args.skip)
                    small_paths = growth_paths(small_facts, args.skip)
                    for page in big_paths:
                        big = f"{page}, {facts['projects_in_year']} projects"
                        cases[big] = (base, big_paths[page], cookies["staff"])
                        small = f"{page}, {small_facts['projects_in_year']} projects"
                        cases[small] = (small_base, small_paths[page], small_cookie)
                growth = latencies(cases, seconds)
        results["growth"] = growth
    finally:
        if writer is not None:
            writer.close()
        shutil.rmtree(static_root, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started)
    return results


def api_pages(facts: dict) -> dict[str, str]:
    """The API's reads: a page of 100 projects with their derived figures, one
    project, a page of 100 KPIs with their quarter tables."""
    return {
        "API projects (100 a page)": (
            f"/api/v1/projects/?fy={FISCAL_YEAR}&page_size=100"
        ),
        "API project": f"/api/v1/projects/{SEED_PROJECT}/",
        "API KPIs (100 a page)": f"/api/v1/indicators/?fy={FISCAL_YEAR}&page_size=100",
    }


def verdicts(results: dict) -> list[str]:
    """The targets of the issue that this run missed."""
    missed = []
    for name, row in results["pages"].items():
        if row.get("skipped") or name.startswith("baseline"):
            continue
        if name in TARGETS and row["ratio"] < TARGETS[name]:
            missed.append(f"{name}: {row['ratio']}x baseline < {TARGETS[name]}x")
        if name in TARGETS and row["p95_ms"] >= P95_TARGET_MS:
            missed.append(f"{name}: p95 {row['p95_ms']} ms >= {P95_TARGET_MS} ms")
        if row.get("errors"):
            missed.append(f"{name}: {row['errors']} errors")
        for column in row.get("signed_in", {}).values():
            label = f"{name} signed in as {column['user']}"
            ratio, p95 = SIGNED_IN_TARGETS.get(name, (None, None))
            if ratio and column["ratio"] < ratio:
                missed.append(f"{label}: {column['ratio']}x baseline < {ratio}x")
            if p95 and column["p95_ms"] > p95:
                missed.append(f"{label}: p95 {column['p95_ms']} ms > {p95} ms")
            if column["after_write_x_warm"] > AFTER_WRITE_TARGET:
                missed.append(
                    f"{label}: first after a write {column['first_after_write_ms']} ms"
                    f" = {column['after_write_x_warm']}x warm > {AFTER_WRITE_TARGET}x"
                )
            if column["errors"]:
                missed.append(f"{label}: {column['errors']} errors")
    export_row = results["pages"].get("Excel export (10,000 rows)", {})
    if export_row.get("p50_ms", 0) > 5000:
        missed.append(f"Excel export: {export_row['p50_ms']} ms > 5000 ms")
    if export_row.get("worker_peak_rss_mb", 0) > 200:
        missed.append(f"Excel export: worker {export_row['worker_peak_rss_mb']} MB")
    growth = results["growth"]
    pairs = [(f"{LARGE_UPDATES} updates", f"{SMALL_UPDATES} updates")]
    small_n = (results.get("small_data") or {}).get("projects_in_year")
    if small_n:
        big_n = results["data"]["projects_in_year"]
        pairs += [
            (f"{page}, {big_n} projects", f"{page}, {small_n} projects")
            for page in growth_paths(results["data"], results.get("skipped", ()))
        ]
    for large, small in pairs:
        ratio = growth[large]["p50_ms"] / max(growth[small]["p50_ms"], 0.1)
        growth[f"{large} / {small}"] = round(ratio, 2)
        if ratio > 1.5:
            missed.append(f"latency {large} is {ratio:.2f}x {small} (> 1.5x)")
    weight = results["page_weight"]
    if weight["first_view_bytes"] > 2_000_000:
        missed.append(f"first view {weight['first_view_bytes']} bytes > 2 MB")
    if weight["repeat_view_bytes"] > 60_000:
        missed.append(f"repeat view {weight['repeat_view_bytes']} bytes > 60 KB")
    return missed


def table(results: dict) -> str:
    head = (
        f"{'page':<28} {'req/s':>8} {'x base':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'err':>4} | {'uncached':>8} {'x base':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'after write':>11}"
    )
    lines = [head, "-" * len(head)]
    for name, row in results["pages"].items():
        if row.get("skipped"):
            lines.append(f"{name:<28} skipped: {row['skipped']}")
            continue
        if "rps" not in row:
            lines.append(f"{name:<28} (signed in only)")
            continue
        line = (
            f"{name:<28} {row['rps']:>8} {row.get('ratio', ''):>7} "
            f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['errors']:>4} |"
        )
        fresh = row.get("uncached")
        if fresh:
            line += (
                f" {fresh['rps']:>8} {fresh['ratio']:>7} {fresh['p50_ms']:>7} "
                f"{fresh['p95_ms']:>7} {row['first_after_write_ms']:>9} ms"
            )
        elif "conditional" in row:
            cond = row["conditional"]
            line += (
                f" 304: {cond['rps']:>6} {cond['ratio']:>7} {cond['p50_ms']:>7} "
                f"{cond['p95_ms']:>7}"
            )
        elif "worker_peak_rss_mb" in row:
            line += f" worker peak {row['worker_peak_rss_mb']} MB, {row['bytes']} B"
        lines.append(line)
    lines.append("")
    lines.append(
        "Signed in (real sessions; rendered for the person), at "
        f"{results['settings']['connections']} clients; warm and first request "
        f"after a write ({results['settings']['after_write']}) one at a time:"
    )
    head = (
        f"{'page':<28} {'as':<10} {'req/s':>8} {'x base':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'err':>4} {'warm ms':>8} {'after write':>11} {'x warm':>7}"
    )
    lines += [head, "-" * len(head)]
    for name, row in results["pages"].items():
        for column in row.get("signed_in", {}).values():
            lines.append(
                f"{name:<28} {column['user']:<10} {column['rps']:>8} "
                f"{column['ratio']:>7} {column['p50_ms']:>7} {column['p95_ms']:>7} "
                f"{column['errors']:>4} {column['warm_ms']:>8} "
                f"{column['first_after_write_ms']:>8} ms "
                f"{column['after_write_x_warm']:>7}"
            )
    lines.append("")
    lines.append("Latency as data grows (1 client, signed in as staff):")
    for name, row in results["growth"].items():
        if isinstance(row, dict):
            lines.append(
                f"  {name:<44} p50 {row['p50_ms']:>6} ms  p95 {row['p95_ms']} ms"
            )
        else:
            lines.append(f"  {name:<72} {row}x")
    weight = results["page_weight"]
    lines.append("")
    lines.append(
        f"Bytes of {weight['page']}: first view {weight['first_view_bytes']:,} "
        f"(HTML {weight['html_bytes']:,} {weight['html_encoding']} + "
        f"{len(weight['assets'])} static files), repeat view "
        f"{weight['repeat_view_bytes']:,} (static files immutable: "
        f"{all(a['immutable'] for a in weight['assets'])})"
    )
    missed = results["missed"]
    lines.append("")
    lines.append("Targets: all met" if not missed else "Targets missed:")
    lines += [f"  - {item}" for item in missed]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "mode", nargs="?", default="run", choices=["run", "prepare", "write"]
    )
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument(
        "--years",
        type=int,
        help=f"fiscal years generated (default {YEARS}; 1 from 100,000 projects on)",
    )
    parser.add_argument("--seconds", type=float, help="per page (10, quick 2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--after-write",
        choices=["report", "drop"],
        default="report",
        help="the write before the first request after a write: a report on "
        f"{WRITE_PROJECT} and its approval through the services (default), or "
        "the data version dropped (every cached value stale)",
    )
    parser.add_argument(
        "--write-project",
        default=WRITE_PROJECT,
        help="the project whose report is written (default: the benchmark "
        "department's; give one of a measured page's department to time the "
        "page rebuilt after a report on its own data)",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL of the data set")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="PAGE",
        help="leave a page out (its name as in the table, e.g. dashboard; or "
        "export): where one request takes longer than the client waits "
        "(120 s), as the dashboard after a write at 100,000 projects",
    )
    args = parser.parse_args()
    if args.mode == "prepare":
        prepare(args.projects, args.years or years_for(args.projects))
        return
    if args.mode == "write":
        writer(args.write_project)
        return
    results = measure(args)
    results["skipped"] = args.skip
    results["missed"] = verdicts(results)
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(table(results))
    print(f"\nWritten to {args.output} ({results['seconds']} s in all)")
    errors = sum(row.get("errors", 0) for row in results["pages"].values()) + sum(
        column["errors"]
        for row in results["pages"].values()
        for column in row.get("signed_in", {}).values()
    )
    if errors or (args.check and results["missed"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
