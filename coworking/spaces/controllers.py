"""HTML pages of the directory: the search results and one page per space."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from coworking.db import DbSession
from coworking.i18n import timezone_for_country
from coworking.models import utcnow
from coworking.spaces.jsonld import space_json_ld
from coworking.spaces.schemas import SORTS, InvalidQuery, build_space_query
from coworking.spaces.services import directory_stats, get_space, search_spaces
from coworking.web import page


def _form_values(request: Request) -> dict[str, Any]:
    """The search form exactly as the visitor filled it in, to show it back even when it is invalid."""
    params = request.query_params
    return {
        "q": params.get("q") or "",
        "country": params.getall("country", []),
        "amenity": params.getall("amenity", []),
        "upcoming": params.get("upcoming") or "",
        "sort": params.get("sort") or "name",
        "page": params.get("page") or "",
        "per_page": params.get("per_page") or "",
    }


class SpacePages(Controller):
    path = "/spaces"
    include_in_schema = False

    @get("/", name="spaces", sync_to_thread=True)
    def search(self, request: Request, db_session: DbSession) -> Template:
        form = _form_values(request)
        results, query, errors = None, None, {}
        try:
            query = build_space_query(
                q=form["q"],
                countries=form["country"],
                amenities=form["amenity"],
                upcoming=form["upcoming"],
                sort=form["sort"],
                page=form["page"],
                per_page=form["per_page"],
            )
            results = search_spaces(db_session, query, utcnow())
        except InvalidQuery as exc:
            errors = exc.errors
        context = {
            "form": form,
            "query": query,
            "results": results,
            "errors": errors,
            "sorts": SORTS,
            "countries": directory_stats(db_session).countries,
        }
        return page(
            request,
            "spaces/list.html",
            context,
            partial="spaces/_results.html",
            status_code=400 if errors else 200,
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
            {"space": space, "json_ld": space_json_ld(space, url), "timezone": timezone_for_country(space.country_code)},
        )
