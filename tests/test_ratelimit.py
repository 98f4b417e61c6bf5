"""Rate limits count exactly and hold across workers, in the database and in Redis alike.

Every behaviour runs on both stores: "two workers" are two limiter instances on one store, and the
concurrent test hits one key from 8 threads at once. Redis is the real server on 127.0.0.1:6379, each
test under its own key prefix (deleted after); a missing Redis fails the run, here and on CI.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import Engine, select

from coworking.core.models import utcnow
from coworking.core.ratelimit import (
    DatabaseRateLimiter,
    Limit,
    RateLimited,
    RateLimiter,
    RateLimitWindow,
    RedisRateLimiter,
    build_rate_limiter,
    check,
    key_digest,
)

EMAIL = "someone.private@example.eu"

@pytest.fixture()
def db_engine(engine: Engine) -> Engine:
    """The migrated database, emptied (``rate_limits`` included) before the test."""
    return engine


@pytest.fixture()
def redis_client() -> Iterator[object]:
    # redis-py is a dependency and Redis runs wherever the tests do (README): its absence fails, never skips.
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis on 127.0.0.1:6379 does not answer ({error}): the Redis rate limiter is untested")
    yield client
    client.close()


class Store:
    """One shared store, whatever it is: new limiters on it (one per "worker"), and what it holds."""

    def __init__(self, new_limiter: Callable[[], RateLimiter], dump: Callable[[], list[str]]) -> None:
        self.new_limiter = new_limiter
        self.dump = dump


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "database":
        engine: Engine = request.getfixturevalue("db_engine")

        def dump_rows() -> list[str]:
            with engine.connect() as connection:
                rows = connection.execute(select(RateLimitWindow.__table__)).all()
            return [repr(tuple(row)) for row in rows]

        yield Store(lambda: DatabaseRateLimiter(engine), dump_rows)
        return
    client = request.getfixturevalue("redis_client")
    prefix = f"test:ratelimit:{uuid.uuid4().hex}:"

    def dump_keys() -> list[str]:
        return [
            f"{name.decode()}={client.get(name).decode()}" for name in client.scan_iter(match=f"{prefix}*", count=1000)
        ]

    try:
        yield Store(lambda: RedisRateLimiter(client, prefix=prefix), dump_keys)
    finally:
        leftovers = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if leftovers:
            client.delete(*leftovers)


def test_the_eleventh_attempt_of_ten_is_refused(store: Store) -> None:
    limiter = store.new_limiter()
    assert [limiter.hit("login:ip:203.0.113.9", 10, 60) for _ in range(10)] == [None] * 10
    wait = limiter.hit("login:ip:203.0.113.9", 10, 60)
    assert wait is not None and 0 < wait <= 60
    # Refused attempts go on counting in the same window: the wait only shrinks.
    later = limiter.hit("login:ip:203.0.113.9", 10, 60)
    assert later is not None and later <= wait


def test_a_new_window_allows_again(store: Store) -> None:
    limiter = store.new_limiter()
    assert limiter.hit("reset:email:a@b.eu", 2, 1) is None
    assert limiter.hit("reset:email:a@b.eu", 2, 1) is None
    wait = limiter.hit("reset:email:a@b.eu", 2, 1)
    assert wait is not None and 0 < wait <= 1
    time.sleep(wait + 0.05)  # the wait it gave is the truth: right after it, attempts are allowed again
    assert limiter.hit("reset:email:a@b.eu", 2, 1) is None
    assert limiter.hit("reset:email:a@b.eu", 2, 1) is None
    assert limiter.hit("reset:email:a@b.eu", 2, 1) is not None


def test_two_workers_share_one_count(store: Store) -> None:
    first, second = store.new_limiter(), store.new_limiter()
    for _ in range(5):
        assert first.hit("login:ip:198.51.100.7", 10, 60) is None
        assert second.hit("login:ip:198.51.100.7", 10, 60) is None
    assert second.hit("login:ip:198.51.100.7", 10, 60) is not None
    assert first.hit("login:ip:198.51.100.7", 10, 60) is not None


def test_different_keys_count_apart(store: Store) -> None:
    limiter = store.new_limiter()
    for _ in range(3):
        assert limiter.hit("login:email:a@b.eu", 3, 60) is None
    assert limiter.hit("login:email:a@b.eu", 3, 60) is not None
    assert limiter.hit("login:email:c@d.eu", 3, 60) is None
    assert limiter.hit("login:ip:a@b.eu", 3, 60) is None


def test_the_store_keeps_a_hash_not_the_address(store: Store) -> None:
    limiter = store.new_limiter()
    limiter.hit(f"login:email:{EMAIL}", 10, 60)
    limiter.hit("x" * 100_000, 10, 60)  # unbounded text is stored as 64 characters too
    held = "\n".join(store.dump())
    assert EMAIL not in held and "example.eu" not in held and "xxxx" not in held
    digest = hashlib.sha256(f"login:email:{EMAIL}".encode()).hexdigest()
    assert digest == key_digest(f"login:email:{EMAIL}") and digest in held
    assert len(held) < 1000


def test_concurrent_hits_count_exactly(store: Store) -> None:
    """200 attempts from 8 threads (over two "workers") against a limit of 100: exactly 100 pass."""
    limiters = [store.new_limiter(), store.new_limiter()]
    start = threading.Barrier(8)
    answers: list[float | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(number: int) -> None:
        try:
            start.wait()
            mine = [limiters[number % 2].hit("register:ip:192.0.2.1", 100, 60) for _ in range(25)]
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's own thread
            errors.append(error)
            return
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(answers) == 200
    assert answers.count(None) == 100
    # And nothing was lost: attempt 201 is the first over a limit of 201.
    assert limiters[0].hit("register:ip:192.0.2.1", 201, 60) is None
    assert limiters[1].hit("register:ip:192.0.2.1", 201, 60) is not None


def test_check_counts_every_pair_and_gives_the_longest_wait(store: Store) -> None:
    limiter = store.new_limiter()
    per_address = Limit("login-per-address", 2, 60)
    per_ip = Limit("login-per-ip", 3, 600)
    pairs = [(per_address, "a@b.eu"), (per_ip, "203.0.113.9")]
    check(limiter, pairs)
    check(limiter, pairs)
    with pytest.raises(RateLimited) as refused:
        check(limiter, pairs)  # the address is over (3 > 2); the IP is not (3 ≤ 3), and counted all the same
    assert 1 <= refused.value.retry_after <= 60
    with pytest.raises(RateLimited) as refused:
        check(limiter, pairs)  # both are over now: the longer wait, the IP's, is the answer
    assert 60 < refused.value.retry_after <= 600
    # The limit's name is part of the count: the same key under another limit starts afresh.
    check(limiter, [(Limit("register-per-ip", 1, 60), "203.0.113.9")])


def test_a_count_stays_when_the_request_rolls_back(db_engine: Engine) -> None:
    limiter = DatabaseRateLimiter(db_engine)
    with db_engine.connect() as request_connection:
        request_connection.execute(select(1))  # the request's transaction is open ...
        assert limiter.hit("login:email:a@b.eu", 1, 60) is None
        request_connection.rollback()  # ... and fails
    assert limiter.hit("login:email:a@b.eu", 1, 60) is not None


def test_old_windows_are_pruned(db_engine: Engine) -> None:
    old = utcnow() - timedelta(days=2)
    with db_engine.begin() as connection:
        connection.execute(
            RateLimitWindow.__table__.insert(),
            [{"key_hash": key_digest(f"old {number}"), "window_start": old, "count": 3} for number in range(5)],
        )
    limiter = DatabaseRateLimiter(db_engine, prune_every=2)
    limiter.hit("login:ip:203.0.113.9", 10, 60)
    with db_engine.connect() as connection:
        assert len(connection.execute(select(RateLimitWindow.key_hash)).all()) == 6  # not yet: every 2nd hit
    limiter.hit("login:ip:203.0.113.9", 10, 60)
    with db_engine.connect() as connection:
        kept = connection.execute(select(RateLimitWindow.key_hash)).scalars().all()
    assert kept == [key_digest("login:ip:203.0.113.9")]


def test_rate_limited_is_a_429_that_says_when() -> None:
    refused = RateLimited(61.2)
    assert refused.status_code == 429
    assert refused.retry_after == 62
    assert refused.retry_after_minutes == 2
    assert refused.headers == {"Retry-After": "62"}
    assert RateLimited(0.001).retry_after == 1  # never "try again in 0 seconds"
    assert RateLimited(600).retry_after_minutes == 10


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError):
        Limit("none", 0, 60)
    with pytest.raises(ValueError):
        Limit("a week", 10, 7 * 24 * 3600)  # longer than the prune keeps windows
    with pytest.raises(ValueError):
        Limit("no window", 10, 0)


def test_the_store_is_redis_when_configured(db_engine: Engine) -> None:
    assert isinstance(build_rate_limiter(None, db_engine), DatabaseRateLimiter)
    assert isinstance(build_rate_limiter("", db_engine), DatabaseRateLimiter)
    # Building connects to nothing yet: a configured Redis is used from the first attempt.
    assert isinstance(build_rate_limiter("redis://127.0.0.1:6379/0", db_engine), RedisRateLimiter)
