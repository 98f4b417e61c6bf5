"""Counting attempts: login, registration, password reset and every form a visitor can send, per address and per IP.

A fixed window per key: the first attempt opens a window of ``window_seconds``, every attempt in it
counts, and once more than ``limit`` have come the answer is the time left until the window closes.
(A sliding window would smooth the edge, where up to twice the limit can pass around a window's end;
for slowing down guessing, a fixed window is enough and costs one row or one Redis key per key.)

The counts must hold across workers, so they live in a shared store: Redis when ``COWORKING_REDIS_URL``
names one, else the database every worker already shares. Keys come from what visitors send (an
e-mail, an IP): the store keeps their SHA-256 only, never the address itself (personal data) and never
text of unbounded length.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from advanced_alchemy.types import DateTimeUTC
from litestar.exceptions import HTTPException
from sqlalchemy import Engine, String, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow
from coworking.core.vocabulary import N_

if TYPE_CHECKING:
    from redis import Redis

logger = logging.getLogger("coworking")

# The longest window a limit may have. The database prunes rows older than this, which is only safe
# if no limit still needs them: so it is a hard bound, checked, not a convention.
MAX_WINDOW_SECONDS = 24 * 60 * 60


def key_digest(key: str) -> str:
    """What the store keeps for ``key``: 64 hex characters, whatever the key's length or content."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_arguments(limit: int, window_seconds: int) -> None:
    if limit < 1:
        raise ValueError(f"A limit allows at least one attempt, not {limit}")
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"A window lasts 1 to {MAX_WINDOW_SECONDS} seconds, not {window_seconds}")


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> float | None:
        """Count one attempt for ``key``: None when it is allowed, else the seconds until one will be."""
        ...


class RateLimitWindow(Base):
    """One key's current window: when it opened and how many attempts it has seen."""

    __tablename__ = "rate_limits"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No index: the only query by this column is the occasional prune, a scan of a table that holds
    # one day of keys at most; an index would cost a write on every window that opens.
    window_start: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    count: Mapped[int]


class DatabaseRateLimiter:
    """The counts in the ``rate_limits`` table: shared by every worker that shares the database.

    Each attempt is one statement (an upsert that opens a new window when the old one has passed, and
    returns the row), committed at once on a connection of its own: an attempt counts even when the
    request's own transaction rolls back, and two workers counting the same key at once both count,
    the database's row lock orders them. On SQLite a second connection waits for a write lock the
    request may hold: count before the request writes anything.
    """

    def __init__(self, engine: Engine, *, prune_every: int = 1000) -> None:
        dialects = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
        if engine.dialect.name not in dialects:
            raise ValueError(f"No rate limits on {engine.dialect.name}: use SQLite or PostgreSQL")
        self.engine = engine
        self._insert = dialects[engine.dialect.name]
        self.prune_every = prune_every
        # next() on a count is atomic in CPython: threads of one worker each get their own number.
        self._hits = itertools.count(1)

    def hit(self, key: str, limit: int, window_seconds: int) -> float | None:
        _check_arguments(limit, window_seconds)
        table = RateLimitWindow.__table__
        now = utcnow()
        window = timedelta(seconds=window_seconds)
        statement = self._insert(table).values(key_hash=key_digest(key), window_start=now, count=1)
        # Both assignments read the row as it was before the update (SQL's rule, kept by both
        # databases), so they agree on whether the window had passed.
        passed = table.c.window_start <= now - window
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key_hash],
            set_={
                "window_start": case((passed, statement.excluded.window_start), else_=table.c.window_start),
                "count": case((passed, 1), else_=table.c.count + 1),
            },
        ).returning(table.c.window_start, table.c.count)
        with self.engine.begin() as connection:
            window_start, count = connection.execute(statement).one()
        if next(self._hits) % self.prune_every == 0:
            self.prune(now)
        if count <= limit:
            return None
        # Another worker's clock may run a little ahead of ours: the wait stays within one window.
        wait = (window_start + window - now).total_seconds()
        return min(max(wait, 0.001), float(window_seconds))

    def prune(self, now: datetime | None = None) -> int:
        """Delete the windows older than the longest a limit may have; returns how many went.

        A window that has passed answers exactly as a missing row does (the next attempt opens a new
        one), so deleting rows older than ``MAX_WINDOW_SECONDS`` changes no answer. What remains is at
        most the keys seen in the last day, plus those since the last prune: what the limits must
        remember anyway, so the table cannot grow with time, only with one day's traffic.
        """
        cutoff = (now or utcnow()) - timedelta(seconds=MAX_WINDOW_SECONDS)
        try:
            with self.engine.begin() as connection:
                return connection.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < cutoff)).rowcount
        except SQLAlchemyError:
            # The attempt has counted already; a prune that failed (a lock, say) only waits for the next.
            logger.warning("Pruning the rate limits failed", exc_info=True)
            return 0


class RedisRateLimiter:
    """The counts in Redis: one key per counted key, which expires with its window.

    INCR, then PEXPIRE … NX (sets the expiry only on a key that has none: the window's first attempt,
    or a key that somehow lost it), then PTTL, in one MULTI/EXEC: no other client's command comes
    between, so two workers share one count and every window ends. Needs Redis 7 (PEXPIRE's NX).
    """

    def __init__(self, client: Redis, *, prefix: str = "coworking:ratelimit:") -> None:
        self.client = client
        self.prefix = prefix

    def hit(self, key: str, limit: int, window_seconds: int) -> float | None:
        _check_arguments(limit, window_seconds)
        name = self.prefix + key_digest(key)
        window_ms = window_seconds * 1000
        with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.pexpire(name, window_ms, nx=True)
            pipe.pttl(name)
            count, _, ttl_ms = pipe.execute()
        if count <= limit:
            return None
        if ttl_ms <= 0:  # cannot happen after the NX above; never answer "wait forever" or "now"
            ttl_ms = window_ms
        return min(ttl_ms, window_ms) / 1000


def build_rate_limiter(redis_url: str | None, engine: Engine) -> RateLimiter:
    """Redis when a URL is configured (the counts are then shared however many databases or hosts), else the database."""
    if redis_url:
        import redis  # only deployments with Redis need the client

        # A Redis that hangs must not hang every login with it: fail in seconds, as an error.
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        return RedisRateLimiter(client)
    return DatabaseRateLimiter(engine)


class RateLimited(HTTPException):
    """Too many attempts: 429, and when to try again (``Retry-After``, in whole seconds, rounded up)."""

    status_code = 429

    def __init__(self, retry_after: float) -> None:
        # Rounded up, and at least 1: "try again in 0 seconds" would invite an attempt that fails again.
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            detail=N_("Too many attempts."),
            status_code=429,
            headers={"Retry-After": str(self.retry_after)},
        )

    @property
    def retry_after_minutes(self) -> int:
        """The wait in whole minutes, rounded up, for pages that say "try again in N minutes"."""
        return math.ceil(self.retry_after / 60)


@dataclass(frozen=True, slots=True)
class Limit:
    """``limit`` attempts per ``window_seconds``, under a name ("login-per-address").

    The name is part of what is counted: two limits on the same key ("5 a minute", "50 a day") keep
    separate counts.
    """

    name: str
    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        _check_arguments(self.limit, self.window_seconds)


def check(limiter: RateLimiter, limits_and_keys: Iterable[tuple[Limit, str]]) -> None:
    """Count one attempt against every (limit, key) pair; raise RateLimited with the longest wait if any is over.

    Every pair counts, even after one is over: an address that is being guessed from many IPs still
    adds up, and the wait given is the one after which all of them allow again.
    """
    waits = [limiter.hit(f"{limit.name}:{key}", limit.limit, limit.window_seconds) for limit, key in limits_and_keys]
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is not None:
        raise RateLimited(longest)
