"""Resident activities: what counts as upcoming, and when a weekly one next takes place."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_

from coworking.activities.models import Activity
from coworking.activities.schemas import ActivityOccurrence


def is_upcoming_clause(now: datetime) -> ColumnElement[bool]:
    """SQL condition: the activity has a date still ahead (a one-off, or a weekly series not ended)."""
    return or_(
        Activity.starts_at >= now,
        Activity.ends_at >= now,
        and_(
            Activity.recurrence == "weekly",
            Activity.starts_at.is_not(None),
            or_(Activity.recurrence_until.is_(None), Activity.recurrence_until >= now),
        ),
    )


def next_occurrence(activity: Activity, now: datetime) -> datetime | None:
    """When the activity next starts (or started, if it is on now); None if it has no date ahead."""
    start = activity.starts_at
    if start is None:
        return None
    duration = (activity.ends_at - start) if activity.ends_at else timedelta(0)
    if activity.recurrence == "weekly" and start + duration < now:
        weeks_behind = (now - start - duration) // timedelta(weeks=1) + 1
        start = start + timedelta(weeks=weeks_behind)
        if activity.recurrence_until and start > activity.recurrence_until:
            return None
        return start
    return start if start + duration >= now else None


def occurrences_between(activity: Activity, start: datetime, end: datetime) -> int:
    """How many times the activity starts in [start, end): once or never, or each week of a weekly one."""
    first = activity.starts_at
    if first is None or first >= end:
        return 0
    if activity.recurrence != "weekly":
        return int(first >= start)
    last = min(end, activity.recurrence_until + timedelta(microseconds=1)) if activity.recurrence_until else end
    week = timedelta(weeks=1)
    # The first weekly start at or after ``start``, then every week before ``last``.
    begin = first if first >= start else first + -(-(start - first) // week) * week
    return 0 if begin >= last else -(-(last - begin) // week)


def occurrence_end(activity: Activity, when: datetime | None) -> datetime | None:
    """When the occurrence starting at ``when`` ends (each occurrence lasts as long as the first)."""
    if when is None or activity.ends_at is None or activity.starts_at is None:
        return None
    return when + (activity.ends_at - activity.starts_at)


def occurrence(activity: Activity, when: datetime | None, *, with_space: bool = False) -> ActivityOccurrence:
    """The activity on the date ``when`` (None: not yet scheduled); ``with_space`` names its space too."""
    space = activity.space if with_space else None
    return ActivityOccurrence(
        title=activity.title,
        kind=activity.kind,
        description=activity.description,
        starts_at=when,
        ends_at=occurrence_end(activity, when),
        weekly=activity.recurrence == "weekly",
        language=activity.language,
        space_slug=space.slug if space else None,
        space_name=space.name if space else None,
        space_town=space.town if space else None,
    )


def occurrences(activities: list[Activity], now: datetime) -> list[ActivityOccurrence]:
    """Dated activities still ahead, soonest first, then the ones a source mentions without a date."""
    dated: list[tuple[datetime, Activity]] = []
    undated: list[Activity] = []
    for activity in activities:
        if activity.starts_at is None:
            undated.append(activity)
        elif when := next_occurrence(activity, now):
            dated.append((when, activity))
    dated.sort(key=lambda pair: pair[0])
    return [occurrence(activity, when) for when, activity in dated] + [occurrence(activity, None) for activity in undated]
