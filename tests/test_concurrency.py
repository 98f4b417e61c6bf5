"""Where sync handlers run (core/concurrency.py): marked reads on the loop's thread when the database is a
local file and nothing else is waited on, every other handler in the thread pool."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.app import create_app, reads_are_local
from coworking.core.concurrency import LocalReadsExecutor, is_local_read, local_read, run_local_reads_on_the_loop
from coworking.core.db import make_engine
from coworking.core.settings import Settings
from tests.factories import make_space
from tests.server import serving, site_env


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
        ("postgresql://postgres@127.0.0.1:5432/postgres", {}, False),
        ("sqlite:///:memory:", {}, False),
    ],
)
def test_reads_are_local_only_on_sqlite_with_nothing_on_a_network(tmp_path, url, changes, local) -> None:  # noqa: ANN001
    settings = replace(Settings.from_env(), database_url=url.format(tmp=tmp_path), **changes)
    assert reads_are_local(settings) is local


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


def test_a_hundred_visitors_at_once_are_all_answered_by_one_served_worker(own_database: str, tmp_path: Path) -> None:
    """On SQLite the reads run on the loop, which must then never wait for a pooled connection: with the
    pool's usual 15, sixty visitors at once stalled the worker for 30 s (the pool's timeout) and then failed."""
    engine = make_engine(own_database)
    with Session(engine) as session:
        make_space(session, "SKOLA6", town="Cēsis")
        session.commit()
    engine.dispose()
    paths = ["/spaces/skola6", "/spaces?q=cesis", "/", "/api/v1/spaces?q=cesis"] * 25

    async def visit(port: int, path: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer.split(b"\r\n", 1)[0]

    async def all_at_once(port: int) -> list[bytes]:
        return await asyncio.wait_for(asyncio.gather(*(visit(port, path) for path in paths)), timeout=60)

    with serving(site_env(own_database, tmp_path / "var", PAGE_CACHE="0"), tmp_path / "site.log") as url:
        started = time.monotonic()
        status_lines = asyncio.run(all_at_once(int(url.rsplit(":", 1)[1])))
        took = time.monotonic() - started
    assert status_lines == [b"HTTP/1.1 200 OK"] * len(paths)
    assert took < 20, f"{len(paths)} requests took {took:.0f} s: the worker stalled"
