"""The JSON API twin of the space pages: the same service calls, serialised as JSON."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter

from coworking.db import DbSession
from coworking.models import utcnow
from coworking.spaces.schemas import (
    DEFAULT_CORRIDOR_KM,
    DEFAULT_PER_PAGE,
    DEFAULT_RADIUS_KM,
    MAX_PER_PAGE,
    Origin,
    SpaceCard,
    SpaceDetail,
    build_space_query,
)
from coworking.spaces.services import find_spaces, get_space
from coworking.web import query_string


class SpaceList(msgspec.Struct, kw_only=True):
    items: list[SpaceCard]
    # The place or route distances were measured from, as the geocoder understood the query.
    origin: Origin | None
    total: int
    page: int
    per_page: int
    pages: int
    next: str | None
    previous: str | None


class SpacesApi(Controller):
    path = "/api/v1/spaces"
    tags = ["spaces"]

    @get("/", sync_to_thread=True, summary="Search published spaces")
    def search(
        self,
        request: Request,
        db_session: DbSession,
        q: Annotated[
            str | None,
            QueryParameter(description="Free text in name, town, region or description; accents optional."),
        ] = None,
        country: Annotated[
            list[str] | None,
            QueryParameter(description="ISO 3166-1 alpha-2 codes (any of)."),
        ] = None,
        amenity: Annotated[list[str] | None, QueryParameter(description="Amenity codes (all of).")] = None,
        upcoming: Annotated[bool, QueryParameter(description="Only spaces with upcoming activities.")] = False,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
        near: Annotated[
            str | None,
            QueryParameter(description='A place ("Lielvārde", "Ogre, LV") or "lat, lon": sort by distance.'),
        ] = None,
        radius_km: Annotated[
            float, QueryParameter(description="With near: how far to look, 1–500 km.")
        ] = DEFAULT_RADIUS_KM,
        route_from: Annotated[
            str | None,
            QueryParameter(name="from", description="Start of a route (with to)."),
        ] = None,
        route_to: Annotated[str | None, QueryParameter(name="to", description="End of a route (with from).")] = None,
        corridor_km: Annotated[
            float,
            QueryParameter(description="With from/to: how far from the route's straight line, up to 100 km."),
        ] = DEFAULT_CORRIDOR_KM,
        bbox: Annotated[
            str | None,
            QueryParameter(description="Only spaces in this box: west,south,east,north."),
        ] = None,
        sort: Annotated[
            str | None,
            QueryParameter(description="distance (default with near or from/to), name, town, country or updated."),
        ] = None,
    ) -> SpaceList:
        query = build_space_query(
            q=q,
            countries=country or (),
            amenities=amenity or (),
            upcoming=upcoming,
            sort=sort,
            page=page,
            per_page=per_page,
            near=near,
            radius_km=radius_km,
            route_from=route_from,
            route_to=route_to,
            corridor_km=corridor_km,
            bbox=bbox,
        )
        found = find_spaces(db_session, request.app.state.geocoder, query, utcnow())
        base = str(request.url.with_replacements(query=""))
        return SpaceList(
            items=found.items,
            origin=found.origin,
            total=found.total,
            page=found.page,
            per_page=found.per_page,
            pages=found.pages,
            next=base + query_string(query.params(page=found.page + 1)) if found.page < found.pages else None,
            previous=base + query_string(query.params(page=found.page - 1)) if found.page > 1 else None,
        )

    @get(
        "/{slug:str}",
        sync_to_thread=True,
        summary="One space, with everything public about it",
    )
    def detail(self, db_session: DbSession, slug: FromPath[str]) -> SpaceDetail:
        space = get_space(db_session, slug, utcnow())
        if space is None:
            raise NotFoundException(f"No space with the slug {slug!r}.")
        return space
