"""SYNTHETIC coworking spaces for BENCHMARKS ONLY: never load them into a real directory.

    python seed/generate_spaces.py --database-url sqlite:///tmp/bench.db --count 100000 [--seed 42]

Every space made here is invented: "Benchmark space 000123", slug ``benchmark-space-000123``, placed
at random (within ~3 km) around a real European town of the offline gazetteer (the ``places``
table, towns of at least 500 people, chosen with probability proportional to their population), so
the map, the spatial index and the distance search see a realistic spread of 100,000 spaces. About
30 % get 1–6 random amenities. The same ``--seed`` and ``--count`` give the same spaces.

The database is migrated first (which loads the gazetteer), then the spaces are written in bulk
with SQLAlchemy Core (about 10 s for 100,000 on SQLite, after the migration). Synthetic spaces
already in the database are replaced, so a re-run leaves exactly ``--count`` of them. The script
refuses to touch a database that holds real (non-synthetic) spaces unless ``--force`` is given:
benchmarks/run.py passes it on purpose, to mix the generated spaces with the real seed in a
throw-away database.

Importable: ``generate(url, count=500, seed=42)`` returns a GenerateReport.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable from a checkout as a script

from coworking.core.db import make_engine  # noqa: E402
from coworking.core.freshness import bump_content_version  # noqa: E402
from coworking.core.text import search_words  # noqa: E402
from coworking.geo.models import Place  # noqa: E402
from coworking.migrations import migrate  # noqa: E402
from coworking.spaces.models import Space, space_amenities  # noqa: E402
from coworking.spaces.vocabulary import AMENITY_CODES  # noqa: E402

SLUG_PREFIX = "benchmark-space-"
NAME_PREFIX = "Benchmark space "
DESCRIPTION = "Synthetic benchmark data, not a real coworking space."
MIN_POPULATION = 500
JITTER_KM = 3.0
AMENITY_SHARE = 0.30
BATCH = 5_000
KM_PER_DEGREE = 111.32


class RealSpacesPresent(RuntimeError):
    """The database holds non-synthetic spaces and ``force`` was not given."""


@dataclass
class GenerateReport:
    spaces: int
    amenity_links: int
    replaced: int
    towns: int
    seconds: float


def is_synthetic_slug(slug: str) -> bool:
    return slug.startswith(SLUG_PREFIX)


def _jitter(rng: random.Random, latitude: float, longitude: float) -> tuple[float, float]:
    """A point uniformly distributed in a disc of JITTER_KM around (latitude, longitude)."""
    distance = JITTER_KM * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    d_lat = distance * math.cos(bearing) / KM_PER_DEGREE
    d_lon = distance * math.sin(bearing) / (KM_PER_DEGREE * max(0.1, math.cos(math.radians(latitude))))
    return round(latitude + d_lat, 6), round(longitude + d_lon, 6)


class _SearchFields:
    """The search columns of a synthetic space (Space.search_fields) without their cost per row: the town's
    and the description's words are computed once per town, the name's (plain ASCII) per space.

    Exact because the model puts the name's words first: search_text is the name's words, then the rest.
    """

    def __init__(self) -> None:
        self._rest: dict[tuple[str, str | None], tuple[str, str]] = {}

    def __call__(self, name: str, town: str, region: str | None) -> dict[str, str]:
        name_words = " ".join(search_words(name))
        rest = self._rest.get((town, region))
        first = rest is None
        if rest is None:
            without_name = Space.search_fields(None, town, region, DESCRIPTION, None)
            rest = self._rest[(town, region)] = (without_name["search_place"], without_name["search_text"])
        place, other = rest
        fields = {"search_text": f"{name_words} {other}".strip(), "search_name": name_words, "search_place": place}
        # Checked once per town, so a change to the model's rule cannot go unnoticed here.
        if first and fields != Space.search_fields(name, town, region, DESCRIPTION, None):
            raise AssertionError("Space.search_fields() changed: update _SearchFields")
        return fields


def generate(
    url: str,
    count: int = 100_000,
    seed: int = 42,
    *,
    force: bool = False,
    run_migrations: bool = True,
) -> GenerateReport:
    """Write ``count`` synthetic spaces into the database at ``url`` (replacing earlier synthetic ones)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    started = time.perf_counter()
    if run_migrations:
        migrate(url)
    engine = make_engine(url)
    spaces_table = Space.__table__
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # Room for the indexes (slug, country/name/town, R*Tree) while 100,000 rows go in: 2x faster.
                connection.exec_driver_sql("PRAGMA cache_size = -262144")
            synthetic = Space.slug.like(SLUG_PREFIX + "%")
            real = connection.scalar(select(func.count()).select_from(spaces_table).where(~synthetic)) or 0
            if real and not force:
                raise RealSpacesPresent(
                    f"The database already holds {real} real (non-synthetic) spaces: refusing to add synthetic "
                    "ones. Use a throw-away database, or pass --force (force=True) if that is really what you want."
                )
            old_ids = select(Space.id).where(synthetic).scalar_subquery()
            connection.execute(delete(space_amenities).where(space_amenities.c.space_id.in_(old_ids)))
            replaced = connection.execute(delete(spaces_table).where(synthetic)).rowcount or 0

            towns = connection.execute(
                select(Place.name, Place.country_code, Place.region, Place.latitude, Place.longitude, Place.population)
                .where(Place.population >= MIN_POPULATION)
                .order_by(Place.geonameid, Place.id)
            ).all()
            if not towns and count:
                raise RuntimeError("The places table has no towns: was the database migrated (gazetteer loaded)?")
            weights = [town.population for town in towns]
            rng = random.Random(seed)
            chosen = rng.choices(towns, weights=weights, k=count) if count else []
            amenity_codes = sorted(AMENITY_CODES)
            next_id = (connection.scalar(select(func.max(Space.id))) or 0) + 1
            now = datetime.now(UTC)
            width = max(6, len(str(count)))
            search_fields = _SearchFields()

            space_rows: list[dict] = []
            link_rows: list[dict] = []
            links = 0
            for number, town in enumerate(chosen, start=1):
                latitude, longitude = _jitter(rng, town.latitude, town.longitude)
                label = f"{number:0{width}d}"
                name = NAME_PREFIX + label
                space_id = next_id + number - 1
                space_rows.append(
                    {
                        "id": space_id,
                        "slug": SLUG_PREFIX + label,
                        "name": name,
                        "description": DESCRIPTION,
                        "town": town.name,
                        "region": town.region,
                        "country_code": town.country_code,
                        "latitude": latitude,
                        "longitude": longitude,
                        "location_precision": "town",
                        "desks": rng.randint(4, 40) if rng.random() < 0.6 else None,
                        "internet_download_mbps": rng.choice((30, 100, 300, 500, 1000)) if rng.random() < 0.4 else None,
                        "status": "published",
                        **search_fields(name, town.name, town.region),
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if rng.random() < AMENITY_SHARE:
                    for code in rng.sample(amenity_codes, rng.randint(1, 6)):
                        link_rows.append({"space_id": space_id, "amenity_code": code})
                if len(space_rows) >= BATCH:
                    connection.execute(insert(spaces_table), space_rows)
                    space_rows.clear()
                    if link_rows:
                        connection.execute(insert(space_amenities), link_rows)
                        links += len(link_rows)
                        link_rows.clear()
            if space_rows:
                connection.execute(insert(spaces_table), space_rows)
            if link_rows:
                connection.execute(insert(space_amenities), link_rows)
                links += len(link_rows)
            bump_content_version(connection)  # a running site's cached pages go stale
    finally:
        engine.dispose()
    return GenerateReport(
        spaces=count,
        amenity_links=links,
        replaced=replaced,
        towns=len({(town.name, town.country_code) for town in chosen}),
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write SYNTHETIC coworking spaces (for benchmarks only) into a database.",
    )
    parser.add_argument("--database-url", required=True, help="e.g. sqlite:////tmp/bench.db")
    parser.add_argument("--count", type=int, default=100_000, help="spaces to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write even though the database holds real spaces (only ever for a throw-away database)",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    try:
        report = generate(args.database_url, args.count, args.seed, force=args.force)
    except RealSpacesPresent as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 2
    print(
        f"{report.spaces:,} synthetic spaces in {report.towns:,} towns ({report.amenity_links:,} amenity links; "
        f"{report.replaced:,} earlier synthetic spaces replaced) in {report.seconds:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
