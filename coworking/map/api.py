"""The map's data: clustered GeoJSON for a view and the directory's filters."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import QueryParameter

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.core.openapi import BAD_REQUEST
from coworking.map.services import map_features, parse_zoom
from coworking.spaces.query import Filters, SearchParams, build_space_query


class MapApi(Controller):
    path = "/api/v1/spaces.geojson"
    tags = ["map"]
    opt = {"permission": Permission.DIRECTORY_READ}

    @get(
        "/",
        sync_to_thread=True,
        summary="Spaces in a box as GeoJSON, clustered for the zoom level",
        responses=BAD_REQUEST,
    )
    def features(
        self,
        request: Request,
        db_session: DbSession,
        filters: Filters,
        bbox: Annotated[str | None, QueryParameter(description="Required: west,south,east,north in degrees (WGS 84).")] = None,
        zoom: Annotated[str | None, QueryParameter(description="Required: the map's zoom level, 0–22.")] = None,
    ) -> dict[str, Any]:
        query = build_space_query(SearchParams(**msgspec.structs.asdict(filters), bbox=bbox or ""))
        return map_features(db_session, query, parse_zoom(zoom or ""), utcnow(), request.app.state.map_grids)
