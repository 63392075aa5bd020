"""Back up the portal's database into a timestamped file under BACKUP_DIR."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from projects import backups


class Command(BaseCommand):
    help = (
        "Back up the database: pg_dump -Fc on PostgreSQL, a consistent copy with "
        "SQLite's backup API on SQLite. Writes <name>-<YYYYmmdd-HHMMSS>.pgdump or "
        ".sqlite3 into --output-dir (default: the BACKUP_DIR setting) and prints "
        "the file's path last."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to back up (default %(default)s).",
        )
        parser.add_argument(
            "--output-dir",
            type=Path,
            help="Where to write the backup (default: the BACKUP_DIR setting).",
        )

    def handle(self, *args, **options) -> None:
        directory = options["output_dir"] or Path(settings.BACKUP_DIR)
        try:
            path = backups.backup(
                options["database"],
                directory,
                log=self.stdout.write,
                verbose=options["verbosity"] >= 2,
            )
            backups.backup_files(path, storages["evidence"], log=self.stdout.write)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(str(path)))
