"""When activities happen next: one-off dates, weekly series, series that ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coworking.activities.models import Activity
from coworking.activities.services import next_occurrence, occurrence_end

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def activity(**fields: object) -> Activity:
    return Activity(title="Resident meeting", **fields)


def test_a_one_off_activity_is_next_until_it_ends() -> None:
    start = NOW + timedelta(days=2)
    assert next_occurrence(activity(starts_at=start), NOW) == start
    running = activity(starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    assert next_occurrence(running, NOW) == NOW - timedelta(hours=1)
    assert next_occurrence(activity(starts_at=NOW - timedelta(days=1)), NOW) is None


def test_a_weekly_activity_moves_to_its_next_week() -> None:
    first = datetime(2026, 10, 1, 17, 0, tzinfo=UTC)  # a Thursday, 17:00
    weekly = activity(starts_at=first, ends_at=first + timedelta(hours=2), recurrence="weekly")
    upcoming = next_occurrence(weekly, NOW)
    assert upcoming == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # the coming Thursday
    assert occurrence_end(weekly, upcoming) == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_a_weekly_series_ends() -> None:
    first = datetime(2026, 10, 1, 17, 0, tzinfo=UTC)
    ended = activity(starts_at=first, recurrence="weekly", recurrence_until=datetime(2026, 11, 20, tzinfo=UTC))
    assert next_occurrence(ended, NOW) is None


def test_an_activity_without_a_date_is_never_upcoming() -> None:
    assert next_occurrence(activity(), NOW) is None
    assert occurrence_end(activity(), None) is None
