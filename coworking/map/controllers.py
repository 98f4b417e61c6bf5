"""The map page: the same search as /spaces, with a map; without JavaScript it is the list."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.spaces.controllers import search_page
from coworking.spaces.query import Search


@get("/map", name="map", sync_to_thread=True, include_in_schema=False, opt={"permission": Permission.DIRECTORY_READ})
def map_page(request: Request, db_session: DbSession, search: Search) -> Template:
    """The map, with the same filters as /spaces; without JavaScript it is the list, with distances."""
    return search_page(request, db_session, search, "/map", "map/map.html")
