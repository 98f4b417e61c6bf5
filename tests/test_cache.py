"""Caches that grow from what visitors send stay bounded (size, age, and no leftovers of failed builds)."""

from __future__ import annotations

import threading
import time

import pytest

from coworking.core.cache import TimedCache


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
