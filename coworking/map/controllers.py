"""The map page and its data: clustered GeoJSON for the view, the list of spaces beside it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from coworking.db import DbSession
from coworking.map.services import MAX_ZOOM, map_features
from coworking.models import utcnow
from coworking.spaces.controllers import search_page_context
from coworking.spaces.schemas import build_space_query
from coworking.web import page


class MapPage(Controller):
    path = "/map"
    include_in_schema = False

    @get("/", name="map", sync_to_thread=True)
    def show(self, request: Request, db_session: DbSession) -> Template:
        """The map, with the same filters as /spaces; without JavaScript it is the list, with distances."""
        context, status = search_page_context(request, db_session, "/map")
        return page(
            request,
            "map/map.html",
            context,
            partial="spaces/_results.html",
            status_code=status,
        )


class MapApi(Controller):
    path = "/api/v1/spaces.geojson"
    tags = ["map"]

    @get(
        "/",
        sync_to_thread=True,
        summary="Spaces in a box as GeoJSON, clustered for the zoom level",
    )
    def features(
        self,
        request: Request,
        db_session: DbSession,
        bbox: Annotated[str, QueryParameter(description="west,south,east,north in degrees (WGS 84).")],
        zoom: Annotated[int, QueryParameter(ge=0, le=MAX_ZOOM, description="The map's zoom level, 0–22.")],
        q: FromQuery[str | None] = None,
        country: FromQuery[list[str] | None] = None,
        amenity: FromQuery[list[str] | None] = None,
        upcoming: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        query = build_space_query(
            q=q,
            countries=country or (),
            amenities=amenity or (),
            upcoming=upcoming,
            bbox=bbox,
        )
        return map_features(db_session, query, zoom, utcnow(), request.app.state.map_grids)
