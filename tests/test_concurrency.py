"""Where sync handlers run (core/concurrency.py): marked reads on the loop's thread when the database is a
local file and nothing else is waited on, every other handler in the thread pool."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from coworking.app import create_app, reads_are_local
from coworking.core.concurrency import LocalReadsExecutor, is_local_read, local_read, run_local_reads_on_the_loop
from coworking.core.db import make_engine
from coworking.core.settings import Settings


def threads_app(local: bool) -> Litestar:
    """Two sync handlers, one marked, each answering whether it ran on the event loop's thread."""
    loop_thread: dict[str, int] = {}

    def remember_loop_thread() -> None:
        loop_thread["id"] = threading.get_ident()

    @get("/read", sync_to_thread=True)
    @local_read
    def read() -> dict[str, bool]:
        return {"on_loop": threading.get_ident() == loop_thread["id"]}

    @get("/other", sync_to_thread=True)
    def other() -> dict[str, bool]:
        return {"on_loop": threading.get_ident() == loop_thread["id"]}

    @get("/fails", sync_to_thread=True)
    @local_read
    def fails() -> None:
        raise LookupError("from the handler")

    return Litestar(
        [read, other, fails],
        on_startup=[remember_loop_thread, run_local_reads_on_the_loop(local)],
        debug=False,
    )


def test_a_marked_read_runs_on_the_loop_when_reads_are_local_and_anything_else_in_a_thread() -> None:
    with TestClient(threads_app(local=True)) as client:
        assert client.get("/read").json() == {"on_loop": True}
        assert client.get("/other").json() == {"on_loop": False}


def test_every_handler_runs_in_a_thread_when_reads_are_not_local() -> None:
    with TestClient(threads_app(local=False)) as client:
        assert client.get("/read").json() == {"on_loop": False}
        assert client.get("/other").json() == {"on_loop": False}


def test_an_error_in_a_read_on_the_loop_reaches_the_app_as_from_a_thread() -> None:
    with TestClient(threads_app(local=True)) as client:
        assert client.get("/fails").status_code == 500


def test_the_executor_runs_marked_work_at_once_and_other_work_in_its_pool() -> None:
    executor = LocalReadsExecutor(local=True, max_workers=1)
    try:
        here = threading.get_ident()
        marked = local_read(lambda: threading.get_ident())
        assert executor.submit(marked).result() == here
        assert executor.submit(lambda: threading.get_ident()).result() != here
    finally:
        executor.shutdown()


@pytest.mark.parametrize(
    ("url", "changes", "local"),
    [
        ("sqlite:///{tmp}/a.db", {}, True),
        ("sqlite:///{tmp}/a.db", {"redis_url": "redis://127.0.0.1:6379/0"}, False),
        ("sqlite:///{tmp}/a.db", {"geocoder": "nominatim"}, False),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", {}, False),
    ],
)
def test_reads_are_local_only_on_sqlite_with_nothing_on_a_network(tmp_path, url, changes, local) -> None:  # noqa: ANN001
    settings = replace(Settings.from_env(), **changes)
    engine = make_engine(url.format(tmp=tmp_path))
    try:
        assert reads_are_local(engine, settings) is local
    finally:
        engine.dispose()


def test_the_sites_busiest_reads_are_marked() -> None:
    app = create_app()
    marked = {
        route.path
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        # Litestar keeps a sync handler as an AsyncCallable holding the function (``func``).
        if is_local_read(getattr(handler.fn, "func", handler.fn))
    }
    assert {"/", "/spaces", "/spaces/{slug:str}", "/api/v1/spaces", "/map", "/api/v1/spaces.geojson"} <= marked
