"""Places as residents type them: located, suggested while typing, or "did you mean"."""

from __future__ import annotations

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from coworking.geo.schemas import PlaceNotFound, PlaceSuggestion

SUGGESTIONS = 8
MAX_PLACE_TEXT = 120


def place_suggestion(location: Location) -> PlaceSuggestion:
    raw = location.raw or {}
    if raw.get("country_code"):
        query = f"{raw['name']}, {raw['country_code']}"
    else:
        query = f"{location.latitude:.5f}, {location.longitude:.5f}"
    return PlaceSuggestion(
        label=location.address,
        query=query,
        latitude=location.latitude,
        longitude=location.longitude,
        name=raw.get("name"),
        region=raw.get("region"),
        country_code=raw.get("country_code"),
    )


def locate(field: str, typed: str, geocoder: Geocoder) -> PlaceSuggestion:
    """The place ``typed`` names, or PlaceNotFound (for ``field``) with the closest spellings."""
    location = geocoder.geocode(typed)
    if location is None:
        raise PlaceNotFound(field, typed, [place_suggestion(found) for found in geocoder.closest(typed)])
    return place_suggestion(location)


def suggest_places(geocoder: Geocoder, typed: str) -> list[PlaceSuggestion]:
    """Places whose name starts with what has been typed so far (autocomplete)."""
    return [place_suggestion(found) for found in geocoder.suggest(typed[:MAX_PLACE_TEXT], SUGGESTIONS)]
