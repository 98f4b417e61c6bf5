"""``coworking backup`` and ``coworking restore``: a round trip while the real site serves and a writer
keeps writing, on SQLite and on PostgreSQL (whichever the suite runs on)."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from coworking.cli import main
from coworking.core.backup import backup, restore
from coworking.core.db import make_engine
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.server import serving


@pytest.fixture()
def site_url(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own for the served site, copied from the suite's migrated and emptied one (with
    our own backup and restore: migrating a new one loads the gazetteer, half a minute)."""
    if not database_url.startswith("postgres"):
        copy = tmp_path / "site.db"
        backup(database_url, copy)
        yield f"sqlite:///{copy}"
        return
    name = f"coworking_backup_{uuid.uuid4().hex[:8]}"
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


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def spaces_in(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            return set(db.scalars(select(Space.slug)))
    finally:
        engine.dispose()


def test_a_backup_taken_while_serving_restores_into_the_running_site(site_url: str, tmp_path: Path) -> None:
    engine = make_engine(site_url)
    with Session(engine) as db:
        make_space(db, "CoLabora", "Lielvārde", "LV", amenities=("desks", "printer"))
        db.commit()
    env = {**os.environ, "COWORKING_DATABASE_URL": site_url, "COWORKING_VAR_DIR": str(tmp_path), "COWORKING_SECRET_KEY": "backup-test-" + "0" * 40}
    env.pop("COWORKING_REDIS_URL", None)
    runner = CliRunner()
    backup_file = tmp_path / "site.backup"

    with serving(env, tmp_path / "server.log") as base:
        assert status(f"{base}/spaces/colabora") == 200
        # A writer keeps adding spaces (each with its amenities, one transaction each) during the backup.
        stop = threading.Event()
        written: list[str] = []

        def write() -> None:
            with Session(engine) as db:
                while not stop.is_set() and len(written) < 400:
                    space = make_space(db, f"Barn {len(written)}", "Ogre", "LV", amenities=("desks",))
                    db.commit()
                    written.append(space.slug)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(written) < 5:
                stop.wait(0.01)
            result = runner.invoke(main, ["backup", str(backup_file)], env=env)
        finally:
            stop.set()
            writer.join()
        assert result.exit_code == 0, result.output
        assert backup_file.stat().st_size > 0

        # Then the listing is lost (closed by mistake, say) …
        with Session(engine) as db:
            db.delete(db.scalar(select(Space).where(Space.slug == "colabora")))
            db.commit()
        assert status(f"{base}/spaces/colabora") == 404

        # … and the backup brings it back into the site as it serves, without a restart.
        restored = runner.invoke(main, ["restore", str(backup_file), "--yes"], env=env)
        assert restored.exit_code == 0, restored.output
        assert status(f"{base}/spaces/colabora") == 200
        assert status(f"{base}/healthz") == 200

    after = spaces_in(site_url)
    assert "colabora" in after
    # The snapshot is one moment: some of the writer's spaces, each whole, and none it had not written.
    barns = after - {"colabora"}
    assert barns <= set(written) and len(barns) <= len(written)
    with Session(engine) as db:
        without_amenities = db.scalar(select(func.count()).select_from(Space).where(~Space.amenities.any()))
        assert without_amenities == 0
        if engine.dialect.name == "sqlite":
            assert db.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.execute(text("PRAGMA foreign_key_check")).first() is None
    engine.dispose()


def test_a_file_that_is_not_a_backup_changes_nothing(site_url: str, tmp_path: Path) -> None:
    engine = make_engine(site_url)
    with Session(engine) as db:
        make_space(db, "SKOLA6", "Cēsis", "LV")
        db.commit()
    engine.dispose()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database" * 100)
    env = {"COWORKING_DATABASE_URL": site_url, "COWORKING_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["restore", str(junk), "--yes"], env=env)
    assert result.exit_code != 0
    assert "Error" in result.output and "Traceback" not in result.output
    assert spaces_in(site_url) == {"skola6"}
