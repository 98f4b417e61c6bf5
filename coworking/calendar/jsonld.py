"""schema.org ``Event`` JSON-LD for an activity's page, so search engines and calendars can read it.

Times carry the space's offset ("2026-12-01T18:00:00+02:00"): schema.org reads a time without one as
local to nobody knows where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coworking.calendar.schemas import ActivityDetail, ListedOccurrence

_STATUS = "https://schema.org/"
# A price the builder wrote that a machine can read: "5 EUR", "€5", "5,50 €".
_PRICE = re.compile(r"(?:€|EUR)\s*(?P<amount1>\d+(?:[.,]\d{1,2})?)|(?P<amount2>\d+(?:[.,]\d{1,2})?)\s*(?:€|EUR)", re.I)
_SCHEMA_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
_FREQUENCIES = {"DAILY": "D", "WEEKLY": "W", "MONTHLY": "M", "YEARLY": "Y"}


def _status(detail: ActivityDetail, shown: ListedOccurrence | None) -> str:
    if detail.status == "cancelled" or (shown and shown.cancelled):
        return "EventCancelled"
    if shown and shown.moved:
        return "EventRescheduled"
    if detail.paused and not detail.upcoming and not detail.past:
        # Paused without a new date: schema.org's word for "postponed, no new date set".
        return "EventPostponed"
    return "EventScheduled"


def _place(detail: ActivityDetail, space_url: str) -> dict[str, Any]:
    space = detail.space
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": space.town, "addressCountry": space.country_code}
    if space.street_address:
        address["streetAddress"] = space.street_address
    if space.region:
        address["addressRegion"] = space.region
    place: dict[str, Any] = {"@type": "Place", "name": space.name, "url": space_url, "address": address}
    # Town-centre coordinates would mislead a navigation app: only a marker set on the building.
    if space.location_precision == "exact" and space.latitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": space.latitude, "longitude": space.longitude}
    return place


def _local(key: str | None, zone: str) -> str | None:
    """An occurrence's key (its original local start) with its offset."""
    try:
        return datetime.fromisoformat(key or "").replace(tzinfo=ZoneInfo(zone)).isoformat()
    except (ValueError, ZoneInfoNotFoundError):
        return None


def _price(note: str) -> tuple[str, str] | None:
    match = _PRICE.search(note)
    if not match:
        return None
    amount = (match.group("amount1") or match.group("amount2")).replace(",", ".")
    return amount, "EUR"


def _schedule(detail: ActivityDetail) -> dict[str, Any] | None:
    """A series' rule as a schema.org Schedule, where its words can say it (weekly on Tuesdays, every 2 weeks)."""
    if not detail.rrule or detail.occurrence is None or detail.occurrence.local_starts_at is None:
        return None
    parts = dict(part.partition("=")[::2] for part in detail.rrule.split(";"))
    unit = _FREQUENCIES.get(parts.get("FREQ", ""))
    if unit is None:
        return None
    interval = parts.get("INTERVAL", "1")
    schedule: dict[str, Any] = {
        "@type": "Schedule",
        "repeatFrequency": f"P{interval if interval.isdigit() else 1}{unit}",
        "scheduleTimezone": detail.time_zone,
        "startTime": detail.occurrence.local_starts_at.strftime("%H:%M"),
    }
    if detail.occurrence.local_ends_at:
        schedule["endTime"] = detail.occurrence.local_ends_at.strftime("%H:%M")
    days = [_SCHEMA_DAYS[code] for code in parts.get("BYDAY", "").split(",") if code in _SCHEMA_DAYS]
    if days:
        schedule["byDay"] = [f"https://schema.org/{day}" for day in days]
    if parts.get("COUNT", "").isdigit():
        schedule["repeatCount"] = int(parts["COUNT"])
    return schedule


def activity_json_ld(detail: ActivityDetail, url: Callable[[str], str]) -> dict[str, Any]:
    """The activity, on the date its page shows, as a schema.org Event; ``url`` makes a path absolute."""
    shown = detail.occurrence
    space_url = url(f"/spaces/{detail.space.slug}")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": detail.title,
        "url": url(shown.path if shown else f"/activities/{detail.id}"),
        "eventStatus": _STATUS + _status(detail, shown),
        "organizer": {"@type": "Organization", "name": detail.space.name, "url": space_url},
    }
    if shown and shown.local_starts_at:
        data["startDate"] = shown.local_starts_at.isoformat()
        if shown.local_ends_at:
            data["endDate"] = shown.local_ends_at.isoformat()
        if shown.moved and (before := _local(shown.occurrence, detail.time_zone)):
            data["previousStartDate"] = before
    if detail.description:
        data["description"] = detail.description
    if detail.language:
        data["inLanguage"] = detail.language
    online = detail.online_url
    locations: list[dict[str, Any]] = []
    if detail.at_space or not online:
        locations.append(_place(detail, space_url))
    if online:
        locations.append({"@type": "VirtualLocation", "url": online})
    mode = "MixedEventAttendanceMode" if len(locations) == 2 else ("OnlineEventAttendanceMode" if online and not detail.at_space else "OfflineEventAttendanceMode")
    data["eventAttendanceMode"] = _STATUS + mode
    data["location"] = locations[0] if len(locations) == 1 else locations
    if detail.capacity:
        data["maximumAttendeeCapacity"] = detail.capacity
    if detail.price_note is None:
        data["isAccessibleForFree"] = True
        data["offers"] = {"@type": "Offer", "price": 0, "priceCurrency": "EUR", "url": data["url"]}
    else:
        offer: dict[str, Any] = {"@type": "Offer", "description": detail.price_note, "url": data["url"]}
        if price := _price(detail.price_note):
            offer["price"], offer["priceCurrency"] = price
        data["offers"] = offer
    if schedule := _schedule(detail):
        data["eventSchedule"] = schedule
    return data
