"""Profile requests to the site with pyinstrument, in-process, with no server and no network.

    pip install pyinstrument
    python benchmarks/profile_request.py "/spaces?q=cesis"                  # 50 requests, text report
    python benchmarks/profile_request.py "/api/v1/spaces?q=cesis" -n 200 --html
    python benchmarks/profile_request.py "/api/v1/spaces.geojson?bbox=25.1,57.25,25.45,57.37&zoom=12" --synthetic 100000
    python benchmarks/profile_request.py "/api/v1/spaces.geojson?bbox=-25,34,45,72&zoom=4" -n 2000 --no-profile
    python benchmarks/profile_request.py "/spaces?q=cesis" "/spaces/skola6" --breakdown   # where the time goes

Seeds a temporary SQLite database (as run.py does), builds the app with ``create_app()``, sends
a few warm-up requests, then profiles N requests straight through the ASGI interface. Sync
handlers (``sync_to_thread=True``) are run on the calling thread here so the profiler sees them;
the thread hop itself is therefore not in the profile. With ``--synthetic N`` the database also gets
N synthetic spaces (seed/generate_spaces.py), as in run.py's map part. Reports go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


async def call(app, path: str) -> tuple[int, int]:  # noqa: ANN001
    """One GET through the ASGI app; (status, body bytes)."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status, size, sent = 0, 0, False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(scope, receive, send)
    return status, size


# Where a sample's time is counted. Database and templates: anywhere on its stack, in this order (a query run
# from a template is database time). Otherwise the innermost frame of the site's own code or of the framework
# decides; samples in neither (the standard library alone, the profiler) are "other".
_DATABASE = ("/sqlalchemy/", "/sqlite3/", "/psycopg", "/advanced_alchemy/")
_TEMPLATES = ("/jinja2/", "/templates/", "/markupsafe/")
_FRAMEWORK = ("/litestar/", "/msgspec/", "/uvicorn/", "/anyio/")


def _part(files: list[str]) -> str:
    if any(mark in file for file in files for mark in _DATABASE):
        return "database"
    if any(mark in file for file in files for mark in _TEMPLATES):
        return "templates"
    for file in reversed(files):
        if "/coworking/" in file:
            return "own code"
        if any(mark in file for mark in _FRAMEWORK):
            return "framework"
    return "other"


def breakdown(session) -> dict[str, float]:  # noqa: ANN001 - a pyinstrument Session
    """Seconds per part (database, templates, own code, framework, other) over the profiled requests."""
    seconds = dict.fromkeys(("database", "templates", "own code", "framework", "other"), 0.0)
    for stack, duration in session.frame_records:
        seconds[_part([frame.split("\x00")[1] for frame in stack if frame.count("\x00") >= 1])] += duration
    return seconds


def describe_breakdown(path: str, session, n: int) -> str:  # noqa: ANN001
    seconds = breakdown(session)
    total = sum(seconds.values()) or 1.0
    shares = ", ".join(f"{name} {value / total:.0%}" for name, value in seconds.items())
    return f"GET {path}: {session.duration / n * 1000:.2f} ms per request in process (profiled) - {shares}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="+", help='e.g. "/spaces?q=cesis" (several with --breakdown)')
    parser.add_argument("-n", type=int, default=50, help="requests to profile (default 50)")
    parser.add_argument("--html", action="store_true", help="also write an HTML report")
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="only time the requests (no profiler; sync handlers in Litestar's thread pool, as served)",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="print only each path's time per request and its share in the database, templates, framework and the rest",
    )
    parser.add_argument(
        "--synthetic", type=int, default=0, metavar="N", help="add N synthetic spaces (as run.py's map part does)"
    )
    args = parser.parse_args()
    n = max(1, min(args.n, 10_000))
    if len(args.path) > 1 and not args.breakdown:
        parser.error("several paths only with --breakdown")

    from pyinstrument import Profiler

    with tempfile.TemporaryDirectory(prefix="coworking-profile-") as tmp:
        os.environ.update(
            COWORKING_DATABASE_URL=f"sqlite:///{tmp}/profile.db",
            COWORKING_VAR_DIR=f"{tmp}/var",
            COWORKING_SECRET_KEY="benchmark-only-not-a-secret",
        )
        os.environ.pop("COWORKING_REDIS_URL", None)
        subprocess.run(
            [sys.executable, "-c", "from coworking.cli import main; main()", "seed"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        if args.synthetic:
            print(f"Adding {args.synthetic:,} synthetic spaces ...")
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "seed" / "generate_spaces.py"),
                    "--database-url",
                    os.environ["COWORKING_DATABASE_URL"],
                    "--count",
                    str(args.synthetic),
                    "--force",
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=600,
            )

        import litestar.concurrency

        async def run_inline(fn, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            return fn(*a, **kw)

        if not args.no_profile:
            litestar.concurrency._run_sync_asyncio = run_inline  # sync handlers on this thread, for the profiler

        from coworking.app import create_app

        app = create_app()

        if args.breakdown:

            async def profile_each() -> None:
                async with app.lifespan():
                    for path in args.path:
                        for _ in range(5):
                            await call(app, path)
                        profiler = Profiler(interval=0.0005, async_mode="disabled")
                        profiler.start()
                        for _ in range(n):
                            await call(app, path)
                        profiler.stop()
                        print(describe_breakdown(path, profiler.last_session, n))

            asyncio.run(profile_each())
            return 0

        args.path = args.path[0]
        if args.no_profile:

            async def timed() -> float:
                async with app.lifespan():
                    for _ in range(min(200, n)):
                        await call(app, args.path)
                    started = time.perf_counter()
                    for _ in range(n):
                        await call(app, args.path)
                    return (time.perf_counter() - started) / n

            print(f"GET {args.path}: {asyncio.run(timed()) * 1000:.3f} ms per request ({n} in process, no profiler)")
            return 0

        async def session() -> Profiler:
            # Startup (lifespan) is what opens the plugin's engine; drive it by hand.
            async with app.lifespan():
                for _ in range(5):
                    status, size = await call(app, args.path)
                print(f"GET {args.path}: HTTP {status}, {size} bytes; profiling {n} requests ...")
                profiler = Profiler(interval=0.0005, async_mode="disabled")
                profiler.start()
                for _ in range(n):
                    await call(app, args.path)
                profiler.stop()
                return profiler

        profiler = asyncio.run(session())

    stem = "profile-" + (re.sub(r"[^A-Za-z0-9]+", "_", args.path).strip("_") or "root")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    session_s = profiler.last_session.duration
    print(f"{session_s / n * 1000:.2f} ms per request (profiler overhead included)")
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    (out / f"{stem}.txt").write_text(text)
    print(text)
    if args.html:
        (out / f"{stem}.html").write_text(profiler.output_html())
    print(f"Written to benchmarks/results/{stem}.txt" + (" and .html" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
