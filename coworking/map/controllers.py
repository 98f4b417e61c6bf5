"""The map page: the same search as /spaces, with a map; without JavaScript it is the list."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.text import whole_number
from coworking.core.web import page, public_url, query_string
from coworking.spaces.controllers import search_page, search_page_context
from coworking.spaces.query import Search
from coworking.spaces.services import directory_stats


class MapPage(Controller):
    """The map, with the same filters as /spaces; without JavaScript it is the list, with distances."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    # A controller, not a bare function: Litestar copies a controller's handlers for each app it serves,
    # while a function handler is one object shared (and rebound) by every app made in the process.
    @get("/map", name="map", sync_to_thread=True)
    @local_read
    def show(self, request: Request, db_session: DbSession, search: Search) -> Template:
        return search_page(request, db_session, search, "/map", "map/map.html")


class EmbedPages(Controller):
    """The live map for other sites: ``/embed/map?country=lv`` (any filter of a search) is a page with the
    map alone, which any site may frame and which sets no cookie; ``/embed`` makes its ``<iframe>`` snippet."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/embed/map", name="embed-map", sync_to_thread=True)
    def embed(self, request: Request, db_session: DbSession, search: Search) -> Template:
        context, status = search_page_context(request, db_session, search, "/map")
        return page(request, "map/embed.html", context, status_code=status)

    @get("/embed", name="embed-builder", sync_to_thread=True)
    def builder(self, request: Request, db_session: DbSession, country: FromQuery[str | None] = None, height: FromQuery[str | None] = None) -> Template:
        stats = request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session))
        chosen = (country or "").strip().upper()
        chosen = chosen if chosen in {item.code for item in stats.countries} else ""
        rows = number if (number := whole_number(height or "")) is not None and 240 <= number <= 1200 else 480
        source = public_url(request, "/embed/map" + query_string([("country", chosen)] if chosen else []))
        return page(request, "map/embed_builder.html", {"countries": stats.countries, "country": chosen, "height": rows, "source": source})
