"""What the geo domain gives: places as people see them, distances' origins, and "no such place"."""

from __future__ import annotations

from dataclasses import dataclass

from coworking.core.errors import InvalidInput
from coworking.core.vocabulary import N_


@dataclass(frozen=True)
class PlaceSuggestion:
    label: str  # "Lielvārde, Ogre, LV": what to show
    query: str  # "Lielvārde, LV": what to search for, so that it finds this very place again
    latitude: float
    longitude: float
    name: str | None = None
    region: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class Origin:
    """What distances are measured from: one place (``near``) or a route from ``start`` to ``end``."""

    start: PlaceSuggestion
    end: PlaceSuggestion | None
    km: float


class PlaceNotFound(InvalidInput):
    """A typed place (``near``, ``from``, ``to``) matched nothing; ``suggestions`` are likely meant places."""

    detail = N_("We could not find %(place)s.")

    def __init__(self, field: str, text: str, suggestions: list[PlaceSuggestion]) -> None:
        super().__init__({field: N_("We could not find this place.")}, place=repr(text))
        self.field = field
        self.text = text
        self.suggestions = suggestions

    def problem_extra(self) -> dict[str, object]:
        return {"suggestions": [vars(place) for place in self.suggestions]}
