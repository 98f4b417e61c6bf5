"""HTML pages of the directory: the search results and one page per space."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import timezone_for_country
from coworking.core.models import utcnow
from coworking.core.web import page, public_url
from coworking.geo.schemas import PlaceNotFound
from coworking.spaces.jsonld import space_json_ld
from coworking.spaces.query import SORTS, Search, SearchParams, build_space_query
from coworking.spaces.services import directory_stats, find_spaces, get_space

# The distances offered in the form; any value from 1 to 500 km works in a link.
RADIUS_CHOICES = (5, 10, 20, 30, 50, 100, 200)
CORRIDOR_CHOICES = (2, 5, 10, 20, 50)


def search_page_context(
    request: Request, db_session: Session, search: Search, action: str
) -> tuple[dict[str, Any], int]:
    """Run the search; the context of /spaces and /map, and its status (400 when the search is invalid).

    ``action`` is the page's own path: its form, pagination and suggestions lead back to it.
    """
    results, query, errors, not_found = None, None, {}, None
    try:
        query = build_space_query(search)
        results = find_spaces(db_session, request.app.state.geocoder, query, utcnow())
    except PlaceNotFound as exc:
        errors, not_found = exc.errors, exc
    except InvalidInput as exc:
        errors = exc.errors
    context = {
        "action": action,
        "form": search,
        "query": query,
        "results": results,
        "errors": errors,
        "not_found": not_found,
        "sorts": SORTS,
        "radius_choices": RADIUS_CHOICES,
        "corridor_choices": CORRIDOR_CHOICES,
        "countries": request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session)).countries,
    }
    return context, 400 if errors else 200


def search_page(request: Request, db_session: Session, search: SearchParams, action: str, template: str) -> Template:
    """A page of search results (``template``); an htmx request gets only the results fragment."""
    context, status = search_page_context(request, db_session, search, action)
    return page(request, template, context, partial="spaces/_results.html", status_code=status)


class SpacePages(Controller):
    path = "/spaces"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="spaces", sync_to_thread=True)
    def search(self, request: Request, db_session: DbSession, search: Search) -> Template:
        return search_page(request, db_session, search, "/spaces", "spaces/list.html")

    @get("/{slug:str}", name="space", sync_to_thread=True)
    def detail(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = get_space(db_session, slug, utcnow())
        if space is None:
            raise NotFoundException(f"No space {slug!r}")
        return page(
            request,
            "spaces/detail.html",
            {
                "space": space,
                "json_ld": space_json_ld(space, public_url(request, f"/spaces/{space.slug}")),
                "timezone": timezone_for_country(space.country_code),
            },
        )
