"""The map's data: clustered GeoJSON for a view and the directory's filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import KwargDefinition, QueryParameter

from coworking.accounts.permissions import Permission
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.core.openapi import BAD_REQUEST
from coworking.map.services import map_features, parse_zoom
from coworking.spaces.query import Filters, SearchParams, build_space_query

# What ``map_features`` answers, for the OpenAPI document only (the service builds plain dicts). Dataclasses,
# not Structs: msgspec refuses a union of untagged Structs, and GeoJSON's properties are one.
Box = Annotated[list[float], KwargDefinition(min_items=4, max_items=4, description="west, south, east, north")]


@dataclass(frozen=True)
class Point:
    type: Literal["Point"]
    coordinates: Annotated[list[float], KwargDefinition(min_items=2, max_items=2, description="longitude, latitude")]


@dataclass(frozen=True)
class SpaceProperties:
    """A space shown as itself."""

    slug: str
    name: str
    # True when the space is placed at the centre of its town, not at its building.
    approximate: bool


@dataclass(frozen=True)
class ClusterProperties:
    """Several spaces shown as one point, at their mean position."""

    cluster: Literal[True]
    count: int
    # The members' extent: zooming to it shows them apart.
    bounds: Box


@dataclass(frozen=True)
class Feature:
    type: Literal["Feature"]
    geometry: Point
    properties: SpaceProperties | ClusterProperties


@dataclass(frozen=True)
class FeatureCollection:
    type: Literal["FeatureCollection"]
    # The box asked for, widened to whole grid cells.
    bbox: Box
    zoom: int
    # Spaces in the features, clusters counted by their members.
    total: int
    features: list[Feature]


FEATURES = {
    200: ResponseSpec(
        data_container=FeatureCollection,
        description="A GeoJSON FeatureCollection (RFC 7946) of spaces and clusters.",
        generate_examples=False,
    )
}


class MapApi(Controller):
    path = "/api/v1/spaces.geojson"
    tags = ["map"]
    opt = {"permission": Permission.DIRECTORY_READ}

    @get(
        "/",
        sync_to_thread=True,
        summary="Spaces in a box as GeoJSON, clustered for the zoom level",
        responses={**FEATURES, **BAD_REQUEST},
    )
    @local_read
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
