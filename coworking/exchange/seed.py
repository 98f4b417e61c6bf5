"""Load the real seed data (seed/spaces.csv, seed/networks.csv, seed/guides/*.md) into the database, idempotently.

A row that is already in the database (same country, name and town; same network name; same guide
address) is left alone, so a re-run adds only the new rows and never overwrites what community builders
(or, for guides, administrators) edited.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import reverse_geocode
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.core.errors import InvalidInput
from coworking.core.i18n import timezone_for_country
from coworking.core.settings import PROJECT_ROOT
from coworking.core.text import slugify
from coworking.geo.gazetteer import add_seed_place
from coworking.geo.geocoders import GazetteerGeocoder, locate_town
from coworking.guides.models import ORIGINAL, Guide, GuideText
from coworking.guides.services import get_guide, parse_text
from coworking.networks.models import Network
from coworking.spaces.models import Amenity, CommunityBuilder, Space
from coworking.spaces.services import unique_space_slug
from coworking.spaces.vocabulary import AMENITY_CODES

SEED_DIR = PROJECT_ROOT / "seed"


class SeedError(ValueError):
    """A seed row breaks a rule; the message names the file and line."""


@dataclass
class SeedReport:
    spaces_added: int = 0
    spaces_kept: int = 0
    networks_added: int = 0
    networks_kept: int = 0
    guides_added: int = 0
    guides_kept: int = 0


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def guess_activity_kind(text: str) -> str:
    """The vocabulary kind a source's own words name; "other" when they name none."""
    lowered = text.casefold()
    if "open day" in lowered:
        return "open_day"
    if "experience stor" in lowered:
        return "experience_story"
    if "resident" in lowered and "meeting" in lowered:
        return "resident_meeting"
    if "workshop" in lowered:
        return "workshop"
    return "other"


def region_for(latitude: float, longitude: float) -> str | None:
    """The first-level region (state, county, municipality) of the gazetteer place at these coordinates."""
    place = reverse_geocode.get((latitude, longitude))
    return place.get("state") or place.get("county") or None


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        # Line numbers start at 2: line 1 is the header.
        return [(number, row) for number, row in enumerate(csv.DictReader(handle), start=2)]


def _float_or_none(value: str, where: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise SeedError(f"{where}: {value!r} is not a number") from exc


def load_networks(session: Session, path: Path, report: SeedReport) -> None:
    existing = set(session.scalars(select(Network.name)))
    for _number, row in _read_rows(path):
        name = row["name"].strip()
        if name in existing:
            report.networks_kept += 1
            continue
        session.add(
            Network(
                slug=slugify(name),
                name=name,
                scope=row["scope"].strip(),
                country_codes=[code.upper() for code in _split(row["country_codes"])],
                website=row["website"].strip() or None,
                description=row["description"].strip() or None,
                source_url=row["source_url"].strip() or None,
            )
        )
        existing.add(name)
        report.networks_added += 1


def load_spaces(session: Session, path: Path, report: SeedReport) -> None:
    amenities = {amenity.code: amenity for amenity in session.scalars(select(Amenity))}
    geocoder = GazetteerGeocoder(session.get_bind())
    existing = set(session.execute(select(Space.country_code, Space.name, Space.town)).tuples())
    for number, row in _read_rows(path):
        where = f"{path.name}:{number}"
        key = (
            row["country_code"].strip().upper(),
            row["name"].strip(),
            row["town"].strip(),
        )
        if key in existing:
            report.spaces_kept += 1
            continue
        codes = _split(row["amenities"])
        unknown = sorted(set(codes) - AMENITY_CODES)
        if unknown:
            raise SeedError(f"{where}: unknown amenity codes {', '.join(unknown)}")
        latitude = _float_or_none(row["lat"], where)
        longitude = _float_or_none(row["lon"], where)
        has_location = latitude is not None and longitude is not None
        country_code, name, town = key
        if has_location:
            # Villages too small for the gazetteer become findable by name ("near Skujene").
            add_seed_place(session.connection(), town, country_code, latitude, longitude)
        else:
            found = locate_town(geocoder, town, country_code)
            if found is not None:
                latitude, longitude = found
                has_location = True
        space = Space(
            slug=unique_space_slug(session, name, town),
            name=name,
            town=town,
            country_code=country_code,
            region=row["region"].strip() or (region_for(latitude, longitude) if has_location else None),
            latitude=latitude if has_location else None,
            longitude=longitude if has_location else None,
            location_precision="town" if has_location else None,
            website=row["website"].strip() or None,
            source_url=row["source_url"].strip() or None,
            status="published",
            amenities=[amenities[code] for code in dict.fromkeys(codes)],
            activities=[
                Activity(title=text, kind=guess_activity_kind(text), time_zone=timezone_for_country(country_code))
                for text in _split(row["activities"])
            ],
            community_builders=[CommunityBuilder(name=person) for person in _split(row["community_builder"])],
        )
        space.refresh_search_text()
        session.add(space)
        # Flush so the next row's slug check sees this one.
        session.flush()
        existing.add(key)
        report.spaces_added += 1


def read_guide(path: Path) -> tuple[dict[str, str], str]:
    """A guide file: its front matter (``key: value`` lines between two ``---`` lines) and its Markdown body."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise SeedError(f"{path.name}: no front matter (slug, position, title, summary between --- lines)")
    header, _, body = text[4:].partition("\n---\n")
    meta = {}
    for number, line in enumerate(header.splitlines(), start=2):
        key, colon, value = line.partition(":")
        if not colon:
            raise SeedError(f"{path.name}:{number}: write each front matter line as key: value")
        meta[key.strip()] = value.strip()
    return meta, body.strip() + "\n"


def load_guides(session: Session, folder: Path, report: SeedReport) -> None:
    """The guides of ``folder`` (one Markdown file each, README.md aside), in English; a guide whose slug is
    already there is kept as it is (an administrator may have edited it: the seed never overwrites that).

    Seeded guides get no revision: the first edit on the site records their state as "imported" first, as
    it does for seeded spaces."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        meta, body = read_guide(path)
        slug = meta.get("slug", "")
        if not slug:
            raise SeedError(f"{path.name}: the front matter names no slug")
        if get_guide(session, slug) is not None:
            report.guides_kept += 1
            continue
        try:
            text = parse_text({**meta, "body": body}, with_position=True)
        except InvalidInput as error:
            problems = "; ".join(f"{name}: {message % error.variables}" for name, message in error.errors.items())
            raise SeedError(f"{path.name}: {problems}") from None
        guide = Guide(slug=slug, position=text["position"])
        guide.texts.append(GuideText(language=ORIGINAL, title=text["title"], summary=text["summary"], body=text["body"]))
        session.add(guide)
        session.flush()
        report.guides_added += 1


def seed(session: Session, seed_dir: Path = SEED_DIR) -> SeedReport:
    """Load networks and spaces from ``seed_dir``; commit once, so a bad row leaves nothing half-written."""
    report = SeedReport()
    try:
        load_networks(session, seed_dir / "networks.csv", report)
        load_spaces(session, seed_dir / "spaces.csv", report)
        load_guides(session, seed_dir / "guides", report)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return report
