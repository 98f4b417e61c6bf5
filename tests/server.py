"""The real ``coworking serve`` on a free local port, for tests that need a running site (browser tests,
backups taken while it serves, crashes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 30.0


def console_script(name: str) -> str:
    """A console script of the virtualenv running the tests."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name!r} is not installed next to {sys.executable}: pip install -e . first")
    return str(path)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`coworking serve` exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return
                last_error = f"status {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    pytest.fail(
        f"/healthz did not answer 200 within {SERVER_START_TIMEOUT:.0f} s ({last_error}):\n"
        f"{log.read_text(errors='replace')}"
    )


def site_env(database_url: str, var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a served test site: its database and folder, a fixed secret, no Redis (unless
    ``settings`` name one), and any other ``COWORKING_…`` settings given (``LOG_FORMAT="json"``)."""
    env = {**os.environ, "COWORKING_DATABASE_URL": database_url, "COWORKING_VAR_DIR": str(var_dir), "COWORKING_SECRET_KEY": "served-test-site-" + "0" * 40}
    env.pop("COWORKING_REDIS_URL", None)
    env.update({f"COWORKING_{name}": value for name, value in settings.items()})
    return env


def start(env: dict[str, str], log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``coworking serve`` (its output into ``log``) and wait until it answers; (process, base URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [console_script("coworking"), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=env,
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    wait_healthy(url, process, log)
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def serving(env: dict[str, str], log: Path, *extra: str) -> Iterator[str]:
    """The site served for the ``with`` block; its base URL."""
    process, url = start(env, log, *extra)
    try:
        yield url
    finally:
        stop(process)


# Debian's Chromium as the browser tests and the Lighthouse benchmark start it, headless mode aside (each
# says its own): no sandbox (root in a container), no QUIC or background traffic, nothing fetched from Google.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
