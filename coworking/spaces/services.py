"""The rules of the directory: how spaces are searched, shown and named."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from geopy.geocoders.base import Geocoder
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, joinedload

from coworking.activities.models import Activity
from coworking.activities.recurrence import next_occurrences
from coworking.activities.schemas import ActivityOccurrence
from coworking.activities.services import is_upcoming_clause, occurrence, occurrences
from coworking.core.errors import InvalidInput
from coworking.core.i18n import official_language, timezone_for_country, today_in
from coworking.core.models import to_struct, utcnow
from coworking.core.text import search_words, slugify
from coworking.core.vocabulary import N_
from coworking.geo.distance import (
    BoundingBox,
    RouteSamples,
    box_around,
    distance_km,
    km_within_planar,
    route_position,
    sphere_km,
)
from coworking.geo.schemas import Origin
from coworking.geo.services import locate
from coworking.spaces.descriptions import is_outdated
from coworking.spaces.models import (
    Amenity,
    CommunityBuilder,
    Space,
    SpacePhoto,
    SpaceTranslation,
    fibre_among,
    space_amenities,
    space_community_builders,
)
from coworking.spaces.query import SpaceQuery
from coworking.spaces.schemas import (
    CommunityBuilderOut,
    CountryCount,
    DescriptionTranslation,
    DirectoryStats,
    PhotoCopy,
    PhotoOut,
    SearchPage,
    SpaceCard,
    SpaceDetail,
)

# Spaces the public sees: drafts are private to their builders, closed ones stay findable by link.
PUBLIC_STATUSES = ("published", "paused", "closed")

_ORDER = {
    "name": (Space.name, Space.id),
    "town": (Space.town, Space.name, Space.id),
    "country": (Space.country_code, Space.name, Space.id),
    "updated": (Space.updated_at.desc(), Space.id),
}


# SQLite's FTS5 index of spaces.search_text (migration 0023; triggers keep it in step with every write).
_FTS = table("spaces_fts", column("rowid"))
# PostgreSQL's: spaces.search_vector, the words of search_text as a tsvector (migration 0023).
_SEARCH_VECTOR = literal_column("spaces.search_vector")


def text_match(words: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """Spaces having, for each of ``words``, a word that starts with it (``cesi`` finds Cēsis), from the
    full-text index: FTS5 on SQLite, the GIN index of migration 0023 on PostgreSQL. ``words`` come from
    ``search_words`` (letters and digits only), so quoting them is all the escaping either syntax needs."""
    if dialect == "sqlite":
        # Each word a quoted prefix phrase ("cesi"*); side by side they must all match.
        phrase = " ".join(f'"{word}"*' for word in words)
        return Space.id.in_(select(_FTS.c.rowid).where(literal_column("spaces_fts").op("MATCH")(phrase)))
    # The generated column of migration 0023 (not in the model: SQLite has no such type), with its GIN index.
    return _SEARCH_VECTOR.op("@@")(cast(" & ".join(f"'{word}':*" for word in words), TSQUERY))


def relevance(words: Sequence[str]) -> ColumnElement[int]:
    """How well a found space matches ``words``, best first: 0 the name is the words, 1 the name starts
    with them, 2 each is (the start of) a word of the name, 3 of the name or the place (town, region),
    4 found in the descriptions only. Ties go by ``search_name`` then id (``_ORDER["relevance"]``).

    Computed here, not by FTS5's bm25 or PostgreSQL's ts_rank, so both databases give the same order."""
    typed = " ".join(words)
    name_words = literal(" ") + Space.search_name
    place_words = name_words + literal(" ") + Space.search_place
    # Words hold letters and digits only: nothing in them is a LIKE wildcard.
    return case(
        (Space.search_name == typed, 0),
        (Space.search_name.like(f"{typed}%"), 1),
        (and_(*(name_words.like(f"% {word}%") for word in words)), 2),
        (and_(*(place_words.like(f"% {word}%") for word in words)), 3),
        else_=4,
    )


def query_words(query: SpaceQuery) -> list[str]:
    """The distinct words of the query's text; none (no text filter) when it holds no letter or digit."""
    return list(dict.fromkeys(search_words(query.q)))


def filtered_spaces(query: SpaceQuery, now: datetime, dialect: str) -> Select:
    """Published spaces matching the query's filters (not its distance: that is measured after)."""
    statement = select(Space).where(Space.status == "published")
    if words := query_words(query):
        statement = statement.where(text_match(words, dialect))
    if query.countries:
        statement = statement.where(Space.country_code.in_(query.countries))
    if query.regions:
        statement = statement.where(Space.region.in_(query.regions))
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
    if query.network_pass:
        statement = statement.where(Space.network_pass_days.is_not(None))
    return statement


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
    offset = (query.page - 1) * query.per_page
    if query.sort == "relevance" and query_words(query):
        return _ranked_page(session, query, filtered, offset, now)
    total = _count(session, filtered)
    _check_page(query, total)
    # The page's ids first, then their cards: the upcoming count (a subquery per row) is then computed for the
    # page's rows only, never for every match a sort must read (a sort by town at 100,000 spaces).
    ids = session.scalars(filtered.with_only_columns(Space.id).order_by(*_order(query)).limit(query.per_page).offset(offset))
    return _page(session, query, _card_rows(session, list(ids), now), total)


def _count(session: Session, filtered: Select) -> int:
    return session.scalar(select(func.count()).select_from(filtered.order_by(None).subquery())) or 0


def _ranked_page(session: Session, query: SpaceQuery, filtered: Select, offset: int, now: datetime) -> SearchPage:
    """One page by relevance. Every match is scored and sorted anyway, so one statement does it all: the ids
    alone (narrow rows to sort) with the count of all matches beside them (``count(*) OVER ()``, taken before
    the LIMIT): the index is searched once, not once for the count and once for the page."""
    rows = session.execute(
        filtered.with_only_columns(Space.id, func.count().over().label("total"))
        .order_by(*_order(query))
        .limit(query.per_page)
        .offset(offset)
    ).all()
    total = rows[0].total if rows else _count(session, filtered)  # past the last page: how many there are
    _check_page(query, total)
    return _page(session, query, _card_rows(session, [row.id for row in rows], now), total)


def _order(query: SpaceQuery) -> tuple:
    if query.sort == "relevance":
        words = query_words(query)
        return (relevance(words), Space.search_name, Space.id) if words else _ORDER["name"]
    return _ORDER[query.sort]


def _check_page(query: SpaceQuery, total: int) -> None:
    if query.page > max(1, -(-total // query.per_page)):
        raise InvalidInput({"page": N_("There is no such page of results: go back to the first page.")})


# What a card shows of a space, read as plain rows: a page of cards costs a fraction of ORM objects (issue #13).
_CARD_COLUMNS = tuple(
    Space.__table__.c[name] for name in ("id", *SpaceCard.__struct_fields__) if name in Space.__table__.c
)


def _upcoming_count_at(now: datetime | BindParameter) -> ColumnElement[int]:
    """A space's upcoming activities as a column beside its card's (not one more statement per page)."""
    return (
        select(func.count())
        .select_from(Activity)
        .where(Activity.space_id == Space.id, is_upcoming_clause(now))
        .correlate(Space)
        .scalar_subquery()
        .label("upcoming_activities")
    )


# A page of cards is read by three statements of a fixed shape: built once here, with the page's ids and
# the time as parameters, SQLAlchemy neither builds them nor computes their cache keys again per request
# (that was a quarter of an API answer's time, issue #13).
def _ids() -> BindParameter:
    return bindparam("ids", expanding=True)


_CARDS = select(
    *_CARD_COLUMNS, _upcoming_count_at(bindparam("now", type_=Activity.__table__.c.last_ends_at.type))
).where(Space.id.in_(_ids()))
_AMENITY_CODES = (
    select(space_amenities.c.space_id, Amenity.code)
    .join(Amenity, Amenity.code == space_amenities.c.amenity_code)
    .where(space_amenities.c.space_id.in_(_ids()))
    .order_by(Amenity.position)
)
_SHOWN_PHOTOS = (
    select(SpacePhoto)
    .where(SpacePhoto.space_id.in_(_ids()), SpacePhoto.removed_at.is_(None))
    .order_by(SpacePhoto.position, SpacePhoto.id)
)


def _card_rows(session: Session, ids: Sequence[int], now: datetime) -> list[Row]:
    """The cards' rows of the spaces ``ids``, in that order."""
    if not ids:
        return []
    rows = session.execute(_CARDS, {"ids": list(ids), "now": now}).all()
    by_id = {row.id: row for row in rows}
    return [by_id[space_id] for space_id in ids]


def amenity_codes_of(session: Session, space_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each space's amenity codes, in the vocabulary's order (as ``Space.amenities``)."""
    codes: dict[int, list[str]] = {}
    for space_id, code in session.execute(_AMENITY_CODES, {"ids": list(space_ids)}):
        codes.setdefault(space_id, []).append(code)
    return codes


def shown_photos_of(session: Session, space_ids: Sequence[int]) -> dict[int, list[SpacePhoto]]:
    """Each space's photos on its page, in their order (as ``Space.shown_photos``)."""
    photos: dict[int, list[SpacePhoto]] = {}
    for photo in session.scalars(_SHOWN_PHOTOS, {"ids": list(space_ids)}):
        photos.setdefault(photo.space_id, []).append(photo)
    return photos


def _page(
    session: Session,
    query: SpaceQuery,
    rows: Sequence[Row],
    total: int,
    distances: dict[int, float] | None = None,
    origin: Origin | None = None,
    complete_within_km: float | None = None,
) -> SearchPage:
    """The page of cards for ``rows`` (of ``_CARD_COLUMNS`` and the upcoming count)."""
    ids = [row.id for row in rows]
    amenities = amenity_codes_of(session, ids) if ids else {}
    photos = shown_photos_of(session, ids) if ids else {}
    return SearchPage(
        items=[
            to_card(row, amenities.get(row.id, []), photos.get(row.id, []), (distances or {}).get(row.id))
            for row in rows
        ],
        total=total,
        page=query.page,
        per_page=query.per_page,
        origin=origin,
        complete_within_km=complete_within_km,
    )


# Python twins of _ORDER for results already in memory (distance search sorts what it measured).
_SORT_KEYS = {
    "name": lambda row: (row.name, row.id),
    "town": lambda row: (row.town, row.name, row.id),
    "country": lambda row: (row.country_code, row.name, row.id),
    "updated": lambda row: (-row.updated_at.timestamp(), row.id),
    "relevance": lambda row: (row.relevance, row.search_name, row.id),
}
# The sphere and the ellipsoid differ by less than 0.5 %: only points in this band need the ellipsoid.
_SPHERE_MARGIN = 0.006
# The most rows one distance or route search reads from the database. Each candidate costs Python
# ~4 µs (a row, a sphere distance or route position, a place in the sort): 1,000 of them ~5 ms, where a
# 100 km corridor across Europe read 64,000 (0.27 s). 1,000 is also ten pages of the largest page size
# (100), more than anyone pages through; past it the answer says how far it is complete instead.
MAX_DISTANCE_CANDIDATES = 1_000
# Below this a narrowed search gives up (a thousand spaces within 100 m of one point).
_MIN_SEARCH_KM = 0.1
# The SQLite R*Tree, as a table a search can join (the migration creates it, triggers keep it).
_RTREE = table("spaces_rtree", column("id"), column("min_lat"), column("max_lat"), column("min_lon"), column("max_lon"))
# What a candidate is read with: where it is, and what _SORT_KEYS needs (a row costs less without the rest).
_CANDIDATE_COLUMNS = (Space.id, Space.latitude, Space.longitude)
_SORT_COLUMNS = {
    "distance": (),
    "name": (Space.name,),
    "town": (Space.town, Space.name),
    "country": (Space.country_code, Space.name),
    "updated": (Space.updated_at,),
}


def _search_by_distance(
    session: Session, query: SpaceQuery, filtered: Select, origin: Origin, now: datetime
) -> SearchPage:
    """Spaces within ``origin.km`` of a place (or of a route), measured in Python after the index
    narrowed them to at most MAX_DISTANCE_CANDIDATES: the sphere orders them, geopy's geodesic decides
    the edge and the shown km. When the cap cuts the candidates the page says within what distance
    (or how far along the route) its list is complete, and holds only what lies there."""
    dialect = session.get_bind().dialect.name
    start = (origin.start.latitude, origin.start.longitude)
    if query.sort == "relevance":
        words = query_words(query)
        query = query if words else replace(query, sort="name")
        sort_columns = (relevance(words).label("relevance"), Space.search_name) if words else _SORT_COLUMNS["name"]
    else:
        sort_columns = _SORT_COLUMNS[query.sort]
    filtered = filtered.with_only_columns(*_CANDIDATE_COLUMNS, *sort_columns)
    if origin.end is None:
        found, complete_within = _nearest(session, filtered, dialect, start, origin.km)
        off_route: dict[int, float] = {}
    else:
        found, off_route, origin, complete_within = _along_route(session, filtered, dialect, origin)
    _check_page(query, len(found))
    if query.sort == "distance":
        found.sort(key=lambda pair: pair[0])
    else:
        found.sort(key=lambda pair: _SORT_KEYS[query.sort](pair[1]))
    page_rows = [row for _, row in found[(query.page - 1) * query.per_page : query.page * query.per_page]]
    if origin.end is None:
        distances = {row.id: round(distance_km(start, (row.latitude, row.longitude)), 1) for row in page_rows}
    else:
        distances = {row.id: round(off_route[row.id], 1) for row in page_rows}
    cards = _card_rows(session, [row.id for row in page_rows], now)
    return _page(session, query, cards, len(found), distances, origin, complete_within)


@dataclass(frozen=True)
class MeasuredSpaces:
    """Every space a distance search finds, by id, with its km (from the place, or off the route)."""

    distances: dict[int, float]
    # The origin searched: along a crowded route the corridor may be narrower than asked.
    origin: Origin
    # As SearchPage.complete_within_km: None when every candidate was read.
    complete_within_km: float | None


def measured_spaces(
    session: Session, query: SpaceQuery, origin: Origin, now: datetime, *also: ColumnElement[bool]
) -> MeasuredSpaces:
    """The published spaces matching ``query``'s filters (and the conditions ``also``) within ``origin``'s
    distance, all of them at once (no page), read as the distance search reads them: at most
    MAX_DISTANCE_CANDIDATES, and saying how far the answer is complete when that cut it. For what lists
    something of the spaces (their activities) rather than the spaces themselves."""
    dialect = session.get_bind().dialect.name
    filtered = filtered_spaces(query, now, dialect).where(*also).with_only_columns(*_CANDIDATE_COLUMNS)
    start = (origin.start.latitude, origin.start.longitude)
    if origin.end is None:
        found, complete_within = _nearest(session, filtered, dialect, start, origin.km)
        distances = {row.id: round(distance_km(start, (row.latitude, row.longitude)), 1) for _, row in found}
        return MeasuredSpaces(distances, origin, complete_within)
    found, off_route, origin, complete_within = _along_route(session, filtered, dialect, origin)
    return MeasuredSpaces({row.id: round(off_route[row.id], 1) for _, row in found}, origin, complete_within)


def _candidates(filtered: Select, dialect: str, box: BoundingBox) -> Select:
    """The filtered spaces (as ``filtered`` selects them) in ``box``.

    On SQLite the R*Tree is joined, so that it drives the query and a LIMIT stops it early:
    within_box's ``id IN (SELECT id FROM spaces_rtree …)`` reads every id of the box first.
    """
    if dialect != "sqlite":
        return filtered.where(within_box(dialect, box))
    return filtered.join(_RTREE, _RTREE.c.id == Space.id).where(
        # The R*Tree stores 32-bit floats (rounded outwards): it narrows, the exact test decides.
        _RTREE.c.max_lat >= box.south,
        _RTREE.c.min_lat <= box.north,
        _RTREE.c.max_lon >= box.west,
        _RTREE.c.min_lon <= box.east,
        Space.latitude.between(box.south, box.north),
        Space.longitude.between(box.west, box.east),
    )


def _nearest(
    session: Session, filtered: Select, dialect: str, start: tuple[float, float], km: float
) -> tuple[list[tuple[tuple, Row]], float | None]:
    """Spaces within ``km`` of ``start`` as ((sphere km, id), row), and the radius within which they
    are complete if the cap cut them (None if it did not).

    One read of the box around the circle answers most searches. If the box holds more than the cap:
    PostgreSQL reads the spaces nearest first from the GiST index (KNN), in plain degrees, and every
    space nearer than the first one left out was read: that holds every space within the largest circle
    inside that many degrees (km_within_planar). SQLite's R*Tree has no order: the box is halved until
    it holds no more than the cap (counting, without reading the rows), narrowed twice more between that
    radius and the double, read, and complete within that radius.
    """
    cap = MAX_DISTANCE_CANDIDATES
    complete_within: float | None = None
    rows = session.execute(_candidates(filtered, dialect, box_around(*start, km)).limit(cap + 1)).all()
    if len(rows) > cap and dialect == "sqlite":

        def fits(radius: float) -> bool:
            box = _candidates(filtered, dialect, box_around(*start, radius)).limit(cap + 1).subquery()
            return (session.scalar(select(func.count()).select_from(box)) or 0) <= cap

        radius = km / 2
        while not fits(radius):
            radius /= 2
            if radius < _MIN_SEARCH_KM:
                return [], 0.0
        step = radius / 2
        for _ in range(2):
            if fits(radius + step):
                radius += step
            step /= 2
        rows = session.execute(_candidates(filtered, dialect, box_around(*start, radius)).limit(cap + 1)).all()
        complete_within = radius
    elif len(rows) > cap:
        # No box here: the planner guesses a box holds a few dozen rows (a fixed guess for `<@`, or
        # latitude × longitude taken as independent) and then sorts a scan of it or of the whole table
        # rather than walk the index in order. Unbounded, the walk still stops early: the box around
        # the circle holds more than the cap of these spaces, so it stops at most at the box's corners.
        plain = func.point(Space.longitude, Space.latitude).op("<->", return_type=Float)(func.point(start[1], start[0]))
        rows = session.execute(
            filtered.where(Space.latitude.is_not(None), Space.longitude.is_not(None))  # the index's predicate
            .order_by(plain)
            .limit(cap + 1)
        ).all()
        if len(rows) > cap:
            first_left_out = rows[cap]
            radius = km_within_planar(
                start[0], math.hypot(first_left_out.latitude - start[0], first_left_out.longitude - start[1])
            )
            rows = rows[:cap]
            if radius < km:
                complete_within = radius
    if complete_within is not None:
        # Said to the resident as "within X km": never more than is true.
        complete_within = math.floor(complete_within * 10) / 10
        km = complete_within
    found: list[tuple[tuple, Row]] = []
    for row in rows:
        point = (row.latitude, row.longitude)
        distance = sphere_km(start, point)
        if distance > km * (1 + _SPHERE_MARGIN):
            continue
        if distance > km * (1 - _SPHERE_MARGIN) and distance_km(start, point) > km:
            continue
        found.append(((distance, row.id), row))
    return found, complete_within


def _along_route(
    session: Session, filtered: Select, dialect: str, origin: Origin
) -> tuple[list[tuple[tuple, Row]], dict[int, float], Origin, float | None]:
    """Spaces within ``origin.km`` of the route as ((km along, km off, id), row), their km off the
    route, the origin searched, and how far along the route the list is complete if the cap cut it.

    The route is read chunk by chunk from its start (RouteSamples), each chunk's box without the boxes
    already read, until the next chunk would pass the cap: the list is then complete up to where the
    reading stopped. If even the first stretch holds more than the cap (a start in a city full of
    spaces), the corridor is halved until it does not, and the origin returned says how wide it then was.
    """
    assert origin.end is not None
    start = (origin.start.latitude, origin.start.longitude)
    end = (origin.end.latitude, origin.end.longitude)
    corridor = origin.km
    while True:
        rows, reached = _walk_route(session, filtered, dialect, start, end, corridor, crowded=corridor < origin.km)
        if reached is None or reached > 0:
            break
        if corridor / 2 < _MIN_SEARCH_KM:
            rows = []
            break
        corridor /= 2
    if corridor < origin.km:
        origin = replace(origin, km=corridor)
        if reached is None:
            reached = sphere_km(start, end)
    found: list[tuple[tuple, Row]] = []
    off_route: dict[int, float] = {}
    for row in rows:
        position = route_position(start, end, (row.latitude, row.longitude))
        if position.off_route_km <= corridor and (reached is None or position.along_km <= reached):
            # Behind the start everything is at position 0: the nearer comes first.
            found.append(((position.along_km, position.off_route_km, row.id), row))
            off_route[row.id] = position.off_route_km
    # Said to the resident as "the first X km of the route": never more than is true.
    return found, off_route, origin, None if reached is None else math.floor(reached * 10) / 10


def _walk_route(
    session: Session,
    filtered: Select,
    dialect: str,
    start: tuple[float, float],
    end: tuple[float, float],
    km: float,
    crowded: bool = False,
) -> tuple[list[Row], float | None]:
    """The candidates of the route's chunks from its start while they fit in the cap, and the km along
    the route they are complete to (None: the whole route was read).

    The chunk that would pass the cap is cut at the furthest sample whose stretch still fits, by
    bisection (counting, without reading the rows), and that stretch is read too. A ``crowded`` start
    (a wider corridor was already too full there) is counted before anything is read.
    """
    cap = MAX_DISTANCE_CANDIDATES
    route = RouteSamples(start, end, km)
    rows: list[Row] = []
    read: list[BoundingBox] = []

    def unread(first: int, last: int) -> Select:
        box = route.box(first, last)
        already = (
            ~and_(Space.latitude.between(done.south, done.north), Space.longitude.between(done.west, done.east))
            for done in read
            if done.intersects(box)
        )
        return _candidates(filtered, dialect, box).where(*already).limit(cap - len(rows) + 1)

    def fits(first: int, last: int) -> bool:
        return (
            len(rows) + (session.scalar(select(func.count()).select_from(unread(first, last).subquery())) or 0) <= cap
        )

    if crowded and not fits(0, 1):
        return rows, 0.0
    first = 0
    while first < route.steps:
        last = min(route.steps, first + route.per_chunk)
        more = session.execute(unread(first, last)).all()
        if len(rows) + len(more) > cap:
            fitting, over = first, last
            if last - first > 1 and fits(first, first + 1):
                fitting = first + 1
                while over - fitting > 1:
                    middle = (fitting + over) // 2
                    fitting, over = (middle, over) if fits(first, middle) else (fitting, middle)
            if fitting > first:
                more = session.execute(unread(first, fitting)).all()
                if len(rows) + len(more) > cap:  # written to in the meantime
                    fitting = first
                else:
                    rows.extend(more)
            return rows, fitting * route.step_km
        rows.extend(more)
        read.append(route.box(first, last))
        first = last
    return rows, None


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


MEDIA_PATH = "/media/"
# The dates of each series a space's page shows.
SERIES_DATES_SHOWN = 3


def to_photo(photo: SpacePhoto) -> PhotoOut:
    copies = [
        PhotoCopy(url=MEDIA_PATH + photo.file_key(width, height), width=width, height=height)
        for width, height in photo.sizes
    ]
    return PhotoOut(alt=photo.alt_text, copies=copies)


def to_card(
    row: Row, amenities: list[str], photos: list[SpacePhoto], distance_km: float | None = None
) -> SpaceCard:
    """A search result from its row (``_CARD_COLUMNS`` and the upcoming count)."""
    photo = to_photo(photos[0]) if photos else None
    return to_struct(SpaceCard, row, amenities=amenities, distance_km=distance_km, photo=photo)


def get_space(session: Session, slug: str, now: datetime) -> SpaceDetail | None:
    """Everything public about one space, or None if there is no public space with this slug.

    Its amenities, people, activities and photos each by a plain query of their own: four eager loads
    (selectinload) cost twice as much for one space, most of a space page's time (issue #13)."""
    space = session.scalar(select(Space).where(Space.slug == slug, Space.status.in_(PUBLIC_STATUSES)))
    if space is None:
        return None
    amenities = amenity_codes_of(session, [space.id]).get(space.id, [])
    builders = session.scalars(
        select(CommunityBuilder)
        .join(space_community_builders)
        .where(space_community_builders.c.space_id == space.id)
        .order_by(CommunityBuilder.id)
    )
    activities = session.scalars(select(Activity).where(Activity.space_id == space.id).order_by(Activity.starts_at))
    translations = session.scalars(
        select(SpaceTranslation).where(SpaceTranslation.space_id == space.id).order_by(SpaceTranslation.language)
    )
    return to_struct(
        SpaceDetail,
        space,
        description_local_language=official_language(space.country_code),
        translations=[
            DescriptionTranslation(
                language=found.language, description=found.description, may_be_out_of_date=is_outdated(found, space)
            )
            for found in translations
        ],
        amenities=amenities,
        fibre=fibre_among(amenities),
        community_builders=[to_struct(CommunityBuilderOut, person) for person in builders],
        photos=[to_photo(photo) for photo in shown_photos_of(session, [space.id]).get(space.id, [])],
        # A series' next few dates (its page lists them all): when its next meetings are, at a glance.
        activities=occurrences(activities.all(), now, per_series=SERIES_DATES_SHOWN),
    )


def upcoming_activities(session: Session, now: datetime, limit: int = 5, country: str | None = None) -> list[ActivityOccurrence]:
    """The next activities across all published spaces (of ``country``), soonest first, each naming its space."""
    statement = select(Activity).join(Activity.space).where(Space.status == "published", is_upcoming_clause(now))
    if country:
        statement = statement.where(Space.country_code == country)
    activities = session.scalars(statement.options(joinedload(Activity.space))).all()
    dated = sorted((found for activity in activities for found in next_occurrences(activity, now, 1)), key=lambda found: found.starts_at)
    return [occurrence(found.activity, found, with_space=True) for found in dated[:limit]]


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


def region_counts(session: Session, country: str) -> list[tuple[str, int]]:
    """The regions of a country's published spaces, with how many each has (most first)."""
    rows = session.execute(
        select(Space.region, func.count())
        .where(Space.status == "published", Space.country_code == country, Space.region.is_not(None), Space.region != "")
        .group_by(Space.region)
        .order_by(func.count().desc(), Space.region)
    ).tuples()
    return list(rows)


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


def space_today(space: Space, now: datetime | None = None) -> date:
    """Today where the space is (a visit's day, a consent's date: the space's day, not the server's)."""
    return today_in(timezone_for_country(space.country_code), now or utcnow())
