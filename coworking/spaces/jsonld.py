"""schema.org JSON-LD for a space page, so search engines and maps can read the listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coworking.activities.schemas import ActivityOccurrence
from coworking.core.vocabulary import WEEKDAY_CODES
from coworking.spaces.schemas import SpaceDetail
from coworking.spaces.vocabulary import AMENITY_LABELS

# schema.org names its days in English: https://schema.org/DayOfWeek
_SCHEMA_DAYS = dict(zip(WEEKDAY_CODES, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True))


def _local(moment: datetime, zone: str) -> str:
    """``moment`` on the space's clock, with its offset ("2026-12-01T18:00:00+02:00")."""
    try:
        return moment.astimezone(ZoneInfo(zone)).isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        return moment.isoformat()


def _event(activity: ActivityOccurrence, space_url: str) -> dict[str, Any]:
    """One date of an activity, linking to its page (``/activities/{id}``, ``?on=`` a date of a series)."""
    assert activity.starts_at is not None
    site = space_url.rsplit("/spaces/", 1)[0]
    event: dict[str, Any] = {
        "@type": "Event",
        "name": activity.title,
        "url": f"{site}/activities/{activity.id}" + (f"?on={activity.occurrence}" if activity.occurrence else ""),
        "startDate": _local(activity.starts_at, activity.time_zone),
        "eventStatus": "https://schema.org/" + ("EventCancelled" if activity.cancelled else "EventScheduled"),
    }
    if activity.ends_at:
        event["endDate"] = _local(activity.ends_at, activity.time_zone)
    return event


def space_json_ld(space: SpaceDetail, url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "additionalType": "https://en.wikipedia.org/wiki/Coworking",
        "name": space.name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "addressLocality": space.town,
            "addressCountry": space.country_code,
        },
    }
    if space.street_address:
        data["address"]["streetAddress"] = space.street_address
    if space.region:
        data["address"]["addressRegion"] = space.region
    if space.description:
        data["description"] = space.description
    if space.website:
        data["sameAs"] = space.website
    if space.email:
        data["email"] = space.email
    if space.phone:
        data["telephone"] = space.phone
    # Town-centre coordinates would mislead a navigation app: publish only a marker set on the building.
    if space.location_precision == "exact" and space.latitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": space.latitude,
            "longitude": space.longitude,
        }
    if space.amenities:
        data["amenityFeature"] = [
            {
                "@type": "LocationFeatureSpecification",
                "name": AMENITY_LABELS[code],
                "value": True,
            }
            for code in space.amenities
        ]
    if space.opening_hours:
        data["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": _SCHEMA_DAYS[day],
                "opens": opens,
                "closes": closes,
            }
            for day, spans in space.opening_hours.items()
            if day in _SCHEMA_DAYS
            for opens, closes in spans
        ]
    events = [_event(activity, url) for activity in space.activities if activity.starts_at]
    for event in events:
        event["location"] = {"@type": "Place", "name": space.name, "address": data["address"]}
    if events:
        data["event"] = events
    return data
