"""Throughput and latency of the directory's main pages, against a bare Litestar page, in one run.

    python benchmarks/run.py              # 5 s per endpoint
    python benchmarks/run.py --quick      # 2 s per endpoint
    python benchmarks/run.py --duration 10 --tool python

What it does, start to finish (about 1 minute with the defaults):
1. seeds a temporary SQLite database with the real seed data (``coworking seed``);
2. starts the site (``coworking serve``, uvicorn, one worker) and the baseline
   (``benchmarks/bare_app.py``, uvicorn, one worker), both on 127.0.0.1 only;
3. warms up, then loads each endpoint for a bounded time with wrk (installed with apt-get if missing
   and running as root) or, failing that, a bounded asyncio load generator (keep-alive HTTP/1.1);
4. prints a table (requests/s, p50/p95/p99 latency, requests/s relative to the bare page) and writes
   the same to benchmarks/results/latest.json;
5. stops both servers, whatever happened.

Only loopback traffic; every loop is bounded in time and in requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
HOST = "127.0.0.1"

# (label, which server, path). The first one is the baseline that the ratios divide by.
ENDPOINTS = [
    ("bare page (baseline)", "bare", "/"),
    ("/spaces?q=cesis", "app", "/spaces?q=cesis"),
    ("/spaces?q=de", "app", "/spaces?q=de"),
    ("/spaces/skola6", "app", "/spaces/skola6"),
    ("/api/v1/spaces?q=cesis", "app", "/api/v1/spaces?q=cesis"),
]

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


def run_wrk(wrk: str, lua: Path, url: str, seconds: float, threads: int, connections: int) -> dict:
    command = [
        wrk,
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


async def _python_load(url: str, seconds: float, connections: int, max_requests: int) -> dict:
    """``connections`` keep-alive connections, each sending one GET after another until the deadline.

    A bare asyncio HTTP/1.1 client (no httpx): httpx itself tops out at a few hundred requests/s here,
    which would make the bare page look no faster than the site.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or HOST, parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: coworking-bench\r\nAccept: */*\r\n\r\n".encode()
    )
    latencies: list[float] = []
    errors = {"status": 0, "transport": 0}
    received = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal received
        writer = None
        try:
            while time.perf_counter() < deadline and len(latencies) < max_requests:
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
                    started = time.perf_counter()
                    writer.write(request)
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


def run_python(label: str, url: str, seconds: float, connections: int, max_requests: int = 1_000_000) -> Result:
    try:
        import uvloop  # installed with uvicorn[standard]; makes the client cheaper, so the server is what is measured

        data = uvloop.run(_python_load(url, seconds, connections, max_requests))
    except ImportError:
        data = asyncio.run(_python_load(url, seconds, connections, max_requests))
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


def table(results: list[Result]) -> str:
    header = ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare", "KB/resp", "errors")
    rows = [
        (
            r.endpoint,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.ratio_to_bare:.2f}×" if r.ratio_to_bare is not None else "-",
            f"{r.bytes_per_response / 1024:.1f}",
            str(r.error_count),
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    left = {0}

    def fmt(row: tuple) -> str:
        cells = [str(c).ljust(w) if i in left else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "| " + " | ".join(cells) + " |"

    divider = (
        "|" + "|".join(("-" * (w + 1) + ":") if i not in left else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    )
    return "\n".join([fmt(header), divider, *(fmt(row) for row in rows)])


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
    args.threads = min(args.threads, args.connections)
    return args


def main(argv: list[str] | None = None) -> int:
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

    with tempfile.TemporaryDirectory(prefix="coworking-bench-") as tmp:
        tmpdir = Path(tmp)
        env = dict(os.environ)
        env.update(
            COWORKING_DATABASE_URL=f"sqlite:///{tmpdir / 'bench.db'}",
            COWORKING_VAR_DIR=str(tmpdir / "var"),
            COWORKING_SECRET_KEY="benchmark-only-not-a-secret",
            COWORKING_TILE_URL="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
            COWORKING_DEBUG="0",
            PYTHONUNBUFFERED="1",
        )
        env.pop("COWORKING_REDIS_URL", None)

        print(f"Seeding a temporary SQLite database in {tmpdir} ...")
        seeded = subprocess.run(
            coworking_command() + ["seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if seeded.returncode != 0:
            print(seeded.stdout, seeded.stderr, file=sys.stderr)
            return 1
        print("  " + seeded.stdout.strip())

        app_port, bare_port = free_port(), free_port()
        while bare_port == app_port:
            bare_port = free_port()
        servers = {
            "app": Server(
                "app",
                coworking_command() + ["serve", "--host", HOST, "--port", str(app_port), "--workers", "1"],
                app_port,
                env,
                tmpdir,
            ),
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
                    str(bare_port),
                    "--workers",
                    "1",
                ],
                bare_port,
                env,
                tmpdir,
            ),
        }
        lua = tmpdir / "percentiles.lua"
        lua.write_text(WRK_LUA)
        results: list[Result] = []
        try:
            for server in servers.values():
                server.start()
            servers["bare"].wait_ready("/")
            servers["app"].wait_ready("/spaces/skola6")
            print(f"Servers up: app {servers['app'].base_url}, bare {servers['bare'].base_url}.")
            print(
                f"Load: {tool}, {args.connections} connections"
                + (f", {args.threads} threads" if wrk else "")
                + f", {args.duration:g} s per endpoint after {args.warmup:g} s of warm-up.\n"
            )

            for label, which, path in ENDPOINTS:
                url = servers[which].base_url + path
                print(f"  {label:<26} ", end="", flush=True)
                if wrk:
                    if args.warmup:
                        run_wrk(wrk, lua, url, args.warmup, args.threads, args.connections)
                    result = wrk_result(
                        label, url, run_wrk(wrk, lua, url, args.duration, args.threads, args.connections)
                    )
                else:
                    if args.warmup:
                        run_python(label, url, args.warmup, args.connections)
                    result = run_python(label, url, args.duration, args.connections)
                for server in servers.values():
                    if server.process is not None and server.process.poll() is not None:
                        raise RuntimeError(f"{server.name} server died during the run; log:\n{server.log_tail()}")
                print(
                    f"{result.rps:>9,.0f} req/s  p50 {result.p50_ms:.1f} ms"
                    + (f"  ERRORS {result.errors}" if result.errors else "")
                )
                results.append(result)
        finally:
            for server in servers.values():
                server.stop()

    bare = results[0].rps if results else 0.0
    for result in results:
        result.ratio_to_bare = round(result.rps / bare, 4) if bare else None

    print()
    print(table(results))
    if any(r.error_count for r in results):
        print("\nSome requests failed (non-2xx/3xx or socket errors): see 'errors' in the JSON.")

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
        "baseline": ENDPOINTS[0][0],
        "results": [asdict(r) for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWritten to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
