"""Database URLs, migrations and the `coworking` command."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Engine, inspect, text

from coworking.cli import main
from coworking.core.db import make_engine, normalize_url
from coworking.core.settings import Settings
from coworking.exchange.seed import SEED_DIR
from coworking.migrations import METADATA, alembic_config, include_object, migrate


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1/test",
            "postgresql+psycopg://postgres@127.0.0.1/test",
        ),
        ("postgres://u:p%40ss@db:5432/x", "postgresql+psycopg://u:p%40ss@db:5432/x"),
        (
            "postgresql+psycopg://postgres@127.0.0.1/test",
            "postgresql+psycopg://postgres@127.0.0.1/test",
        ),
        ("sqlite:///:memory:", "sqlite+pysqlite:///:memory:"),
    ],
)
def test_ordinary_urls_get_a_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="Unsupported database"):
        normalize_url("mysql://root@localhost/test")


def test_migrations_go_up_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'm.db'}"
    migrate(url)
    engine = make_engine(url)
    assert {
        "spaces",
        "amenities",
        "activities",
        "networks",
        "community_builders",
    } <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM amenities")).scalar() == 19
    command.downgrade(alembic_config(url), "base")
    assert "spaces" not in inspect(engine).get_table_names()
    migrate(url)
    assert "spaces" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_schema_matches_the_models(migrated_engine) -> None:  # noqa: ANN001
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, METADATA)
        if connection.dialect.name == "sqlite":
            # Migration 0007 added community_builders.user_id with a column-level REFERENCES (SQLite cannot add
            # a table constraint); SQLAlchemy reads ON DELETE only from table-level ones. SQLite's own list says it:
            rows = connection.exec_driver_sql("PRAGMA foreign_key_list(community_builders)").mappings()
            assert {"table": "users", "on_delete": "CASCADE"}.items() <= next(r for r in rows if r["from"] == "user_id").items()
            differences = [d for d in differences if not (d[0] in {"add_fk", "remove_fk"} and d[1].table.name == "community_builders")]
    assert differences == []


def test_seed_command_creates_the_database_on_first_run(tmp_path: Path) -> None:
    env = {
        "COWORKING_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "COWORKING_VAR_DIR": str(tmp_path),
    }
    with (SEED_DIR / "spaces.csv").open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    runner = CliRunner()
    first = runner.invoke(main, ["seed"], env=env)
    assert first.exit_code == 0, first.output
    assert f"Spaces: {rows} added" in first.output
    second = runner.invoke(main, ["seed"], env=env)
    assert f"Spaces: 0 added, {rows} already there" in second.output


def test_every_app_in_a_process_gives_its_connections_back(settings: Settings, engine: Engine) -> None:
    """Advanced Alchemy gives each app's session a key of its own ("…_2" for the second in a process): the
    hook that closes a request's session must look under that key, or each connection waits for the garbage
    collector. A request refused inside its handler (after its session opened) is the case that leaked."""
    import gc

    from litestar.testing import TestClient

    from coworking.app import create_app

    apps = [create_app(settings) for _ in range(2)]
    gc.disable()  # what this checks is the hook, not the collector
    try:
        for app in apps:
            with TestClient(app=app) as client:
                for _ in range(3):
                    assert client.get("/spaces/no-such-space").status_code == 404
                    assert client.get("/spaces").status_code == 200
                assert app.state.engine.pool.checkedout() == 0
    finally:
        gc.enable()
