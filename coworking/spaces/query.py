"""The search, as a resident types it and as the directory understands it.

One path for every surface: the pages, the JSON API and the map read the same query-string arguments
(declared once, in the dependency providers below, which also document them in the OpenAPI document),
keep them as typed (``SearchParams``, so a form shows back exactly what was sent) and validate them
in ``build_space_query`` alone, which raises ``InvalidInput`` with translatable messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, TypeAlias

import msgspec
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.text import search_words
from coworking.core.vocabulary import N_
from coworking.geo.distance import BoundingBox, parse_bbox
from coworking.spaces.vocabulary import AMENITY_CODES

MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SORTS = {
    "distance": N_("Distance"),
    "relevance": N_("Best match"),
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
MAX_REGIONS = 20
_YES = {"1", "true", "on", "yes"}
_NO = {"", "0", "false", "off", "no"}


class FilterParams(msgspec.Struct, kw_only=True, frozen=True):
    """What narrows the directory, as typed: the filters the map shares with the list."""

    q: str = ""
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    amenity: tuple[str, ...] = ()
    upcoming: str = ""
    network_pass: str = ""


class SearchParams(FilterParams, kw_only=True, frozen=True):
    """A whole search as typed: the filters, a place or a route to measure from, order and page."""

    near: str = ""
    radius_km: str = ""
    route_from: str = ""
    route_to: str = ""
    corridor_km: str = ""
    bbox: str = ""
    sort: str = ""
    page: str = ""
    per_page: str = ""


# How handlers ask for them: ``search: Search`` (the dependency keys are "filters" and "search").
Filters: TypeAlias = NamedDependency[FilterParams]
Search: TypeAlias = NamedDependency[SearchParams]


def provide_filter_params(
    q: Annotated[
        str | None,
        QueryParameter(description="Free text in name, town, region or description; accents optional."),
    ] = None,
    country: Annotated[list[str] | None, QueryParameter(description="ISO 3166-1 alpha-2 codes (any of).")] = None,
    region: Annotated[list[str] | None, QueryParameter(description="Regions, as the listings name them (any of).")] = None,
    amenity: Annotated[list[str] | None, QueryParameter(description="Amenity codes (all of).")] = None,
    upcoming: Annotated[
        str | None, QueryParameter(description="1 or true: only spaces with upcoming activities.")
    ] = None,
    network_pass: Annotated[
        str | None,
        QueryParameter(description="1 or true: only spaces that give members of other network spaces free days."),
    ] = None,
) -> FilterParams:
    return FilterParams(
        q=q or "",
        country=tuple(country or ()),
        region=tuple(region or ()),
        amenity=tuple(amenity or ()),
        upcoming=upcoming or "",
        network_pass=network_pass or "",
    )


def provide_search_params(
    filters: Filters,
    near: Annotated[
        str | None,
        QueryParameter(description='A place ("Lielvārde", "Ogre, LV") or "lat, lon": nearest first.'),
    ] = None,
    radius_km: Annotated[str | None, QueryParameter(description="With near: how far to look, 1–500 km (50).")] = None,
    route_from: Annotated[str | None, QueryParameter(name="from", description="Start of a route (with to).")] = None,
    route_to: Annotated[str | None, QueryParameter(name="to", description="End of a route (with from).")] = None,
    corridor_km: Annotated[
        str | None, QueryParameter(description="With from/to: how far from the route, up to 100 km (10).")
    ] = None,
    bbox: Annotated[str | None, QueryParameter(description="Only spaces in this box: west,south,east,north.")] = None,
    sort: Annotated[
        str | None,
        QueryParameter(
            description="distance (default with near or from/to), relevance (default with words in q), name, town, "
            "country or updated."
        ),
    ] = None,
    page: Annotated[str | None, QueryParameter(description="Page number, from 1.")] = None,
    per_page: Annotated[str | None, QueryParameter(description="Results per page, 1–100 (20).")] = None,
) -> SearchParams:
    return SearchParams(
        **msgspec.structs.asdict(filters),
        near=near or "",
        radius_km=radius_km or "",
        route_from=route_from or "",
        route_to=route_to or "",
        corridor_km=corridor_km or "",
        bbox=bbox or "",
        sort=sort or "",
        page=page or "",
        per_page=per_page or "",
    )


def _kilometres(value: str, default: float, maximum: float) -> float | None:
    if not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 < number <= maximum and math.isfinite(number) else None


def _positive_int(value: str, default: int) -> int | None:
    if not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number >= 1 else None


@dataclass(frozen=True)
class SpaceQuery:
    q: str = ""
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    amenities: tuple[str, ...] = ()
    upcoming: bool = False
    network_pass: bool = False
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
            self.q
            or self.countries
            or self.regions
            or self.amenities
            or self.upcoming
            or self.network_pass
            or self.near
            or self.route_from
            or self.bbox
        )

    @property
    def by_distance(self) -> bool:
        return bool(self.near or self.route_from)

    @property
    def default_sort(self) -> str:
        return default_sort(self.q, self.by_distance)

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """Query-string pairs for this query with ``changes`` applied (for pagination and links)."""
        values = {
            "q": self.q,
            "country": self.countries,
            "region": self.regions,
            "amenity": self.amenities,
            "upcoming": "1" if self.upcoming else "",
            "network_pass": "1" if self.network_pass else "",
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


def default_sort(text: str, by_distance: bool) -> str:
    """Nearest first from a place or along a route, else the best match for words, else by name."""
    if by_distance:
        return "distance"
    return "relevance" if search_words(text) else "name"


def build_space_query(params: FilterParams) -> SpaceQuery:
    """Validate a search as typed into a SpaceQuery, or raise InvalidInput naming every wrong field.

    Control characters never get here: the edge removes them from every path and query value.
    """
    search = params if isinstance(params, SearchParams) else SearchParams(**msgspec.structs.asdict(params))
    errors: dict[str, str] = {}
    text = " ".join(search.q.split())  # one line, single spaces: it names feeds and e-mail subjects too
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = N_("The search text is too long: at most 200 characters.")
    country_codes = tuple(dict.fromkeys(code.strip().upper() for code in search.country if code.strip()))
    if any(not is_country_code(code) for code in country_codes):
        errors["country"] = N_("Unknown country code: use two letters such as LV or IE.")
    regions = tuple(dict.fromkeys(" ".join(name.split()) for name in search.region if name.strip()))
    if len(regions) > MAX_REGIONS or any(len(name) > MAX_PLACE_LENGTH for name in regions):
        errors["region"] = N_("Choose at most 20 regions, each as the listings name it.")
    amenity_codes = tuple(dict.fromkeys(code.strip() for code in search.amenity if code.strip()))
    if any(code not in AMENITY_CODES for code in amenity_codes):
        errors["amenity"] = N_("Unknown amenity: choose from the list.")
    upcoming = search.upcoming.strip().lower()
    if upcoming not in _YES | _NO:
        errors["upcoming"] = N_("Upcoming activities must be yes or no.")
    network_pass = search.network_pass.strip().lower()
    if network_pass not in _YES | _NO:
        errors["network_pass"] = N_("The network pass filter must be yes or no.")
    near, route_from, route_to = search.near.strip(), search.route_from.strip(), search.route_to.strip()
    for name, typed in (("near", near), ("from", route_from), ("to", route_to)):
        if len(typed) > MAX_PLACE_LENGTH:
            errors[name] = N_("The place name is too long: at most 120 characters.")
    if bool(route_from) != bool(route_to):
        errors["to" if route_from else "from"] = N_("A route needs both where it starts and where it ends.")
    if near and (route_from or route_to):
        errors["near"] = N_("Search near one place or along a route, not both at once.")
    radius = _kilometres(search.radius_km, DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
    if radius is None:
        errors["radius_km"] = N_("The distance must be a number of kilometres from 1 to 500.")
    corridor = _kilometres(search.corridor_km, DEFAULT_CORRIDOR_KM, MAX_CORRIDOR_KM)
    if corridor is None:
        errors["corridor_km"] = N_("The distance from the route must be a number of kilometres up to 100.")
    box = None
    if search.bbox.strip():
        try:
            box = parse_bbox(search.bbox)
        except ValueError:
            errors["bbox"] = N_("The map area must be four numbers: west, south, east, north.")
    by_distance = bool(near or route_from)
    sort_key = search.sort.strip() or default_sort(text, by_distance)
    if sort_key not in SORTS:
        errors["sort"] = N_("Unknown sort order.")
    elif sort_key == "distance" and not by_distance:
        errors["sort"] = N_("Sorting by distance needs a place to measure from.")
    page_number = _positive_int(search.page, 1)
    if page_number is None:
        errors["page"] = N_("The page number must be a whole number from 1.")
    size = _positive_int(search.per_page, DEFAULT_PER_PAGE)
    if size is None or size > MAX_PER_PAGE:
        errors["per_page"] = N_("Results per page must be between 1 and 100.")
    if errors:
        raise InvalidInput(errors)
    return SpaceQuery(
        q=text,
        countries=country_codes,
        regions=regions,
        amenities=amenity_codes,
        upcoming=upcoming in _YES,
        network_pass=network_pass in _YES,
        sort=sort_key,
        page=page_number or 1,
        per_page=size or DEFAULT_PER_PAGE,
        near=near,
        radius_km=radius or DEFAULT_RADIUS_KM,
        route_from=route_from,
        route_to=route_to,
        corridor_km=corridor or DEFAULT_CORRIDOR_KM,
        bbox=box,
    )
