"""A bounded burst of concurrent requests against the real server: every one is answered.

Guards against the deadlock the benchmarks found (a synchronous commit hook queued behind handlers
in one thread pool while they waited for the connections it would free).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.browser

PATHS = [
    "/api/v1/spaces?near=Lielv%C4%81rde&radius_km=100",
    "/api/v1/spaces.geojson?bbox=20.5,55.5,28.5,58.2&zoom=8",
    "/spaces?q=cesis",
    "/spaces/skola6",
]
CONCURRENT = 60


def _burst(base_url: str) -> list[object]:
    # Threads, not asyncio: Playwright's sync API keeps an event loop running in this thread.
    with httpx.Client(base_url=base_url, timeout=45) as client, ThreadPoolExecutor(CONCURRENT) as pool:
        futures = [pool.submit(client.get, PATHS[number % len(PATHS)]) for number in range(CONCURRENT * 2)]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result().status_code)
            except httpx.HTTPError as error:
                outcomes.append(repr(error))
    return outcomes


def test_a_burst_of_concurrent_requests_is_answered(base_url: str) -> None:
    started = time.monotonic()
    statuses = _burst(base_url)
    assert statuses == [200] * len(statuses)
    assert time.monotonic() - started < 45
