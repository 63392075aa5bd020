"""Import an annual plan file (.xlsx or .csv): a dry run unless --commit is given."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import importing, services


class Command(BaseCommand):
    help = (
        "Preview the import of an annual plan file (projects and plan steps); "
        "with --commit, write it in one transaction through the services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an .xlsx or .csv file")
        parser.add_argument(
            "--commit", action="store_true", help="write it (default: dry run)"
        )
        parser.add_argument("--user", required=True, help="the admin the history names")
        parser.add_argument("--reason", default="", help="the reason for revised plans")
        parser.add_argument(
            "--confirm-warnings",
            action="store_true",
            help="import although the file has warnings",
        )

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']}.")
        path = Path(options["file"])
        started = time.monotonic()

        def progress(stage: str, done: int) -> None:
            seconds = time.monotonic() - started
            self.stdout.write(f"{stage}: {done} rows ({seconds:.1f} s)")

        try:
            with path.open("rb") as file:
                preview = importing.build_plan_preview(file, path.name, progress)
        except (OSError, importing.ImportFileError) as error:
            raise CommandError(str(error)) from error
        counts = preview.counts
        self.stdout.write(
            ", ".join(f"{state}: {count}" for state, count in counts.items())
        )
        for issue in preview.issues:
            self.stdout.write(
                f"{issue.severity} {issue.sheet} row {issue.row} "
                f"[{issue.column}]: {issue.message}"
            )
        for row in preview.shown_rows:
            for change in row.changes:
                self.stdout.write(
                    f"{row.code} {change.column}: {change.old!r} -> {change.new!r}"
                )
        if not options["commit"]:
            self.stdout.write("Dry run: nothing written (add --commit to write).")
            return
        if preview.warnings and not options["confirm_warnings"]:
            raise CommandError("The file has warnings: add --confirm-warnings.")
        try:
            written = importing.commit_plan(
                preview,
                user=user,
                reason=options["reason"],
                confirmed=options["confirm_warnings"],
                progress=progress,
            )
        except importing.ImportRefused as error:
            raise CommandError(str(error)) from error
        except services.ReasonRequiredError as error:
            raise CommandError(
                "Plans of projects with reports change as revisions: give --reason."
            ) from error
        seconds = time.monotonic() - started
        self.stdout.write(f"Imported {written} projects in {seconds:.1f} s.")
