"""Backups: a backup restored into a fresh database holds every row.

On SQLite always; on PostgreSQL when the suite runs on it, restoring into a scratch
database the test creates and drops. The rows are committed first (transaction=True):
pg_dump reads the database from a connection of its own.
"""

from decimal import Decimal
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.utils import load_backend

from projects import backups, demo
from projects.models import ProgressUpdate
from tests.factories import (
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def load_rows() -> None:
    """The seed project, a login, and rows with Thai text, decimals and dates."""
    demo.write_seed_project()
    project = ProjectFactory(name_th="โครงการสำรองข้อมูล ๒๕๖๓", objectives=["ก", "ข"])
    PlanStepFactory(project=project, weight=Decimal("100.00"))
    ProgressUpdateFactory(project=project, percent=Decimal("12.34"), problems="ฝนตก")
    IndicatorResultFactory(value=Decimal("0.01"))
    UserFactory(username="backup-staff", role="staff")


def open_database(url: str):
    """A Django connection to the database at ``url``, outside ``connections``."""
    settings_dict = connections.configure_settings(
        {"default": dj_database_url.parse(url)}
    )["default"]
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, "restored"
    )


def every_row(db) -> dict[str, list]:
    """Each of the portal's tables with all its rows, in a stable order."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    rows = {}
    with db.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def backup_into(directory: Path, capsys) -> Path:
    call_command("backup", output_dir=directory)
    out = capsys.readouterr().out
    assert "Backing up" in out and "Wrote" in out
    return Path(out.strip().splitlines()[-1])


def assert_restored_everything(url: str) -> None:
    expected = every_row(connection)
    assert expected["projects_progressupdate"], "no rows to back up"
    restored = open_database(url)
    try:
        found = every_row(restored)
    finally:
        restored.close()
    assert found.keys() == expected.keys()
    for table, rows in expected.items():
        assert found[table] == rows, table


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL")


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; run it with DATABASE_URL=postgres://…")


@pytest.fixture
def scratch_postgresql():
    """A new, empty PostgreSQL database beside the test database, dropped after."""
    name = f"{connection.settings_dict['NAME']}_restore"
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    here = connection.settings_dict
    url = (
        f"postgres://{here['USER']}:{here['PASSWORD']}"
        f"@{here['HOST'] or 'localhost'}:{here['PORT'] or 5432}/{name}"
    )
    yield url
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


def test_sqlite_backup_restored_into_a_fresh_database_has_every_row(
    sqlite_only, tmp_path, capsys
):
    load_rows()
    path = backup_into(tmp_path / "backups", capsys)
    assert path.suffix == ".sqlite3"
    assert backups.file_vendor(path) == backups.SQLITE
    assert path.stat().st_mode & 0o777 == 0o600
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    call_command("restore", str(path), into=url, interactive=False)
    assert "Restoring" in capsys.readouterr().out
    assert_restored_everything(url)


def test_postgresql_backup_restored_into_a_fresh_database_has_every_row(
    postgresql_only, scratch_postgresql, tmp_path, capsys
):
    load_rows()
    path = backup_into(tmp_path / "backups", capsys)
    assert path.suffix == ".pgdump"
    assert backups.file_vendor(path) == backups.POSTGRESQL
    assert path.stat().st_mode & 0o777 == 0o600
    call_command("restore", str(path), into=scratch_postgresql, interactive=False)
    assert_restored_everything(scratch_postgresql)


def test_restoring_brings_back_deleted_rows(tmp_path, capsys):
    load_rows()
    count = ProgressUpdate.objects.count()
    path = backup_into(tmp_path, capsys)
    ProgressUpdate.objects.all().delete()
    call_command("restore", str(path), interactive=False)
    assert ProgressUpdate.objects.count() == count


def test_backups_made_in_the_same_second_do_not_overwrite_each_other(tmp_path, capsys):
    first = backup_into(tmp_path, capsys)
    second = backup_into(tmp_path, capsys)
    assert first != second
    assert first.exists() and second.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_restore_refuses_what_is_not_a_backup_of_this_kind_of_database(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    with pytest.raises(CommandError, match="neither"):
        call_command("restore", str(text), interactive=False)
    other = tmp_path / "other.dump"
    other.write_bytes(
        backups.MAGIC[backups.POSTGRESQL if connection.vendor == "sqlite" else "sqlite"]
        + b"\0" * 64
    )
    with pytest.raises(CommandError, match="cannot be restored into"):
        call_command("restore", str(other), interactive=False)
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing"), interactive=False)


def test_restore_asks_first_and_changes_nothing_on_no(tmp_path, capsys, monkeypatch):
    load_rows()
    path = backup_into(tmp_path, capsys)
    ProgressUpdate.objects.all().delete()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(path))
    assert ProgressUpdate.objects.count() == 0
