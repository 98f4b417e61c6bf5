"""The JSON API twin of the space pages: the same service calls, serialised as JSON."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, Parameter

from coworking.db import DbSession
from coworking.models import utcnow
from coworking.spaces.schemas import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    SpaceCard,
    SpaceDetail,
    build_space_query,
)
from coworking.spaces.services import get_space, search_spaces
from coworking.web import query_string


class SpaceList(msgspec.Struct, kw_only=True):
    items: list[SpaceCard]
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
            Parameter(description="Free text in name, town, region or description; accents optional."),
        ] = None,
        country: Annotated[list[str] | None, Parameter(description="ISO 3166-1 alpha-2 codes (any of).")] = None,
        amenity: Annotated[list[str] | None, Parameter(description="Amenity codes (all of).")] = None,
        upcoming: Annotated[bool, Parameter(description="Only spaces with upcoming activities.")] = False,
        sort: Annotated[str, Parameter(description="name, town, country or updated.")] = "name",
        page: Annotated[int, Parameter(ge=1)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    ) -> SpaceList:
        query = build_space_query(
            q=q, countries=country or (), amenities=amenity or (), upcoming=upcoming, sort=sort, page=page, per_page=per_page
        )
        found = search_spaces(db_session, query, utcnow())
        base = str(request.url.with_replacements(query=""))
        return SpaceList(
            items=found.items,
            total=found.total,
            page=found.page,
            per_page=found.per_page,
            pages=found.pages,
            next=base + query_string(query.params(page=found.page + 1)) if found.page < found.pages else None,
            previous=base + query_string(query.params(page=found.page - 1)) if found.page > 1 else None,
        )

    @get("/{slug:str}", sync_to_thread=True, summary="One space, with everything public about it")
    def detail(self, db_session: DbSession, slug: FromPath[str]) -> SpaceDetail:
        space = get_space(db_session, slug, utcnow())
        if space is None:
            raise NotFoundException(f"No space with the slug {slug!r}.")
        return space
