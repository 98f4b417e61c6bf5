"""Throughput and latency of the directory's pages and map, against bare Litestar endpoints, in one run.

    python benchmarks/run.py              # both parts, 5 s per endpoint (about 3 minutes)
    python benchmarks/run.py --pages      # only the pages part (about 1 minute)
    python benchmarks/run.py --map        # only the map part (100,000 synthetic spaces)
    python benchmarks/run.py --quick      # 2 s per endpoint
    python benchmarks/run.py --search --postgres postgresql://postgres@127.0.0.1/postgres
                                          # only the text search, 100,000 spaces, SQLite and PostgreSQL
    python benchmarks/run.py --duration 10 --tool python
    python benchmarks/run.py --workers    # 1 vs 2 workers on PostgreSQL + Redis (benchmarks/scale.py)
    python benchmarks/run.py --soak       # 100 connections for 60 s on 2 workers (benchmarks/scale.py)

What it does, start to finish:
1. seeds a temporary SQLite database with the real seed data (``coworking seed``);
2. map part: copies it to a second temporary database and adds 100,000 synthetic spaces
   (``seed/generate_spaces.py --force``);
3. starts the site on each database (``coworking serve``, uvicorn, one worker) and the baseline
   (``benchmarks/bare_app.py``, uvicorn, one worker), all on 127.0.0.1 only;
4. warms up, then loads each endpoint for a bounded time with wrk (installed with apt-get if missing
   and running as root) or, failing that, a bounded asyncio load generator (keep-alive HTTP/1.1).
   The map's GeoJSON is loaded with a wrk Lua ``request()`` hook that pans the box by up to ±10 %
   per request, at 20 connections and again at 1 (per-request latency without queueing);
5. prints the tables (requests/s, p50/p95/p99 latency, requests/s relative to the bare endpoint,
   response sizes and GeoJSON feature counts) and writes them to benchmarks/results/latest.json;
6. stops every server, whatever happened.

Only loopback traffic; every loop is bounded in time and in requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import search as search_part  # benchmarks/search.py (this folder is on sys.path when run as a script)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
HOST = "127.0.0.1"

# The pages part. Servers: "bare" (bare_app.py), "app" (the site, page cache on: the default), "nocache"
# (the site with COWORKING_PAGE_CACHE=0). Lines: (label, server, path, baseline label, target ratio, signed in).
# HTML is divided by the bare page, the API by the bare JSON endpoint (issue #13's targets: >= 0.5x from the
# cache, >= 0.15x without it, and a signed-in builder, whom no shared cache serves, at the uncached figure).
BARE_PAGE, BARE_JSON = "bare page (baseline)", "bare JSON (baseline)"
CACHED_TARGET, UNCACHED_TARGET = 0.5, 0.15
PAGE_PATHS = [
    ("/", "/", BARE_PAGE),
    ("/spaces?q=cesis", "/spaces?q=cesis", BARE_PAGE),
    ("/spaces?q=de", "/spaces?q=de", BARE_PAGE),
    ("/spaces/skola6", "/spaces/skola6", BARE_PAGE),
    ("/api/v1/spaces?q=cesis", "/api/v1/spaces?q=cesis", BARE_JSON),
]
ENDPOINTS = [
    (BARE_PAGE, "bare", "/", None, None, False),
    (BARE_JSON, "bare", "/json", None, None, False),
    *[(f"{label} cached", "app", path, base, CACHED_TARGET, False) for label, path, base in PAGE_PATHS],
    *[(f"{label} uncached", "nocache", path, base, UNCACHED_TARGET, False) for label, path, base in PAGE_PATHS],
    # On the server with the cache on: a session cookie must take the builder past it.
    ("/spaces/skola6 signed-in builder", "app", "/spaces/skola6", BARE_PAGE, UNCACHED_TARGET, True),
    ("/spaces?q=cesis signed-in builder", "app", "/spaces?q=cesis", BARE_PAGE, UNCACHED_TARGET, True),
]
# A community builder of skola6 with a session, made in the benchmark's database (printed: the token).
MAKE_BUILDER = """
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from sqlalchemy.orm import Session
from coworking.accounts.models import BuilderRole, User
from coworking.accounts.sessions import DatabaseSessions
from coworking.core.db import make_engine
from coworking.core.settings import Settings
from coworking.spaces.models import Space
engine = make_engine(Settings.from_env().database_url)
with Session(engine) as session, session.begin():
    space_id = session.scalars(select(Space.id).where(Space.slug == "skola6")).one()
    user = User(email="builder@bench.invalid", email_key="builder@bench.invalid", password_hash="!",
                email_verified_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    session.add(BuilderRole(user_id=user.id, space_id=space_id))
    user_id = user.id
print(DatabaseSessions(engine, timedelta(hours=4), timedelta(days=14)).create(user_id))
"""

# The map part: (label, path, bbox west,south,east,north or None, zoom). The GeoJSON endpoints pan.
MAP_BASELINE = ("bare JSON (baseline)", "/json")
GEOJSON_PATH = "/api/v1/spaces.geojson"
GEOJSON_VIEWS = [
    ("GeoJSON z4 Europe", (-25.0, 34.0, 45.0, 72.0), 4),
    ("GeoJSON z8 Latvia", (20.5, 55.5, 28.5, 58.2), 8),
    ("GeoJSON z12 Cēsis", (25.1, 57.25, 25.45, 57.37), 12),
]
NEAR_ENDPOINTS = [
    ("/api/v1/spaces?near=Lielvārde", "/api/v1/spaces?near=Lielv%C4%81rde&radius_km=30"),
    ("/spaces?near=Cesis (HTML)", "/spaces?near=Cesis&radius_km=30"),
]
# What SQLAlchemy logs when a request waited 30 s for a database connection (see README: the stall).
POOL_TIMEOUT = "QueuePool limit of size"
PAN = 0.10  # each GeoJSON request moves the box by up to ±10 % of its width and height
GEOJSON_TARGET_P95_MS = 30.0
GEOJSON_MAX_BYTES = 60 * 1024
SYNTHETIC_SPACES = 100_000

# wrk's done() hook: one JSON line with the exact percentiles (wrk's --latency only prints 50/75/90/99).
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"mean_us":%f,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# A request() hook for the GeoJSON endpoints: every request asks for the box panned by up to ±PAN,
# so the load is not one URL (and one cached answer). Seeded per thread: the same run, the same boxes.
WRK_PAN_LUA = r"""
local path, west, south, east, north, zoom, pan = "%(path)s", %(west)r, %(south)r, %(east)r, %(north)r, %(zoom)d, %(pan)r
local width, height = east - west, north - south
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
init = function(args)
  math.randomseed(1000 + (thread_number or 0))
end
request = function()
  local dx = (math.random() * 2 - 1) * pan * width
  local dy = (math.random() * 2 - 1) * pan * height
  return wrk.format(nil, string.format("%%s?bbox=%%.5f,%%.5f,%%.5f,%%.5f&zoom=%%d",
    path, west + dx, south + dy, east + dx, north + dy, zoom))
end
"""


def panned_path(bbox: tuple[float, float, float, float], zoom: int, rng: random.Random | None) -> str:
    """The GeoJSON path for ``bbox`` (panned at random by up to ±PAN when ``rng`` is given)."""
    west, south, east, north = bbox
    dx = (rng.random() * 2 - 1) * PAN * (east - west) if rng else 0.0
    dy = (rng.random() * 2 - 1) * PAN * (north - south) if rng else 0.0
    return f"{GEOJSON_PATH}?bbox={west + dx:.5f},{south + dy:.5f},{east + dx:.5f},{north + dy:.5f}&zoom={zoom}"


@dataclass
class Result:
    endpoint: str
    url: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    bytes_per_response: float
    errors: dict[str, int] = field(default_factory=dict)
    ratio_to_bare: float | None = None
    baseline: str | None = None  # the line ratio_to_bare divides by
    target: float | None = None  # the ratio it should reach
    connections: int | None = None
    stalled_first_try: dict | None = None  # the first try, when the server stalled and the line was measured again

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


# --------------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def coworking_command() -> list[str]:
    """The ``coworking`` console script of this interpreter's environment (or the same via -c)."""
    script = Path(sys.executable).parent / "coworking"
    if script.exists():
        return [str(script)]
    found = shutil.which("coworking")
    if found:
        return [found]
    return [sys.executable, "-c", "from coworking.cli import main; main()"]


class Server:
    """A server process in its own process group, with its output in a log file."""

    def __init__(self, name: str, command: list[str], port: int, env: dict[str, str], log_dir: Path) -> None:
        self.name, self.command, self.port, self.env = name, command, port, env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited early; its log:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=5.0) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except (OSError, urllib.error.URLError) as exc:
                last_error = repr(exc)
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} server not ready after {timeout:.0f} s ({last_error}); log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to this server's own process group, then SIGKILL if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_count(self, text: str) -> int:
        """How many times ``text`` occurs in this server's log so far."""
        try:
            return self.log_path.read_text(errors="replace").count(text)
        except OSError:
            return 0

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --------------------------------------------------------------------------------------------------
# Load generators


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's wrk first if it is missing and we are root. None if unavailable."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print("wrk not found (and not root, or no apt-get): using the Python load generator.")
        return None
    print("wrk not found: installing Debian's wrk (apt-get install -y wrk) ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    try:
        if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
            subprocess.run(install, env=env, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        pass
    found = shutil.which("wrk")
    if not found:
        print("Installing wrk failed: using the Python load generator.")
    return found


def run_wrk(
    wrk: str, lua: Path, url: str, seconds: float, threads: int, connections: int, headers: tuple[str, ...] = ()
) -> dict:
    command = [
        wrk,
        *[item for header in headers for item in ("-H", header)],
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in completed.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON ") :])
    raise RuntimeError(f"wrk printed no result (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}")


def wrk_result(label: str, url: str, data: dict) -> Result:
    seconds = data["duration_us"] / 1e6
    requests = data["requests"]
    return Result(
        endpoint=label,
        url=url,
        requests=requests,
        seconds=round(seconds, 3),
        rps=requests / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        bytes_per_response=data["bytes"] / requests if requests else 0.0,
        errors={key: value for key, value in data["errors"].items() if value},
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """One HTTP/1.1 response: (status, bytes with headers, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip().lower()
    keep_alive = headers.get("connection") != "close"
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
    elif headers.get("transfer-encoding") == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if chunk == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then the blank line
                    pass
                break
            await reader.readexactly(chunk + 2)
            size += chunk
    else:
        size, keep_alive = len(await reader.read()), False
    return status, len(head) + size, keep_alive


async def _python_load(
    url: str,
    seconds: float,
    connections: int,
    max_requests: int,
    paths: list[str] | None = None,
    headers: tuple[str, ...] = (),
) -> dict:
    """``connections`` keep-alive connections, each sending one GET after another until the deadline.

    A bare asyncio HTTP/1.1 client (no httpx): httpx itself tops out at a few hundred requests/s here,
    which would make the bare page look no faster than the site. With ``paths``, the requests go to
    those paths in turn (the map's panned boxes) instead of ``url``'s.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or HOST, parts.port or 80
    targets = paths or [(parts.path or "/") + (f"?{parts.query}" if parts.query else "")]
    extra = "".join(f"{header}\r\n" for header in headers)
    requests = [
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: coworking-bench\r\nAccept: */*\r\n{extra}\r\n".encode()
        for target in targets
    ]
    sent = 0
    latencies: list[float] = []
    errors = {"status": 0, "transport": 0}
    received = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal received, sent
        writer = None
        try:
            while time.perf_counter() < deadline and len(latencies) < max_requests:
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
                    started = time.perf_counter()
                    writer.write(requests[sent % len(requests)])
                    sent += 1
                    status, size, keep_alive = await asyncio.wait_for(_read_response(reader), 10)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                    errors["transport"] += 1
                    if writer is not None:
                        writer.close()
                    writer = None
                    await asyncio.sleep(0.01)
                    continue
                latencies.append(time.perf_counter() - started)
                received += size
                if status >= 400:
                    errors["status"] += 1
                if not keep_alive:
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "bytes": received, "errors": errors}


def run_python(
    label: str,
    url: str,
    seconds: float,
    connections: int,
    max_requests: int = 1_000_000,
    paths: list[str] | None = None,
    headers: tuple[str, ...] = (),
) -> Result:
    try:
        import uvloop  # installed with uvicorn[standard]; makes the client cheaper, so the server is what is measured

        data = uvloop.run(_python_load(url, seconds, connections, max_requests, paths, headers))
    except ImportError:
        data = asyncio.run(_python_load(url, seconds, connections, max_requests, paths, headers))
    latencies = sorted(data["latencies"])
    count, elapsed = len(latencies), data["elapsed"]
    return Result(
        endpoint=label,
        url=url,
        requests=count,
        seconds=round(elapsed, 3),
        rps=count / elapsed if elapsed else 0.0,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        mean_ms=(sum(latencies) / count * 1000) if count else 0.0,
        max_ms=(latencies[-1] * 1000) if count else 0.0,
        bytes_per_response=data["bytes"] / count if count else 0.0,
        errors={key: value for key, value in data["errors"].items() if value},
    )


# --------------------------------------------------------------------------------------------------
# Report


def render_table(header: tuple[str, ...], rows: list[tuple], left: frozenset[int] = frozenset({0})) -> str:
    """A Markdown table, numbers right-aligned."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row: tuple) -> str:
        cells = [
            str(c).ljust(w) if i in left else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    divider = (
        "|" + "|".join(("-" * (w + 1) + ":") if i not in left else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    )
    return "\n".join([fmt(header), divider, *(fmt(row) for row in rows)])


def table(results: list[Result]) -> str:
    header = ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare", "target", "KB/resp", "errors")
    rows = [
        (
            r.endpoint,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            (f"{r.ratio_to_bare:.2f}×" + (" (JSON)" if r.baseline == BARE_JSON else ""))
            if r.ratio_to_bare is not None
            else "-",
            f"≥ {r.target:.2f}× {'pass' if (r.ratio_to_bare or 0) >= r.target else 'FAIL'}" if r.target else "-",
            f"{r.bytes_per_response / 1024:.1f}",
            str(r.error_count),
        )
        for r in results
    ]
    return render_table(header, rows)


@dataclass
class Probe:
    """What one endpoint answers, measured with single requests before the load (sizes are bodies, uncompressed)."""

    endpoint: str
    status: int
    first_ms: float  # the first request: for the map's whole-Europe and region zooms, the grid is built here
    body_bytes: int  # the unpanned request
    max_body_bytes: int  # the largest of the unpanned and PROBE_PANS panned requests
    features: str  # GeoJSON features (min–max over the panned requests) or the search's total
    spaces_in_view: int | None = None  # GeoJSON "total": spaces inside the (snapped) box, unpanned


PROBE_PANS = 20


def _get(url: str, timeout: float = 70.0) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return status, body, (time.perf_counter() - started) * 1000


def probe_geojson(base_url: str, label: str, bbox: tuple[float, float, float, float], zoom: int) -> Probe:
    status, body, first_ms = _get(base_url + panned_path(bbox, zoom, None))
    if status != 200:
        raise RuntimeError(f"{label}: HTTP {status}: {body[:300]!r}")
    data = json.loads(body)
    sizes, counts = [len(body)], [len(data["features"])]
    rng = random.Random(7)
    for _ in range(PROBE_PANS):
        _, panned, _ = _get(base_url + panned_path(bbox, zoom, rng))
        sizes.append(len(panned))
        counts.append(len(json.loads(panned)["features"]))
    return Probe(
        endpoint=label,
        status=status,
        first_ms=round(first_ms, 1),
        body_bytes=len(body),
        max_body_bytes=max(sizes),
        features=f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else str(counts[0]),
        spaces_in_view=data.get("total"),
    )


def probe_page(base_url: str, label: str, path: str) -> Probe:
    status, body, first_ms = _get(base_url + path)
    if status != 200:
        raise RuntimeError(f"{label}: HTTP {status}: {body[:300]!r}")
    found = "-"
    if path.startswith("/api/"):
        found = str(json.loads(body).get("total", "-"))
    return Probe(label, status, round(first_ms, 1), len(body), len(body), found)


def map_table(results: list[Result], probes: dict[str, Probe]) -> str:
    header = (
        "endpoint",
        "conns",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "conns÷req/s ms",
        "vs bare JSON",
        "KB/resp",
        "features",
        f"p95 < {GEOJSON_TARGET_P95_MS:.0f} ms",
        "errors",
    )
    rows = []
    for r in results:
        probe = probes.get(r.endpoint)
        target = "-"
        if r.endpoint.startswith("GeoJSON"):
            target = verdict(r, "yes", "NO")
        errors = str(r.error_count)
        if r.stalled_first_try:
            errors += " (stalled on 1st try)"
        rows.append(
            (
                r.endpoint,
                str(r.connections),
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{(r.connections or 1) * 1000 / r.rps:.1f}" if r.rps else "-",
                f"{r.ratio_to_bare:.2f}×" if r.ratio_to_bare is not None else "-",
                f"{r.bytes_per_response / 1024:.1f}",
                probe.features if probe else "-",
                target,
                errors,
            )
        )
    return render_table(header, rows)


def probe_table(probes: list[Probe]) -> str:
    header = (
        "endpoint",
        "first request ms",
        "body KB",
        "max body KB",
        f"< {GEOJSON_MAX_BYTES // 1024} KB",
        "features / found",
        "spaces in view",
    )
    rows = [
        (
            p.endpoint,
            f"{p.first_ms:.1f}",
            f"{p.body_bytes / 1024:.1f}",
            f"{p.max_body_bytes / 1024:.1f}",
            ("yes" if p.max_body_bytes < GEOJSON_MAX_BYTES else "NO") if p.endpoint.startswith("GeoJSON") else "-",
            p.features,
            f"{p.spaces_in_view:,}" if p.spaces_in_view is not None else "-",
        )
        for p in probes
    ]
    return render_table(header, rows)


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


# --------------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per endpoint (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint (overrides --duration)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up load per endpoint (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--pages", action="store_true", help="run the pages part (default: both parts)")
    parser.add_argument("--map", action="store_true", help="run the map part (default: both parts)")
    parser.add_argument("--workers", action="store_true", help="1 vs 2 workers on PostgreSQL + Redis (scale.py)")
    parser.add_argument("--soak", action="store_true", help="100 connections for 60 s on 2 workers (scale.py)")
    parser.add_argument(
        "--search",
        action="store_true",
        help="run the text search part (100,000 spaces, 1 connection; default: with the other parts)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("COWORKING_BENCH_POSTGRES_URL", ""),
        help="a PostgreSQL server URL: the search part also runs on a throw-away database there "
        "(default: COWORKING_BENCH_POSTGRES_URL; without one the search part runs on SQLite only)",
    )
    parser.add_argument(
        "--count",
        type=int,
        default=SYNTHETIC_SPACES,
        help=f"synthetic spaces for the map part (default {SYNTHETIC_SPACES:,})",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run SQLite's ANALYZE on the map database before serving it (to measure what the planner's "
        "statistics change; the site does not do this itself)",
    )
    parser.add_argument(
        "--tool",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if available (default), or the Python one",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 2.0
        args.warmup = min(args.warmup, 0.5)
    if not 0 < args.duration <= 120:
        parser.error("--duration must be in (0, 120] seconds")
    if not 0 <= args.warmup <= 30:
        parser.error("--warmup must be in [0, 30] seconds")
    if not 1 <= args.connections <= 1000 or not 1 <= args.threads <= 64:
        parser.error("--connections must be in [1, 1000] and --threads in [1, 64]")
    if not 0 <= args.count <= 1_000_000:
        parser.error("--count must be in [0, 1000000]")
    args.threads = min(args.threads, args.connections)
    if not args.pages and not args.map and not args.search:
        args.pages = args.map = args.search = True
    return args


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included), with SQLite's backup API."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def generate_spaces(database: Path, count: int) -> dict:
    """Add ``count`` synthetic spaces with seed/generate_spaces.py (--force: the copy holds the real seed)."""
    command = [
        sys.executable,
        str(ROOT / "seed" / "generate_spaces.py"),
        "--database-url",
        f"sqlite:///{database}",
        "--count",
        str(count),
        "--force",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"generate_spaces.py failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return {"count": count, "wall_seconds": round(seconds, 1), "output": done.stdout.strip()}


def app_env(base: dict[str, str], database: Path, var_dir: Path) -> dict[str, str]:
    env = dict(base)
    env.update(
        COWORKING_DATABASE_URL=f"sqlite:///{database}",
        COWORKING_VAR_DIR=str(var_dir),
        COWORKING_SECRET_KEY="benchmark-only-not-a-secret",
        COWORKING_TILE_URL="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
        COWORKING_DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    env.pop("COWORKING_REDIS_URL", None)
    return env


class Runner:
    """Warm-up, then measured load, on one URL (or a panned GeoJSON view), with wrk or the Python generator."""

    def __init__(self, args: argparse.Namespace, wrk: str | None, tmpdir: Path, servers: dict[str, Server]) -> None:
        self.args, self.wrk, self.tmpdir, self.servers = args, wrk, tmpdir, servers
        self.plain_lua = tmpdir / "percentiles.lua"
        self.plain_lua.write_text(WRK_LUA)
        self._scripts = 0

    def _pan_lua(self, bbox: tuple[float, float, float, float], zoom: int) -> Path:
        self._scripts += 1
        west, south, east, north = bbox
        script = self.tmpdir / f"pan-{self._scripts}.lua"
        script.write_text(
            WRK_PAN_LUA
            % {
                "path": GEOJSON_PATH,
                "west": west,
                "south": south,
                "east": east,
                "north": north,
                "zoom": zoom,
                "pan": PAN,
            }
            + WRK_LUA
        )
        return script

    def drain(self, which: str, url: str) -> float:
        """Wait until the requests a load generator left behind are answered; returns the seconds waited.

        wrk stops with up to ``connections`` requests still queued in the server. Starting the next
        load on top of them would measure both, and (see benchmarks/README.md) more than ~21 requests
        in flight at once can stall the site for the database pool's 30 s timeout. One request sent
        after them comes back when they are done.
        """
        started = time.perf_counter()
        try:
            _get(url)
        except (OSError, urllib.error.URLError) as exc:
            print(f"\n    ({which} server did not answer after the load: {exc!r})", end="")
        waited = time.perf_counter() - started
        if waited > 2.0:
            print(f"\n    ({which} server needed {waited:.1f} s to answer after the load)", end="")
        return waited

    def measure(
        self,
        label: str,
        which: str,
        path: str,
        connections: int,
        threads: int,
        view: tuple[tuple[float, float, float, float], int] | None = None,
        headers: tuple[str, ...] = (),
    ) -> Result:
        """Warm-up, measured load, drain; once more if the server stalled (the first try is kept in the JSON)."""
        print(f"  {label:<34} c{connections:<3} ", end="", flush=True)
        result = self._measure_once(label, which, path, connections, threads, view, headers)
        if result.requests == 0 or result.errors.get("pool_timeouts_in_log"):
            print(
                f"STALLED ({result.requests} requests, {result.errors.get('pool_timeouts_in_log', 0)} database pool "
                f"timeouts in the {which} server's log); once more:\n  {'':<30} c{connections:<3} ",
                end="",
                flush=True,
            )
            first = asdict(result)
            result = self._measure_once(label, which, path, connections, threads, view, headers)
            result.stalled_first_try = first
        for server in self.servers.values():
            if server.process is not None and server.process.poll() is not None:
                raise RuntimeError(f"{server.name} server died during the run; log:\n{server.log_tail()}")
        print(
            f"{result.rps:>9,.0f} req/s  p50 {result.p50_ms:.1f} ms  p95 {result.p95_ms:.1f} ms"
            + (f"  ERRORS {result.errors}" if result.errors else "")
        )
        return result

    def _measure_once(
        self,
        label: str,
        which: str,
        path: str,
        connections: int,
        threads: int,
        view: tuple[tuple[float, float, float, float], int] | None,
        headers: tuple[str, ...] = (),
    ) -> Result:
        server = self.servers[which]
        url = server.base_url + path
        drain_url = server.base_url + (panned_path(*view, None) if view else path)
        timeouts_before = server.log_count(POOL_TIMEOUT)
        if self.wrk:
            lua = self._pan_lua(*view) if view else self.plain_lua
            if self.args.warmup:
                run_wrk(self.wrk, lua, url, self.args.warmup, threads, connections, headers)
                self.drain(which, drain_url)
            result = wrk_result(
                label, url, run_wrk(self.wrk, lua, url, self.args.duration, threads, connections, headers)
            )
        else:
            paths = None
            if view:
                rng = random.Random(1000)
                paths = [panned_path(view[0], view[1], rng) for _ in range(1000)]
            if self.args.warmup:
                run_python(label, url, self.args.warmup, connections, paths=paths, headers=headers)
                self.drain(which, drain_url)
            result = run_python(label, url, self.args.duration, connections, paths=paths, headers=headers)
        self.drain(which, drain_url)
        result.connections = connections
        timeouts = server.log_count(POOL_TIMEOUT) - timeouts_before
        if timeouts:
            result.errors["pool_timeouts_in_log"] = timeouts
        return result


def run_pages(runner: Runner, builder_cookie: str) -> list[Result]:
    """Every pages line; the ratios divide by the line's own baseline (bare page or bare JSON) of this run."""
    args = runner.args
    results: dict[str, Result] = {}
    for label, which, path, baseline, target, signed_in in ENDPOINTS:
        headers = (f"Cookie: {builder_cookie}",) if signed_in else ()
        result = runner.measure(label, which, path, args.connections, args.threads, headers=headers)
        result.baseline = baseline or label
        result.target = target
        results[label] = result
    # The baselines once more at the end: on a machine shared with other work one short load can land in a
    # busy second. Each ratio divides by the better of the two (never flattering the site).
    for label, which, path, baseline, _target, _signed_in in ENDPOINTS:
        if baseline is None:
            again = runner.measure(f"{label} again", which, path, args.connections, args.threads)
            if again.rps > results[label].rps:
                again.endpoint, again.baseline = label, label
                results[label] = again
    for result in results.values():
        bare = results[result.baseline].rps
        result.ratio_to_bare = round(result.rps / bare, 4) if bare else None
    return list(results.values())


def run_map(runner: Runner) -> tuple[list[Result], list[Probe]]:
    """Probe the map endpoints (sizes, feature counts, first request), then load them at N and at 1 connection."""
    args, base = runner.args, runner.servers["map"].base_url
    # The first request of a process pays for imports and caches: not what "first request" should show.
    _get(base + panned_path((25.2, 57.3, 25.3, 57.35), 14, None))
    probes = [probe_geojson(base, label, bbox, zoom) for label, bbox, zoom in GEOJSON_VIEWS]
    probes += [probe_page(base, label, path) for label, path in NEAR_ENDPOINTS]
    print(probe_table(probes) + "\n")

    results = [runner.measure(MAP_BASELINE[0], "bare", MAP_BASELINE[1], args.connections, args.threads)]
    for label, bbox, zoom in GEOJSON_VIEWS:
        results.append(runner.measure(label, "map", GEOJSON_PATH, args.connections, args.threads, (bbox, zoom)))
    for label, path in NEAR_ENDPOINTS:
        results.append(runner.measure(label, "map", path, args.connections, args.threads))
    # One connection: the time one request takes, without the queue of the other 19.
    results.append(runner.measure(MAP_BASELINE[0], "bare", MAP_BASELINE[1], 1, 1))
    for label, bbox, zoom in GEOJSON_VIEWS:
        results.append(runner.measure(label, "map", GEOJSON_PATH, 1, 1, (bbox, zoom)))
    for result in results:
        baseline = next(r for r in results if r.endpoint == MAP_BASELINE[0] and r.connections == result.connections)
        result.ratio_to_bare = round(result.rps / baseline.rps, 4) if baseline.rps else None
    return results, probes


def run_search(runner: Runner, databases: list[tuple[str, str]]) -> tuple[list[tuple[str, Result]], dict]:
    """Each search line at 1 connection on each (database label, server name), after the bare JSON baseline."""
    baseline = runner.measure(MAP_BASELINE[0], "bare", MAP_BASELINE[1], 1, 1)
    results: list[tuple[str, Result]] = [("-", baseline)]
    found: dict[tuple[str, str], str] = {}
    for database, which in databases:
        base = runner.servers[which].base_url
        _get(base + search_part.SEARCH_LINES[0][1])  # imports and caches of a fresh process: not the line's cost
        for label, path, _ in search_part.SEARCH_LINES:
            found[(database, label)] = search_part.found(_get, base, path)
            print(f"  [{database}]", end="")
            results.append((database, runner.measure(label, which, path, 1, 1)))
    for _, result in results:
        result.ratio_to_bare = round(result.rps / baseline.rps, 4) if baseline.rps else None
    return results, found


def verdict(result: Result, yes: str, no: str) -> str:
    """Whether a GeoJSON line meets the p95 target; a line with no completed request meets nothing."""
    if not result.requests:
        return "STALLED"
    return yes if result.p95_ms < GEOJSON_TARGET_P95_MS else no


def target_summary(results: list[Result], probes: list[Probe]) -> list[str]:
    lines = []
    sizes = {p.endpoint: p for p in probes}
    for label, _, zoom in GEOJSON_VIEWS:
        parts = []
        for r in results:
            if r.endpoint == label:
                conns = f"{r.connections} connection{'s' if r.connections != 1 else ''}"
                if not r.requests:
                    parts.append(f"NOT MEASURED at {conns} (the server stalled: no request completed)")
                else:
                    parts.append(f"{verdict(r, 'met', 'MISSED')} at {conns} (p95 {r.p95_ms:.1f} ms)")
        probe = sizes.get(label)
        size = ""
        if probe:
            ok = "under" if probe.max_body_bytes < GEOJSON_MAX_BYTES else "OVER"
            size = f"; largest answer {probe.max_body_bytes / 1024:.1f} KB, {ok} {GEOJSON_MAX_BYTES // 1024} KB"
        lines.append(f"  {label} (zoom {zoom}): p95 < {GEOJSON_TARGET_P95_MS:.0f} ms " + ", ".join(parts) + size)
    return lines


def explain_missed_pages(missed: list[Result]) -> None:
    """For each page missed without the cache (or signed in: the same render), the profile that explains it:
    where an uncached answer's time goes, measured in process (profile_request.py --breakdown)."""
    paths = list(dict.fromkeys(path for label, _, path, _, target, _ in ENDPOINTS for r in missed if r.endpoint == label and target == UNCACHED_TARGET))
    if not paths:
        return
    print("\nWhere an uncached answer's time goes (pyinstrument, in process, 100 requests each):")
    env = {**os.environ, "COWORKING_PAGE_CACHE": "0"}
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "profile_request.py"), *paths, "--breakdown", "-n", "100"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as error:
        print(f"  (the profile could not run: {error})")
        return
    print("\n".join(f"  {line}" for line in done.stdout.splitlines() if "per request" in line))


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    if "--workers" in given or "--soak" in given:
        # Several workers on PostgreSQL + Redis: its own script (its own database and servers), same options.
        import scale

        return scale.main(given)
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up at once, even in a log file
    # A SIGTERM (e.g. from a CI time limit) unwinds through the finally below, which stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = None
    if args.tool in ("auto", "wrk"):
        wrk = ensure_wrk()
        if wrk is None and args.tool == "wrk":
            print("--tool wrk: wrk is not available.", file=sys.stderr)
            return 2
    tool = "wrk" if wrk else "python (asyncio, HTTP/1.1 keep-alive)"
    run_started = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None

    pages: list[Result] = []
    map_results: list[Result] = []
    search_results: list[tuple[str, Result]] = []
    search_found: dict = {}
    postgres_seconds: float | None = None
    probes: list[Probe] = []
    generated: dict | None = None
    with tempfile.TemporaryDirectory(prefix="coworking-bench-") as tmp:
        tmpdir = Path(tmp)
        env = app_env(dict(os.environ), tmpdir / "bench.db", tmpdir / "var")

        print(f"Seeding a temporary SQLite database in {tmpdir} ...")
        seeded = subprocess.run(
            coworking_command() + ["seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if seeded.returncode != 0:
            print(seeded.stdout, seeded.stderr, file=sys.stderr)
            return 1
        print("  " + seeded.stdout.strip())
        builder_cookie = ""
        if args.pages:
            made = subprocess.run(
                [sys.executable, "-c", MAKE_BUILDER],
                cwd=ROOT,
                env={**env, "PYTHONPATH": str(ROOT)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            if made.returncode != 0:
                print(made.stdout, made.stderr, file=sys.stderr)
                return 1
            builder_cookie = f"session={made.stdout.strip().splitlines()[-1]}"
            print("  A community builder of skola6 signed in (for the signed-in lines).")

        map_env = None
        if args.map or args.search:
            map_db = tmpdir / "map.db"
            copy_sqlite(tmpdir / "bench.db", map_db)
            print(f"Adding {args.count:,} synthetic spaces to a copy (seed/generate_spaces.py) ...")
            generated = generate_spaces(map_db, args.count)
            print(f"  {generated['output']} ({generated['wall_seconds']:.1f} s with start-up)")
            if args.analyze:
                with closing(sqlite3.connect(map_db)) as connection:
                    connection.execute("ANALYZE")
                    connection.commit()
                print("  ANALYZE run on the map database (--analyze).")
            # The map, distance and text search lines measure the work, not the page cache (which answers a
            # repeated address from memory): it is off on these servers.
            map_env = {**app_env(dict(os.environ), map_db, tmpdir / "var-map"), "COWORKING_PAGE_CACHE": "0"}

        postgres = search_part.postgres_database(args.postgres) if args.search and args.postgres else None
        pg_env = None
        if postgres is not None:
            pg_url = postgres.__enter__()
            print(f"Filling a throw-away PostgreSQL database (seed + {args.count:,} synthetic spaces) ...")
            try:
                postgres_seconds = search_part.fill_postgres(
                    pg_url, args.count, coworking_command() + ["seed"], env, ROOT
                )
            except BaseException:
                postgres.__exit__(*sys.exc_info())
                raise
            print(f"  done in {postgres_seconds:.0f} s.")
            pg_env = {
                **app_env(dict(os.environ), map_db, tmpdir / "var-pg"),
                "COWORKING_DATABASE_URL": pg_url,
                "COWORKING_PAGE_CACHE": "0",
            }

        ports: list[int] = []
        while len(ports) < 5:
            port = free_port()
            if port not in ports:
                ports.append(port)
        serve = ["serve", "--host", HOST, "--workers", "1", "--port"]
        servers = {
            "bare": Server(
                "bare",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(HERE),
                    "bare_app:app",
                    "--host",
                    HOST,
                    "--port",
                    str(ports[0]),
                    "--workers",
                    "1",
                ],
                ports[0],
                env,
                tmpdir,
            ),
        }
        if args.pages:
            servers["app"] = Server("app", coworking_command() + serve + [str(ports[1])], ports[1], env, tmpdir)
            servers["nocache"] = Server(
                "nocache",
                coworking_command() + serve + [str(ports[3])],
                ports[3],
                {**env, "COWORKING_PAGE_CACHE": "0"},
                tmpdir,
            )
        if map_env is not None:
            servers["map"] = Server("map", coworking_command() + serve + [str(ports[2])], ports[2], map_env, tmpdir)
        if pg_env is not None:
            servers["pg"] = Server("pg", coworking_command() + serve + [str(ports[4])], ports[4], pg_env, tmpdir)
        try:
            for server in servers.values():
                server.start()
            servers["bare"].wait_ready("/")
            for name in ("app", "nocache", "map", "pg"):
                if name in servers:
                    servers[name].wait_ready("/spaces/skola6")
            print("Servers up: " + ", ".join(f"{s.name} {s.base_url}" for s in servers.values()) + ".")
            print(
                f"Load: {tool}, {args.connections} connections"
                + (f", {args.threads} threads" if wrk else "")
                + f", {args.duration:g} s per endpoint after {args.warmup:g} s of warm-up.\n"
            )
            runner = Runner(args, wrk, tmpdir, servers)
            if args.pages:
                print("Pages (real seed data):")
                pages = run_pages(runner, builder_cookie)
                print()
            if args.map:
                print(f"Map and distance search ({args.count:,} synthetic spaces + the real seed):")
                map_results, probes = run_map(runner)
            if args.search:
                print(f"\nText search ({args.count:,} synthetic spaces + the real seed, 1 connection):")
                databases = [("SQLite", "map")] + ([("PostgreSQL", "pg")] if "pg" in servers else [])
                search_results, search_found = run_search(runner, databases)
        finally:
            for server in servers.values():
                server.stop()
            if postgres is not None:
                postgres.__exit__(None, None, None)
            # The servers' logs outlive the temporary folder: the first place to look when a line is odd.
            logs = RESULTS / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            for server in servers.values():
                if server.log_path.exists():
                    shutil.copyfile(server.log_path, logs / server.log_path.name)

    if pages:
        print()
        print(table(pages))
        targets = [r for r in pages if r.target]
        failed = [r.endpoint for r in targets if (r.ratio_to_bare or 0) < r.target]
        print(
            f"\nPage targets (cached >= {CACHED_TARGET}x, uncached and signed-in >= {UNCACHED_TARGET}x of the bare"
            f" page or bare JSON): {len(targets) - len(failed)} of {len(targets)} met"
            + (f"; missed: {', '.join(failed)}" if failed else "")
        )
        explain_missed_pages([r for r in targets if r.endpoint in failed])
    if map_results:
        print()
        print(probe_table(probes))
        print()
        print(map_table(map_results, {p.endpoint: p for p in probes}))
        print()
        print("GeoJSON targets (p95 < 30 ms, answer < 60 KB):")
        print("\n".join(target_summary(map_results, probes)))
        if any(r.connections != 1 for r in map_results):
            print(
                f"  (At {args.connections} connections one worker queues the requests: p95 there is mostly waiting;"
                " the 1-connection line is the time one request takes.)"
            )
    if search_results:
        print()
        print(search_part.search_table(search_results, search_found, render_table))
        print(f"\nText search target (p95 < {search_part.TARGET_P95_MS:.0f} ms at 1 connection, 100,000 spaces):")
        print("\n".join(search_part.summary(search_results)))
        if not args.postgres:
            print("  (PostgreSQL not measured: give --postgres URL or COWORKING_BENCH_POSTGRES_URL.)")
    searched = [r for _, r in search_results]
    if any(r.error_count for r in pages + map_results + searched):
        print("\nSome requests failed (non-2xx/3xx or socket errors): see 'errors' in the JSON.")
    if any(r.stalled_first_try or not r.requests for r in pages + map_results + searched):
        print(
            "Some lines STALLED: the server answered nothing for ~30 s while requests waited for a database"
            " connection (pool_timeouts_in_log); see benchmarks/README.md, 'The stall', and results/logs/."
        )
    total_s = time.perf_counter() - run_started
    print(f"\nWhole run: {total_s:.0f} s.")

    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "tool": tool,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "threads": args.threads if wrk else None,
        "server": "uvicorn, 1 worker, 127.0.0.1",
        "database": "SQLite (temporary, real seed data)",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_average_before": load_before,
        "run_seconds": round(total_s, 1),
        "baseline": f"{BARE_PAGE} (HTML lines), {BARE_JSON} (API lines)",
        "results": [asdict(r) for r in pages],
    }
    if args.map:
        report["map"] = {
            "database": "SQLite (temporary): the real seed plus synthetic spaces from seed/generate_spaces.py",
            "generator": generated,
            "analyze": args.analyze,
            "baseline": MAP_BASELINE[0],
            "pan": PAN,
            "target_p95_ms": GEOJSON_TARGET_P95_MS,
            "max_geojson_bytes": GEOJSON_MAX_BYTES,
            "probes": [asdict(p) for p in probes],
            "results": [asdict(r) for r in map_results],
        }
    if args.search:
        report["search"] = {
            "databases": "SQLite: the map part's database; PostgreSQL: a throw-away copy filled the same way"
            + ("" if args.postgres else " (not measured: no --postgres)"),
            "postgres_fill_seconds": round(postgres_seconds, 1) if postgres_seconds is not None else None,
            "target_p95_ms": search_part.TARGET_P95_MS,
            "connections": 1,
            "results": [{"database": database, **asdict(r)} for database, r in search_results],
            "found": {f"{database} {label}": n for (database, label), n in search_found.items()},
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWritten to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
