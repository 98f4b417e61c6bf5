"""Resident activities: what counts as upcoming, and when one (or a series) next takes place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, and_

from coworking.activities.models import Activity
from coworking.activities.recurrence import Occurrence, expand, next_occurrences
from coworking.activities.schemas import ActivityOccurrence


def is_upcoming_clause(now: datetime | BindParameter) -> ColumnElement[bool]:
    """SQL condition: the activity has a date still ahead (its last occurrence ends after ``now``), it is
    not cancelled and not paused. Cancelled occurrences of a running series are left to ``expand``."""
    return and_(
        Activity.starts_at.is_not(None),
        Activity.status != "cancelled",
        Activity.paused_at.is_(None),
        # A series with no end (only rows from before series had to end) is always still ahead.
        (Activity.last_ends_at >= now) | (Activity.last_ends_at.is_(None) & Activity.rrule.is_not(None)),
    )


def next_occurrence(activity: Activity, now: datetime) -> datetime | None:
    """When the activity next starts (or started, if it is on now); None if it has no date ahead."""
    found = next_occurrences(activity, now, 1)
    return found[0].starts_at if found else None


def occurrences_between(activity: Activity, start: datetime, end: datetime) -> int:
    """How many times the activity starts in [start, end), cancelled occurrences not counted."""
    return sum(1 for found in expand(activity, start, end, with_cancelled=False) if found.starts_at >= start)


def occurrence(activity: Activity, found: Occurrence | None, *, with_space: bool = False) -> ActivityOccurrence:
    """The activity on one of its dates (None: not yet scheduled); ``with_space`` names its space too."""
    space = activity.space if with_space else None
    return ActivityOccurrence(
        id=activity.id,
        title=activity.title,
        kind=activity.kind,
        description=activity.description,
        starts_at=found.starts_at if found else None,
        ends_at=found.ends_at if found else None,
        recurring=activity.recurring,
        cancelled=bool(found and found.cancelled),
        occurrence=found.key if found else None,
        rrule=activity.rrule,
        time_zone=activity.time_zone,
        language=activity.language,
        online=bool(activity.online_url),
        space_slug=space.slug if space else None,
        space_name=space.name if space else None,
        space_town=space.town if space else None,
    )


def occurrences(activities: list[Activity], now: datetime, per_series: int = 1) -> list[ActivityOccurrence]:
    """Each activity's next date still ahead (a series' next ``per_series``, cancelled ones marked when more
    than one is asked for), soonest first, then the ones a source mentions without a date."""
    dated: list[Occurrence] = []
    undated: list[Activity] = []
    for activity in activities:
        if activity.starts_at is None:
            undated.append(activity)
        elif activity.recurring and per_series > 1:
            dated.extend(next_occurrences(activity, now, per_series, with_cancelled=True))
        else:
            dated.extend(next_occurrences(activity, now, 1))
    dated.sort(key=lambda found: found.starts_at)
    return [occurrence(found.activity, found) for found in dated] + [occurrence(activity, None) for activity in undated]
