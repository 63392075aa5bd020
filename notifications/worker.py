"""The background worker's jobs: fan events out to people, run the scheduled
checks, and send email; ``manage.py run_worker`` runs them in a loop.

Safe with several workers at once and after a crash mid-batch, because the
database decides: a notification's (event key, person) is unique and inserted
with ON CONFLICT DO NOTHING, so a check run twice adds nothing; the outbox and
the emails are taken in batches with ``SELECT … FOR UPDATE SKIP LOCKED`` (on
PostgreSQL; SQLite runs one worker), and marked done in the transaction that
took them, so a crashed batch is rolled back and taken again.

An email is sent while its row is locked and marked sent when that transaction
commits: if the process dies between the server's "250 OK" and the commit, the
mail is sent again on the next try, with the same Message-ID so mail clients
show it once. Every other path is exactly once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, reset_queries, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from notifications import mail, outbox, rules
from notifications.audience import Audience
from notifications.models import (
    EmailState,
    Event,
    Kind,
    Notification,
    WorkerState,
)
from projects import access, approval, progress, thaicalendar
from projects.models import Project
from projects.models import missing_months as project_missing_months

logger = logging.getLogger(__name__)

EVENT_BATCH = 500
EMAIL_BATCH = 100
INSERT_BATCH = 5000
PROJECT_CHUNK = 2000

Progress = Callable[[str], None]


def _locked(queryset):
    """Rows another worker has not taken; SQLite has no row locks (one worker)."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def insert(rows: Iterable[Notification]) -> int:
    """Insert notifications; one already made (same key and person) is skipped."""
    rows = list(rows)
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


# The outbox


def fan_out(*, now: datetime, audience: Audience | None = None) -> int:
    """Turn every unprocessed event into notifications; returns events done."""
    done = 0
    while True:
        with transaction.atomic():
            events = list(
                _locked(Event.objects.filter(processed_at__isnull=True)).order_by("pk")[
                    :EVENT_BATCH
                ]
            )
            if not events:
                return done
            audience = audience or Audience()
            rows = []
            for event in events:
                for user_id in audience.resolve(event.recipients):
                    if user_id == event.actor_id:
                        continue  # nobody is told what they did themselves
                    rows.append(
                        audience.notification(
                            user_id,
                            kind=event.kind,
                            key=event.key,
                            now=now,
                            created_at=event.created_at,
                            project_id=event.project_id,
                            params=event.params,
                            url=event.url,
                        )
                    )
            insert(rows)
            Event.objects.filter(pk__in=[e.pk for e in events]).update(processed_at=now)
            done += len(events)


# The scheduled checks


class _Locks:
    """Read-only quarters per department, read once each."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._found: dict[tuple[int, int | None], set[int]] = {}

    def quarters(self, fiscal_year: int, department_id: int | None) -> set[int]:
        key = (fiscal_year, department_id)
        if key not in self._found:
            self._found[key] = set(
                access.quarter_locks(fiscal_year, department_id, self.today)
            )
        return self._found[key]


def scan(
    *, today: date, now: datetime, report: Progress | None = None
) -> dict[str, int]:
    """Run every scheduled check for ``today``; returns notifications offered
    per kind (those made before are skipped by their unique key)."""
    report = report or (lambda _line: None)
    audience = Audience()
    locks = _Locks(today)
    counts = {}
    counts.update(_scan_projects(today, now, audience, locks, report))
    counts.update(_scan_quarter(today, now, audience, locks))
    counts.update(_scan_year_closing(today, now, audience))
    return {str(kind): count for kind, count in counts.items()}


def _scan_projects(today, now, audience, locks, report) -> dict[str, int]:
    """Monthly reports due soon and overdue, per project and missing month."""
    fiscal_year = thaicalendar.fiscal_year_of(today)
    due_day = settings.REPORT_DUE_DAY
    soon = rules.due_soon_month(
        today, due_day=due_day, days=settings.NOTIFY_DUE_SOON_DAYS
    )
    projects = (
        Project.objects.for_fiscal_year(fiscal_year).with_progress(today).order_by("pk")
    )
    total = Project.objects.for_fiscal_year(fiscal_year).count()
    counts = {Kind.DUE_SOON: 0, Kind.OVERDUE: 0}
    seen = last_pk = 0
    while True:
        chunk = list(
            projects.filter(pk__gt=last_pk).values_list(
                "pk",
                "code",
                "name_th",
                "name_en",
                "department_id",
                "plan_start",
                "completed_on",
                "reported_months",
            )[:PROJECT_CHUNK]
        )
        if not chunk:
            break
        offers = []
        for pk, code, name, name_en, department_id, start, completed, mask in chunk:
            people = audience.members.get(department_id)
            if not people:
                continue
            locked = locks.quarters(fiscal_year, department_id)
            base = {"code": code, "name": name, "name_en": name_en}
            url = reverse("projects:update-create", args=[code])
            owed = []
            for year, month in project_missing_months(
                fiscal_year, today, start, completed, mask
            ):
                if thaicalendar.quarter_of(date(year, month, 1)) not in locked:
                    owed.append((Kind.OVERDUE, year, month))
            if soon and progress.report_due_now(
                reported_mask=mask,
                plan_start=start,
                completed_on=completed,
                on=today,
                due_day=due_day,
            ):
                owed.append((Kind.DUE_SOON, *soon))
            for kind, year, month in owed:
                due = progress.month_due(year, month, due_day)
                params = base | {"year": year, "month": month, "due": due.isoformat()}
                key = f"{kind}:{pk}:{year}-{month:02d}"
                offers.append((key, kind, pk, department_id, params, url))
        for kind, made in _offer(offers, audience, now).items():
            counts[kind] += made
        # With DEBUG on, Django keeps the SQL of every query: not for 10,000 projects.
        reset_queries()
        seen += len(chunk)
        last_pk = chunk[-1][0]
        report(f"projects {seen}/{total}: {sum(counts.values())} reminders")
    return counts


def _offer(offers: list[tuple], audience: Audience, now: datetime) -> dict:
    """Make the notifications of reminders to a department's staff, skipping
    those recorded before (their Event), then record them; returns notifications
    made per kind. A crash between the two steps makes nothing twice: the next
    check offers them again, and the unique (key, person) skips what was made."""
    made: dict[str, int] = {}
    if not offers:
        return made
    known = set(
        Event.objects.filter(key__in=[offer[0] for offer in offers]).values_list(
            "key", flat=True
        )
    )
    fresh = [offer for offer in offers if offer[0] not in known]
    rows = []
    for key, kind, project_id, department_id, params, url in fresh:
        people = audience.members.get(department_id, ())
        made[kind] = made.get(kind, 0) + len(people)
        rows.extend(
            audience.notification(
                user_id,
                kind=kind,
                key=key,
                now=now,
                project_id=project_id,
                params=params,
                url=url,
            )
            for user_id in people
        )
    insert(rows)
    Event.objects.bulk_create(
        [
            Event(
                key=key,
                kind=kind,
                project_id=project_id,
                department_id=department_id,
                recipients={outbox.MEMBERS: department_id},
                params=params,
                url=url,
                processed_at=now,
            )
            for key, kind, project_id, department_id, params, url in fresh
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return made


def _scan_quarter(today, now, audience, locks) -> dict[str, int]:
    """After a quarter ends: KPI results due (department staff), the quarter ready
    for scoring and, from two weeks on, weekly, projects left unscored
    (evaluators). Nothing for a quarter locked or a year closed."""
    fiscal_year, quarter = rules.last_ended_quarter(today)
    quarter_end = thaicalendar.quarter_bounds(fiscal_year, quarter)[1]
    counts = {Kind.KPI_DUE: 0, Kind.SCORING_OPEN: 0, Kind.UNSCORED: 0}
    if quarter in locks.quarters(fiscal_year, None):
        return counts  # locked for every department, or the year closed
    quarter_params = {"fiscal_year": fiscal_year, "quarter": quarter}
    missing = (
        Indicator.objects.filter(fiscal_year=fiscal_year)
        .exclude(
            pk__in=Indicator.objects.filter(
                fiscal_year=fiscal_year,
                results__quarter=quarter,
                results__status__in=approval.REPORTED,
            ).values("pk")
        )
        .order_by("pk")
        .values_list("pk", "code", "name_th", "name_en", "department_id")
    )
    rows = []
    for pk, code, name, name_en, department_id in missing.iterator(chunk_size=2000):
        if quarter in locks.quarters(fiscal_year, department_id):
            continue
        people = audience.members.get(department_id, ())
        params = quarter_params | {"indicator": code, "name": name, "name_en": name_en}
        url = reverse("indicators:result-edit", args=[code, quarter])
        key = f"{Kind.KPI_DUE}:{pk}:{fiscal_year}-Q{quarter}"
        rows.extend(
            audience.notification(
                user_id, kind=Kind.KPI_DUE, key=key, now=now, params=params, url=url
            )
            for user_id in people
        )
        counts[Kind.KPI_DUE] += len(people)
    insert(rows)
    url = reverse("projects:evaluation-quarter", args=[fiscal_year, quarter])
    projects = Project.objects.filter(fiscal_year=fiscal_year)
    count = projects.count()
    if count:
        key = f"{Kind.SCORING_OPEN}:{fiscal_year}-Q{quarter}"
        params = quarter_params | {"count": count}
        insert(
            audience.notification(
                user_id,
                kind=Kind.SCORING_OPEN,
                key=key,
                now=now,
                params=params,
                url=url,
            )
            for user_id in audience.evaluators
        )
        counts[Kind.SCORING_OPEN] = len(audience.evaluators)
    week = rules.unscored_reminder_week(
        today, quarter_end=quarter_end, after_days=settings.NOTIFY_UNSCORED_AFTER_DAYS
    )
    unscored = projects.exclude(evaluations__quarter=quarter).count() if week else 0
    if unscored:
        key = f"{Kind.UNSCORED}:{fiscal_year}-Q{quarter}:{week}"
        params = quarter_params | {"count": unscored}
        insert(
            audience.notification(
                user_id, kind=Kind.UNSCORED, key=key, now=now, params=params, url=url
            )
            for user_id in audience.evaluators
        )
        counts[Kind.UNSCORED] = len(audience.evaluators)
    return counts


def _scan_year_closing(today, now, audience) -> dict[str, int]:
    """A fiscal year about to close by itself: every department's staff."""
    count = 0
    current = thaicalendar.fiscal_year_of(today)
    for fiscal_year in (current - 1, current):
        closes_on = access.year_closes_on(fiscal_year)
        if not rules.year_closing(
            today, closes_on=closes_on, days=settings.NOTIFY_YEAR_CLOSING_DAYS
        ):
            continue
        if not Project.objects.filter(fiscal_year=fiscal_year).exists():
            continue
        key = f"{Kind.YEAR_CLOSING}:{fiscal_year}"
        params = {"fiscal_year": fiscal_year, "closes_on": closes_on.isoformat()}
        people = audience.all_members()
        insert(
            audience.notification(
                user_id,
                kind=Kind.YEAR_CLOSING,
                key=key,
                now=now,
                params=params,
                url=reverse("projects:my-work"),
            )
            for user_id in people
        )
        count += len(people)
    return {Kind.YEAR_CLOSING: count}


# Email


def send_due_emails(*, now: datetime) -> tuple[int, int]:
    """Send every email due at once; returns (sent, failed)."""
    sent = failed = 0
    while True:
        with transaction.atomic():
            batch = list(
                _locked(Notification.objects.email_due(now))
                .select_related("recipient__profile", "project")
                .order_by("next_attempt_at", "pk")[:EMAIL_BATCH]
            )
            if not batch:
                return sent, failed
            outcomes = _send([(mail.single(item), [item]) for item in batch], now)
            sent += outcomes.count(True)
            failed += outcomes.count(False)
            _record(batch, now)
        if failed:
            # What failed waits for its retry; do not loop on it now.
            return sent, failed


def digest_cutoff(now: datetime) -> datetime:
    """The latest daily digest time at or before ``now`` (local time)."""
    local = timezone.localtime(now)
    cutoff = local.replace(
        hour=settings.NOTIFY_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


def send_digests(*, now: datetime) -> tuple[int, int]:
    """Send each person one email of what waited for the digest, grouped by
    project; returns (digests sent, failed)."""
    waiting = Notification.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        email_state=EmailState.DIGEST,
        created_at__lt=digest_cutoff(now),
    )
    sent = failed = 0
    people = list(
        waiting.order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in people:
        with transaction.atomic():
            items = list(
                _locked(waiting.filter(recipient_id=user_id))
                .select_related("recipient__profile", "project")
                .order_by("project_id", "created_at", "pk")
            )
            if not items:
                continue  # another worker has them
            [ok] = _send([(mail.digest(items, now=now), items)], now)
            sent += ok
            failed += not ok
            _record(items, now)
    return sent, failed


def _record(items: list[Notification], now: datetime) -> None:
    """Store what _send decided: one UPDATE for the sent, each failure as is."""
    done = [item.pk for item in items if item.email_state == EmailState.SENT]
    if done:
        Notification.objects.filter(pk__in=done).update(
            email_state=EmailState.SENT,
            sent_at=now,
            next_attempt_at=None,
            last_error="",
        )
    failed = [item for item in items if item.email_state != EmailState.SENT]
    if failed:
        Notification.objects.bulk_update(
            failed, ["email_state", "attempts", "next_attempt_at", "last_error"]
        )


def _send(messages: list[tuple], now: datetime) -> list[bool]:
    """Send each (message, its notifications) over one connection; record each
    outcome on its notifications. A server that cannot be reached fails them all."""
    smtp = get_connection()
    try:
        smtp.open()
    except Exception as error:  # noqa: BLE001 (any failure is retried, never lost)
        for _message, items in messages:
            _failed(items, error, now)
        return [False] * len(messages)
    try:
        return [_deliver(smtp, message, items, now) for message, items in messages]
    finally:
        # A close that fails loses nothing: every outcome is recorded.
        with contextlib.suppress(Exception):
            smtp.close()


def _failed(items: list[Notification], error: Exception, now: datetime) -> None:
    logger.warning("email failed: %s", error)
    for item in items:
        item.attempts += 1
        if item.email_state != EmailState.DIGEST:
            item.email_state = EmailState.FAILED
        item.next_attempt_at = now + rules.retry_delay(
            item.attempts,
            base=settings.NOTIFY_RETRY_SECONDS,
            cap=settings.NOTIFY_RETRY_MAX_SECONDS,
        )
        item.last_error = f"{type(error).__name__}: {error}"[:2000]


def _deliver(smtp, message, items: list[Notification], now: datetime) -> bool:
    """Send one message for ``items`` and record the outcome on them."""
    try:
        smtp.send_messages([message])
    except Exception as error:  # noqa: BLE001 (any failure is retried, never lost)
        _failed(items, error, now)
        return False
    for item in items:
        item.email_state = EmailState.SENT
        item.sent_at = now
        item.next_attempt_at = None
        item.last_error = ""
    return True


# One run


def claim_scan(now: datetime) -> bool:
    """True for the one worker that runs the scheduled checks now (at most once
    every NOTIFY_SCAN_SECONDS; an UPDATE with a condition decides)."""
    WorkerState.objects.get_or_create(pk=1)
    due = now - timedelta(seconds=settings.NOTIFY_SCAN_SECONDS)
    return bool(
        WorkerState.objects.filter(
            Q(last_scan_at__isnull=True) | Q(last_scan_at__lte=due), pk=1
        ).update(last_scan_at=now)
    )


def run_once(
    *,
    now: datetime | None = None,
    today: date | None = None,
    force_scan: bool = False,
    report: Progress | None = None,
) -> dict:
    """One pass of the worker: the outbox, the checks when due, then email."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    summary: dict = {"events": fan_out(now=now)}
    if force_scan or claim_scan(now):
        if force_scan:
            WorkerState.objects.update_or_create(pk=1, defaults={"last_scan_at": now})
        summary["scan"] = scan(today=today, now=now, report=report)
    summary["sent"], summary["failed"] = send_due_emails(now=now)
    summary["digests"], summary["digests_failed"] = send_digests(now=now)
    WorkerState.objects.update_or_create(
        pk=1, defaults={"last_run_at": now, "last_summary": summary, "last_error": ""}
    )
    return summary


def record_error(error: Exception) -> None:
    """Keep a failed run's error where admins see it."""
    WorkerState.objects.update_or_create(
        pk=1,
        defaults={"last_run_at": timezone.now(), "last_error": repr(error)[:2000]},
    )


def status() -> dict:
    """The worker's last run and backlog, for admin and /healthz."""
    state = WorkerState.objects.filter(pk=1).first()
    now = timezone.now()
    return {
        "last_run": state.last_run_at.isoformat()
        if state and state.last_run_at
        else None,
        "last_scan": state.last_scan_at.isoformat()
        if state and state.last_scan_at
        else None,
        "events_waiting": Event.objects.filter(processed_at__isnull=True).count(),
        "emails_due": Notification.objects.email_due(now).count(),
        "emails_failing": Notification.objects.filter(
            Q(email_state=EmailState.FAILED) | Q(attempts__gt=0),
            sent_at__isnull=True,
        ).count(),
        "digest_waiting": Notification.objects.filter(
            email_state=EmailState.DIGEST
        ).count(),
    }
