"""Server-side sessions: the browser holds a random token, the server what it means.

In the database by default, in Redis when COWORKING_REDIS_URL is set (so every worker shares them).
Both stores keep only a SHA-256 of the token, expire a session after ``idle`` without a request and
after ``lifetime`` in all, and can end every session of one person (logout elsewhere, password change).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from coworking.accounts.models import UserSession
from coworking.core.models import utcnow

# A request within this long of the last one does not rewrite the session: one write a minute at most.
TOUCH_EVERY = timedelta(minutes=1)


def new_token() -> str:
    """256 random bits from the OS's CSPRNG (ASVS 7.2.3 asks for at least 128)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore(Protocol):
    def create(self, user_id: int) -> str:
        """A new session for ``user_id``; returns the token for the cookie."""

    def user_for(self, token: str) -> int | None:
        """Whose session this is, or None (unknown, idle too long, or too old); keeps it alive."""

    def end(self, token: str) -> None: ...

    def end_all(self, user_id: int, keep: str | None = None, within: Session | None = None) -> None:
        """End every session of ``user_id`` but ``keep`` (the one making the change).

        ``within``: the caller's open transaction. The database store ends the sessions in it, together
        with the change that ends them; Redis ends them at once (call it before committing the change).
        """


class DatabaseSessions:
    def __init__(self, engine: Engine, idle: timedelta, lifetime: timedelta) -> None:
        self.engine, self.idle, self.lifetime = engine, idle, lifetime

    def create(self, user_id: int) -> str:
        token = new_token()
        with Session(self.engine) as session, session.begin():
            # This person's sessions gone idle go now (expired ones are refused anyway): the table holds at
            # most what people used lately, with no chore to schedule.
            stale = (UserSession.user_id == user_id) & (UserSession.last_seen_at < utcnow() - self.idle)
            session.execute(delete(UserSession).where(stale))
            session.add(UserSession(token_hash=token_hash(token), user_id=user_id))
        return token

    def _expired(self, found: UserSession, now: datetime) -> bool:
        return now - found.last_seen_at > self.idle or now - found.created_at > self.lifetime

    def user_for(self, token: str) -> int | None:
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            found = session.get(UserSession, token_hash(token))
            if found is None:
                return None
            if self._expired(found, now):
                session.delete(found)
                return None
            if now - found.last_seen_at > TOUCH_EVERY:
                found.last_seen_at = now
            return found.user_id

    def end(self, token: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))

    def end_all(self, user_id: int, keep: str | None = None, within: Session | None = None) -> None:
        statement = delete(UserSession).where(UserSession.user_id == user_id)
        if keep is not None:
            statement = statement.where(UserSession.token_hash != token_hash(keep))
        if within is not None:
            within.execute(statement)
            return
        with Session(self.engine) as session, session.begin():
            session.execute(statement)


class RedisSessions:
    """The same sessions in Redis: a hash per session (expiring after ``idle``), a set per person."""

    PREFIX = "coworking:session:"
    PEOPLE = "coworking:sessions-of:"

    def __init__(self, client, idle: timedelta, lifetime: timedelta) -> None:  # noqa: ANN001 - redis.Redis
        self.client, self.idle, self.lifetime = client, idle, lifetime

    def create(self, user_id: int) -> str:
        token = new_token()
        key = self.PREFIX + token_hash(token)
        pipe = self.client.pipeline()
        pipe.hset(key, mapping={"user_id": user_id, "created": utcnow().timestamp()})
        pipe.expire(key, int(self.idle.total_seconds()))
        pipe.sadd(self.PEOPLE + str(user_id), token_hash(token))
        pipe.expire(self.PEOPLE + str(user_id), int(self.lifetime.total_seconds()))
        pipe.execute()
        return token

    def user_for(self, token: str) -> int | None:
        key = self.PREFIX + token_hash(token)
        found = self.client.hgetall(key)
        if not found:
            return None
        if utcnow().timestamp() - float(found["created"]) > self.lifetime.total_seconds():
            self.client.delete(key)
            return None
        self.client.expire(key, int(self.idle.total_seconds()))
        return int(found["user_id"])

    def end(self, token: str) -> None:
        self.client.delete(self.PREFIX + token_hash(token))

    def end_all(self, user_id: int, keep: str | None = None, within: Session | None = None) -> None:
        people = self.PEOPLE + str(user_id)
        kept = token_hash(keep) if keep else None
        for hashed in self.client.smembers(people):
            if hashed != kept:
                self.client.delete(self.PREFIX + hashed)
                self.client.srem(people, hashed)


def build_session_store(redis_url: str | None, engine: Engine, idle: timedelta, lifetime: timedelta) -> SessionStore:
    if redis_url:
        import redis

        return RedisSessions(redis.Redis.from_url(redis_url, decode_responses=True), idle, lifetime)
    return DatabaseSessions(engine, idle, lifetime)
