"""Open data out and in at scale: export 100,000 spaces as CSV (streamed) and import them into an empty
database (planned row by row, then one transaction), each against a floor measured in the same run.

    python benchmarks/exchange.py                 # 100,000 synthetic spaces (about a minute in all)
    python benchmarks/exchange.py --count 20000

- export: ``exported_rows`` + ``csv_chunks`` (what /data/spaces.csv and `coworking export` send), against
  a plain dump of the same table with SQLAlchemy Core and the csv module. Peak Python memory is traced:
  a stream holds one batch, not the whole file.
- import: ``read_records`` + ``plan_import`` + ``apply_import`` (what `coworking import` does), against
  a bare bulk INSERT of the same rows with Core (no checks, no revisions, no duplicate search).

The synthetic spaces (seed/generate_spaces.py) are named "Benchmark space 000123": by the duplicate
rule two of them in one town *are* likely duplicates (a few letters apart). So that the import adds
them instead of reporting them, their names are replaced in the exported file by distinct invented
words before it is imported.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from coworking.core.db import make_engine  # noqa: E402
from coworking.core.models import utcnow  # noqa: E402
from coworking.exchange import imports  # noqa: E402
from coworking.exchange.export import CSV_COLUMNS, csv_chunks, exported_rows  # noqa: E402
from coworking.migrations import migrate  # noqa: E402
from coworking.spaces.models import Space  # noqa: E402
from coworking.spaces.query import SpaceQuery  # noqa: E402
from seed.generate_spaces import generate  # noqa: E402

SYLLABLES = [a + b for a in "bdgklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou", "ia")]


def invented_name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize() for _ in range(3))


def timed(action):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def traced_peak(action) -> int:  # noqa: ANN001
    """Peak Python memory while ``action`` runs (a separate run: tracing slows Python down)."""
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
    source_url = f"sqlite:///{folder / 'source.db'}"
    print(f"Generating {args.count:,} synthetic spaces …", flush=True)
    generate(source_url, count=args.count, seed=42)
    engine = make_engine(source_url)

    # Both write to a file: what stays in memory is the stream's own.
    def export() -> None:
        with (folder / "export.csv").open("w", encoding="utf-8", newline="") as out:
            for chunk in csv_chunks(exported_rows(engine, SpaceQuery(), utcnow())):
                out.write(chunk)

    def dump() -> None:
        with (folder / "dump.csv").open("w", encoding="utf-8", newline="") as out, engine.connect() as connection:
            writer = csv.writer(out)
            for row in connection.execute(select(Space.__table__)).yield_per(500):
                writer.writerow(row)

    _, export_seconds = timed(export)
    _, dump_seconds = timed(dump)
    export_peak, dump_peak = traced_peak(export), traced_peak(dump)
    engine.dispose()
    exported = (folder / "export.csv").read_bytes()

    # Distinct names (see the docstring), then the import into an empty database.
    rng = random.Random(7)
    reader = csv.DictReader(io.StringIO(exported.decode("utf-8-sig")))
    renamed = io.StringIO()
    writer = csv.DictWriter(renamed, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    rows = []
    for row in reader:
        row["name"] = invented_name(rng)
        row["slug"] = ""
        writer.writerow(row)
        rows.append(row)
    data = renamed.getvalue().encode("utf-8")

    target_url, floor_url = f"sqlite:///{folder / 'target.db'}", f"sqlite:///{folder / 'floor.db'}"
    migrate(target_url)
    migrate(floor_url)
    target = make_engine(target_url)

    def import_all() -> tuple[int, int]:
        with Session(target) as session:
            records, columns = imports.read_records(data, "csv")
            plan = imports.plan_import(session, records, columns, allowed_countries=None)
            return imports.apply_import(session, plan, author_id=None, author_role="import", source="benchmark.csv")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (added, _), import_seconds = timed(import_all)
    import_rss = max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    with Session(target) as session:
        assert session.scalar(select(func.count()).select_from(Space)) == added
    target.dispose()

    floor = make_engine(floor_url)

    def bulk_insert() -> None:
        now = utcnow()
        values = [
            {"slug": f"s{i}", "name": row["name"], "town": row["town"], "country_code": row["country_code"],
             "latitude": float(row["lat"]) if row["lat"] else None, "longitude": float(row["lon"]) if row["lon"] else None,
             "status": "published", "search_text": row["name"].lower(), "version": 1, "created_at": now, "updated_at": now}
            for i, row in enumerate(rows)
        ]  # fmt: skip
        with floor.begin() as connection:
            connection.execute(insert(Space.__table__), values)

    _, floor_seconds = timed(bulk_insert)
    floor.dispose()

    print()
    print(f"| {args.count:,} spaces | seconds | vs floor | memory |")
    print("|---|---|---|---|")
    print(f"| export (streamed CSV, {len(exported) / 1e6:.1f} MB) | {export_seconds:.2f} | {export_seconds / dump_seconds:.1f}× | {export_peak / 1e6:.1f} MB (floor {dump_peak / 1e6:.1f} MB) |")
    print(f"| floor: Core dump of the table | {dump_seconds:.2f} | 1.0× | |")
    print(f"| import ({added:,} added: read, plan, one transaction with revisions) | {import_seconds:.2f} | {import_seconds / floor_seconds:.1f}× | +{import_rss / 1e6:.0f} MB resident (the plan holds every row) |")
    print(f"| floor: bare Core bulk INSERT | {floor_seconds:.2f} | 1.0× | |")
    print(f"\n(Temporary databases in {folder}.)")


if __name__ == "__main__":
    main()
