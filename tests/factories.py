"""Build test data through the same model code the app uses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.activities.recurrence import last_end
from coworking.spaces.models import Amenity, CommunityBuilder, Space
from coworking.spaces.query import SearchParams, SpaceQuery, build_space_query
from coworking.spaces.services import unique_space_slug


def make_space(
    session: Session,
    name: str = "Test Space",
    town: str = "Cēsis",
    country_code: str = "LV",
    *,
    amenities: tuple[str, ...] = (),
    activities: list[Activity] | None = None,
    builders: list[str] = (),
    latitude: float | None = 57.31188,
    longitude: float | None = 25.27456,
    status: str = "published",
    **fields: object,
) -> Space:
    chosen = session.scalars(select(Amenity).where(Amenity.code.in_(amenities))).all() if amenities else []
    space = Space(
        slug=unique_space_slug(session, name, town),
        name=name,
        town=town,
        country_code=country_code,
        latitude=latitude,
        longitude=longitude,
        location_precision=fields.pop("location_precision", "town" if latitude is not None else None),
        status=status,
        amenities=list(chosen),
        activities=activities or [],
        community_builders=[CommunityBuilder(name=person) for person in builders],
        **fields,
    )
    space.refresh_search_text()
    session.add(space)
    session.commit()
    return space


def make_activity(title: str, starts_at: datetime | None = None, *, until: datetime | None = None, **fields: object) -> Activity:
    """An activity as the editing service leaves it (its last end computed); ``rrule="FREQ=WEEKLY"`` with
    ``until`` for a weekly series to a day. Times are UTC unless ``time_zone`` says otherwise."""
    if until is not None:
        fields["rrule"] = f"{fields['rrule']};UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    fields.setdefault("time_zone", "UTC")
    activity = Activity(title=title, starts_at=starts_at, **fields)
    activity.last_ends_at = last_end(activity)
    return activity


def space_query(**typed: object) -> SpaceQuery:
    """A validated search from keywords as tests like to write them (``countries=["LV"]``, ``page=2``)."""
    renames = {"countries": "country", "amenities": "amenity"}
    fields = {
        renames.get(key, key): tuple(value) if isinstance(value, (list, tuple)) else str(value)
        for key, value in typed.items()
        if value is not None
    }
    return build_space_query(SearchParams(**fields))
