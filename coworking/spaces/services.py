"""The rules of the directory: how spaces are searched, shown and named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from geopy.geocoders.base import Geocoder
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, select, text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, joinedload, selectinload

from coworking.activities.models import Activity
from coworking.activities.schemas import ActivityOccurrence
from coworking.activities.services import is_upcoming_clause, next_occurrence, occurrence, occurrences
from coworking.core.errors import InvalidInput
from coworking.core.text import fold, slugify
from coworking.core.vocabulary import N_
from coworking.geo.distance import (
    BoundingBox,
    box_around,
    box_around_route,
    distance_km,
    route_position,
    sphere_km,
)
from coworking.geo.schemas import Origin
from coworking.geo.services import locate
from coworking.spaces.models import Space, space_amenities, space_community_builders
from coworking.spaces.query import SpaceQuery
from coworking.spaces.schemas import (
    CommunityBuilderOut,
    CountryCount,
    DirectoryStats,
    SearchPage,
    SpaceCard,
    SpaceDetail,
)

# Spaces the public sees: drafts are private to their builders, closed ones stay findable by link.
PUBLIC_STATUSES = ("published", "closed")

_ORDER = {
    "name": (Space.name, Space.id),
    "town": (Space.town, Space.name, Space.id),
    "country": (Space.country_code, Space.name, Space.id),
    "updated": (Space.updated_at.desc(), Space.id),
}


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_spaces(query: SpaceQuery, now: datetime, dialect: str) -> Select:
    """Published spaces matching the query's filters (not its distance: that is measured after)."""
    statement = select(Space).where(Space.status == "published")
    for term in fold(query.q).split():
        statement = statement.where(Space.search_text.like(f"%{_like_escape(term)}%", escape="\\"))
    if query.countries:
        statement = statement.where(Space.country_code.in_(query.countries))
    for code in query.amenities:
        statement = statement.where(
            exists().where(
                and_(
                    space_amenities.c.space_id == Space.id,
                    space_amenities.c.amenity_code == code,
                )
            )
        )
    if query.bbox is not None:
        statement = statement.where(within_box(dialect, query.bbox))
    if query.upcoming:
        statement = statement.where(exists().where(and_(Activity.space_id == Space.id, is_upcoming_clause(now))))
    return statement


def _upcoming_counts(session: Session, space_ids: list[int], now: datetime) -> dict[int, int]:
    if not space_ids:
        return {}
    rows = session.execute(
        select(Activity.space_id, func.count())
        .where(Activity.space_id.in_(space_ids), is_upcoming_clause(now))
        .group_by(Activity.space_id)
    )
    return {space_id: count for space_id, count in rows}


def find_spaces(session: Session, geocoder: Geocoder, query: SpaceQuery, now: datetime) -> SearchPage:
    """Search as a resident asks: locate the typed places first (PlaceNotFound if one is unknown)."""
    return search_spaces(session, query, now, resolve_origin(query, geocoder))


def search_spaces(session: Session, query: SpaceQuery, now: datetime, origin: Origin | None = None) -> SearchPage:
    """One page of published spaces matching ``query``; InvalidInput if the page is past the last one.

    With an ``origin`` only spaces within its distance are found, each with its distance in km.
    """
    filtered = filtered_spaces(query, now, session.get_bind().dialect.name)
    if origin is not None:
        return _search_by_distance(session, query, filtered, origin, now)
    total = session.scalar(select(func.count()).select_from(filtered.order_by(None).subquery())) or 0
    _check_page(query, total)
    spaces = session.scalars(
        filtered.order_by(*_ORDER[query.sort])
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
        .options(selectinload(Space.amenities))
    ).all()
    return _page(session, query, spaces, total, now)


def _check_page(query: SpaceQuery, total: int) -> None:
    if query.page > max(1, -(-total // query.per_page)):
        raise InvalidInput({"page": N_("There is no such page of results: go back to the first page.")})


def _page(
    session: Session,
    query: SpaceQuery,
    spaces: Sequence[Space],
    total: int,
    now: datetime,
    distances: dict[int, float] | None = None,
    origin: Origin | None = None,
) -> SearchPage:
    counts = _upcoming_counts(session, [space.id for space in spaces], now)
    return SearchPage(
        items=[to_card(space, counts.get(space.id, 0), (distances or {}).get(space.id)) for space in spaces],
        total=total,
        page=query.page,
        per_page=query.per_page,
        origin=origin,
    )


# Python twins of _ORDER for results already in memory (distance search sorts what it measured).
_SORT_KEYS = {
    "name": lambda row: (row.name, row.id),
    "town": lambda row: (row.town, row.name, row.id),
    "country": lambda row: (row.country_code, row.name, row.id),
    "updated": lambda row: (-row.updated_at.timestamp(), row.id),
}
# The sphere and the ellipsoid differ by less than 0.5 %: only points in this band need the ellipsoid.
_SPHERE_MARGIN = 0.006


def _search_by_distance(
    session: Session, query: SpaceQuery, filtered: Select, origin: Origin, now: datetime
) -> SearchPage:
    """Spaces within ``origin.km`` of a place (or of a route), measured in Python after the index
    narrowed them to a box: the sphere orders them, geopy's geodesic decides the edge and the shown km."""
    start = (origin.start.latitude, origin.start.longitude)
    end = (origin.end.latitude, origin.end.longitude) if origin.end else None
    box = box_around(*start, origin.km) if end is None else box_around_route(start, end, origin.km)
    rows = session.execute(
        filtered.where(within_box(session.get_bind().dialect.name, box)).with_only_columns(
            Space.id, Space.latitude, Space.longitude, Space.name, Space.town, Space.country_code, Space.updated_at
        )
    ).all()
    found: list[tuple[tuple, Row]] = []  # (order along the search, row)
    off_route: dict[int, float] = {}
    for row in rows:
        point = (row.latitude, row.longitude)
        if end is None:
            km = sphere_km(start, point)
            if km > origin.km * (1 + _SPHERE_MARGIN):
                continue
            if km > origin.km * (1 - _SPHERE_MARGIN) and distance_km(start, point) > origin.km:
                continue
            found.append(((km, row.id), row))
        else:
            position = route_position(start, end, point)
            if position.off_route_km <= origin.km:
                # Behind the start everything is at position 0: the nearer comes first.
                found.append(((position.along_km, position.off_route_km, row.id), row))
                off_route[row.id] = position.off_route_km
    _check_page(query, len(found))
    if query.sort == "distance":
        found.sort(key=lambda pair: pair[0])
    else:
        found.sort(key=lambda pair: _SORT_KEYS[query.sort](pair[1]))
    page_rows = [row for _, row in found[(query.page - 1) * query.per_page : query.page * query.per_page]]
    by_id = {
        space.id: space
        for space in session.scalars(
            select(Space).where(Space.id.in_([row.id for row in page_rows])).options(selectinload(Space.amenities))
        )
    }
    spaces = [by_id[row.id] for row in page_rows]
    if end is None:
        distances = {row.id: round(distance_km(start, (row.latitude, row.longitude)), 1) for row in page_rows}
    else:
        distances = {row.id: round(off_route[row.id], 1) for row in page_rows}
    return _page(session, query, spaces, len(found), now, distances, origin)


def within_box(dialect: str, box: BoundingBox) -> ColumnElement[bool]:
    """Spaces inside ``box``, answered from the spatial index (R*Tree on SQLite, GiST on PostgreSQL)."""
    exact = and_(
        Space.latitude.between(box.south, box.north),
        Space.longitude.between(box.west, box.east),
    )
    if dialect == "sqlite":
        # The R*Tree stores 32-bit floats: it narrows the search, the exact test above decides.
        candidates = text(
            "SELECT id FROM spaces_rtree WHERE max_lat >= :south AND min_lat <= :north "
            "AND max_lon >= :west AND min_lon <= :east"
        ).bindparams(
            # Unique names: one statement may hold two boxes (the map's view and a search radius).
            *(bindparam(name, value, unique=True) for name, value in vars(box).items())
        )
        return and_(Space.id.in_(candidates), exact)
    indexed = func.point(Space.longitude, Space.latitude).op("<@")(
        func.box(func.point(box.west, box.south), func.point(box.east, box.north))
    )
    return and_(Space.latitude.is_not(None), Space.longitude.is_not(None), indexed, exact)


def resolve_origin(query: SpaceQuery, geocoder: Geocoder) -> Origin | None:
    """Turn the typed ``near`` / ``from`` and ``to`` into coordinates, or raise PlaceNotFound."""
    if query.near:
        return Origin(start=locate("near", query.near, geocoder), end=None, km=query.radius_km)
    if query.route_from:
        return Origin(
            start=locate("from", query.route_from, geocoder),
            end=locate("to", query.route_to, geocoder),
            km=query.corridor_km,
        )
    return None


def _summary(space: Space) -> dict[str, object]:
    """The fields every listing of a space shares (SpaceSummary), read from the model once."""
    return {
        "slug": space.slug,
        "name": space.name,
        "town": space.town,
        "region": space.region,
        "country_code": space.country_code,
        "latitude": space.latitude,
        "longitude": space.longitude,
        "location_precision": space.location_precision,
        "amenities": space.amenity_codes,
        "status": space.status,
        "updated_at": space.updated_at,
    }


def to_card(space: Space, upcoming_activities: int, distance_km: float | None = None) -> SpaceCard:
    return SpaceCard(**_summary(space), upcoming_activities=upcoming_activities, distance_km=distance_km)


def get_space(session: Session, slug: str, now: datetime) -> SpaceDetail | None:
    """Everything public about one space, or None if there is no public space with this slug."""
    space = session.scalar(
        select(Space)
        .where(Space.slug == slug, Space.status.in_(PUBLIC_STATUSES))
        .options(
            selectinload(Space.amenities),
            selectinload(Space.community_builders),
            selectinload(Space.activities),
        )
    )
    if space is None:
        return None
    return SpaceDetail(
        **_summary(space),
        description=space.description,
        street_address=space.street_address,
        website=space.website,
        email=space.email,
        phone=space.phone,
        opening_hours=space.opening_hours,
        internet_download_mbps=space.internet_download_mbps,
        internet_upload_mbps=space.internet_upload_mbps,
        fibre=space.has_fibre,
        desks=space.desks,
        price_notes=space.price_notes,
        community_builders=[
            CommunityBuilderOut(name=person.name, bio=person.bio, public_contact=person.public_contact)
            for person in space.community_builders
        ],
        activities=occurrences(space.activities, now),
        source_url=space.source_url,
        created_at=space.created_at,
        version=space.version,
    )


def upcoming_activities(session: Session, now: datetime, limit: int = 5) -> list[ActivityOccurrence]:
    """The next activities across all published spaces, soonest first, each naming its space."""
    activities = session.scalars(
        select(Activity)
        .join(Activity.space)
        .where(Space.status == "published", is_upcoming_clause(now))
        .options(joinedload(Activity.space))
    ).all()
    dated = [(when, activity) for activity in activities if (when := next_occurrence(activity, now))]
    dated.sort(key=lambda pair: pair[0])
    return [occurrence(activity, when, with_space=True) for when, activity in dated[:limit]]


def directory_stats(session: Session) -> DirectoryStats:
    """How many published spaces there are, in total and per country (largest first)."""
    rows = session.execute(
        select(Space.country_code, func.count())
        .where(Space.status == "published")
        .group_by(Space.country_code)
        .order_by(func.count().desc(), Space.country_code)
    ).tuples()
    countries = [CountryCount(code=code, spaces=count) for code, count in rows]
    return DirectoryStats(spaces=sum(country.spaces for country in countries), countries=countries)


def unique_space_slug(session: Session, name: str, town: str) -> str:
    """A free slug: the name, then name-town, then name-town-2, -3, … ."""
    candidates = [slugify(name), slugify(f"{name} {town}")]
    for candidate in candidates:
        if not session.scalar(select(exists().where(Space.slug == candidate))):
            return candidate
    base, number = candidates[-1], 2
    while session.scalar(select(exists().where(Space.slug == f"{base}-{number}"))):
        number += 1
    return f"{base}-{number}"


@dataclass(frozen=True)
class DataGaps:
    """What the directory does not know yet, shown honestly on the About page."""

    spaces: int
    town_level_location: int
    no_location: int
    amenities_unknown: int
    no_website: int
    no_community_builder: int


def data_gaps(session: Session) -> DataGaps:
    published = Space.status == "published"

    def count(*conditions: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(Space).where(published, *conditions)) or 0

    return DataGaps(
        spaces=count(),
        town_level_location=count(Space.location_precision == "town"),
        no_location=count(Space.latitude.is_(None)),
        amenities_unknown=count(~exists().where(space_amenities.c.space_id == Space.id)),
        no_website=count(Space.website.is_(None)),
        no_community_builder=count(~exists().where(space_community_builders.c.space_id == Space.id)),
    )
