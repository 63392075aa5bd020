"""Restore a backup made by the backup command, replacing the database's contents."""

from pathlib import Path

import dj_database_url
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from projects import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database: "
        "pg_restore --clean --if-exists on PostgreSQL (each table in the backup is "
        "dropped and recreated with the backup's rows), a page-by-page copy on "
        "SQLite (the whole file is replaced). With --into URL the backup goes into "
        "another, existing database instead, e.g. a scratch one to look into it. "
        "The evidence files in <file>.files.tar, when there, are put back too "
        "(not with --into). Run `manage.py migrate` afterwards when the code is "
        "newer than the backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to restore into (default %(default)s).",
        )
        target.add_argument(
            "--into",
            metavar="URL",
            help="Restore into the database at this URL (as DATABASE_URL) instead.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, **options) -> None:
        alias, settings_dict = options["database"], None
        if options["into"]:
            alias, settings_dict = None, _settings_for(options["into"])
        try:
            described = backups.describe(
                settings_dict or connections[alias].settings_dict
            )
            if options["interactive"]:
                answer = input(
                    f"Replace the contents of {described} with {options['file']}? "
                    "Type 'yes' to go on: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled; nothing was changed.")
            backups.restore(
                options["file"],
                alias=alias,
                settings_dict=settings_dict,
                log=self.stdout.write,
                verbose=options["verbosity"] >= 2,
            )
            if settings_dict is None:
                # The portal's own data: its files come back with it. A look
                # into a scratch database (--into) leaves the files alone.
                backups.restore_files(
                    options["file"], storages["evidence"], log=self.stdout.write
                )
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {options['file']}"))


def _settings_for(url: str) -> dict:
    try:
        return {"OPTIONS": {}, **dj_database_url.parse(url)}
    except ValueError as error:
        raise CommandError(f"--into: {error}") from None
