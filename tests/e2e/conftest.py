"""End-to-end fixtures: the real ``coworking`` command serving seeded data, driven by headless Chromium.

Run on their own: ``pytest tests/e2e -q`` (Playwright's sync API runs its own event loop).
Nothing here reaches the internet: map tiles point at a closed local port, and Chromium is started
without background networking.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    TILE_URL,
    ConsoleLog,
    new_phone_context,
    watch_console,
)
from tests.server import console_script, serving


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("e2e")
    env = dict(os.environ)
    env.update(
        COWORKING_DATABASE_URL=f"sqlite:///{tmp / 'e2e.db'}",
        COWORKING_SECRET_KEY="e2e-test-secret-key-not-for-production-0123456789",
        COWORKING_VAR_DIR=str(tmp),
        COWORKING_TILE_URL=TILE_URL,
        COWORKING_DEBUG="false",
    )
    env.pop("COWORKING_REDIS_URL", None)
    return env


@pytest.fixture(scope="session")
def base_url(server_env: dict[str, str]) -> Iterator[str]:
    """The seeded site served by ``coworking serve`` on a free local port."""
    coworking = console_script("coworking")
    var_dir = Path(server_env["COWORKING_VAR_DIR"])
    seeded = subprocess.run(  # noqa: S603 - our own console script
        [coworking, "seed"],
        env=server_env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if seeded.returncode != 0:
        pytest.fail(f"`coworking seed` failed ({seeded.returncode}):\n{seeded.stdout}\n{seeded.stderr}")

    log = var_dir / "server.log"
    with serving(server_env, log) as url:
        yield url
    # A server error during the run is a failure even when every page looked fine.
    server_log = log.read_text(errors="replace")
    assert "Traceback" not in server_log, f"the server logged an exception:\n{server_log}"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture()
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = new_phone_context(browser, base_url)
    yield context
    context.close()


@pytest.fixture()
def page(context: BrowserContext) -> Iterator[Page]:
    """A phone-sized page (390×844, en-GB) in a fresh context: no cookies from other tests."""
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture()
def console(page: Page) -> ConsoleLog:
    """What ``page`` logs as errors, from before its first navigation."""
    return watch_console(page)
