"""What the spaces service takes (a validated query) and gives (plain structs for pages and the API)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
import pycountry

from coworking.geo.distance import BoundingBox, parse_bbox
from coworking.vocabulary import AMENITY_CODES, N_

MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SORTS = {
    "distance": N_("Distance"),
    "name": N_("Name"),
    "town": N_("Town"),
    "country": N_("Country"),
    "updated": N_("Recently updated"),
}
DEFAULT_RADIUS_KM = 50.0
MAX_RADIUS_KM = 500.0
DEFAULT_CORRIDOR_KM = 10.0
MAX_CORRIDOR_KM = 100.0
MAX_PLACE_LENGTH = 120


class InvalidQuery(ValueError):
    """A search parameter is wrong. ``errors`` maps the parameter to a message (translatable msgid)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PlaceSuggestion:
    label: str  # "Lielvārde, Ogre, LV": what to show
    query: str  # "Lielvārde, LV": what to search for, so that it finds this very place again
    latitude: float
    longitude: float
    name: str | None = None
    region: str | None = None
    country_code: str | None = None


class PlaceNotFound(InvalidQuery):
    """A typed place (``near``, ``from``, ``to``) matched nothing; ``suggestions`` are likely meant places."""

    def __init__(self, field: str, text: str, suggestions: list[PlaceSuggestion]) -> None:
        super().__init__({field: N_("We could not find this place.")})
        self.field = field
        self.text = text
        self.suggestions = suggestions


def is_country_code(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code.upper()) is not None


def _clean_text(value: str | None) -> str:
    # Control characters (NUL above all: PostgreSQL refuses it) carry no meaning in a search.
    return "".join(ch for ch in (value or "") if unicodedata.category(ch)[0] != "C").strip()


def _kilometres(value: float | str | None, default: float, maximum: float) -> float | None:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= maximum and math.isfinite(number) else None


def _positive_int(value: int | str | None, default: int) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


@dataclass(frozen=True)
class SpaceQuery:
    q: str = ""
    countries: tuple[str, ...] = ()
    amenities: tuple[str, ...] = ()
    upcoming: bool = False
    sort: str = "name"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    near: str = ""
    radius_km: float = DEFAULT_RADIUS_KM
    route_from: str = ""
    route_to: str = ""
    corridor_km: float = DEFAULT_CORRIDOR_KM
    bbox: BoundingBox | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q or self.countries or self.amenities or self.upcoming or self.near or self.route_from or self.bbox
        )

    @property
    def by_distance(self) -> bool:
        return bool(self.near or self.route_from)

    @property
    def default_sort(self) -> str:
        return "distance" if self.by_distance else "name"

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """Query-string pairs for this query with ``changes`` applied (for pagination and links)."""
        values = {
            "q": self.q,
            "country": self.countries,
            "amenity": self.amenities,
            "upcoming": "1" if self.upcoming else "",
            "sort": "" if self.sort == self.default_sort else self.sort,
            "page": "" if self.page == 1 else str(self.page),
            "per_page": "" if self.per_page == DEFAULT_PER_PAGE else str(self.per_page),
            "near": self.near,
            "radius_km": _km_param(self.radius_km) if self.near and self.radius_km != DEFAULT_RADIUS_KM else "",
            "from": self.route_from,
            "to": self.route_to,
            "corridor_km": _km_param(self.corridor_km)
            if self.route_from and self.corridor_km != DEFAULT_CORRIDOR_KM
            else "",
            "bbox": self.bbox.param() if self.bbox else "",
        }
        values.update({key: value for key, value in changes.items()})
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item not in ("", None):
                    pairs.append((key, str(item)))
        return pairs


def _km_param(value: float) -> str:
    return f"{value:g}"


def build_space_query(
    *,
    q: str | None = None,
    countries: Sequence[str] = (),
    amenities: Sequence[str] = (),
    upcoming: bool | str | None = None,
    sort: str | None = None,
    page: int | str | None = None,
    per_page: int | str | None = None,
    near: str | None = None,
    radius_km: float | str | None = None,
    route_from: str | None = None,
    route_to: str | None = None,
    corridor_km: float | str | None = None,
    bbox: str | None = None,
) -> SpaceQuery:
    """Validate raw search parameters (from a form or the API) into a SpaceQuery, or raise InvalidQuery."""
    errors: dict[str, str] = {}
    text = _clean_text(q)
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = N_("The search text is too long: at most 200 characters.")
    country_codes = tuple(dict.fromkeys(code.strip().upper() for code in countries if code.strip()))
    if any(not is_country_code(code) for code in country_codes):
        errors["country"] = N_("Unknown country code: use two letters such as LV or IE.")
    amenity_codes = tuple(dict.fromkeys(code.strip() for code in amenities if code.strip()))
    if any(code not in AMENITY_CODES for code in amenity_codes):
        errors["amenity"] = N_("Unknown amenity: choose from the list.")
    if isinstance(upcoming, str):
        if upcoming.lower() not in {"", "0", "1", "true", "false", "on"}:
            errors["upcoming"] = N_("Upcoming activities must be yes or no.")
        upcoming_flag = upcoming.lower() in {"1", "true", "on"}
    else:
        upcoming_flag = bool(upcoming)
    near_text, from_text, to_text = (
        _clean_text(near),
        _clean_text(route_from),
        _clean_text(route_to),
    )
    for name, typed in (("near", near_text), ("from", from_text), ("to", to_text)):
        if len(typed) > MAX_PLACE_LENGTH:
            errors[name] = N_("The place name is too long: at most 120 characters.")
    if bool(from_text) != bool(to_text):
        errors["to" if from_text else "from"] = N_("A route needs both where it starts and where it ends.")
    if near_text and (from_text or to_text):
        errors["near"] = N_("Search near one place or along a route, not both at once.")
    radius = _kilometres(radius_km, DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
    if radius is None:
        errors["radius_km"] = N_("The distance must be a number of kilometres from 1 to 500.")
    corridor = _kilometres(corridor_km, DEFAULT_CORRIDOR_KM, MAX_CORRIDOR_KM)
    if corridor is None:
        errors["corridor_km"] = N_("The distance from the route must be a number of kilometres up to 100.")
    box = None
    if bbox:
        try:
            box = parse_bbox(bbox)
        except ValueError:
            errors["bbox"] = N_("The map area must be four numbers: west, south, east, north.")
    by_distance = bool(near_text or from_text)
    sort_key = (sort or ("distance" if by_distance else "name")).strip()
    if sort_key not in SORTS:
        errors["sort"] = N_("Unknown sort order.")
    elif sort_key == "distance" and not by_distance:
        errors["sort"] = N_("Sorting by distance needs a place to measure from.")
    page_number = _positive_int(page, 1)
    if page_number is None:
        errors["page"] = N_("The page number must be a whole number from 1.")
    size = _positive_int(per_page, DEFAULT_PER_PAGE)
    if size is None or size > MAX_PER_PAGE:
        errors["per_page"] = N_("Results per page must be between 1 and 100.")
    if errors:
        raise InvalidQuery(errors)
    return SpaceQuery(
        q=text,
        countries=country_codes,
        amenities=amenity_codes,
        upcoming=upcoming_flag,
        sort=sort_key,
        page=page_number or 1,
        per_page=size or DEFAULT_PER_PAGE,
        near=near_text,
        radius_km=radius or DEFAULT_RADIUS_KM,
        route_from=from_text,
        route_to=to_text,
        corridor_km=corridor or DEFAULT_CORRIDOR_KM,
        bbox=box,
    )


class SpaceCard(msgspec.Struct, kw_only=True):
    """A space as one search result."""

    slug: str
    name: str
    town: str
    region: str | None
    country_code: str
    latitude: float | None
    longitude: float | None
    location_precision: str | None
    amenities: list[str]
    upcoming_activities: int
    status: str
    updated_at: datetime
    # Kilometres from the searched place, or from the route's line; None when not searching by distance.
    distance_km: float | None = None


@dataclass(frozen=True)
class Origin:
    """What distances are measured from: one place (``near``) or a route from ``start`` to ``end``."""

    start: PlaceSuggestion
    end: PlaceSuggestion | None
    km: float


class SearchPage(msgspec.Struct, kw_only=True):
    items: list[SpaceCard]
    total: int
    page: int
    per_page: int
    origin: Origin | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class CommunityBuilderOut(msgspec.Struct, kw_only=True):
    name: str
    bio: str | None
    public_contact: str | None


class ActivityOut(msgspec.Struct, kw_only=True):
    title: str
    kind: str
    description: str | None
    # The next date for dated activities; None for ones a source mentions without a schedule.
    next_starts_at: datetime | None
    next_ends_at: datetime | None
    weekly: bool
    language: str | None


class SpaceDetail(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    description: str | None
    street_address: str | None
    town: str
    region: str | None
    country_code: str
    latitude: float | None
    longitude: float | None
    location_precision: str | None
    website: str | None
    email: str | None
    phone: str | None
    opening_hours: dict[str, list[list[str]]] | None
    internet_download_mbps: int | None
    internet_upload_mbps: int | None
    fibre: bool | None
    desks: int | None
    price_notes: str | None
    amenities: list[str]
    community_builders: list[CommunityBuilderOut]
    activities: list[ActivityOut] = msgspec.field(default_factory=list)
    status: str
    source_url: str | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class CountryCount:
    code: str
    spaces: int


@dataclass(frozen=True)
class DirectoryStats:
    spaces: int
    countries: list[CountryCount] = field(default_factory=list)
