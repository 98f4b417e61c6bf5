"""What the spaces service gives: plain structs for pages and the API (the query it takes is in query.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import msgspec

from coworking.activities.schemas import ActivityOccurrence
from coworking.geo.schemas import Origin


class SpaceSummary(msgspec.Struct, kw_only=True):
    """What every listing of a space shows: its name, where it is, what it offers, how fresh it is."""

    slug: str
    name: str
    town: str
    region: str | None
    country_code: str
    latitude: float | None
    longitude: float | None
    location_precision: str | None
    amenities: list[str]
    status: str
    updated_at: datetime
    # Free days a year for members of other network spaces; None: no network pass here.
    network_pass_days: int | None = None


class PhotoCopy(msgspec.Struct, kw_only=True):
    """One re-encoded copy of a photo (WebP), at its size: for ``srcset``."""

    url: str
    width: int
    height: int


class PhotoOut(msgspec.Struct, kw_only=True):
    alt: str
    # Smallest first; the last is the largest kept (at most 1600 pixels on its long side).
    copies: list[PhotoCopy]


class SpaceCard(SpaceSummary, kw_only=True):
    """A space as one search result."""

    upcoming_activities: int
    # The listing's first photo, its thumbnail; None without photos.
    photo: PhotoOut | None = None
    # Kilometres from the searched place, or from the route's line; None when not searching by distance.
    distance_km: float | None = None


class SearchPage(msgspec.Struct, kw_only=True):
    items: list[SpaceCard]
    total: int
    page: int
    per_page: int
    origin: Origin | None = None
    # None when the distance search read every candidate. Otherwise it read only the nearest ones
    # (services.MAX_DISTANCE_CANDIDATES) and ``items``/``total`` hold only what is surely complete: the
    # spaces within this many km of the place, or, along a route, those from its start to this many km
    # along it (within ``origin.km`` of it, narrower than asked if the start itself was that crowded).
    # 0.0: too crowded to list anything completely (over a thousand spaces within ~100 m).
    complete_within_km: float | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class CommunityBuilderOut(msgspec.Struct, kw_only=True):
    name: str
    bio: str | None
    public_contact: str | None


class DescriptionTranslation(msgspec.Struct, kw_only=True):
    """The description in one more language, written by the space's builders or partners."""

    language: str
    description: str
    # The text it was translated from (the local description, else the English one) changed since.
    may_be_out_of_date: bool


class SpaceDetail(SpaceSummary, kw_only=True):
    """Everything public about one space."""

    id: int
    description: str | None
    description_local: str | None
    # The language of ``description_local``: the country's one official language; None where it has several.
    description_local_language: str | None = None
    translations: list[DescriptionTranslation] = msgspec.field(default_factory=list)
    street_address: str | None
    website: str | None
    email: str | None
    phone: str | None
    opening_hours: dict[str, list[list[str]]] | None
    internet_download_mbps: int | None
    internet_upload_mbps: int | None
    internet_measured_on: date | None
    fibre: bool | None
    desks: int | None
    price_notes: str | None
    network_pass_conditions: str | None = None
    community_builders: list[CommunityBuilderOut]
    photos: list[PhotoOut] = msgspec.field(default_factory=list)
    activities: list[ActivityOccurrence] = msgspec.field(default_factory=list)
    source_url: str | None
    created_at: datetime
    # When a community builder last confirmed the listing; None: never.
    confirmed_at: datetime | None
    version: int


@dataclass(frozen=True)
class CountryCount:
    code: str
    spaces: int


@dataclass(frozen=True)
class DirectoryStats:
    spaces: int
    countries: list[CountryCount] = field(default_factory=list)
