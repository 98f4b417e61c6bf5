"""Test fixtures: a real database (SQLite by default, PostgreSQL when COWORKING_TEST_DATABASE_URL
names one), migrated once per run and emptied before every test, so no test sees another's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from coworking.app import create_app
from coworking.core.db import make_engine
from coworking.core.models import Base
from coworking.core.settings import Settings
from coworking.geo.models import Place, PlaceName
from coworking.migrations import migrate

# Tables whose rows come from migrations and the gazetteer load, not from tests.
REFERENCE_TABLES = {"amenities", "places", "place_names", "reference_data"}


def _postgres_database(server_url: str) -> Iterator[str]:
    """A throw-away database on the PostgreSQL server, dropped after the run."""
    name = f"coworking_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (make_url(server_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get("COWORKING_TEST_DATABASE_URL")
    if server_url and server_url.startswith("postgres"):
        yield from _postgres_database(server_url)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "coworking.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def engine(migrated_engine: Engine) -> Engine:
    """The migrated database, emptied of everything but the reference data."""
    tables = [table for table in reversed(Base.metadata.sorted_tables) if table.name not in REFERENCE_TABLES]
    with migrated_engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
        # Towns a test's seeding added to the gazetteer go too; the GeoNames places stay.
        seed_places = select(Place.id).where(Place.source == "seed")
        connection.execute(delete(PlaceName).where(PlaceName.place_id.in_(seed_places)))
        connection.execute(delete(Place).where(Place.source == "seed"))
    return migrated_engine


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db:
        yield db


@pytest.fixture()
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "COWORKING_DATABASE_URL": database_url,
            "COWORKING_SECRET_KEY": "test-secret-key-that-is-long-enough-for-csrf",
            "COWORKING_VAR_DIR": str(tmp_path),
            # Litestar's test client sends "Host: testserver.local".
            "COWORKING_ALLOWED_HOSTS": "testserver.local,localhost,127.0.0.1",
        }
    )


@pytest.fixture()
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture()
def own_database(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own for a served site (tests of the real server: backups, crashes, logs), copied
    from the suite's migrated and emptied one with the site's own backup and restore (migrating a new one
    loads the gazetteer: half a minute)."""
    from coworking.core.backup import backup, restore

    if not database_url.startswith("postgres"):
        backup(database_url, tmp_path / "site.db")
        yield f"sqlite:///{tmp_path / 'site.db'}"
        return
    name = f"coworking_site_{uuid.uuid4().hex[:8]}"
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
