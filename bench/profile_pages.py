"""In-process cost of the rendered (signed-in) pages: CPU time and queries per request.

Wall-clock rates on a shared machine move with the neighbours' load; the CPU time
this process spends on one request (``time.process_time`` around Django's test
client) and the number of queries it makes do not. For each page and each person
(anonymous, ``staff``, ``evaluator``, ``approver``; real sessions made by the login
form's backend) it prints the median CPU ms of ``--runs`` warm requests, the
queries of one request, the CPU ms of the first request after a write (a report
and its approval on the benchmark's project, or with ``--after-write drop`` new
versions published: every cached value stale), and optionally the top functions
of a cProfile run.

Run it on a data set that ``bench/run.py`` built (``DEBUG`` off, PostgreSQL)::

    DATABASE_URL=postgres://…/bmaproj_bench_small .venv/bin/python \
        bench/profile_pages.py [--runs 15] [--profile NAME] [--only NAME]
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmaproj.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Production's fingerprinted static files, collected once into a scratch directory.
os.environ.setdefault("STATIC_ROOT", "/tmp/bench-profile-static")

FISCAL_YEAR = 2569
SEED_PROJECT = "21000000-3152"
PEOPLE = ("anonymous", "staff", "evaluator", "approver")


def pages(facts: dict) -> dict[str, str]:
    department = facts["department"]
    return {
        "healthz": "/healthz",
        "project (seed)": f"/projects/{SEED_PROJECT}/",
        "project 12 updates": "/projects/21000000-9012/",
        "project 120 updates": "/projects/21000000-9120/",
        "project list by department": (
            f"/projects/?fy={FISCAL_YEAR}&department={department}"
        ),
        "project list": f"/projects/?fy={FISCAL_YEAR}",
        "department": f"/departments/{department}/?fy={FISCAL_YEAR}",
        "overview": f"/?fy={FISCAL_YEAR}",
        "dashboard": f"/reports/?fy={FISCAL_YEAR}",
        "KPI": f"/indicators/{facts['indicator']}/",
        "approvals": "/approvals/",
        "my work": "/my/",
    }


def facts_of_database() -> dict:
    from django.db.models import Count

    from indicators.models import Indicator
    from projects import generator
    from projects.models import Project

    generated = Project.objects.filter(
        department__code__in=generator.GENERATED_DEPARTMENT_CODES,
        fiscal_year=FISCAL_YEAR,
    )
    biggest = (
        generated.values("department__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__code")
        .first()
    )
    indicator = (
        Indicator.objects.filter(fiscal_year=FISCAL_YEAR, results__quarter=4)
        .order_by("code")
        .first()
    )
    return {
        "projects_in_year": Project.objects.filter(fiscal_year=FISCAL_YEAR).count(),
        "department": biggest["department__code"],
        "department_projects": biggest["n"],
        "indicator": indicator.code,
    }


def client_for(person: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https", secure=True)
    if person != "anonymous":
        client.force_login(get_user_model().objects.get(username=person))
    return client


def get(client, path: str) -> tuple[float, int, int, float]:
    """CPU ms of one request, its queries, its status and its wall-clock ms (which
    adds the database's time, and moves with the machine's load)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, wall = time.process_time(), time.perf_counter()
        response = client.get(path)
        cpu = (time.process_time() - started) * 1000
        wall = (time.perf_counter() - wall) * 1000
    return cpu, len(queries), response.status_code, wall


def measure(path: str, client, runs: int, write) -> dict:
    get(client, path)
    _cpu, queries, status, _wall = get(client, path)
    warm = [get(client, path) for _ in range(runs)]
    times = [request[0] for request in warm]
    after_write = []
    for _ in range(3):
        write()
        after_write.append(get(client, path))
    return {
        "status": status,
        "cpu_ms": round(statistics.median(times), 1),
        "cpu_p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "wall_ms": round(statistics.median(request[3] for request in warm), 1),
        "queries": queries,
        "after_write_cpu_ms": round(
            statistics.median(request[0] for request in after_write), 1
        ),
        "after_write_wall_ms": round(
            statistics.median(request[3] for request in after_write), 1
        ),
    }


def profile(path: str, client, runs: int, top: int) -> str:
    get(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def writer_for(kind: str):
    """The write made before each request after a write (see ``--after-write``)."""
    if kind == "drop":
        from projects.cache import _publish_new_version

        return _publish_new_version
    from run import Writer  # bench/run.py, beside this file

    writer = Writer(os.environ["DATABASE_URL"], "report")
    atexit.register(writer.close)
    return writer.write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", action="append", help="page name (repeatable)")
    parser.add_argument("--people", default=",".join(PEOPLE))
    parser.add_argument("--profile", help="cProfile this page (as staff)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--output", help="write the figures as JSON")
    parser.add_argument(
        "--after-write",
        choices=["report", "drop"],
        default="report",
        help="the write before the request after a write: a report and its "
        "approval on the benchmark's project (run.py's writer, another process), "
        "or new versions published (every cached value stale)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    settings.ALLOWED_HOSTS = ["*"]
    facts = facts_of_database()
    paths = pages(facts)
    people = args.people.split(",")
    if args.profile:
        print(profile(paths[args.profile], client_for("staff"), args.runs, args.top))
        return
    names = args.only or list(paths)
    results: dict = {"facts": facts, "pages": {}}
    head = f"{'page':<28}" + "".join(f" {p[:9]:>30}" for p in people)
    print(facts)
    print(
        "CPU ms per request (median) / wall ms (w) / queries / "
        "CPU ms after a write (wall ms)"
    )
    print(head)
    clients = {person: client_for(person) for person in people}
    write = writer_for(args.after_write)
    for name in names:
        row = {}
        line = f"{name:<28}"
        for person in people:
            figures = measure(paths[name], clients[person], args.runs, write)
            row[person] = figures
            cell = (
                f"{figures['cpu_ms']}/{figures['wall_ms']:.0f}w/"
                f"{figures['queries']}q/{figures['after_write_cpu_ms']}"
                f"({figures['after_write_wall_ms']:.0f})"
            )
            if figures["status"] != 200:
                cell = f"({figures['status']})"
            line += f" {cell:>30}"
        results["pages"][name] = {"path": paths[name], **row}
        print(line, flush=True)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
