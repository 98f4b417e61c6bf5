"""What the calendar gives the pages, the feeds and the API: plain structs, the same for HTML and JSON."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from coworking.activities.schemas import ActivityOccurrence
from coworking.geo.schemas import Origin


class ListedOccurrence(ActivityOccurrence, kw_only=True, omit_defaults=True):
    """One date of an activity as the calendar lists it, with its times on the space's clock too.

    ``starts_at``/``ends_at`` are UTC; ``local_starts_at``/``local_ends_at`` the same moments with the
    space's offset ("2026-12-01T18:00:00+02:00"), ``zone_abbreviation`` how that clock is named ("EET").
    """

    local_starts_at: datetime | None = None
    local_ends_at: datetime | None = None
    zone_abbreviation: str | None = None
    # A date of a series moved to another time (``occurrence`` still names its original start), and when
    # it was to be, on the local clock.
    moved: bool = False
    moved_from: datetime | None = None
    space_country: str | None = None
    # Kilometres from the searched place (or off the searched route); None when not searching by distance.
    distance_km: float | None = None
    # The activity's page, on this date: "/activities/3?on=2026-12-01T18:00".
    path: str = ""


class ActivityList(msgspec.Struct, kw_only=True):
    """The dates of the network's activities that a search finds, soonest first."""

    items: list[ListedOccurrence]
    # How many dates the search found; ``items`` hold at most the first 200 of them.
    total: int
    # The days searched, on each activity's own clock (both included).
    date_from: date
    date_to: date
    # The place or route distances were measured from, as the geocoder understood the query.
    origin: Origin | None = None
    # As for spaces: None when every space within the distance was read, else within how many km (or how
    # far along the route) the list is complete.
    complete_within_km: float | None = None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.items)


class ActivityPlace(msgspec.Struct, kw_only=True):
    """The space an activity takes place at (and is organised by)."""

    slug: str
    name: str
    town: str
    region: str | None
    country_code: str
    street_address: str | None
    latitude: float | None
    longitude: float | None
    location_precision: str | None
    status: str


class ActivityDetail(msgspec.Struct, kw_only=True):
    """Everything public about one activity (or one date of a series: ``occurrence``)."""

    id: int
    title: str
    kind: str
    description: str | None
    language: str | None
    # "scheduled" or "cancelled" (the whole activity or series).
    status: str
    # A paused series has no dates from its pause on, until it is resumed.
    paused: bool
    recurring: bool
    # The RFC 5545 rule of a series ("FREQ=WEEKLY;BYDAY=TU;COUNT=10"); None for a single event. Its
    # frequency (DAILY, WEEKLY, MONTHLY, YEARLY) and interval, for a short description.
    rrule: str | None
    frequency: str | None
    interval: int
    time_zone: str
    at_space: bool
    # Only an http(s) address is given.
    online_url: str | None
    capacity: int | None
    # None: free.
    price_note: str | None
    space: ActivityPlace
    # The date shown: the one asked for (``?on=``), else the next, else the last that took place; None for
    # an activity a source mentions without a date.
    occurrence: ListedOccurrence | None
    # The next dates of a series (cancelled ones marked), at most five.
    upcoming: list[ListedOccurrence]
    # The shown date has ended.
    past: bool
    updated_at: datetime
