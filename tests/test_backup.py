"""``coworking backup`` and ``coworking restore``: a round trip while the real site serves and a writer
keeps writing, on SQLite and on PostgreSQL (whichever the suite runs on)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from coworking.cli import main
from coworking.core.db import make_engine
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.server import serving, site_env


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


def test_a_backup_taken_while_serving_restores_into_the_running_site(own_database: str, tmp_path: Path) -> None:
    engine = make_engine(own_database)
    with Session(engine) as db:
        make_space(db, "CoLabora", "Lielvārde", "LV", amenities=("desks", "printer"))
        db.commit()
    # The site sees another process's writes within a second (the content version); this test writes and
    # looks within less, on a fast machine: it reads the version on every request.
    env = site_env(own_database, tmp_path, CONTENT_VERSION_SECONDS="0")
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

    after = spaces_in(own_database)
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


def test_a_file_that_is_not_a_backup_changes_nothing(own_database: str, tmp_path: Path) -> None:
    engine = make_engine(own_database)
    with Session(engine) as db:
        make_space(db, "SKOLA6", "Cēsis", "LV")
        db.commit()
    engine.dispose()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database" * 100)
    env = {"COWORKING_DATABASE_URL": own_database, "COWORKING_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["restore", str(junk), "--yes"], env=env)
    assert result.exit_code != 0
    assert "Error" in result.output and "Traceback" not in result.output
    assert spaces_in(own_database) == {"skola6"}


def test_the_postgresql_password_goes_by_the_environment_not_the_command_line() -> None:
    from coworking.core.backup import _libpq

    address, env = _libpq("postgresql://coworking:s3cret@db.example.org:5432/network")
    assert address == "postgresql://coworking@db.example.org:5432/network" and "s3cret" not in address
    assert env["PGPASSWORD"] == "s3cret"
