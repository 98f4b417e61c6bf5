"""Open data out: any search's spaces as CSV or GeoJSON (RFC 7946), written as a stream of chunks so a
hundred thousand rows never sit in memory, each file naming its licence and its date.

The CSV's columns are the seed file's (name, town, country_code, region, lat, lon, website, amenities,
source_url) and then every other public fact of a listing: an export can be imported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

import msgspec
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coworking.activities.ical import calendar_bytes, new_calendar
from coworking.activities.models import Activity
from coworking.core.vocabulary import WEEKDAY_CODES
from coworking.geo.schemas import Origin
from coworking.spaces.models import Space
from coworking.spaces.query import MAX_PER_PAGE, SpaceQuery
from coworking.spaces.services import filtered_spaces, search_spaces

CSV_COLUMNS = (
    "name", "town", "country_code", "region", "lat", "lon", "website", "amenities", "source_url",
    "slug", "location_precision", "street_address", "email", "phone", "description", "description_local",
    "opening_hours", "internet_download_mbps", "internet_upload_mbps", "internet_measured_on", "desks",
    "price_notes", "network_pass_days", "network_pass_conditions", "status", "confirmed_at", "updated_at", "distance_km",
)  # fmt: skip
# Rows read from the database at a time, and written out together.
BATCH = 500
# OpenStreetMap's day abbreviations: "Mo-Fr 09:00-17:00" is what other tools read (and imports parse).
OSM_DAYS = dict(zip(WEEKDAY_CODES, ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), strict=True))


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    site: str


def osm_opening_hours(hours: dict[str, list[list[str]]] | None) -> str:
    """``{"mon": [["09:00", "17:00"]]}`` → ``"Mo 09:00-17:00"`` (OpenStreetMap's opening_hours syntax)."""
    if not hours:
        return ""
    return "; ".join(
        f"{OSM_DAYS[day]} " + ",".join(f"{opens}-{closes}" for opens, closes in hours[day])
        for day in WEEKDAY_CODES
        if hours.get(day)
    )


def _row(space: Space, distance_km: float | None) -> dict[str, object]:
    return {
        "name": space.name,
        "town": space.town,
        "country_code": space.country_code,
        "region": space.region,
        "lat": space.latitude,
        "lon": space.longitude,
        "website": space.website,
        "amenities": ";".join(space.amenity_codes),
        "source_url": space.source_url,
        "slug": space.slug,
        "location_precision": space.location_precision,
        "street_address": space.street_address,
        "email": space.email,
        "phone": space.phone,
        "description": space.description,
        "description_local": space.description_local,
        "opening_hours": osm_opening_hours(space.opening_hours),
        "internet_download_mbps": space.internet_download_mbps,
        "internet_upload_mbps": space.internet_upload_mbps,
        "internet_measured_on": space.internet_measured_on.isoformat() if space.internet_measured_on else None,
        "desks": space.desks,
        "price_notes": space.price_notes,
        "network_pass_days": space.network_pass_days,
        "network_pass_conditions": space.network_pass_conditions,
        "status": space.status,
        "confirmed_at": space.confirmed_at.isoformat(timespec="seconds") if space.confirmed_at else None,
        "updated_at": space.updated_at.isoformat(timespec="seconds"),
        "distance_km": distance_km,
    }


def exported_rows(engine: Engine, query: SpaceQuery, now: datetime, origin: Origin | None = None) -> Iterator[dict[str, object]]:
    """Every space the search finds (all its pages), as export rows, in its own database session (a stream
    outlives the request's). A distance search reads what the search itself reads (at most a thousand)."""
    with Session(engine) as db:
        if origin is None:
            statement = (
                filtered_spaces(query, now, db.get_bind().dialect.name)
                .order_by(Space.country_code, Space.name, Space.id)
                .options(selectinload(Space.amenities))
                .execution_options(yield_per=BATCH)
            )
            for space in db.scalars(statement):
                yield _row(space, None)
            return
        found: list[tuple[str, float | None]] = []
        page = 1
        while True:
            result = search_spaces(db, _page_of(query, page), now, origin)
            found += [(card.slug, card.distance_km) for card in result.items]
            if page >= result.pages:
                break
            page += 1
        for start in range(0, len(found), BATCH):
            chunk = found[start : start + BATCH]
            spaces = {
                space.slug: space
                for space in db.scalars(select(Space).where(Space.slug.in_([slug for slug, _ in chunk])).options(selectinload(Space.amenities)))
            }
            for slug, distance in chunk:
                yield _row(spaces[slug], distance)


def _page_of(query: SpaceQuery, page: int) -> SpaceQuery:
    return replace(query, page=page, per_page=MAX_PER_PAGE)


def csv_chunks(rows: Iterator[dict[str, object]]) -> Iterator[str]:
    """The rows as CSV text (a header line first), a few hundred rows per chunk. It starts with a byte
    order mark: spreadsheets then read "Lielvārde" as UTF-8 (importers skip it)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for count, row in enumerate(rows, start=1):
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(rows: Iterator[dict[str, object]], licence: Licence, generated: datetime) -> Iterator[bytes]:
    """A FeatureCollection (RFC 7946: [longitude, latitude], WGS 84), its licence and date as members of its
    own; a space without coordinates has a null geometry."""
    head = {"type": "FeatureCollection", "license": licence.name, "license_url": licence.url, "source": licence.site, "generated": generated.isoformat(timespec="seconds")}
    yield msgspec.json.encode(head)[:-1] + b',"features":['
    chunk: list[bytes] = []
    for count, row in enumerate(rows):
        lat, lon = row["lat"], row["lon"]
        geometry = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]} if lat is not None and lon is not None else None
        properties = {key: value for key, value in row.items() if key not in ("lat", "lon")}
        chunk.append((b"," if count else b"") + msgspec.json.encode({"type": "Feature", "geometry": geometry, "properties": properties}))
        if len(chunk) == BATCH:
            yield b"".join(chunk)
            chunk = []
    yield b"".join(chunk) + b"]}"


def activities_calendar(db: Session, query: SpaceQuery, now: datetime, licence: Licence, url: Callable[[str], str]) -> bytes:
    """The dated activities of the spaces a search finds, as iCalendar (RFC 5545): series with their rule
    on their local clock, cancelled and moved dates as such, each linking to its page (/activities/{id}). Activities are few
    beside spaces: built whole."""
    calendar = new_calendar(
        "Rural coworking activities",
        f"Resident activities of rural coworking spaces. Licence: {licence.name} ({licence.url}). Source: {licence.site}",
    )
    spaces = filtered_spaces(query, now, db.get_bind().dialect.name).with_only_columns(Space.id)
    activities = db.scalars(
        select(Activity)
        .where(Activity.space_id.in_(spaces), Activity.starts_at.is_not(None))
        .options(joinedload(Activity.space))
        .order_by(Activity.starts_at, Activity.id)
    )
    host = licence.site.split("//")[-1].strip("/")
    return calendar_bytes(calendar, activities, now, lambda activity: url(f"/activities/{activity.id}"), host)
