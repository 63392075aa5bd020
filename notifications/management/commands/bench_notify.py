"""Measure one worker pass over a city's year: ``manage.py bench_notify``.

Run it on a database of generated data (``manage.py generate_data --projects
10000 --years 1 --today 2020-03-20``): it adds the staff (``--people``, spread
over the departments, each department with an approver, and 20 evaluators),
then times the scheduled reminders (twice: the second pass must add nothing),
and the morning's digests (rendered and handed to an in-memory mail backend).
Never on a database with real people: it deletes every notification and
event first.
"""

from __future__ import annotations

import resource
import time
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from notifications import worker
from notifications.models import EmailState, Event, Notification
from projects.models import Department, Profile, Project

PREFIX = "bench-notify-"


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux: KB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = (
        "Time a notification worker pass over generated data (deletes notifications)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--people", type=int, default=2000)
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=date(2020, 3, 20),
            help="the date the reminders are checked on (default 2020-03-20)",
        )
        parser.add_argument(
            "--yes", action="store_true", help="delete every notification first"
        )
        parser.add_argument(
            "--no-digests", action="store_true", help="time the checks only"
        )

    def handle(self, *args, people: int, today: date, yes: bool, **options) -> None:
        if not yes:
            raise CommandError("bench_notify deletes every notification: add --yes")
        fiscal_projects = Project.objects.filter(fiscal_year=2563).count()
        if not fiscal_projects:
            raise CommandError("no projects: run generate_data first")
        self._people(people)
        Notification.objects.all().delete()
        Event.objects.all().delete()
        now = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        now = now.replace(hour=settings.NOTIFY_DIGEST_HOUR - 1)
        out = self.stdout.write
        out(f"{Project.objects.count()} projects, {people} staff, on {today}")
        started, memory = time.perf_counter(), peak_mb()
        counts = worker.scan(today=today, now=now, report=out)
        first = time.perf_counter() - started
        made = Notification.objects.count()
        out(f"first pass: {made} notifications in {first:.1f} s {counts}")
        started = time.perf_counter()
        worker.scan(today=today, now=now, report=lambda _line: None)
        second = time.perf_counter() - started
        again = Notification.objects.count() - made
        out(f"second pass: {again} new in {second:.1f} s")
        out(f"peak memory after the checks: {peak_mb():.0f} MB")
        if options["no_digests"]:
            return
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        started = time.perf_counter()
        digests, failed = worker.send_digests(
            now=now.replace(hour=settings.NOTIFY_DIGEST_HOUR)
            + timezone.timedelta(days=1)
        )
        third = time.perf_counter() - started
        waiting = Notification.objects.filter(email_state=EmailState.DIGEST).count()
        out(
            f"digests: {digests} emails ({failed} failed) in {third:.1f} s; "
            f"{waiting} still waiting"
        )
        out(f"peak memory: {peak_mb():.0f} MB (before the pass: {memory:.0f} MB)")

    def _people(self, count: int) -> None:
        """Staff spread over the departments, an approver each, 20 evaluators."""
        User = get_user_model()
        departments = list(
            Department.objects.order_by("pk").values_list("pk", flat=True)
        )
        with transaction.atomic():
            existing = User.objects.filter(username__startswith=PREFIX).count()
            if existing >= count + 20:
                return
            User.objects.filter(username__startswith=PREFIX).delete()
            users = User.objects.bulk_create(
                User(
                    username=f"{PREFIX}{n}",
                    email=f"{PREFIX}{n}@bench.example.go.th",
                    password="!",  # no login
                )
                for n in range(count + 20)
            )
            staff, evaluators = users[:count], users[count:]
            Profile.objects.bulk_create(
                [Profile(user=u, role=Profile.Role.STAFF) for u in staff]
                + [Profile(user=u, role=Profile.Role.EVALUATOR) for u in evaluators],
                ignore_conflicts=True,
            )
            Department.members.through.objects.bulk_create(
                Department.members.through(
                    department_id=departments[n % len(departments)], user_id=u.pk
                )
                for n, u in enumerate(staff)
            )
            Department.approvers.through.objects.bulk_create(
                Department.approvers.through(department_id=pk, user_id=staff[n].pk)
                for n, pk in enumerate(departments)
                if n < len(staff)
            )
