"""Database URLs, engines and migrations.

People write ordinary URLs (``sqlite:///var/coworking.db``, ``postgresql://postgres@127.0.0.1/test``);
this module picks the driver, so nobody has to know SQLAlchemy's ``dialect+driver`` spelling.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# Its listeners bump the content version on every write of any session (site, CLI, tests).
from coworking.core import freshness as _freshness  # noqa: F401

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "sqlite": "sqlite+pysqlite",
}


def normalize_url(url: str) -> str:
    """Return the SQLAlchemy URL for an ordinary database URL, choosing the driver."""
    parsed = make_url(url)
    backend = parsed.drivername.split("+", 1)[0]
    if backend not in _DRIVERS:
        raise ValueError(f"Unsupported database {backend!r}: use sqlite:/// or postgresql://")
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_DRIVERS[backend])
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    # WAL lets readers continue while a write commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(engine: Engine) -> Engine:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_engine(url: str, **kwargs) -> Engine:  # noqa: ANN003
    return configure_engine(create_engine(normalize_url(url), **kwargs))


def is_sqlite_file(url: str) -> bool:
    """A SQLite database in a file (not in memory): the database is this process's own file."""
    parsed = make_url(normalize_url(url))
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def make_one_connection_engine(url: str) -> Engine:
    """An engine that holds at most one connection (for a reader on the event loop's thread alone). An
    in-memory SQLite database keeps SQLAlchemy's one-connection-per-thread pool, which takes no pool size."""
    if make_url(normalize_url(url)).get_backend_name() == "sqlite" and not is_sqlite_file(url):
        return make_engine(url)
    return make_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)


# How handlers ask for the request's session (provided by Advanced Alchemy's plugin under this name).
DbSession: TypeAlias = NamedDependency[Session]
