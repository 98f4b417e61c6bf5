"""The JSON API twin of the space pages: the same service calls, serialised as JSON."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from coworking.accounts.permissions import Permission
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.core.openapi import BAD_REQUEST, NOT_FOUND
from coworking.core.web import public_url, query_string
from coworking.geo.schemas import Origin
from coworking.spaces.editing import get_listing
from coworking.spaces.history import RevisionRow, revision_rows
from coworking.spaces.query import Search, build_space_query
from coworking.spaces.schemas import SpaceCard, SpaceDetail
from coworking.spaces.services import find_spaces, get_space


class SpaceList(msgspec.Struct, kw_only=True):
    items: list[SpaceCard]
    # The place or route distances were measured from, as the geocoder understood the query.
    origin: Origin | None
    # None: every space within the distance is counted. A number: the search stopped at its limit of
    # candidates, and the list is complete only within this many km of the place (or this far along the route).
    complete_within_km: float | None
    total: int
    page: int
    per_page: int
    pages: int
    next: str | None
    previous: str | None


# What core.text.slugify gives. Documented, not enforced: any other slug is simply not found (404).
SLUG = PathParameter(
    description="The space's slug, as in its `slug` field.",
    schema_extra={"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
)


class SpacesApi(Controller):
    path = "/api/v1/spaces"
    tags = ["spaces"]
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", sync_to_thread=True, summary="Search published spaces", responses=BAD_REQUEST)
    @local_read
    def search(self, request: Request, db_session: DbSession, search: Search) -> SpaceList:
        query = build_space_query(search)
        found = find_spaces(db_session, request.app.state.geocoder, query, utcnow())

        def link(page: int) -> str:
            return public_url(request, "/api/v1/spaces" + query_string(query.params(page=page)))

        # The page as the service found it, with the links a client follows to the others.
        return SpaceList(
            **msgspec.structs.asdict(found),
            pages=found.pages,
            next=link(found.page + 1) if found.page < found.pages else None,
            previous=link(found.page - 1) if found.page > 1 else None,
        )

    # Litestar documents a 400 for any operation with a parameter (a path one too): ours, as problem+json.
    @get(
        "/{slug:str}",
        sync_to_thread=True,
        summary="One space, with everything public about it",
        responses={**BAD_REQUEST, **NOT_FOUND},
    )
    def detail(self, db_session: DbSession, slug: Annotated[str, SLUG]) -> SpaceDetail:
        space = get_space(db_session, slug, utcnow())
        if space is None:
            raise NotFoundException(f"No space with the slug {slug!r}.")
        return space

    @get(
        "/{slug:str}/history",
        sync_to_thread=True,
        summary="A space's revisions, newest first: who (by role), when, why, each field before and after",
        responses={**BAD_REQUEST, **NOT_FOUND},
    )
    def history(self, db_session: DbSession, slug: Annotated[str, SLUG]) -> list[RevisionRow]:
        space = get_listing(db_session, slug)
        if space is None:
            raise NotFoundException(f"No space with the slug {slug!r}.")
        return revision_rows(db_session, space)
