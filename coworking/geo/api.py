"""The JSON twin of the place suggestions."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import QueryParameter

from coworking.accounts.permissions import Permission
from coworking.core.errors import InvalidInput
from coworking.core.openapi import BAD_REQUEST
from coworking.core.vocabulary import N_
from coworking.geo.schemas import PlaceSuggestion
from coworking.geo.services import suggest_places

TYPED = "Required: what has been typed so far; 'Ogre, LV' narrows to a country."


@get(
    "/api/v1/places",
    sync_to_thread=True,
    tags=["places"],
    opt={"permission": Permission.DIRECTORY_READ},
    summary="Places whose name starts with the typed text (autocomplete)",
    responses=BAD_REQUEST,
)
def places_api(request: Request, q: Annotated[str | None, QueryParameter(description=TYPED)] = None) -> list[PlaceSuggestion]:
    """The JSON twin of the place suggestions."""
    if not (q or "").strip():
        raise InvalidInput({"q": N_("Type the first letters of a place.")})
    return suggest_places(request.app.state.geocoder, q)
