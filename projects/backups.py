"""Backups of the portal's database, and restoring them.

PostgreSQL is dumped with ``pg_dump -Fc`` (one consistent snapshot, compressed) and
restored with ``pg_restore --clean --if-exists``; SQLite is copied with SQLite's own
backup API, which yields a consistent copy even while the portal writes. The
commands ``backup`` and ``restore`` are thin wrappers around these functions.

Files kept through Django's storage API (the evidence app's photos and
documents, local or on S3) go beside the database's file, into
``<backup>.files.tar`` (``backup_files``), read and written one file at a time
through the storage itself, so the same code backs up a local directory and a
bucket; ``restore_files`` puts them back under the same names.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
SUFFIXES = {POSTGRESQL: ".pgdump", SQLITE: ".sqlite3"}
# The first bytes of each kind of backup file.
MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
# SQLite copies this many pages per step, reporting progress between steps.
SQLITE_PAGES_PER_STEP = 4096

FILES_SUFFIX = ".files.tar"

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def vendor_of(settings_dict: dict[str, Any]) -> str:
    """postgresql or sqlite: the two databases the portal runs on."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("postgresql"):
        return POSTGRESQL
    if engine.endswith("sqlite3"):
        return SQLITE
    raise BackupError(f"cannot back up a database of engine {engine}")


def describe(settings_dict: dict[str, Any]) -> str:
    """The database in words, without its password."""
    if vendor_of(settings_dict) == SQLITE:
        return f"SQLite {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    port = settings_dict.get("PORT") or 5432
    return f"PostgreSQL {settings_dict['NAME']} at {host}:{port}"


def file_vendor(path: Path) -> str:
    """The kind of database a backup file holds, read from its first bytes."""
    with path.open("rb") as file:
        head = file.read(16)
    for vendor, magic in MAGIC.items():
        if head.startswith(magic):
            return vendor
    raise BackupError(f"{path} is neither a pg_dump custom-format file nor SQLite")


def backup(alias: str, directory: Path, *, log: Log, verbose: bool = False) -> Path:
    """Back up the database ``alias`` into a new timestamped file in ``directory``."""
    settings_dict = connections[alias].settings_dict
    vendor = vendor_of(settings_dict)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _new_file(directory, _stem(settings_dict), SUFFIXES[vendor])
    partial = path.with_name(path.name + ".partial")
    log(f"Backing up {describe(settings_dict)} to {path}")
    started = time.monotonic()
    try:
        if vendor == POSTGRESQL:
            _run(
                "pg_dump",
                ["--format=custom", f"--file={partial}"],
                settings_dict,
                verbose=verbose,
            )
        else:
            connection = connections[alias]
            connection.ensure_connection()
            with closing(sqlite3.connect(partial)) as target:
                _copy_sqlite(connection.connection, target, log=log, verbose=verbose)
        # A backup holds every password hash and session: for its owner's eyes only.
        partial.chmod(0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    log(
        f"Wrote {path} ({_size(path.stat().st_size)}) "
        f"in {time.monotonic() - started:.1f} s"
    )
    return path


def restore(
    path: Path,
    *,
    alias: str | None = None,
    settings_dict: dict[str, Any] | None = None,
    log: Log,
    verbose: bool = False,
) -> None:
    """Replace the contents of a database with the backup ``path``.

    The database is the connection ``alias``, or any other one described by
    ``settings_dict`` (a DATABASES entry), e.g. a scratch database to look into a
    backup without touching the portal's own.
    """
    if settings_dict is None:
        settings_dict = connections[alias].settings_dict
    vendor = vendor_of(settings_dict)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    found = file_vendor(path)
    if found != vendor:
        raise BackupError(
            f"{path} is a {NAMES[found]} backup; it cannot be restored into "
            f"{describe(settings_dict)}"
        )
    log(f"Restoring {path} into {describe(settings_dict)}")
    started = time.monotonic()
    if vendor == POSTGRESQL:
        if alias is not None:
            # pg_restore drops and recreates tables: leave them unlocked.
            connections[alias].close()
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={settings_dict['NAME']}",
                str(path),
            ],
            settings_dict,
            verbose=verbose,
        )
    else:
        with closing(sqlite3.connect(path)) as source:
            if alias is not None:
                connection = connections[alias]
                connection.ensure_connection()
                _copy_sqlite(source, connection.connection, log=log, verbose=verbose)
            else:
                with closing(sqlite3.connect(settings_dict["NAME"])) as target:
                    _copy_sqlite(source, target, log=log, verbose=verbose)
    log(f"Restored in {time.monotonic() - started:.1f} s")


def _stem(settings_dict: dict[str, Any]) -> str:
    name = str(settings_dict["NAME"])
    if vendor_of(settings_dict) == SQLITE:
        name = "memory" if "memory" in name else Path(name).stem
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)[:60] or "database"


def _new_file(directory: Path, stem: str, suffix: str) -> Path:
    """A timestamped name no other backup in ``directory`` has."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stem}-{stamp}{suffix}"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{stamp}-{number}{suffix}"
    return path


def _copy_sqlite(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    *,
    log: Log,
    verbose: bool,
) -> None:
    """Copy with SQLite's backup API: a write during the copy makes it start over."""

    def progress(_status: int, remaining: int, total: int) -> None:
        if verbose:
            log(f"  copied {total - remaining} of {total} pages")

    source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=progress)


def _run(
    program: str, arguments: list[str], settings_dict: dict[str, Any], *, verbose: bool
) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed (apt-get install postgresql-client)"
        )
    # The connection goes through libpq's environment variables, so that the
    # password never appears in a process list.
    _args, client_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(client_env or {})}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    command = [executable, *arguments]
    if verbose:
        command.append("--verbose")
    # A fixed program found on PATH, a list of arguments, no shell.
    result = subprocess.run(
        command, env=env, capture_output=not verbose, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or "").strip()
        raise BackupError(f"{program} failed ({result.returncode}): {detail}")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def files_path(path: Path) -> Path:
    """Where the files of the database backup ``path`` are kept."""
    return path.with_name(path.name + FILES_SUFFIX)


def stored_names(storage: Storage, top: str = "") -> Iterator[str]:
    """Every file name in a storage, walking its directories (or key prefixes)."""
    try:
        directories, files = storage.listdir(top)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{top}/{name}" if top else name
    for directory in sorted(directories):
        yield from stored_names(storage, f"{top}/{directory}" if top else directory)


def backup_files(path: Path, storage: Storage, *, log: Log) -> int:
    """Write every file of ``storage`` into the tar ``files_path(path)``."""
    target = files_path(path)
    partial = target.with_name(target.name + ".partial")
    count = 0
    try:
        with tarfile.open(partial, "w") as archive:
            for name in stored_names(storage):
                info = tarfile.TarInfo(name)
                info.size = storage.size(name)
                with storage.open(name, "rb") as handle:
                    archive.addfile(info, handle)
                count += 1
        partial.chmod(0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log(f"Wrote {count} files to {target} ({_size(target.stat().st_size)})")
    return count


def restore_files(path: Path, storage: Storage, *, log: Log) -> int:
    """Put the files of ``files_path(path)`` back into ``storage``, each under
    its own name (a file there of the same name is replaced)."""
    source = files_path(path)
    if not source.is_file():
        log(f"No files to restore ({source} is not there)")
        return 0
    count = 0
    with tarfile.open(source, "r") as archive:
        for member in archive:
            name = member.name
            if not member.isfile() or name.startswith("/") or ".." in name.split("/"):
                raise BackupError(f"{source}: refusing the entry {name!r}")
            handle = archive.extractfile(member)
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"{name} was stored as {saved}")
            count += 1
    log(f"Restored {count} files from {source}")
    return count
