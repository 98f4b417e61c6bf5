"""The server killed (SIGKILL) in the middle of concurrent edits comes back with every answered edit and
every space agreeing with its revisions (tests/crash.py; ten rounds in ``python benchmarks/crash.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from coworking.core.backup import backup, restore
from coworking.core.db import make_engine
from tests.crash import crash_once


@pytest.fixture()
def own_database(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the suite's migrated, emptied database for the served site (it outlives requests)."""
    if not database_url.startswith("postgres"):
        backup(database_url, tmp_path / "site.db")
        yield f"sqlite:///{tmp_path / 'site.db'}"
        return
    name = f"coworking_crash_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        backup(database_url, tmp_path / "suite.backup")
        restore(url, tmp_path / "suite.backup")
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_killed_server_loses_no_answered_edit(own_database: str, tmp_path: Path) -> None:
    report = crash_once(own_database, tmp_path)
    assert report.edits_answered >= 4, "the kill came before the editors got going"
    assert report.integrity == "ok"
    assert report.problems == []
