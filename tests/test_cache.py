"""Caches that grow from what visitors send stay bounded (size, age, and no leftovers of failed builds)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from coworking.core.cache import RedisTimedCache, TimedCache, build_timed_cache


def test_entries_are_bounded_and_expire() -> None:
    cache: TimedCache[int] = TimedCache(seconds=0.05, max_entries=3)
    for number in range(10):
        cache.get(number, lambda number=number: number)
    assert len(cache) == 3
    assert cache.get(9, lambda: -1) == 9
    time.sleep(0.06)
    assert cache.get(9, lambda: -1) == -1


def test_failed_builds_leave_nothing_behind() -> None:
    """A lock per key whose build failed once stayed forever (and after clear())."""
    cache: TimedCache[int] = TimedCache(seconds=60, max_entries=4)

    def fail() -> int:
        raise RuntimeError("no database")

    for number in range(1000):
        with pytest.raises(RuntimeError):
            cache.get(f"typed {number}", fail)
    assert cache._building == {} and len(cache) == 0
    for number in range(100):
        cache.get(number, lambda number=number: number)
    cache.clear()
    assert cache._building == {} and len(cache) == 0


def test_one_build_per_key_when_many_ask_at_once() -> None:
    cache: TimedCache[int] = TimedCache(seconds=60, max_entries=4)
    builds = []

    def slow() -> int:
        builds.append(1)
        time.sleep(0.05)
        return 42

    threads = [threading.Thread(target=cache.get, args=("grid", slow)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1] and cache.get("grid", lambda: 0) == 42 and cache._building == {}


# The shared caches in Redis (COWORKING_REDIS_URL): what one worker built, another gets.
REDIS_URL = "redis://127.0.0.1:6379/1"


@pytest.fixture()
def redis_url() -> Iterator[str]:
    import redis

    # Redis runs wherever the tests do (README): its absence fails, never skips.
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    client.ping()
    for name in client.scan_iter(match="coworking:cache:*"):
        client.delete(name)
    yield REDIS_URL
    for name in client.scan_iter(match="coworking:cache:*"):
        client.delete(name)


def test_a_redis_cache_is_shared_by_workers_and_expires(redis_url: str) -> None:
    one = build_timed_cache(redis_url, "test", seconds=0.3, max_entries=4)
    two = build_timed_cache(redis_url, "test", seconds=0.3, max_entries=4)
    assert isinstance(one, RedisTimedCache) and isinstance(two, RedisTimedCache)
    built: list[str] = []
    value = {"grid": [1, 2, 3], "key": ("LV", 8)}
    assert one.get(("LV", 8), lambda: built.append("one") or value) == value
    assert two.get(("LV", 8), lambda: built.append("two") or {}) == value  # built once, for both
    assert built == ["one"] and len(two) == 1
    other = build_timed_cache(redis_url, "other", seconds=5, max_entries=4)
    assert other.get(("LV", 8), lambda: "its own") == "its own"  # caches by name never mix
    time.sleep(0.35)
    assert two.get(("LV", 8), lambda: "rebuilt") == "rebuilt"
    one.clear()
    assert len(one) == 0 and other.get(("LV", 8), lambda: "gone") == "its own"


def test_a_redis_cache_caches_no_failure_and_survives_a_missing_redis(redis_url: str) -> None:
    cache = build_timed_cache(redis_url, "test", seconds=60, max_entries=4)

    def fail() -> int:
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError):
        cache.get("key", fail)
    assert cache.get("key", lambda: 7) == 7
    down = build_timed_cache("redis://127.0.0.1:9/1", "test", seconds=60, max_entries=4)
    assert down.get("key", lambda: 8) == 8  # no Redis: built, never an error


def test_the_app_keeps_its_shared_caches_in_redis_when_configured(settings, engine, redis_url: str) -> None:  # noqa: ANN001
    from dataclasses import replace

    from coworking.app import create_app
    from coworking.core.pagecache import MemoryPages, RedisPages

    app = create_app(replace(settings, redis_url=redis_url))
    assert isinstance(app.state.map_grids, RedisTimedCache)
    assert isinstance(app.state.directory_counts, RedisTimedCache)
    assert isinstance(app.state.geocoder._answers, RedisTimedCache)
    assert isinstance(app.state.page_store, RedisPages)
    local = create_app(settings)
    assert isinstance(local.state.map_grids, TimedCache) and isinstance(local.state.directory_counts, TimedCache)
    assert isinstance(local.state.geocoder._answers, TimedCache) and isinstance(local.state.page_store, MemoryPages)
