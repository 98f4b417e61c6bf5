"""A bounded burst of concurrent requests against the real server: every one is answered.

Guards against the deadlock the benchmarks found (a synchronous commit hook queued behind handlers
in one thread pool while they waited for the connections it would free).
"""

from __future__ import annotations

import asyncio
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


async def _burst(base_url: str) -> list[object]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=45) as client:
        responses = await asyncio.gather(
            *(client.get(PATHS[number % len(PATHS)]) for number in range(CONCURRENT * 2)), return_exceptions=True
        )
    return [response.status_code if isinstance(response, httpx.Response) else repr(response) for response in responses]


def test_a_burst_of_concurrent_requests_is_answered(base_url: str) -> None:
    started = time.monotonic()
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(asyncio.run, _burst(base_url)).result()
    assert statuses == [200] * len(statuses)
    assert time.monotonic() - started < 45
