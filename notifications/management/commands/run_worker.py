"""The background worker: ``manage.py run_worker`` (``--once`` for one pass)."""

from __future__ import annotations

import signal
import time
from datetime import date

from django.core.management.base import BaseCommand
from django.db import close_old_connections, reset_queries

from notifications import worker


class Command(BaseCommand):
    help = (
        "Send notifications: turn events into inbox items, run the scheduled "
        "reminders, send email at once and the daily digests. Safe to run on "
        "several machines at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--sleep", type=float, default=30, help="seconds between passes"
        )
        parser.add_argument(
            "--scan-now",
            action="store_true",
            help="run the scheduled checks now, even if one ran recently",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="run the checks as on this date (YYYY-MM-DD), for trials",
        )

    def handle(self, *args, once: bool, sleep: float, scan_now: bool, today, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_args: stopping.append(True))
        report = self.stdout.write if options["verbosity"] >= 1 else None
        while True:
            started = time.monotonic()
            try:
                summary = worker.run_once(
                    today=today, force_scan=scan_now, report=report
                )
            except Exception as error:
                worker.record_error(error)
                if once:
                    raise
                self.stderr.write(f"worker pass failed: {error!r}")
                summary = None
            # An idle pass says nothing unless asked (-v 2), so the terminal of
            # `make run` shows the mail and the passes that did something.
            busy = summary is not None and (once or any(summary.values()))
            if summary is not None and (
                options["verbosity"] >= 2 or (busy and options["verbosity"] >= 1)
            ):
                seconds = time.monotonic() - started
                self.stdout.write(f"worker pass in {seconds:.1f} s: {summary}")
            scan_now = False
            if once or stopping:
                return
            # As after a request: drop a connection that broke or grew old, and
            # the SQL that DEBUG keeps.
            close_old_connections()
            reset_queries()
            deadline = time.monotonic() + sleep
            while time.monotonic() < deadline and not stopping:
                time.sleep(min(1.0, sleep))
            if stopping:
                return
