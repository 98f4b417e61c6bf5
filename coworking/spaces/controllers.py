"""HTML pages of the directory: the search results and one page per space."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from coworking.db import DbSession
from coworking.i18n import timezone_for_country
from coworking.models import utcnow
from coworking.spaces.jsonld import space_json_ld
from coworking.spaces.schemas import (
    SORTS,
    InvalidQuery,
    PlaceNotFound,
    build_space_query,
)
from coworking.spaces.services import directory_stats, find_spaces, get_space
from coworking.web import page


def _form_values(request: Request) -> dict[str, Any]:
    """The search form exactly as the visitor filled it in, to show it back even when it is invalid."""
    params = request.query_params
    return {
        "q": params.get("q") or "",
        "country": params.getall("country", []),
        "amenity": params.getall("amenity", []),
        "upcoming": params.get("upcoming") or "",
        "sort": params.get("sort") or "",
        "page": params.get("page") or "",
        "per_page": params.get("per_page") or "",
        "near": params.get("near") or "",
        "radius_km": params.get("radius_km") or "",
        "from": params.get("from") or "",
        "to": params.get("to") or "",
        "corridor_km": params.get("corridor_km") or "",
        "bbox": params.get("bbox") or "",
    }


# The distances offered in the form; any value from 1 to 500 km works in a link.
RADIUS_CHOICES = (5, 10, 20, 30, 50, 100, 200)
CORRIDOR_CHOICES = (2, 5, 10, 20, 50)


def search_page_context(request: Request, db_session: Session, action: str) -> tuple[dict[str, Any], int]:
    """Run the search the query string asks for; the context of /spaces and /map, and its status.

    ``action`` is the page's own path: its form, pagination and suggestions lead back to it.
    """
    form = _form_values(request)
    results, query, errors, not_found = None, None, {}, None
    try:
        query = build_space_query(
            q=form["q"],
            countries=form["country"],
            amenities=form["amenity"],
            upcoming=form["upcoming"],
            sort=form["sort"],
            page=form["page"],
            per_page=form["per_page"],
            near=form["near"],
            radius_km=form["radius_km"],
            route_from=form["from"],
            route_to=form["to"],
            corridor_km=form["corridor_km"],
            bbox=form["bbox"],
        )
        results = find_spaces(db_session, request.app.state.geocoder, query, utcnow())
    except PlaceNotFound as exc:
        errors, not_found = exc.errors, exc
    except InvalidQuery as exc:
        errors = exc.errors
    context = {
        "action": action,
        "form": form,
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


class SpacePages(Controller):
    path = "/spaces"
    include_in_schema = False

    @get("/", name="spaces", sync_to_thread=True)
    def search(self, request: Request, db_session: DbSession) -> Template:
        context, status = search_page_context(request, db_session, "/spaces")
        return page(
            request,
            "spaces/list.html",
            context,
            partial="spaces/_results.html",
            status_code=status,
        )

    @get("/{slug:str}", name="space", sync_to_thread=True)
    def detail(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = get_space(db_session, slug, utcnow())
        if space is None:
            raise NotFoundException(f"No space {slug!r}")
        url = str(request.url.with_replacements(query=""))
        return page(
            request,
            "spaces/detail.html",
            {
                "space": space,
                "json_ld": space_json_ld(space, url),
                "timezone": timezone_for_country(space.country_code),
            },
        )
