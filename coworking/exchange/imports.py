"""Open data in: spaces from a CSV (the export's columns, or the seed file's), a GeoJSON file or
OpenStreetMap data saved from Overpass, planned row by row before anything is written.

Every import is a dry run first (``plan_import``): each row is to be added, updated, left alone
(unchanged, or edited by its community builder after the file's date) or refused, with its line and
the reason; a row that looks like a listed space (the proposals' duplicate rule) is never added but
offered for merging. ``apply_import`` then writes the rows to add and update in one transaction, each
change a revision of the partner's import.

Rows are checked by the listing's own rules (``listing.parse_listing``): an import accepts exactly what
the edit form accepts. Everything the plan needs is read once, so 100,000 rows take seconds, not hours.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.models import utcnow
from coworking.core.storage import MediaStore
from coworking.core.text import fold, slugify
from coworking.core.vocabulary import N_, WEEKDAY_CODES
from coworking.exchange.export import CSV_COLUMNS, OSM_DAYS
from coworking.exchange.models import ImportColumnMapping
from coworking.moderation.services import NAME_EDITS, names_alike, near
from coworking.revisions import services as revisions
from coworking.revisions.models import Revision
from coworking.spaces.editing import SUBJECT, recorded_state
from coworking.spaces.listing import LISTING_FIELDS, State, apply_state, form_values, listing_state, parse_listing
from coworking.spaces.models import Amenity, Space, space_amenities

FORMATS = ("csv", "geojson", "osm")
# Other names a column goes by (in our exports, the seed file, and common spreadsheets).
ALIASES = {
    "latitude": "lat", "longitude": "lon", "lng": "lon", "country": "country_code", "city": "town",
    "village": "town", "address": "street_address", "url": "website",
}  # fmt: skip
REQUIRED = ("name", "town")
# The fields a spreadsheet's column may hold, in the mapping step's order (the export's column names).
IMPORTABLE = (
    "name", "town", "country_code", "region", "street_address", "lat", "lon", "location_precision",
    "website", "email", "phone", "description", "description_local", "opening_hours",
    "internet_download_mbps", "internet_upload_mbps", "internet_measured_on", "desks", "price_notes",
    "network_pass_days", "network_pass_conditions", "amenities", "status", "source_url", "slug", "updated_at",
)  # fmt: skip
# What the mapping step calls them.
FIELD_LABELS = {
    **{name: label for name, label in LISTING_FIELDS.items() if name in IMPORTABLE},
    "country_code": N_("Country (two letters, such as LV)"),
    "lat": N_("Latitude"),
    "lon": N_("Longitude"),
    "location_precision": N_("Location precision (town or exact)"),
    "opening_hours": N_("Opening hours (as OpenStreetMap writes them)"),
    "amenities": N_("Amenities (codes separated by ;)"),
    "source_url": N_("Source (a web address)"),
    "slug": N_("Address of the listing on this site"),
    "updated_at": N_("When the row was last changed"),
}
# Columns read without asking: the export's, the seed file's, and their aliases.
KNOWN_COLUMNS = frozenset({*CSV_COLUMNS, *IMPORTABLE, *ALIASES.values(), "community_builder", "activities"})
# A column the partner chose to leave out.
IGNORED = ""
# {a file's column name (``column_key``): the field it holds, or IGNORED}: the partner's answer.
ColumnMapping = dict[str, str]
SAMPLE_ROWS = 3
# What the plan decides for each row.
ADD, UPDATE, UNCHANGED, KEPT, DUPLICATE, REFUSED = "add", "update", "unchanged", "kept", "duplicate", "refused"
# "Mo" → "mon": the export's table, read the other way.
_OSM_DAYS = {osm: day for day, osm in OSM_DAYS.items()}
_DAY_ORDER = list(_OSM_DAYS)


@dataclass
class Record:
    """One row of a file, in our column names, as text."""

    line: int
    values: dict[str, str]


@dataclass
class PlannedRow:
    line: int
    action: str
    name: str
    town: str
    country_code: str
    # What is wrong or why nothing happens: {field: msgid}; and the values the msgids name.
    reasons: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    state: State | None = None
    slug: str | None = None  # the listing updated, or the likely duplicate
    candidates: list[str] = field(default_factory=list)  # slugs of likely duplicates


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    columns: list[str]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


# -- reading files -----------------------------------------------------------------------------------


def _refuse(message: str, **variables: object) -> InvalidInput:
    return InvalidInput({"file": message}, **variables)


def read_records(data: bytes, file_format: str, columns: ColumnMapping | None = None) -> tuple[list[Record], list[str]]:
    """The file's rows and its columns (in our names, a CSV's read through ``columns``); InvalidInput
    naming what is wrong with the file."""
    if file_format == "csv":
        return _read_csv(data, columns or {})
    if file_format == "geojson":
        return _read_geojson(data)
    if file_format == "osm":
        return _read_osm(data)
    raise _refuse(N_("Choose the file's format: CSV, GeoJSON or OpenStreetMap (Overpass JSON)."))


def column_key(name: str) -> str:
    """How a column's name is remembered: lower case, single spaces."""
    return " ".join(name.split()).lower()[:200]


def our_column(name: str, columns: ColumnMapping) -> str:
    """The field a file's column holds: as the partner mapped it, else by its name (or a usual alias)."""
    key = column_key(name)
    return columns[key] if key in columns else ALIASES.get(key, key)


@dataclass(frozen=True)
class FileColumn:
    """A spreadsheet's column in the mapping step: its name, what it seems to hold, a few of its values."""

    position: int
    name: str
    guess: str
    samples: list[str]


def csv_columns(data: bytes, remembered: ColumnMapping) -> tuple[list[FileColumn], bool]:
    """A spreadsheet's columns for the mapping step, guessed from ``remembered`` and the usual names, and
    whether to ask: not when every column is one this site reads as it is named."""
    rows = _csv_rows(data)
    _, header = next(rows, (0, None))
    if header is None:
        raise _refuse(N_("The file is empty."))
    samples: list[list[str]] = [[] for _ in header]
    for _, row in rows:
        if any(cell.strip() for cell in row):
            for position, cell in enumerate(row[: len(header)]):
                if cell.strip() and len(samples[position]) < SAMPLE_ROWS:
                    samples[position].append(cell.strip()[:80])
        if all(len(values) >= SAMPLE_ROWS for values in samples):
            break
    found = [our_column(name, remembered) for name in header]
    held = [column for column in found if column != IGNORED]
    names = [key for name in header if (key := column_key(name))]  # an unnamed column is always left out
    known = (
        all(column in KNOWN_COLUMNS for column in held)
        and all(name in found for name in REQUIRED)
        and len(set(held)) == len(held)  # no field read from two columns
        and len(set(names)) == len(names)  # no two columns a mapping could not tell apart
    )
    columns = [
        FileColumn(position, name.strip(), column if column in IMPORTABLE else IGNORED, samples[position])
        for position, (name, column) in enumerate(zip(header, found, strict=True))
    ]
    return columns, not known


def check_mapping(header: list[FileColumn], chosen: dict[int, str], default_country: str | None) -> ColumnMapping:
    """The partner's choices as a mapping; InvalidInput naming each select that is wrong."""
    errors: dict[str, str] = {}
    taken: dict[str, int] = {}
    mapping: ColumnMapping = {}
    names = [column_key(column.name) for column in header]
    for column in header:
        target = chosen.get(column.position, IGNORED)
        if not column_key(column.name):
            if target != IGNORED:  # its mapping could not be remembered, nor read back: it has no name
                errors[f"column_{column.position}"] = N_("This column has no name: name it in the spreadsheet to import it.")
            continue
        if names.count(column_key(column.name)) > 1:
            # The mapping is remembered by name: two columns of one name could not be told apart.
            errors[f"column_{column.position}"] = N_("Two columns of the file have this name: rename one in the spreadsheet and send it again.")
        elif target != IGNORED and target not in IMPORTABLE:
            errors[f"column_{column.position}"] = N_("Choose a field from the list, or leave the column out.")
        elif target != IGNORED and target in taken:
            errors[f"column_{column.position}"] = N_("Another column already holds this field: choose one of them.")
        else:
            taken.setdefault(target, column.position)
        mapping[column_key(column.name)] = target
    needed = [*REQUIRED, *([] if default_country else ["country_code"])]
    if any(name not in taken for name in needed):
        errors["columns"] = N_("Say which columns hold the name, the town and the country of each space.")
    if errors:
        raise InvalidInput(errors)
    return mapping


def remembered_columns(db: Session, user_id: int) -> ColumnMapping:
    return dict(db.execute(select(ImportColumnMapping.source, ImportColumnMapping.target).where(ImportColumnMapping.user_id == user_id)).tuples().all())


def remember_columns(db: Session, user_id: int, mapping: ColumnMapping) -> None:
    """Keep a partner's answers for their next file (one transaction, committed here)."""
    for source, target in mapping.items():
        db.merge(ImportColumnMapping(user_id=user_id, source=source, target=target))
    db.commit()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """A CSV file's rows with their line numbers, whatever a spreadsheet wrote: UTF-8 with or without a
    byte order mark, "," or ";" or tabs between cells."""
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (from a spreadsheet) goes too
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _refuse(N_("Line %(line)s is not UTF-8 text: save the file as “CSV UTF-8” and try again."), line=line) from None
    first = text.split("\n", 1)[0]
    # A spreadsheet set to a European locale writes ";" between columns.
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row  # the line a row ends on (a quoted cell may span lines)
    except csv.Error:
        raise _refuse(N_("Line %(line)s cannot be read as CSV (a quote left open?)."), line=reader.line_num) from None


def _read_csv(data: bytes, mapping: ColumnMapping) -> tuple[list[Record], list[str]]:
    rows = _csv_rows(data)
    _, header = next(rows, (0, None))
    if header is None:
        raise _refuse(N_("The file is empty."))
    columns = [our_column(name, mapping) for name in header]
    kept = [position for position, column in enumerate(columns) if column != IGNORED]
    records = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        records.append(Record(line, {columns[position]: row[position].strip() for position in kept if position < len(row)}))
    return records, [columns[position] for position in kept]


def _read_geojson(data: bytes) -> tuple[list[Record], list[str]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(N_("This is not a GeoJSON file: it cannot be read as JSON.")) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise _refuse(N_("This is not a GeoJSON FeatureCollection."))
    records, columns = [], {"lat", "lon"}
    for number, feature in enumerate(document["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        values = {ALIASES.get(str(key).lower(), str(key).lower()): _text(value) for key, value in (properties or {}).items()}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point" and isinstance(geometry.get("coordinates"), list):
            coordinates = geometry["coordinates"]
            values["lon"], values["lat"] = (_text(coordinates[0]), _text(coordinates[1])) if len(coordinates) >= 2 else ("", "")
        columns |= set(values)
        records.append(Record(number, values))
    return records, sorted(columns)


def _read_osm(data: bytes) -> tuple[list[Record], list[str]]:
    """Overpass API JSON (``[out:json]``): its coworking spaces, their usual tags in our columns."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(N_("This is not OpenStreetMap data from Overpass: it cannot be read as JSON.")) from None
    elements = document.get("elements") if isinstance(document, dict) else None
    if not isinstance(elements, list):
        raise _refuse(N_("This is not OpenStreetMap data from Overpass: it has no elements."))
    records, columns = [], set()
    for number, element in enumerate(elements, start=1):
        tags = element.get("tags") or {} if isinstance(element, dict) else {}
        if tags.get("amenity") != "coworking_space" and tags.get("office") != "coworking":
            continue
        values = _from_osm_tags(tags)
        where = element if "lat" in element else element.get("center") or {}
        values["lat"], values["lon"] = _text(where.get("lat")), _text(where.get("lon"))
        if element.get("type") in ("node", "way", "relation") and element.get("id"):
            values["source_url"] = f"https://www.openstreetmap.org/{element['type']}/{element['id']}"
        columns |= set(values)
        records.append(Record(number, values))
    return records, sorted(columns)


def _from_osm_tags(tags: dict[str, Any]) -> dict[str, str]:
    def first(*keys: str) -> str:
        return next((str(tags[key]).strip() for key in keys if tags.get(key)), "")

    street = " ".join(filter(None, (first("addr:street"), first("addr:housenumber"))))
    amenities = []
    if tags.get("wheelchair") == "yes":
        amenities.append("accessible")
    if tags.get("internet_access") in ("wlan", "yes", "wired") and (tags.get("internet_access:speed") or "").startswith(("1000", "fibre")):
        amenities.append("fibre")
    return {
        "name": first("name"),
        "town": first("addr:city", "addr:town", "addr:village", "addr:place", "addr:hamlet"),
        "country_code": first("addr:country"),
        "street_address": street,
        "website": first("website", "contact:website", "url"),
        "email": first("email", "contact:email"),
        "phone": first("phone", "contact:phone"),
        "opening_hours": first("opening_hours"),
        "description": first("description", "description:en"),
        "amenities": ";".join(amenities),
    }


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


# -- planning ----------------------------------------------------------------------------------------


def osm_hours_to_form(text: str) -> dict[str, str] | None:
    """``"Mo-Fr 09:00-17:00; Sa 10:00-14:00"`` → the edit form's per-day fields; None when the text says
    more than days and hours (holidays, "off", months): such rows keep their hours as they are."""
    fields = {f"hours_{day}": "" for day in WEEKDAY_CODES}
    for rule in filter(None, (part.strip() for part in text.split(";"))):
        days, _, times = rule.partition(" ")
        chosen: list[str] = []
        for span in days.split(","):
            first, _, last = span.partition("-")
            if first not in _OSM_DAYS or (last and last not in _OSM_DAYS):
                return None
            start, end = _DAY_ORDER.index(first), _DAY_ORDER.index(last or first)
            chosen += _DAY_ORDER[start : end + 1] if start <= end else _DAY_ORDER[start:] + _DAY_ORDER[: end + 1]
        for day in chosen:
            fields[f"hours_{_OSM_DAYS[day]}"] = times.strip()
    return fields


class _Bucket:
    """Listings of one town (or one ~2 km cell): their folded names, and which of them holds each word."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.entries: list[tuple[str, str, tuple[float, float] | None]] = []  # slug, folded town, point
        self.by_word: dict[str, list[int]] = defaultdict(list)

    def add(self, folded: str, entry: tuple[str, str, tuple[float, float] | None]) -> None:
        for word in set(folded.split()):
            self.by_word[word].append(len(self.names))
        self.names.append(folded)
        self.entries.append(entry)

    def alike(self, wanted: str) -> Iterator[tuple[str, str, tuple[float, float] | None]]:
        """Entries whose name is alike (``moderation.services.names_alike``): letters compared in C over the
        whole bucket at once, words only among the names sharing one."""
        found = {index for _, _, index in process.extract(wanted, self.names, scorer=Levenshtein.distance, score_cutoff=NAME_EDITS, limit=None)}
        sharing = {index for word in set(wanted.split()) for index in self.by_word.get(word, ())}
        found |= {index for index in sharing - found if names_alike(wanted, self.names[index])}
        return (self.entries[index] for index in sorted(found))


class _Index:
    """The listed spaces (and those the file adds) by slug, by exact key, and by town and ~2 km cell for
    the duplicate rule."""

    def __init__(self, spaces: Iterable[Space]) -> None:
        self.by_slug: dict[str, Space] = {}
        self.by_key: dict[tuple[str, str, str], str] = {}
        self.buckets: dict[tuple, _Bucket] = defaultdict(_Bucket)
        for space in spaces:
            self.by_slug[space.slug] = space
            self.add(space.slug, space.country_code, space.name, space.town, _point(space.latitude, space.longitude))

    @staticmethod
    def _cell(point: tuple[float, float]) -> tuple[int, int]:
        return round(point[0] * 50), round(point[1] * 25)  # ~2.2 km × 2-4 km

    def add(self, slug: str, country: str, name: str, town: str, point: tuple[float, float] | None) -> None:
        self.by_key[(country, name, town)] = slug  # as the database's unique rule compares them
        folded, entry = fold(name), (slug, fold(town), point)
        self.buckets[(country, "town", fold(town))].add(folded, entry)
        if point is not None:
            self.buckets[(country, "cell", *self._cell(point))].add(folded, entry)

    def similar(self, country: str, name: str, town: str, point: tuple[float, float] | None) -> list[str]:
        """Slugs of the entries the duplicate rule matches: a name alike in the same town or within 1 km."""
        wanted = fold(name)
        found = [slug for slug, _, _ in self.buckets[(country, "town", fold(town))].alike(wanted)] if (country, "town", fold(town)) in self.buckets else []
        if point is not None:
            lat, lon = self._cell(point)
            for dlat in (-1, 0, 1):
                for dlon in (-1, 0, 1):
                    bucket = self.buckets.get((country, "cell", lat + dlat, lon + dlon))
                    if bucket is not None:
                        found += [slug for slug, _, other_point in bucket.alike(wanted) if near(point, other_point)]
        return list(dict.fromkeys(found))


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return (lat, lon) if lat is not None and lon is not None else None


def _builder_edits_after(db: Session) -> dict[int, datetime]:
    """Each listing's latest edit by one of its community builders."""
    rows = db.execute(
        select(Revision.subject_id, Revision.at).where(
            Revision.subject == SUBJECT, Revision.author_role == "builder", Revision.kind.not_in(revisions.EVENTS)
        )
    )
    latest: dict[int, datetime] = {}
    for space_id, at in rows:
        latest[space_id] = max(at, latest.get(space_id, at))
    return latest


def plan_import(
    db: Session,
    records: list[Record],
    columns: list[str],
    *,
    allowed_countries: frozenset[str] | None,
    default_country: str | None = None,
    file_date: datetime | None = None,
    overwrite_builder_edits: bool = False,
    merges: dict[int, str] | None = None,
    today: date | None = None,
) -> ImportPlan:
    """What importing ``records`` would do, row by row; nothing is written. ``allowed_countries``: the
    countries the importer may change (None: all); ``merges``: line → slug of a listed space the row
    updates (the partner's answer to a likely duplicate)."""
    missing = [name for name in REQUIRED if name not in columns]
    if "country_code" not in columns and default_country is None:
        missing.append("country_code")
    if missing:
        raise _refuse(N_("The file has no column %(columns)s: the first line must name the columns."), columns=", ".join(missing))
    today = today or utcnow().date()
    merges = merges or {}
    with _no_cyclic_gc():
        return _plan(db, records, columns, allowed_countries, default_country, file_date, overwrite_builder_edits, merges, today)


def _plan(
    db: Session,
    records: list[Record],
    columns: list[str],
    allowed_countries: frozenset[str] | None,
    default_country: str | None,
    file_date: datetime | None,
    overwrite_builder_edits: bool,
    merges: dict[int, str],
    today: date,
) -> ImportPlan:
    countries = {(record.values.get("country_code") or default_country or "").upper() for record in records}
    index = _Index(db.scalars(select(Space).where(Space.country_code.in_(countries)).options(selectinload(Space.amenities))))
    edited = _builder_edits_after(db)
    return ImportPlan(
        [_plan_row(record, columns, index, edited, allowed_countries, default_country, file_date, overwrite_builder_edits, merges, today) for record in records],
        columns,
    )


def _plan_row(
    record: Record,
    columns: list[str],
    index: _Index,
    edited: dict[int, datetime],
    allowed: frozenset[str] | None,
    default_country: str | None,
    file_date: datetime | None,
    overwrite: bool,
    merges: dict[int, str],
    today: date,
) -> PlannedRow:
    values = record.values
    country = (values.get("country_code") or default_country or "").strip().upper()
    name, town = " ".join(values.get("name", "").split()), " ".join(values.get("town", "").split())
    row = PlannedRow(record.line, REFUSED, name, town, country)
    if not is_country_code(country):
        row.reasons["country_code"] = N_("Unknown country code: use two letters such as LV or IE.")
        return row
    if allowed is not None and country not in allowed:
        row.reasons["country_code"] = N_("This row is in %(country)s: you may import only into %(allowed)s.")
        row.variables = {"country": country, "allowed": ", ".join(sorted(allowed))}
        return row
    space = index.by_slug.get(values.get("slug", "")) if values.get("slug") else None
    if space is not None and space.country_code != country:
        space = None  # a slug of another country's listing: matched by name instead
    slug = (space.slug if space else None) or index.by_key.get((country, name, town)) or merges.get(record.line)
    space = index.by_slug.get(slug) if slug else None
    if space is not None and space.country_code != country:
        space = None  # a merge into another country's listing (a forged form, say): never; the row is new
    form = _form(values, columns, space, name, town)
    try:
        wanted = parse_listing(form, today)
    except InvalidInput as error:
        row.reasons = dict(error.errors)
        return row
    if values.get("location_precision") in ("town", "exact") and wanted["latitude"] is not None:
        wanted["location_precision"] = values["location_precision"]  # as exact as the file says
    if _given("source_url", columns) and values.get("source_url"):
        wanted["source_url"] = values["source_url"][:1000]
    if space is None:
        point = _point(wanted["latitude"], wanted["longitude"])
        if candidates := index.similar(country, name, town, point):
            row.action, row.candidates = DUPLICATE, candidates
            row.reasons["name"] = N_("This looks like a space already listed (or earlier in the file): merge it, or leave it out.")
            return row
        row.action, row.state = ADD, wanted
        index.add(f"line {record.line}", country, name, town, point)  # later rows see it
        return row
    row.slug, before = space.slug, {**listing_state(space), "source_url": space.source_url}
    after = {**before, **{key: value for key, value in wanted.items() if _given(key, columns)}}
    if after == before:
        row.action = UNCHANGED
        return row
    builder_edit = edited.get(space.id)
    row_date = _row_date(values) or file_date
    if builder_edit is not None and not overwrite and (row_date is None or builder_edit > row_date):
        row.action = KEPT
        row.reasons["file"] = N_("Its community builder edited the listing on %(date)s, after this file was made: it is left as they wrote it.")
        row.variables = {"date": builder_edit.date().isoformat()}
        return row
    row.action, row.state = UPDATE, after
    return row


def _given(field_name: str, columns: list[str]) -> bool:
    """Whether the file speaks of this field (a column for it): fields it is silent on stay as listed."""
    if field_name in ("latitude", "longitude", "location_precision"):
        return "lat" in columns and "lon" in columns
    return field_name in columns


def _form(values: dict[str, str], columns: list[str], space: Space | None, name: str, town: str) -> dict[str, Any]:
    """The edit form a row amounts to: the listing as it is (or empty), with the file's columns over it."""
    form: dict[str, Any] = form_values(listing_state(space)) if space else {"status": "published"}
    form["name"], form["town"] = name, town
    for field_name in LISTING_FIELDS:
        if field_name in ("latitude", "longitude", "opening_hours", "amenities", "name", "town", "location_precision"):
            continue
        if field_name in columns:
            form[field_name] = values.get(field_name, "")
    if "lat" in columns and "lon" in columns:
        form["latitude"], form["longitude"] = values.get("lat", ""), values.get("lon", "")
    if "amenities" in columns:
        form["amenities"] = [code.strip() for code in values.get("amenities", "").split(";") if code.strip()]
    if "opening_hours" in columns and (hours := osm_hours_to_form(values.get("opening_hours", ""))) is not None:
        form.update(hours)
    if not form.get("status"):
        form["status"] = "published"
    return form


def _row_date(values: dict[str, str]) -> datetime | None:
    try:
        return datetime.fromisoformat(values["updated_at"]) if values.get("updated_at") else None
    except ValueError:
        return None


# -- applying ----------------------------------------------------------------------------------------


def apply_import(db: Session, plan: ImportPlan, *, author_id: int | None, author_role: str, source: str) -> tuple[int, int]:
    """Write the plan's additions and updates in one transaction (all or nothing), each with its
    revision. Returns (added, updated)."""
    with _no_cyclic_gc():
        return _apply_import(db, plan, author_id, author_role, source)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Bulk work makes hundreds of thousands of objects that hold no cycles: the cyclic collector would
    walk them all again and again (a third of an import's time). Reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _apply_import(db: Session, plan: ImportPlan, author_id: int | None, author_role: str, source: str) -> tuple[int, int]:
    summary = f"Import: {source}"[:300]
    added = updated = 0
    try:
        taken = set(db.scalars(select(Space.slug)))
        amenities = {amenity.code: amenity for amenity in db.scalars(select(Amenity))}
        added = _add_all(db, [row for row in plan.rows if row.action == ADD], taken, author_id, author_role, summary)
        updates = {row.slug: row for row in plan.rows if row.action == UPDATE}
        for space in db.scalars(select(Space).where(Space.slug.in_(list(updates))).options(selectinload(Space.amenities))):
            row, base_version, before = updates[space.slug], space.version, recorded_state(space)
            _apply(db, space, _placed(row.state, before), amenities)
            space.updated_at = utcnow()
            db.flush()
            revisions.record(
                db, subject=SUBJECT, subject_id=space.id, country_code=space.country_code, base_version=base_version,
                before=before, after=recorded_state(space), author_id=author_id, author_role=author_role, kind="import",
                summary=summary,
            )  # fmt: skip
            updated += 1
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return added, updated


def _add_all(
    db: Session, rows: list[PlannedRow], taken: set[str], author_id: int | None, author_role: str, summary: str
) -> int:
    """The new listings, their amenities and their first revisions as three bulk INSERTs of plain rows
    (no object per listing: 100,000 rows in seconds). Each row's state is the one the edit form's rules
    made (``parse_listing``), so it is written as an edit would write it."""
    if not rows:
        return 0
    now = utcnow()
    empty = dict.fromkeys(column.key for column in Space.__table__.columns if column.key != "id")
    values, snapshots = [], []
    for row in rows:
        state = _placed(row.state)
        record = {**empty, **{name: state[name] for name in LISTING_FIELDS if name != "amenities"}}
        measured = state["internet_measured_on"]
        record.update(
            slug=_free_slug(row.name, row.town, taken), country_code=row.country_code, source_url=state.get("source_url"),
            internet_measured_on=date.fromisoformat(measured) if measured else None, version=1, created_at=now, updated_at=now,
            visit_requests_open=True,
            **Space.search_fields(state["name"], state["town"], state["region"], state["description"], state["description_local"]),
        )  # fmt: skip
        values.append(record)
        snapshots.append({**{name: state[name] for name in LISTING_FIELDS}, "photos": [], "community_builders": []})
    db.execute(insert(Space.__table__), values)
    # Their ids, by slug (one read; an INSERT … RETURNING of many rows costs more than the rows).
    new_slugs = {record["slug"] for record in values}
    by_slug = {slug: space_id for space_id, slug in db.execute(select(Space.id, Space.slug)) if slug in new_slugs}
    ids = [by_slug[record["slug"]] for record in values]
    links = [{"space_id": space_id, "amenity_code": code} for space_id, snapshot in zip(ids, snapshots, strict=True) for code in snapshot["amenities"]]
    if links:
        db.execute(insert(space_amenities), links)
    db.execute(
        insert(Revision),
        [
            {
                "subject": SUBJECT, "subject_id": space_id, "version": 1, "country_code": record["country_code"], "author_id": author_id,
                "author_role": author_role, "kind": "created", "at": now, "summary": summary, "restores_id": None,
                "changes": revisions.changed_fields({}, snapshot), "snapshot": snapshot,
            }
            for space_id, record, snapshot in zip(ids, values, snapshots, strict=True)
        ],
    )  # fmt: skip
    return len(values)


def _apply(db: Session, space: Space, state: State, amenities: dict[str, Amenity]) -> None:
    """``apply_state`` without its query for the amenities (read once for the whole import)."""
    apply_state(db, space, {key: value for key, value in state.items() if key != "amenities"})
    space.amenities = [amenities[code] for code in state["amenities"]]
    if state.get("source_url"):
        space.source_url = state["source_url"]


def _placed(state: State, before: State | None = None) -> State:
    """Coordinates from a file are as exact as the file says: a new listing's are marked as given, a
    moved marker keeps what the listing said unless the file moved it."""
    if state["latitude"] is None:
        return {**state, "location_precision": None}
    if before is not None and (state["latitude"], state["longitude"]) == (before.get("latitude"), before.get("longitude")):
        return {**state, "location_precision": before.get("location_precision")}
    return {**state, "location_precision": state.get("location_precision") or "exact"}


def _free_slug(name: str, town: str, taken: set[str]) -> str:
    """As ``spaces.services.unique_space_slug``, against the slugs already read (one query, not one per row)."""
    candidates = [slugify(name), slugify(f"{name} {town}")]
    found = next((candidate for candidate in candidates if candidate not in taken), None)
    number = 2
    while found is None:
        if f"{candidates[-1]}-{number}" not in taken:
            found = f"{candidates[-1]}-{number}"
        number += 1
    taken.add(found)
    return found


def describe(row: PlannedRow, translate: Any) -> str:  # noqa: ANN401 - a core.i18n.Translator
    """One planned row in words, for the command's report."""
    reasons = "; ".join(
        f"{name}: {translate.gettext(message, **row.variables)}" if name != "file" else translate.gettext(message, **row.variables)
        for name, message in row.reasons.items()
    )
    target = f" → {row.slug}" if row.slug and row.action in (UPDATE, KEPT, UNCHANGED) else ""
    candidates = f" (like: {', '.join(row.candidates)})" if row.candidates else ""
    text = f"line {row.line}: {row.action} {row.name or '?'} ({row.town or '?'}, {row.country_code or '?'}){target}{candidates}"
    return f"{text}: {reasons}" if reasons else text


# -- a partner's upload, between the dry run and the confirmation -----------------------------------


@dataclass(frozen=True)
class Staged:
    token: str
    data: bytes
    file_format: str
    name: str
    user_id: int
    # How its columns are read (a spreadsheet's, once the partner confirmed the mapping step).
    columns: ColumnMapping = field(default_factory=dict)


def stage(store: MediaStore, user_id: int, data: bytes, file_format: str, name: str, columns: ColumnMapping | None = None) -> str:
    """Keep an uploaded file for its confirmation; only the person who sent it can confirm it."""
    token = secrets.token_hex(16)
    store.save(f"{token}.data", data)
    _save_about(store, Staged(token, b"", file_format, name[:200], user_id, columns or {}))
    return token


def _save_about(store: MediaStore, found: Staged) -> None:
    about = {"user": found.user_id, "format": found.file_format, "name": found.name, "columns": found.columns}
    store.save(f"{found.token}.json", json.dumps(about).encode("utf-8"))


def read_columns_as(store: MediaStore, found: Staged, columns: ColumnMapping) -> Staged:
    """The staged file, from now on read through the partner's mapping of its columns."""
    changed = Staged(found.token, found.data, found.file_format, found.name, found.user_id, columns)
    _save_about(store, changed)
    return changed


def staged(store: MediaStore, user_id: int, token: str) -> Staged | None:
    """The file ``user_id`` staged under ``token``; None for anyone else's, or one confirmed already."""
    if not token.isalnum() or len(token) != 32:
        return None
    meta = store.read(f"{token}.json")
    if meta is None:
        return None
    about = json.loads(meta)
    data = store.read(f"{token}.data")
    if about["user"] != user_id or data is None:
        return None
    return Staged(token, data, about["format"], about["name"], user_id, about.get("columns") or {})


def unstage(store: MediaStore, found: Staged) -> None:
    store.delete(f"{found.token}.data")
    store.delete(f"{found.token}.json")
