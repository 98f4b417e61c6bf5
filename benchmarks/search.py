"""The search part of benchmarks/run.py: text search over 100,000 synthetic spaces, on SQLite and PostgreSQL.

Issue #13's target: a whole ``/spaces?q=…`` request at one connection, p95 under 30 ms, for one and two
words. Each line runs at 1 connection (the time one request takes, no queue), against the bare JSON
endpoint at 1 connection in the same run. The SQLite lines use the map part's database (the real seed plus
the synthetic spaces); the PostgreSQL lines a throw-away database on the server named by ``--postgres``
(or COWORKING_BENCH_POSTGRES_URL), filled the same way and dropped afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TARGET_P95_MS = 30.0
# (label, path, judged against the target). The synthetic spaces are "Benchmark space 000123" in real
# towns: "berg" is a word prefix of a few hundred towns (Bergen, Bergamo, Bergisch Gladbach…), "space"
# of every synthetic name, "benchmark" of every synthetic name and description (the broadest word).
SEARCH_LINES = [
    ("one word: /spaces?q=berg", "/spaces?q=berg", True),
    ("two words: /spaces?q=space+berg", "/spaces?q=space+berg", True),
    ("accents: /spaces?q=Cēsis", "/spaces?q=C%C4%93sis", True),
    ("API: /api/v1/spaces?q=berg", "/api/v1/spaces?q=berg", True),
    ("every space: /spaces?q=benchmark", "/spaces?q=benchmark", False),
]


def api_twin(path: str) -> str:
    """The JSON twin of a search path, one item per page: its ``total`` is what the line found."""
    query = path.split("?", 1)[1]
    return f"/api/v1/spaces?{query}&per_page=1"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throw-away database on the PostgreSQL server at ``server_url``, dropped afterwards."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from coworking.core.db import make_engine

    name = f"coworking_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill_postgres(url: str, count: int, seed_command: list[str], env: dict[str, str], root: Path) -> float:
    """The real seed (which migrates and loads the gazetteer), then ``count`` synthetic spaces; seconds taken."""
    started = time.perf_counter()
    seeded = subprocess.run(
        seed_command, cwd=root, env={**env, "COWORKING_DATABASE_URL": url}, capture_output=True, text=True, timeout=600
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"coworking seed on PostgreSQL failed:\n{seeded.stdout}\n{seeded.stderr}")
    generate = [sys.executable, str(root / "seed" / "generate_spaces.py"), "--database-url", url]
    done = subprocess.run(
        [*generate, "--count", str(count), "--force"], cwd=root, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"generate_spaces.py on PostgreSQL failed:\n{done.stdout}\n{done.stderr}")
    # Planner statistics, as autovacuum would gather them a minute later on a live server: without them
    # PostgreSQL joins the amenities of one page by scanning all 100,000 links (30 ms instead of 1).
    from sqlalchemy import text

    from coworking.core.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def found(get, base_url: str, path: str) -> str:  # noqa: ANN001 - run.py's _get
    status, body, _ = get(base_url + api_twin(path))
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}: {body[:300]!r}")
    return f"{json.loads(body)['total']:,}"


def search_table(results: list, found_by_line: dict[tuple[str, str], str], render_table) -> str:  # noqa: ANN001
    header = ("database", "endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare JSON", "found", "p95 < 30 ms", "errors")
    judged = {label: judge for label, _, judge in SEARCH_LINES}
    rows = []
    for database, r in results:
        target = "-"
        if judged.get(r.endpoint):
            target = "STALLED" if not r.requests else ("yes" if r.p95_ms < TARGET_P95_MS else "NO")
        rows.append(
            (
                database,
                r.endpoint,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.ratio_to_bare:.3f}×" if r.ratio_to_bare is not None else "-",
                found_by_line.get((database, r.endpoint), "-"),
                target,
                str(r.error_count),
            )
        )
    return render_table(header, rows, frozenset({0, 1}))


def summary(results: list) -> list[str]:
    lines = []
    for database, r in results:
        judged = next((judge for label, _, judge in SEARCH_LINES if label == r.endpoint), False)
        if judged:
            verdict = "met" if r.requests and r.p95_ms < TARGET_P95_MS else "MISSED"
            lines.append(f"  {database:<10} {r.endpoint:<36} p95 {r.p95_ms:6.1f} ms: {verdict}")
    return lines
