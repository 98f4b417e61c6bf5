"""Resident activities: what counts as upcoming, and when a weekly one next takes place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from coworking.models import Activity, Space


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


@dataclass(frozen=True)
class UpcomingActivity:
    title: str
    kind: str
    description: str | None
    starts_at: datetime
    ends_at: datetime | None
    weekly: bool
    language: str | None
    space_slug: str
    space_name: str
    space_town: str


def occurrence_end(activity: Activity, when: datetime | None) -> datetime | None:
    """When the occurrence starting at ``when`` ends (each occurrence lasts as long as the first)."""
    if when is None or activity.ends_at is None or activity.starts_at is None:
        return None
    return when + (activity.ends_at - activity.starts_at)


def to_upcoming(activity: Activity, when: datetime) -> UpcomingActivity:
    return UpcomingActivity(
        title=activity.title,
        kind=activity.kind,
        description=activity.description,
        starts_at=when,
        ends_at=occurrence_end(activity, when),
        weekly=activity.recurrence == "weekly",
        language=activity.language,
        space_slug=activity.space.slug,
        space_name=activity.space.name,
        space_town=activity.space.town,
    )


def upcoming_activities(session: Session, now: datetime, limit: int = 5) -> list[UpcomingActivity]:
    """The next activities across all published spaces, soonest first."""
    activities = session.scalars(
        select(Activity)
        .join(Activity.space)
        .where(Space.status == "published", is_upcoming_clause(now))
        .options(joinedload(Activity.space))
    ).all()
    dated = [(when, activity) for activity in activities if (when := next_occurrence(activity, now))]
    dated.sort(key=lambda pair: pair[0])
    return [to_upcoming(activity, when) for when, activity in dated[:limit]]
