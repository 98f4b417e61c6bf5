"""The calendar as iCalendar (RFC 5545) feeds: one space's, one country's, the whole network's, any search's,
and one activity (or one of its dates) to add to a calendar. Every VEVENT is written by
``coworking.activities.ical``; this module only chooses the activities.

A feed holds whole activities, a series as its rule (a calendar app expands it on the local clock), with
cancelled dates as cancelled. It keeps what ended in the last month (so a subscribed calendar does not lose
last week's meeting) and everything ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload

from coworking.activities.ical import add_occurrence, calendar_bytes, new_calendar
from coworking.activities.models import Activity
from coworking.activities.recurrence import Occurrence
from coworking.calendar.listing import ActivityQuery, activity_path, bounded_read, dated_between, matching_activities
from coworking.geo.schemas import Origin
from coworking.spaces.models import Space

# A subscribed calendar keeps the last month's dates.
KEPT_PAST = timedelta(days=30)
# Litestar adds "; charset=utf-8" to a text/ type: "text/calendar; charset=utf-8" goes out.
MEDIA_TYPE = "text/calendar"

Url = Callable[[str], str]


def _page(url: Url) -> Callable[[Activity], str]:
    return lambda activity: url(activity_path(activity.id))


def _feed(activities: list[Activity], name: str, description: str, url: Url, host: str, now: datetime) -> bytes:
    return calendar_bytes(new_calendar(name, description), activities, now, _page(url), host)


def _activities(db: Session, now: datetime, *where: ColumnElement[bool]) -> list[Activity]:
    statement = (
        select(Activity).join(Activity.space).where(dated_between(now - KEPT_PAST, None), *where).options(joinedload(Activity.space))
    )
    return list(db.scalars(bounded_read(statement, now)))


def network_feed(db: Session, name: str, description: str, url: Url, host: str, now: datetime) -> bytes:
    """Every published space's activities."""
    return _feed(_activities(db, now, Space.status == "published"), name, description, url, host, now)


def country_feed(db: Session, country: str, name: str, description: str, url: Url, host: str, now: datetime) -> bytes:
    """The activities of ``country``'s published spaces (upper-case ISO code)."""
    activities = _activities(db, now, Space.status == "published", Space.country_code == country)
    return _feed(activities, name, description, url, host, now)


def space_feed(db: Session, space: Space, name: str, description: str, url: Url, host: str, now: datetime) -> bytes:
    """One public space's activities."""
    return _feed(_activities(db, now, Space.id == space.id), name, description, url, host, now)


def search_feed(
    db: Session, query: ActivityQuery, origin: Origin | None, name: str, description: str, url: Url, host: str, now: datetime
) -> bytes:
    """The activities a calendar search finds (where, what; its days only when they were typed: a
    subscription otherwise keeps following what comes); ``origin``: its place or route, located."""
    start = now - KEPT_PAST
    if query.typed_from:
        start = datetime.combine(query.first_day, datetime.min.time(), now.tzinfo) - timedelta(hours=14)
    end = None
    if query.typed_to:
        end = datetime.combine(query.last_day + timedelta(days=1), datetime.min.time(), now.tzinfo) + timedelta(hours=14)
    activities = matching_activities(db, query, start, end, now, origin)[0]
    return _feed(activities, name, description, url, host, now)


def occurrence_calendar(found: Occurrence, name: str, url: Url, host: str, now: datetime) -> bytes:
    """One date of an activity, to add to a calendar (its page's link names the date)."""
    calendar = new_calendar(name, "")
    add_occurrence(calendar, found, now, lambda activity: url(activity_path(activity.id, found.key)), host)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def activity_calendar(activity: Activity, name: str, url: Url, host: str, now: datetime) -> bytes:
    """One activity (a series with its rule and exceptions), to add to a calendar."""
    return _feed([activity], name, "", url, host, now)
