"""The text search's two statements (count + one page of ids) before and after issue #13, interleaved on one database.

    python seed/generate_spaces.py --database-url sqlite:////tmp/fts100k.db --count 100000 --force
    python benchmarks/search_statements.py sqlite:////tmp/fts100k.db [postgresql://…/db] [--rounds 25]

"before" is the former filter rebuilt here (``LIKE '%term%'`` over ``spaces.search_text`` per folded term,
ordered by name); "after" is ``spaces.services.filtered_spaces`` with its relevance order. Run in turns, so
a machine shared with other work slows both alike (benchmarks/run.py measures whole requests, one part at
a time). Prints p95 per query in ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable from a checkout as a script

from coworking.core.db import make_engine  # noqa: E402
from coworking.core.models import utcnow  # noqa: E402
from coworking.core.text import fold  # noqa: E402
from coworking.spaces.models import Space  # noqa: E402
from coworking.spaces.query import SearchParams, build_space_query  # noqa: E402
from coworking.spaces.services import _order, filtered_spaces  # noqa: E402

QUERIES = ["berg", "space berg", "Cēsis", "benchmark"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def measure(url: str, rounds: int) -> None:
    engine = make_engine(url)
    dialect = engine.dialect.name

    def before(typed: str) -> tuple:
        statement = select(Space.id).where(Space.status == "published")
        for term in fold(typed).split():
            statement = statement.where(Space.search_text.like(f"%{term}%"))
        return statement, (Space.name, Space.id)

    def after(typed: str) -> tuple:
        query = build_space_query(SearchParams(q=typed))
        return filtered_spaces(query, utcnow(), dialect).with_only_columns(Space.id), _order(query)

    try:
        with engine.connect() as connection:
            for typed in QUERIES:
                times: dict[str, list[float]] = {"before": [], "after": []}
                found: dict[str, int] = {}
                for _ in range(rounds):
                    for label, build in (("before", before), ("after", after)):
                        statement, order = build(typed)
                        started = time.perf_counter()
                        found[label] = connection.scalar(select(func.count()).select_from(statement.subquery())) or 0
                        connection.execute(statement.order_by(*order).limit(20)).all()
                        times[label].append((time.perf_counter() - started) * 1000)
                print(
                    f"{dialect:<10} {typed!r:<13} before p95 {p95(times['before']):7.1f} ms ({found['before']:>6,} found)"
                    f"   after p95 {p95(times['after']):7.1f} ms ({found['after']:>6,} found)"
                )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", help="database URLs (already filled with synthetic spaces)")
    parser.add_argument("--rounds", type=int, default=25, help="turns per query (default 25)")
    args = parser.parse_args(argv)
    for url in args.urls:
        measure(url, max(1, min(args.rounds, 1000)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
