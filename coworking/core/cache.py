"""A small in-process cache whose entries expire: for answers that cost a scan and change rarely.

Each worker process keeps its own; an entry is at most ``seconds`` old and there are at most
``max_entries`` (least recently used go first), so a cache whose keys come from what visitors type
stays bounded in memory. ``clear()`` drops them all (for writes). ``RedisTimedCache`` is the same in
Redis, shared by every worker; ``build_timed_cache`` chooses by COWORKING_REDIS_URL.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
logger = logging.getLogger("coworking")


class _Build:
    """One key's build in progress: its lock, and how many threads want it (the lock goes when none do)."""

    __slots__ = ("lock", "waiting")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = 0


class TimedCache(Generic[V]):
    def __init__(self, seconds: float, max_entries: int) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        # One build per key at a time: twenty requests arriving together build a grid once, and a slow
        # build of one key does not hold up another. Only keys being built right now are here.
        self._building: dict[Hashable, _Build] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, key: Hashable) -> tuple[bool, V | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry[0] < self.seconds:
                self._entries.move_to_end(key)
                return True, entry[1]
        return False, None

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value for ``key``, built when missing or expired (a failed build caches nothing)."""
        found, value = self._fresh(key)
        if found:
            return value  # type: ignore[return-value]
        with self._lock:
            building = self._building.setdefault(key, _Build())
            building.waiting += 1
        try:
            with building.lock:
                found, value = self._fresh(key)  # another thread may have built it meanwhile
                if found:
                    return value  # type: ignore[return-value]
                built = build()
                with self._lock:
                    self._entries[key] = (time.monotonic(), built)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
                return built
        finally:
            with self._lock:
                building.waiting -= 1
                if building.waiting == 0:
                    del self._building[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisTimedCache(Generic[V]):
    """The same cache in Redis, shared by every worker: one build serves them all, for ``seconds``.

    Values are pickled (they are the site's own objects, written by its own workers into its own
    Redis). Redis expires each entry after ``seconds``; how many there are is bounded by the time
    (and Redis's own memory limit), not by ``max_entries``, which only the in-process cache needs.
    A Redis that does not answer costs a build, never an error. Within a worker one build per key
    at a time, as in TimedCache.
    """

    PREFIX = "coworking:cache:"

    def __init__(self, client, name: str, seconds: float) -> None:  # noqa: ANN001 - redis.Redis
        self.client, self.seconds = client, seconds
        self.prefix = f"{self.PREFIX}{name}:"
        self._local: TimedCache[V] = TimedCache(seconds=0, max_entries=1)  # only its one-build-per-key locks

    def _key(self, key: Hashable) -> str:
        # repr: keys are tuples of strings, numbers and frozen dataclasses, the same in every worker.
        return self.prefix + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()

    def _read(self, name: str) -> tuple[bool, V | None]:
        try:
            raw = self.client.get(name)
        except Exception:  # noqa: BLE001 - any Redis failure: build instead
            logger.warning("Shared cache: Redis did not answer", exc_info=True)
            return False, None
        return (False, None) if raw is None else (True, pickle.loads(raw))  # noqa: S301 - our own values

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        name = self._key(key)
        found, value = self._read(name)
        if found:
            return value  # type: ignore[return-value]

        def build_and_share() -> V:
            found, value = self._read(name)  # another thread of this worker may have built it meanwhile
            if found:
                return value  # type: ignore[return-value]
            built = build()
            try:
                self.client.set(name, pickle.dumps(built), px=max(1, int(self.seconds * 1000)))
            except Exception:  # noqa: BLE001
                logger.warning("Shared cache: Redis did not keep a value", exc_info=True)
            return built

        return self._local.get(key, build_and_share)

    def __len__(self) -> int:
        return sum(1 for _ in self.client.scan_iter(match=self.prefix + "*", count=500))

    def clear(self) -> None:
        for name in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(name)


def build_timed_cache(redis_url: str | None, name: str, seconds: float, max_entries: int) -> TimedCache | RedisTimedCache:
    """In Redis when COWORKING_REDIS_URL is set (every worker shares it), otherwise in this process."""
    if redis_url:
        import redis  # only deployments with Redis need the client

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisTimedCache(client, name, seconds)
    return TimedCache(seconds=seconds, max_entries=max_entries)
