"""A small in-process cache whose entries expire: for answers that cost a scan and change rarely.

Each worker process keeps its own; an entry is at most ``seconds`` old and there are at most
``max_entries`` (least recently used go first), so a cache whose keys come from what visitors type
stays bounded in memory. ``clear()`` drops them all (for writes). A shared cache (Redis) is the path
for many workers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


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
