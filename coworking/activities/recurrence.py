"""Series of activities: an RFC 5545 rule expanded by ``dateutil.rrule``, never by hand.

The rule runs on the activity's *local* clock: ``dtstart`` is the first start in the activity's own zone
(a ``zoneinfo`` time), so a weekly 18:00 meeting stays at 18:00 in winter and in summer and its UTC time
moves instead. One cancelled occurrence (EXDATE) or one moved occurrence (RECURRENCE-ID) is an entry of
``Activity.exceptions``, named by the occurrence's original local start.

Every expansion is bounded: a rule must end (COUNT or UNTIL), within ``MAX_OCCURRENCES`` and ``HORIZON``
of its start, and callers ask for a window.
"""

from __future__ import annotations

import heapq
from calendar import isleap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, timedelta
from itertools import islice, takewhile
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from coworking.activities.models import Activity
from coworking.core.errors import InvalidInput
from coworking.core.vocabulary import N_

# A series holds at most this many occurrences, and ends within this time of its first one: a builder's
# calendar, not a generator of millions of rows.
MAX_OCCURRENCES = 520
HORIZON = timedelta(days=3 * 366)
# Occurrences of one series no more often than daily: an HOURLY rule is nobody's resident meeting.
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
CANCELLED, MOVED = "cancelled", "moved"


@dataclass(frozen=True)
class Occurrence:
    """One time an activity takes place (or would have: ``cancelled``)."""

    activity: Activity
    starts_at: datetime  # UTC
    ends_at: datetime | None  # UTC
    # The original local start of a series' occurrence (its RFC 5545 RECURRENCE-ID); None for a single event.
    recurrence_id: datetime | None
    cancelled: bool = False
    moved: bool = False

    @property
    def key(self) -> str:
        """How links and sign-ups name the occurrence: its original local start, or "" for a single event."""
        return occurrence_key(self.recurrence_id)

    def local_start(self) -> datetime:
        return self.starts_at.astimezone(zone_of(self.activity))


def occurrence_key(recurrence_id: datetime | None) -> str:
    return recurrence_id.replace(tzinfo=None).isoformat(timespec="minutes") if recurrence_id else ""


def zone_of(activity: Activity) -> ZoneInfo:
    try:
        return ZoneInfo(activity.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _rule(text: str, dtstart: datetime) -> rrule:
    """The rule for a local, zone-aware ``dtstart``; ValueError for a rule dateutil cannot read."""
    parsed = rrulestr(text.removeprefix("RRULE:"), dtstart=dtstart)
    if not isinstance(parsed, rrule):
        raise ValueError("one RRULE, not a set")
    return parsed


def _parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in text.removeprefix("RRULE:").split(";"):
        name, _, value = part.partition("=")
        parts[name.strip().upper()] = value.strip().upper()
    return parts


def _calendar_twin(first: int, last: int) -> int:
    """How many years on the years ``first`` … ``last`` come back with the same calendar (the same leap years,
    each year beginning on the same weekday: the same dates fall on the same weekdays and week numbers),
    for the last time before ``datetime``'s last year. The Gregorian calendar repeats every 400 years, so
    there is always such a shift, or 0 this late in time."""
    return next(
        (
            shift
            for shift in range(MAXYEAR - last, 0, -1)
            if date(first + shift, 1, 1).weekday() == date(first, 1, 1).weekday()
            and all(isleap(year) == isleap(year + shift) for year in range(first, last + 1))
        ),
        0,
    )


def _dates_within(rule: rrule, dtstart: datetime, end: datetime, limit: int) -> list[datetime]:
    """The first ``limit`` local starts the rule's days and times give from ``dtstart`` (local, zone-aware) to
    ``end``, its COUNT and UNTIL left aside.

    dateutil stops looking only at a date that matches or at the end of its calendar (year 9999): a rule
    that matches nothing (the 30th of February) or nothing for years would be searched for seconds, an
    UNTIL does not stop it. So the rule runs in the last years before 9999 whose calendar is these years'
    (the same dates match), where the end of the calendar stops it a few decades past ``end`` (a few
    centuries when these years hold 2100, which is not a leap year: still well under a second)."""
    shift = _calendar_twin(max(dtstart.year - 1, 1), end.year + 1)
    twin = rule.replace(dtstart=dtstart.replace(year=dtstart.year + shift), count=None, until=None)
    twin_end = end.replace(year=end.year + shift)
    found = islice(takewhile(lambda start: start <= twin_end, twin), limit)
    return [start.replace(year=start.year - shift) for start in found]


def check_rule(text: str, starts_at: datetime, time_zone: str) -> tuple[str, datetime]:
    """``text`` as the RRULE to keep, and the start (UTC) of the series' last occurrence; or InvalidInput
    naming ``rrule``: a rule that does not parse, repeats more often than daily, never ends, has no date
    within ``HORIZON``, or would expand past ``MAX_OCCURRENCES`` or ``HORIZON``. Answers within a fraction of a
    second whatever the rule (see ``_dates_within``)."""
    parts = _parts(text)
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidInput({"rrule": N_("A series repeats daily, weekly, monthly or yearly.")})
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise InvalidInput({"rrule": N_("A series must end: give an end date or a number of times.")})
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidInput({"rrule": N_("Give an end date or a number of times, not both.")})
    if "BYEASTER" in parts:
        # dateutil's own extension, not RFC 5545: calendar apps could not read it in a feed (and Easter
        # does not follow the calendar's repeats that _dates_within relies on).
        raise InvalidInput({"rrule": N_("This repetition cannot be read.")})
    dtstart = starts_at.astimezone(ZoneInfo(time_zone))
    try:
        rule = _rule(text, dtstart)
        # One past the limit tells a rule that is too long from one that fits exactly.
        candidates = _dates_within(rule, dtstart, dtstart + HORIZON, MAX_OCCURRENCES + 1)
        # The rule's own dates are the first of these (its COUNT or UNTIL may end it sooner), and one more
        # if it goes on past them. dateutil finds each where the search above did; past the last, a rule
        # with a date comes back to one within a few decades at most (the calendar repeats), so it looks
        # no longer than that.
        starts = list(islice(rule, len(candidates) + 1)) if candidates else []
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput({"rrule": N_("This repetition cannot be read.")}) from None
    if not starts:
        raise InvalidInput({"rrule": N_("This repetition never takes place: check its end.")})
    if len(starts) > MAX_OCCURRENCES or starts[-1] - dtstart > HORIZON:
        raise InvalidInput({"rrule": N_("A series may hold at most 520 dates within three years: end it sooner.")})
    normalized = ";".join(f"{name}={value}" for name, value in parts.items())
    return normalized, starts[-1].astimezone(UTC)


def _exceptions(activity: Activity) -> tuple[set[str], list[tuple[datetime, datetime | None, datetime]]]:
    """The cancelled occurrences' keys, and the moved ones as (new start, new end, original start), in UTC
    and sorted by their new start."""
    zone = zone_of(activity)
    cancelled: set[str] = set()
    moved: list[tuple[datetime, datetime | None, datetime]] = []
    for entry in activity.exceptions or []:
        original = local_time(entry.get("recurrence_id"), zone)
        if original is None:
            continue
        if entry.get("status") == CANCELLED:
            cancelled.add(occurrence_key(original))
        elif entry.get("status") == MOVED and (starts := local_time(entry.get("starts"), zone)):
            ends = local_time(entry.get("ends"), zone)
            moved.append((starts.astimezone(UTC), ends.astimezone(UTC) if ends else None, original))
    moved.sort(key=lambda item: item[0])
    return cancelled, moved


def local_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """A stored local time ("2026-12-01T18:00") in ``zone``; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    except ValueError:
        return None


def _series(activity: Activity, after: datetime) -> Iterator[Occurrence]:
    """The activity's occurrences that end after ``after``, by start: the rule's own, moved ones where they
    moved to, cancelled ones marked."""
    start = activity.starts_at
    assert start is not None
    duration = activity.ends_at - start if activity.ends_at else None
    whole_cancelled = activity.status == CANCELLED
    if not activity.rrule:
        ends = activity.ends_at or start
        if ends >= after:
            yield Occurrence(activity, start, activity.ends_at, None, cancelled=whole_cancelled)
        return
    zone = zone_of(activity)
    try:
        rule = _rule(activity.rrule, start.astimezone(zone))
    except (ValueError, TypeError, OverflowError):
        return  # a rule stored before rules were checked, and unreadable: no dates rather than a 500
    cancelled, moved = _exceptions(activity)
    moved_keys = {occurrence_key(original) for _, _, original in moved}
    # Each occurrence lasts as the first does; look back by that long so one already running still counts.
    look_from = (after - (duration or timedelta(0))).astimezone(zone)

    def from_rule() -> Iterator[Occurrence]:
        for local in islice(rule.xafter(look_from, inc=True), MAX_OCCURRENCES):
            key = occurrence_key(local)
            if key in moved_keys:
                continue
            begins = local.astimezone(UTC)
            yield Occurrence(
                activity,
                begins,
                begins + duration if duration else None,
                local,
                cancelled=whole_cancelled or key in cancelled,
            )

    shifted = (
        Occurrence(activity, begins, ends, original, cancelled=whole_cancelled, moved=True)
        for begins, ends, original in moved
        if (ends or begins) >= after
    )
    yield from heapq.merge(from_rule(), shifted, key=lambda occurrence: occurrence.starts_at)


def in_pause(activity: Activity, starts_at: datetime) -> bool:
    """Whether a date starting at ``starts_at`` falls in the series' pause (at or after ``paused_at``): it does
    not take place, wherever the rule or a move put it. What the site's dates, the feeds and the sign-ups
    all ask."""
    paused_at = activity.paused_at
    if paused_at is None:
        return False
    return starts_at >= (paused_at if paused_at.tzinfo else paused_at.replace(tzinfo=UTC))


def expand(activity: Activity, start: datetime, end: datetime, *, with_cancelled: bool = True) -> list[Occurrence]:
    """The activity's occurrences that overlap [start, end), by start (none for an undated one, none from
    the moment a series was paused)."""
    if activity.starts_at is None:
        return []
    found: list[Occurrence] = []
    for occurrence in _series(activity, start):
        if occurrence.starts_at >= end or in_pause(activity, occurrence.starts_at):
            break
        if with_cancelled or not occurrence.cancelled:
            found.append(occurrence)
    return found


def next_occurrences(
    activity: Activity, now: datetime, limit: int, *, with_cancelled: bool = False
) -> list[Occurrence]:
    """The next ``limit`` occurrences still ahead of ``now`` (or running at ``now``), none while paused."""
    if activity.starts_at is None or activity.paused_at is not None:
        return []
    return list(islice((found for found in _series(activity, now) if with_cancelled or not found.cancelled), limit))


def find_occurrence(activity: Activity, key: str) -> Occurrence | None:
    """The occurrence a link names by its key (see ``Occurrence.key``), cancelled ones included."""
    if activity.starts_at is None:
        return None
    if not activity.rrule:
        return next(_series(activity, activity.starts_at), None) if key == "" else None
    if local_time(key, zone_of(activity)) is None:
        return None
    # From the earliest time it could be at: a moved occurrence may now be earlier than it was.
    moved = _exceptions(activity)[1]
    earliest = min([activity.starts_at, *(begins for begins, _, _ in moved)])
    return next(
        (found for found in islice(_series(activity, earliest), MAX_OCCURRENCES + len(moved)) if found.key == key), None
    )


def last_end(activity: Activity) -> datetime | None:
    """When the activity's last occurrence ends (UTC), for ``Activity.last_ends_at``; None if undated or
    endless."""
    start = activity.starts_at
    if start is None:
        return None
    duration = activity.ends_at - start if activity.ends_at else timedelta(0)
    if not activity.rrule:
        return start + duration
    if not {"COUNT", "UNTIL"} & _parts(activity.rrule).keys():
        return None  # a series without an end (only rows from before series had to end): always ahead
    try:
        rule = _rule(activity.rrule, start.astimezone(zone_of(activity)))
        starts = list(islice(rule, MAX_OCCURRENCES))
    except (ValueError, TypeError, OverflowError):
        return None
    ends = [starts[-1].astimezone(UTC) + duration] if starts else []
    ends += [(moved_end or moved_start) for moved_start, moved_end, _ in _exceptions(activity)[1]]
    return max(ends, default=start + duration)
