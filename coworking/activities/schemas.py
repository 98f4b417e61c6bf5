"""One occurrence of a resident activity, as pages and the API show it."""

from __future__ import annotations

from datetime import datetime

import msgspec


class ActivityOccurrence(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An activity on one of its dates (``starts_at`` None: a source mentions it without a schedule).

    Listed across the directory (the home page) it names its space; on the space's own page it does not.
    ``occurrence`` names the date within a series (its original local start, "" for a single event): the
    activity's page is ``/activities/{id}``, one date of a series ``/activities/{id}?on={occurrence}``.
    """

    id: int
    title: str
    kind: str
    description: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    recurring: bool
    time_zone: str
    language: str | None
    cancelled: bool = False
    online: bool = False
    occurrence: str | None = None
    # The series' RFC 5545 rule (None for a single event): pages say it in words.
    rrule: str | None = None
    space_slug: str | None = None
    space_name: str | None = None
    space_town: str | None = None
