"""Several workers on PostgreSQL + Redis: one worker against two, and a soak at 100 connections.

    python benchmarks/scale.py                 # both parts: 1 vs 2 workers (3 rounds of 10 s a line), soak 60 s
    python benchmarks/scale.py --quick         # 2 rounds of 4 s a line, soak 15 s (about 2 minutes in all)
    python benchmarks/scale.py --workers       # only 1 vs 2 workers
    python benchmarks/scale.py --soak          # only the soak
    python benchmarks/run.py --workers|--soak  # the same, from the main benchmark script

What it does:
1. creates a throw-away PostgreSQL database on --postgres-url's server (default the CI server's
   ``test`` database: only its server is used) and seeds it with the real seed data (``coworking seed``:
   migrations, the gazetteer, 443 spaces); Redis (--redis-url) holds sessions and rate limits, as in
   production (docs/production.md);
2. workers: starts ``coworking serve --workers 1`` and ``--workers 2`` on it side by side, then loads the map
   API (``/api/v1/spaces.geojson``, Latvia at zoom 8, the box panned by up to ±10 % per request) and the search
   page (``/spaces?q=cesis``) on each in turn, one after the other for each endpoint (so a change in the
   machine's load falls on both), and prints requests/s, the ratio 2 ÷ 1 and whether it reaches 1.4×;
3. soak: ``--workers 2`` under 100 connections for 60 s, 25 each on the home page, a search, a space's page
   and the JSON API at once (four wrk processes, one thread each), and prints per endpoint the requests/s,
   p50/p99 and errors (a status >= 400 or a socket error); the target is 0 errors;
4. stops every server and drops the database, whatever happened; writes benchmarks/results/scale.json.

The load generator runs on the same two cores as the servers: with two workers the site and wrk compete
for them, so the ratio is what this machine can show, not what two cores of its own would give.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import (  # noqa: E402 - run.py sits beside this file
    GEOJSON_PATH,
    GEOJSON_VIEWS,
    HOST,
    RESULTS,
    ROOT,
    WRK_LUA,
    Result,
    Runner,
    Server,
    _get,
    _python_load,
    coworking_command,
    ensure_wrk,
    free_port,
    git_commit,
    percentile,
    render_table,
    wrk_result,
)

TARGET_RATIO = 1.4
MAP_VIEW = next(view for view in GEOJSON_VIEWS if view[2] == 8)  # Latvia at zoom 8: real spaces, clustered
WORKER_ENDPOINTS = [
    ("map API (GeoJSON z8 Latvia, panned)", GEOJSON_PATH, (MAP_VIEW[1], MAP_VIEW[2])),
    ("search page /spaces?q=cesis", "/spaces?q=cesis", None),
]
SOAK_ENDPOINTS = [
    ("home /", "/"),
    ("search /spaces?q=de", "/spaces?q=de"),
    ("space page /spaces/skola6", "/spaces/skola6"),
    ("API /api/v1/spaces?q=cesis", "/api/v1/spaces?q=cesis"),
]
SOAK_CONNECTIONS = 100


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", action="store_true", help="run the 1 vs 2 workers part (default: both parts)")
    parser.add_argument("--soak", action="store_true", help="run the soak part (default: both parts)")
    parser.add_argument("--quick", action="store_true", help="4 s per line and a 15 s soak")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per 1-vs-2 line (default 10)")
    parser.add_argument("--soak-seconds", type=float, default=60.0, help="seconds of soak (default 60)")
    parser.add_argument("--connections", type=int, default=16, help="connections for 1 vs 2 workers (default 16)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per line (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of 1 and 2 workers (default 3)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("COWORKING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a database on the PostgreSQL server to create the throw-away database on",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="the Redis the workers share")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--output", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.soak_seconds, args.warmup, args.rounds = 4.0, 15.0, 1.0, 2
    if not 0 < args.duration <= 120 or not 0 < args.soak_seconds <= 600 or not 0 <= args.warmup <= 30:
        parser.error("--duration must be in (0, 120], --soak-seconds in (0, 600], --warmup in [0, 30]")
    if not 1 <= args.connections <= 1000 or not 1 <= args.rounds <= 10:
        parser.error("--connections must be in [1, 1000], --rounds in [1, 10]")
    if not args.workers and not args.soak:
        args.workers = args.soak = True
    return args


class ThrowAwayDatabase:
    """A new database on the PostgreSQL server, dropped (connections and all) when the run ends."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.name = f"coworking_bench_{uuid.uuid4().hex[:8]}"
        self.server_url = server_url
        self.url = make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        from sqlalchemy import text

        from coworking.core.db import make_engine

        engine = make_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def __enter__(self) -> ThrowAwayDatabase:
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *_: object) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def site_env(database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COWORKING_DATABASE_URL=database_url,
        COWORKING_REDIS_URL=redis_url,
        COWORKING_VAR_DIR=str(var_dir),
        COWORKING_SECRET_KEY="benchmark-only-not-a-secret",
        COWORKING_TILE_URL="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
        COWORKING_DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def serve(name: str, workers: int, env: dict[str, str], log_dir: Path) -> Server:
    port = free_port()
    command = coworking_command() + ["serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return Server(name, command, port, env, log_dir)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants, from /proc (0 elsewhere)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in tree)


def measure_with_cpu(runner: Runner, name: str, which: str, path: str, connections: int, view) -> tuple[Result, float]:  # noqa: ANN001
    """A measured line, and how many cores the server's processes got meanwhile (CPU seconds ÷ wall seconds,
    warm-up included): on a machine shared with other work, what the workers could use at all."""
    pid = runner.servers[which].process.pid
    cpu, wall = tree_cpu_seconds(pid), time.perf_counter()
    result = runner.measure(name, which, path, connections, 1, view)
    return result, (tree_cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)


def run_workers(runner: Runner, args: argparse.Namespace) -> list[dict]:
    """Each endpoint on one worker and on two, in ``--rounds`` alternating rounds (1, 2, then 2, 1, ...), so
    that the other load on a shared machine, which comes and goes, falls on both alike. The ratio is of the
    requests/s summed over the rounds (all requests over all measured seconds)."""
    rows = []
    for label, path, view in WORKER_ENDPOINTS:
        runs: dict[str, list[Result]] = {"one": [], "two": []}
        cores: dict[str, list[float]] = {"one": [], "two": []}
        for round_number in range(args.rounds):
            order = ("one", "two") if round_number % 2 == 0 else ("two", "one")
            for which in order:
                name = f"{label} [{'1 worker' if which == 'one' else '2 workers'}]"
                result, used = measure_with_cpu(runner, name, which, path, args.connections, view)
                runs[which].append(result)
                cores[which].append(used)
        rps = {which: sum(r.requests for r in done) / sum(r.seconds for r in done) for which, done in runs.items()}
        ratio = rps["two"] / rps["one"] if rps["one"] else 0.0
        rows.append(
            {
                "endpoint": label,
                "rps_one": round(rps["one"], 1),
                "rps_two": round(rps["two"], 1),
                "p99_ms_one": max(r.p99_ms for r in runs["one"]),
                "p99_ms_two": max(r.p99_ms for r in runs["two"]),
                "errors": sum(r.error_count for done in runs.values() for r in done),
                "cores_one": round(sum(cores["one"]) / len(cores["one"]), 2),
                "cores_two": round(sum(cores["two"]) / len(cores["two"]), 2),
                "ratio": round(ratio, 3),
                "round_ratios": [round(b.rps / a.rps, 3) if a.rps else None for a, b in zip(runs["one"], runs["two"], strict=True)],
                "passed": ratio >= TARGET_RATIO,
                "rounds": {which: [asdict(r) for r in done] for which, done in runs.items()},
            }
        )
    return rows


def workers_table(rows: list[dict]) -> str:
    header = (
        "endpoint", "1 worker req/s", "p99 ms", "cores", "2 workers req/s", "p99 ms", "cores", "2 ÷ 1", "each round",
        f">= {TARGET_RATIO}×", "errors",
    )  # fmt: skip
    return render_table(
        header,
        [
            (
                row["endpoint"],
                f"{row['rps_one']:,.0f}",
                f"{row['p99_ms_one']:.1f}",
                f"{row['cores_one']:.2f}",
                f"{row['rps_two']:,.0f}",
                f"{row['p99_ms_two']:.1f}",
                f"{row['cores_two']:.2f}",
                f"{row['ratio']:.2f}×",
                " ".join(f"{ratio:.2f}" for ratio in row["round_ratios"] if ratio is not None),
                "yes" if row["passed"] else "NO",
                str(row["errors"]),
            )
            for row in rows
        ],
    )


def soak_wrk(wrk: str, lua: Path, base: str, seconds: float) -> list[Result]:
    """Four wrk processes at once, SOAK_CONNECTIONS split between the endpoints."""
    share = SOAK_CONNECTIONS // len(SOAK_ENDPOINTS)
    running = []
    for label, path in SOAK_ENDPOINTS:
        command = [wrk, "-t1", f"-c{share}", f"-d{round(seconds)}s", "--timeout", "10s", "-s", str(lua), base + path]
        running.append((label, base + path, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))  # noqa: S603
    results = []
    for label, url, process in running:
        out, err = process.communicate(timeout=seconds + 60)
        line = next((line for line in out.splitlines() if line.startswith("WRK_JSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no result for {label} (exit {process.returncode}):\n{out}\n{err}")
        result = wrk_result(label, url, json.loads(line[len("WRK_JSON ") :]))
        result.connections = share
        results.append(result)
    return results


def soak_python(base: str, seconds: float) -> list[Result]:
    share = SOAK_CONNECTIONS // len(SOAK_ENDPOINTS)

    async def together() -> list[dict]:
        return await asyncio.gather(*(_python_load(base + path, seconds, share, 10_000_000) for _, path in SOAK_ENDPOINTS))

    results = []
    for (label, path), data in zip(SOAK_ENDPOINTS, asyncio.run(together()), strict=True):
        latencies = sorted(data["latencies"])
        count, elapsed = len(latencies), data["elapsed"]
        results.append(
            Result(
                endpoint=label, url=base + path, requests=count, seconds=round(elapsed, 3),
                rps=count / elapsed if elapsed else 0.0,
                p50_ms=percentile(latencies, 50) * 1000, p95_ms=percentile(latencies, 95) * 1000,
                p99_ms=percentile(latencies, 99) * 1000,
                mean_ms=sum(latencies) / count * 1000 if count else 0.0, max_ms=latencies[-1] * 1000 if count else 0.0,
                bytes_per_response=data["bytes"] / count if count else 0.0,
                errors={key: value for key, value in data["errors"].items() if value}, connections=share,
            )
        )  # fmt: skip
    return results


def soak_table(results: list[Result]) -> str:
    header = ("endpoint", "conns", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors")
    rows = [
        (r.endpoint, str(r.connections), f"{r.requests:,}", f"{r.rps:,.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", f"{r.max_ms:.0f}", str(r.error_count))
        for r in results
    ]
    total = sum(r.requests for r in results)
    seconds = max((r.seconds for r in results), default=0.0)
    rows.append(("all four", str(SOAK_CONNECTIONS), f"{total:,}", f"{total / seconds:,.0f}" if seconds else "-", "", "", "", str(sum(r.error_count for r in results))))
    return render_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = ensure_wrk() if args.tool in ("auto", "wrk") else None
    if wrk is None and args.tool == "wrk":
        print("--tool wrk: wrk is not available.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    load_before = os.getloadavg()
    report: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "tool": "wrk" if wrk else "python",
        "database": "PostgreSQL (throw-away, real seed data)",
        "redis": args.redis_url,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_average_before": load_before,
    }
    with tempfile.TemporaryDirectory(prefix="coworking-scale-") as tmp, ThrowAwayDatabase(args.postgres_url) as database:
        tmpdir = Path(tmp)
        env = site_env(database.url, args.redis_url, tmpdir / "var")
        print(f"Seeding the throw-away PostgreSQL database {database.name} ...")
        seeded = subprocess.run(coworking_command() + ["seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        if seeded.returncode != 0:
            print(seeded.stdout, seeded.stderr, file=sys.stderr)
            return 1
        print("  " + seeded.stdout.strip())
        servers: dict[str, Server] = {}
        # Workers against workers measure the app's own work, with the page cache off (a cached answer is a
        # Redis read: it would compare Redis with itself). The soak is the site as deployed: cache on.
        uncached = {**env, "COWORKING_PAGE_CACHE": "0"}
        if args.workers:
            servers["one"] = serve("one-worker", 1, uncached, tmpdir)
            servers["two"] = serve("two-workers", 2, uncached, tmpdir)
        if args.soak:
            servers["soak"] = serve("soak-two-workers", 2, env, tmpdir)
        try:
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_ready("/spaces/skola6")
            # One worker answering is not both: wait for each to have started (uvicorn logs it once per worker).
            deadline = time.monotonic() + 60
            for name in ("two", "soak"):
                while name in servers and servers[name].log_count("Application startup complete") < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)
            print(f"Load: {'wrk' if wrk else 'the Python generator'}; load average before: {load_before[0]:.2f}.\n")
            runner = Runner(args, wrk, tmpdir, servers)
            if args.workers:
                print(
                    f"1 vs 2 workers ({args.connections} connections, {args.rounds} rounds of {args.duration:g} s a line "
                    f"after {args.warmup:g} s of warm-up):"
                )
                rows = run_workers(runner, args)
                report["workers"] = {
                    "connections": args.connections, "duration_s": args.duration, "rounds": args.rounds,
                    "target_ratio": TARGET_RATIO, "rows": rows,
                }  # fmt: skip
                print("\n" + workers_table(rows) + "\n")
            if args.soak:
                for name in ("one", "two"):
                    if name in servers:
                        servers[name].stop()  # only the soak's two workers take the soak
                base = servers["soak"].base_url
                print(f"Soak: 2 workers, {SOAK_CONNECTIONS} connections for {args.soak_seconds:g} s on four endpoints at once ...")
                for _, path in SOAK_ENDPOINTS:  # the first request of each page pays for its templates
                    _get(base + path)
                lua = tmpdir / "percentiles.lua"
                lua.write_text(WRK_LUA)
                results = soak_wrk(wrk, lua, base, args.soak_seconds) if wrk else soak_python(base, args.soak_seconds)
                errors = sum(r.error_count for r in results)
                report["soak"] = {"connections": SOAK_CONNECTIONS, "seconds": args.soak_seconds, "results": [asdict(r) for r in results], "errors": errors}
                print("\n" + soak_table(results))
                print(f"\nSoak errors: {errors} ({'target met' if errors == 0 else 'TARGET MISSED: 0 wanted'}).")
        finally:
            for server in servers.values():
                server.stop()
            logs = RESULTS / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            for server in servers.values():
                if server.log_path.exists():
                    shutil.copyfile(server.log_path, logs / server.log_path.name)
    report["load_average_after"] = os.getloadavg()
    report["run_seconds"] = round(time.perf_counter() - started, 1)
    if "workers" in report:
        verdicts = [f"{row['endpoint']}: {row['ratio']:.2f}× ({'pass' if row['passed'] else 'FAIL'})" for row in report["workers"]["rows"]]
        print(f"2 workers ÷ 1 (target {TARGET_RATIO}×): " + "; ".join(verdicts))
    print(f"Whole run: {report['run_seconds']:.0f} s; load average before {load_before[0]:.2f}, after {report['load_average_after'][0]:.2f}.")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"Written to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
