"""Where a sync handler runs: in a worker thread, or, for a read of a database file in this process, at once.

Litestar runs every sync handler (``sync_to_thread=True``) in the event loop's default executor: a thread
pool, so that a handler waiting on a network (PostgreSQL, SMTP, an online geocoder) never stops the loop.
On SQLite a read waits on nothing: the database is a file in this process, its pages in memory, and a
search page's queries take a millisecond or two of CPU. Under load the trip to a worker thread and back,
and the threads fighting for the GIL, then cost more than the handler itself (measured in
benchmarks/README.md: the same pages answer 25-65 % more requests a second without it).

So a handler marked ``@local_read`` runs on the loop's own thread when the app was built for such a
database (``LocalReadsExecutor(local=True)``), and in the pool like every other handler otherwise. Mark
only handlers that read the database and nothing else: no network, no file upload, no mail. A write
waits for SQLite's lock (up to its busy timeout) and so always goes to the pool.

The loop must then never wait for a pooled connection. A request keeps its session's connection from its
first query until its answer starts (the session is closed on the loop, ``commit_or_roll_back`` in app.py),
and a read run here still yields to the loop once before it answers: under 60 connections every pooled
connection belonged to such a request, the next read waited on the loop for one, and nothing could give
one back (30 s of nothing, then errors; the same stall as benchmarks/README.md describes for threads).
So the engine of such an app keeps ``LOCAL_READS_POOL``: its usual connections, and more opened at once
when they are all out (a SQLite connection is a file handle, opened in well under a millisecond).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_LOCAL_READ = "_coworking_local_read"

# The pool of an engine whose reads run on the loop: never a wait for a connection (see above).
LOCAL_READS_POOL = {"pool_size": 20, "max_overflow": -1}


def local_read(handler: F) -> F:
    """Mark a sync handler as one that only reads the database (see the module's docstring)."""
    setattr(handler, _LOCAL_READ, True)
    return handler


def _handler_of(work: Callable[..., Any]) -> Callable[..., Any]:
    # Litestar hands the executor ``partial(context.run, handler, **arguments)``: the handler is the
    # partial's first argument. Anything else is its own work.
    while isinstance(work, partial) and work.args and callable(work.args[0]):
        work = work.args[0]
    return work


def is_local_read(work: Callable[..., Any]) -> bool:
    return bool(getattr(_handler_of(work), _LOCAL_READ, False))


class LocalReadsExecutor(ThreadPoolExecutor):
    """A thread pool that runs marked handlers at once, on the caller's thread, when ``local`` is true."""

    def __init__(self, *, local: bool, max_workers: int | None = None) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="coworking-handler")
        self.local = local

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # noqa: ANN401
        if not (self.local and is_local_read(fn)):
            return super().submit(fn, *args, **kwargs)
        done: Future = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the awaiting handler, as a worker thread would
            done.set_exception(error)
        return done


def run_local_reads_on_the_loop(local: bool) -> Callable[[], None]:
    """An ``on_startup`` hook: the running loop's default executor becomes a ``LocalReadsExecutor``."""

    def install() -> None:
        asyncio.get_running_loop().set_default_executor(LocalReadsExecutor(local=local))

    return install
