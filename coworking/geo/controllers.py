"""Place suggestions as you type: an HTML fragment for htmx and its JSON twin, from one service call."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from coworking.spaces.schemas import PlaceSuggestion
from coworking.spaces.services import place_suggestion
from coworking.web import page

SUGGESTIONS = 8


def suggest_places(request: Request, text: str) -> list[PlaceSuggestion]:
    return [place_suggestion(found) for found in request.app.state.geocoder.suggest(text[:120], SUGGESTIONS)]


class PlacePages(Controller):
    path = "/places"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def options(self, request: Request) -> Template:
        """``<option>``s for the ``<datalist>`` beside a place field; the field's own name is the query."""
        typed = next(
            (request.query_params.get(name) for name in ("near", "from", "to", "q") if request.query_params.get(name)),
            "",
        )
        return page(request, "places/_options.html", {"places": suggest_places(request, typed)})


class PlacesApi(Controller):
    path = "/api/v1/places"
    tags = ["places"]

    @get(
        "/",
        sync_to_thread=True,
        summary="Places whose name starts with the typed text (autocomplete)",
    )
    def suggest(
        self,
        request: Request,
        q: Annotated[
            str,
            QueryParameter(description="What has been typed so far; 'Ogre, LV' narrows to a country."),
        ],
    ) -> list[PlaceSuggestion]:
        return suggest_places(request, q)
