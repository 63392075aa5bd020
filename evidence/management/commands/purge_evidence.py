"""Delete evidence files removed longer ago than EVIDENCE_RETENTION_DAYS."""

from django.core.management.base import BaseCommand

from evidence import services


class Command(BaseCommand):
    help = (
        "Delete the files (and rows) of evidence removed more than "
        "EVIDENCE_RETENTION_DAYS ago; the audit history keeps that they existed."
    )

    def handle(self, *args, **options) -> None:
        count = services.purge()
        self.stdout.write(f"Purged {count} removed files.")
