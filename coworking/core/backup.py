"""Backups of the database while the site serves, and their restore.

SQLite: the online backup API copies a consistent snapshot while writers go on (no file copy, which could
catch a half-written WAL), into a temporary file renamed into place when complete; a
restore checks the file's integrity first and copies it back into the live database the same way.
PostgreSQL: ``pg_dump``'s custom format (one consistent snapshot), restored by ``pg_restore`` in a single
transaction. Uploaded photos are files, not rows: copy the media folder beside the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from coworking.core.db import normalize_url


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why, for the command's output."""


def _sqlite_path(url: str) -> Path:
    database = make_url(normalize_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory database has nothing to back up.")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as PostgreSQL's own tools read it (no SQLAlchemy driver name, no password) and the
    environment that carries the password: a command line is readable by every local user (``ps``)."""
    parsed = make_url(normalize_url(url)).set(drivername="postgresql")
    env = {**os.environ, "PGPASSWORD": parsed.password} if parsed.password else dict(os.environ)
    # URL.set(password=None) keeps the password: the named tuple's own replace drops it.
    return parsed._replace(password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed: it comes with PostgreSQL's client tools.")
    done = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False, env=env)  # noqa: S603 - no shell, our own arguments
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target`` (replaced only when complete)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if make_url(normalize_url(url)).get_backend_name() == "sqlite":
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise BackupError(f"There is no database at {source_path}.")
            with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(partial)) as copy:
                # In one step: a read transaction under WAL holds one snapshot without blocking writers, where a
                # step-by-step copy starts over whenever another connection writes (and a busy site always does).
                source.backup(copy)
            _check_sqlite(Path(partial))
        else:
            address, env = _libpq(url)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", address], env)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)


def _check_sqlite(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            copy.execute("SELECT count(*) FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a backup of this site's database ({error}).") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged: {verdict}")


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source`` (checked before anything changes)."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    if make_url(normalize_url(url)).get_backend_name() == "sqlite":
        _check_sqlite(source)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Into the live file through SQLite itself: the site's open connections see the restored rows.
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_db, closing(sqlite3.connect(target, timeout=30)) as live:
            backup_db.backup(live)
    else:
        address, env = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={address}", str(source)], env)
