"""What a follow follows: the area and filters of a search, in one canonical form, and its name.

A follow keeps only what narrows the directory (the filters and the map view's box); a place to measure
from, an order or a page are a way of reading a search, not part of the area, and are left out.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from coworking.core.i18n import Translator
from coworking.core.vocabulary import N_
from coworking.geo.distance import parse_bbox
from coworking.spaces.query import FilterParams, SearchParams, SpaceQuery, build_space_query
from coworking.spaces.vocabulary import AMENITY_LABELS

# The query-string names of an area, in the order SpaceQuery.params() writes them.
AREA_KEYS = ("q", "country", "region", "amenity", "upcoming", "network_pass", "bbox")
_REPEATED = ("country", "region", "amenity")
LABEL_MAX = 300


def area_query(params: FilterParams) -> SpaceQuery:
    """The area and filters of a search as typed, validated (InvalidInput names the wrong fields) and
    normalised: each list sorted, the box rounded as its parameter writes it, everything else dropped."""
    fields = {name: getattr(params, name) for name in FilterParams.__struct_fields__}
    query = build_space_query(SearchParams(**fields, bbox=getattr(params, "bbox", "")))
    return SpaceQuery(
        q=query.q,
        countries=tuple(sorted(query.countries)),
        regions=tuple(sorted(query.regions)),
        amenities=tuple(sorted(query.amenities)),
        upcoming=query.upcoming,
        network_pass=query.network_pass,
        bbox=parse_bbox(query.bbox.param()) if query.bbox else None,
    )


def area_pairs(query: SpaceQuery | None) -> list[tuple[str, str]]:
    """The query-string pairs of a search's area and filters (for links to follow it, its feeds)."""
    if query is None:
        return []
    return [(key, value) for key, value in query.params() if key in AREA_KEYS]


def canonical(query: SpaceQuery) -> str:
    """The query string a follow stores: equal for equal areas, however they were typed."""
    return urlencode(area_pairs(query))


def query_from_string(text: str) -> SpaceQuery:
    """A stored (or linked) query string back as a validated query; InvalidInput if it no longer is one."""
    fields: dict[str, object] = {}
    for key, value in parse_qsl(text):
        if key in _REPEATED:
            fields[key] = (*fields.get(key, ()), value)  # type: ignore[misc]
        elif key in AREA_KEYS:
            fields[key] = value
    return area_query(SearchParams(**fields))  # type: ignore[arg-type]


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.2f}° {positive if value >= 0 else negative}"


def area_label(query: SpaceQuery, translator: Translator) -> str:
    """The area's name in ``translator``'s language: "Vidzeme · Latvia · Garden", "the whole network"."""
    gettext = translator.gettext
    parts: list[str] = []
    if query.q:
        parts.append(f"“{query.q}”")
    if query.regions:
        parts.append(", ".join(query.regions))
    if query.countries:
        parts.append(", ".join(translator.country_name(code) for code in query.countries))
    if query.bbox:
        box = query.bbox
        parts.append(
            gettext(
                N_("the map area around %(latitude)s, %(longitude)s"),
                latitude=_degrees((box.south + box.north) / 2, "N", "S"),
                longitude=_degrees((box.west + box.east) / 2, "E", "W"),
            )
        )
    if query.amenities:
        parts.append(", ".join(gettext(AMENITY_LABELS[code]) for code in query.amenities))
    if query.upcoming:
        parts.append(gettext(N_("with upcoming activities")))
    if query.network_pass:
        parts.append(gettext(N_("with a network pass")))
    label = " · ".join(parts) or gettext(N_("the whole network"))
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"
