"""Activities as iCalendar (RFC 5545), for every feed and download: one place that writes VEVENTs.

A series goes out as its rule on the local clock (``DTSTART;TZID=…`` with the zone's VTIMEZONE), so a
calendar app keeps a weekly 18:00 meeting at 18:00 across daylight-saving changes; a cancelled occurrence
is an EXDATE and also an overriding VEVENT with ``STATUS:CANCELLED`` (so apps that already hold it learn
it is off); a moved one is an overriding VEVENT with its RECURRENCE-ID. A paused series' rule ends at the
pause, and a feed holds the dates the site shows (``recurrence.in_pause``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vRecur

from coworking.activities.models import Activity
from coworking.activities.recurrence import CANCELLED, MOVED, Occurrence, in_pause, local_time, zone_of

PRODID = "-//Rural Coworking Network//directory//EN"


def new_calendar(name: str, description: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    return calendar


def _event(activity: Activity, uid: str, now: datetime, page: str) -> Event:
    space = activity.space
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("summary", activity.title)
    if activity.description:
        event.add("description", activity.description)
    where = f"{space.name}, {space.town}, {space.country_code}"
    event.add("location", activity.online_url if activity.online_url and not activity.at_space else where)
    if activity.at_space and space.latitude is not None:
        event.add("geo", (space.latitude, space.longitude))
    event.add("url", page)
    event.add("categories", [activity.kind])
    if activity.language:
        event.add("x-coworking-language", activity.language)
    return event


def add_activity(
    calendar: Calendar, activity: Activity, now: datetime, page: Callable[[Activity], str], host: str
) -> None:
    """``activity`` as one VEVENT (with its rule, if a series) plus one per cancelled or moved occurrence.
    ``page`` gives the activity's own page's address; ``host`` makes the UID unique across sites."""
    if activity.starts_at is None:
        return
    zone = zone_of(activity)
    uid = f"activity-{activity.id}@{host}"
    event = _event(activity, uid, now, page(activity))
    event.add("dtstart", activity.starts_at.astimezone(zone))
    if activity.ends_at:
        event.add("dtend", activity.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if activity.status == CANCELLED else "CONFIRMED")
    event.add("sequence", max(activity.version - 1, 0))
    event.add("last-modified", activity.updated_at)
    if not activity.rrule:
        calendar.add_component(event)
        return
    rule = vRecur.from_ical(activity.rrule)
    if activity.paused_at and (activity.last_ends_at is None or activity.last_ends_at > activity.paused_at):
        # Paused: the series ends, for calendar apps, just before the pause (resuming sends the rule again).
        rule.pop("COUNT", None)
        rule["UNTIL"] = [(activity.paused_at - timedelta(seconds=1)).astimezone(UTC)]
    event.add("rrule", rule)
    overrides: list[Event] = []
    cancelled: list[datetime] = []
    added: list[datetime] = []
    duration = activity.ends_at - activity.starts_at if activity.ends_at else None
    for entry in activity.exceptions or []:
        original = local_time(entry.get("recurrence_id"), zone)
        if original is None:
            continue
        override = _event(activity, uid, now, page(activity))
        override.add("recurrence-id", original)
        override.add("sequence", max(activity.version - 1, 0))
        if entry.get("status") == CANCELLED:
            if in_pause(activity, original):
                continue  # the rule, cut at the pause, no longer holds it
            cancelled.append(original)
            override.add("dtstart", original)
            if duration:
                override.add("dtend", original + duration)
            override.add("status", "CANCELLED")
        elif entry.get("status") == MOVED and (starts := local_time(entry.get("starts"), zone)):
            # A date is where it was moved to, as on the site: moved into the pause, it does not take place
            # (and the rule must not keep it at its old date); moved out of it, it does (and the rule, cut at
            # the pause, gets its old date back so that the override has a date to move).
            if in_pause(activity, starts):
                if not in_pause(activity, original):
                    cancelled.append(original)
                continue
            if in_pause(activity, original):
                added.append(original)
            override.add("dtstart", starts)
            if ends := local_time(entry.get("ends"), zone):
                override.add("dtend", ends)
            override.add("status", "CANCELLED" if activity.status == CANCELLED else "CONFIRMED")
        else:
            continue
        overrides.append(override)
    if cancelled:
        event.add("exdate", cancelled)
    if added:
        event.add("rdate", added)
    calendar.add_component(event)
    for override in overrides:
        calendar.add_component(override)


def add_occurrence(
    calendar: Calendar, found: Occurrence, now: datetime, page: Callable[[Activity], str], host: str
) -> None:
    """One date of an activity as a VEVENT of its own ("add this date to my calendar"), on the local clock.

    Its UID is its own (the activity's and the date's key): a calendar that also subscribes to the series
    must not take it for the series itself, or for one of its overrides."""
    activity = found.activity
    zone = zone_of(activity)
    uid = f"activity-{activity.id}-{found.key.replace(':', '')}@{host}" if found.key else f"activity-{activity.id}@{host}"
    event = _event(activity, uid, now, page(activity))
    event.add("dtstart", found.starts_at.astimezone(zone))
    if found.ends_at:
        event.add("dtend", found.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if found.cancelled else "CONFIRMED")
    event.add("sequence", max(activity.version - 1, 0))
    event.add("last-modified", activity.updated_at)
    calendar.add_component(event)


def calendar_bytes(
    calendar: Calendar, activities: Iterable[Activity], now: datetime, page: Callable[[Activity], str], host: str
) -> bytes:
    """The calendar with ``activities`` added and the VTIMEZONEs their times name."""
    for activity in activities:
        add_activity(calendar, activity, now, page, host)
    calendar.add_missing_timezones()
    return calendar.to_ical()
