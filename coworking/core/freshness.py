"""One number that changes with every write to what visitors can see: the page cache's key includes it.

Every ORM transaction that wrote to a table other than the bookkeeping ones below bumps
``content_version.version`` inside that same transaction, just before it commits: the new number
becomes visible exactly when the write does (never before, so no worker caches the old page under the
new number; never after, so no stale page outlives the write). The listeners sit on SQLAlchemy's
``Session`` class, so the site, the CLI (seed, import, remind) and the tests all bump it alike.

The bump is the transaction's last statement: on PostgreSQL the row lock is taken after every other
lock the transaction holds and released at once by the commit, so two writers cannot deadlock over it.
"""

from __future__ import annotations

import time
import weakref

from sqlalchemy import Connection, Engine, Integer, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from coworking.core.models import Base

# Writes that change no page an anonymous visitor can get: signing in (sessions, rate limits, the
# security log), mail waiting to go out, page-view counters, geocoder answers, and this table itself.
# A table missing here only costs hits (a needless bump), never a stale page.
BOOKKEEPING_TABLES = frozenset(
    {
        "content_version",
        "user_sessions",
        "rate_limits",
        "security_events",
        "outbox",
        "page_views",
        "geocode_cache",
        "email_tokens",
        "digests_sent",
    }
)
_PENDING = "coworking.content_changed"
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class ContentVersion(Base):
    """A single row (id 1): how many transactions have changed the site's content."""

    __tablename__ = "content_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


def _changes_content(objects: object) -> bool:
    return any(getattr(obj, "__tablename__", None) not in BOOKKEEPING_TABLES for obj in objects)  # type: ignore[union-attr]


def _pending_changes(session: Session) -> bool:
    return _changes_content(session.new) or _changes_content(session.deleted) or any(
        getattr(obj, "__tablename__", None) not in BOOKKEEPING_TABLES and session.is_modified(obj)
        for obj in session.dirty
    )


# The readers of this process: after a local commit that bumped the version they drop their copy of the
# number, so this worker's very next request sees the write. Weak: an app that is gone takes its reader.
_readers: weakref.WeakSet[VersionReader] = weakref.WeakSet()


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _context: object, _instances: object) -> None:
    if _pending_changes(session):
        session.info[_PENDING] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    # Bulk UPDATE/DELETE/INSERT statements run through the session without a flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in BOOKKEEPING_TABLES:
            state.session.info[_PENDING] = True


def _bump_statement(dialect: str):  # noqa: ANN202 - an INSERT … ON CONFLICT of either dialect
    table = ContentVersion.__table__
    return (
        _INSERTS[dialect](table)
        .values(id=1, version=1)
        .on_conflict_do_update(index_elements=[table.c.id], set_={"version": table.c.version + 1})
    )


def bump_content_version(connection: Connection) -> None:
    """Bump the version from a Core transaction that wrote content without a Session (the gazetteer's bulk
    load, the synthetic spaces generator): the listeners above only see Sessions. Call it last, as they do."""
    connection.execute(_bump_statement(connection.dialect.name))
    for reader in list(_readers):
        reader.forget()


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # before_commit runs before the commit's own flush: what is still pending counts too.
    if not (session.info.pop(_PENDING, False) or _pending_changes(session)):
        return
    session.execute(_bump_statement(session.get_bind().dialect.name))
    session.info.pop(_PENDING, None)  # our own statement is not a content change
    session.info["coworking.bumped"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # The commit's own flush (after before_commit) noted what the bump already counted.
    session.info.pop(_PENDING, None)
    if session.info.pop("coworking.bumped", False):
        for reader in list(_readers):
            reader.forget()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop("coworking.bumped", None)


def read_version(engine: Engine) -> int:
    """The current content version (0 before the first write)."""
    with engine.connect() as connection:
        return connection.execute(select(ContentVersion.version).where(ContentVersion.id == 1)).scalar() or 0


class VersionReader:
    """The content version, read from the database at most every ``seconds`` (0: on every call).

    A write committed by this process is seen at once (``on_bump``); another worker's within ``seconds``.
    """

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.engine, self.seconds = engine, seconds
        self._value: int | None = None
        self._read_at = 0.0
        _readers.add(self)

    def forget(self) -> None:
        self._value = None

    def __call__(self) -> int:
        now = time.monotonic()
        if self._value is None or now - self._read_at >= self.seconds:
            self._value, self._read_at = read_version(self.engine), now
        return self._value
