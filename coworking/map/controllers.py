"""The map page: the same search as /spaces, with a map; without JavaScript it is the list."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.spaces.controllers import search_page
from coworking.spaces.query import Search


class MapPage(Controller):
    """The map, with the same filters as /spaces; without JavaScript it is the list, with distances."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    # A controller, not a bare function: Litestar copies a controller's handlers for each app it serves,
    # while a function handler is one object shared (and rebound) by every app made in the process.
    @get("/map", name="map", sync_to_thread=True)
    def show(self, request: Request, db_session: DbSession, search: Search) -> Template:
        return search_page(request, db_session, search, "/map", "map/map.html")
