"""The JSON twin of the place suggestions."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from coworking.accounts.permissions import Permission
from coworking.core.errors import InvalidInput
from coworking.core.openapi import BAD_REQUEST
from coworking.core.vocabulary import N_
from coworking.geo.schemas import PlaceSuggestion
from coworking.geo.services import suggest_places

TYPED = "Required: what has been typed so far; 'Ogre, LV' narrows to a country."
SUMMARY = "Places whose name starts with the typed text (autocomplete)"


class PlacesApi(Controller):
    """The JSON twin of the place suggestions."""

    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/api/v1/places", sync_to_thread=True, tags=["places"], summary=SUMMARY, responses=BAD_REQUEST)
    def suggest(self, request: Request, q: Annotated[str | None, QueryParameter(description=TYPED)] = None) -> list[PlaceSuggestion]:
        if not (q or "").strip():
            raise InvalidInput({"q": N_("Type the first letters of a place.")})
        return suggest_places(request.app.state.geocoder, q)
