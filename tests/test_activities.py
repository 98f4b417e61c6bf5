"""When activities happen: one-off dates, RFC 5545 series on their local clock, cancelled and moved dates,
and the iCalendar that carries them (parsed back with the library)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from coworking.activities.ical import calendar_bytes, new_calendar
from coworking.activities.models import Activity
from coworking.activities.recurrence import (
    MAX_OCCURRENCES,
    check_rule,
    expand,
    find_occurrence,
    last_end,
    next_occurrences,
)
from coworking.activities.services import next_occurrence, occurrences_between
from coworking.core.errors import InvalidInput
from coworking.spaces.models import Space

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
RIGA = ZoneInfo("Europe/Riga")
LISBON = ZoneInfo("Europe/Lisbon")


def activity(**fields: object) -> Activity:
    fields.setdefault("time_zone", "Europe/Riga")
    fields.setdefault("exceptions", [])
    fields.setdefault("status", "scheduled")
    made = Activity(title="Resident meeting", **fields)
    made.last_ends_at = last_end(made)
    return made


def weekly(zone: str, first: datetime, rule: str = "FREQ=WEEKLY;COUNT=20", **fields: object) -> Activity:
    return activity(
        time_zone=zone,
        starts_at=first.astimezone(UTC),
        ends_at=(first + timedelta(hours=2)).astimezone(UTC),
        rrule=rule,
        **fields,
    )


def test_a_one_off_activity_is_next_until_it_ends() -> None:
    start = NOW + timedelta(days=2)
    assert next_occurrence(activity(starts_at=start), NOW) == start
    running = activity(starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    assert next_occurrence(running, NOW) == NOW - timedelta(hours=1)
    assert next_occurrence(activity(starts_at=NOW - timedelta(days=1)), NOW) is None


def test_an_activity_without_a_date_is_never_upcoming() -> None:
    assert next_occurrence(activity(), NOW) is None
    assert expand(activity(), NOW, NOW + timedelta(days=30)) == []


@pytest.mark.parametrize(("zone", "first", "change"), [
    ("Europe/Riga", datetime(2026, 10, 6, 18, 0, tzinfo=RIGA), datetime(2026, 10, 25, tzinfo=UTC)),
    ("Europe/Lisbon", datetime(2027, 3, 2, 18, 0, tzinfo=LISBON), datetime(2027, 3, 28, tzinfo=UTC)),
])  # fmt: skip
def test_a_weekly_series_keeps_its_local_time_across_daylight_saving(
    zone: str, first: datetime, change: datetime
) -> None:
    series = weekly(zone, first, "FREQ=WEEKLY;BYDAY=TU;COUNT=8")
    found = expand(series, first.astimezone(UTC) - timedelta(days=1), first.astimezone(UTC) + timedelta(days=70))
    assert len(found) == 8
    assert {occurrence.local_start().strftime("%a %H:%M") for occurrence in found} == {"Tue 18:00"}
    offsets = {occurrence.starts_at.astimezone(ZoneInfo(zone)).utcoffset() for occurrence in found}
    assert len(offsets) == 2, "the UTC time moves by an hour at the change"
    assert all(occurrence.ends_at - occurrence.starts_at == timedelta(hours=2) for occurrence in found)
    before = [occurrence for occurrence in found if occurrence.starts_at < change]
    after = [occurrence for occurrence in found if occurrence.starts_at > change]
    assert before and after
    assert before[0].starts_at.hour != after[0].starts_at.hour


def test_monthly_on_the_first_tuesday_and_every_two_weeks() -> None:
    first = datetime(2026, 12, 1, 17, 30, tzinfo=RIGA)
    monthly = weekly("Europe/Riga", first, "FREQ=MONTHLY;BYDAY=1TU;COUNT=4")
    assert [found.local_start().date().isoformat() for found in expand(monthly, NOW, NOW + timedelta(days=400))] == [
        "2026-12-01", "2027-01-05", "2027-02-02", "2027-03-02",
    ]  # fmt: skip
    fortnightly = weekly("Europe/Riga", first, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20261231T235959Z")
    days = [found.local_start().date().isoformat() for found in expand(fortnightly, NOW, NOW + timedelta(days=60))]
    assert days == ["2026-12-01", "2026-12-03", "2026-12-15", "2026-12-17", "2026-12-29", "2026-12-31"]


def test_one_cancelled_and_one_moved_occurrence() -> None:
    first = datetime(2026, 12, 1, 18, 0, tzinfo=RIGA)
    series = weekly("Europe/Riga", first, "FREQ=WEEKLY;COUNT=4", exceptions=[
        {"recurrence_id": "2026-12-08T18:00", "status": "cancelled"},
        {"recurrence_id": "2026-12-15T18:00", "status": "moved", "starts": "2026-12-16T19:00", "ends": "2026-12-16T21:00"},
    ])  # fmt: skip
    found = expand(series, NOW, NOW + timedelta(days=60))
    assert [(f.local_start().strftime("%m-%d %H:%M"), f.cancelled, f.moved) for f in found] == [
        ("12-01 18:00", False, False),
        ("12-08 18:00", True, False),
        ("12-16 19:00", False, True),
        ("12-22 18:00", False, False),
    ]
    assert len(expand(series, NOW, NOW + timedelta(days=60), with_cancelled=False)) == 3
    assert occurrences_between(series, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)) == 3
    moved = find_occurrence(series, "2026-12-15T18:00")
    assert moved is not None and moved.moved and moved.local_start().day == 16
    assert find_occurrence(series, "2026-12-15T19:00") is None
    assert find_occurrence(series, "not a time") is None
    # After the first: the next is the cancelled one's successor, skipping it.
    assert next_occurrence(series, datetime(2026, 12, 2, tzinfo=UTC)).astimezone(RIGA).day == 16
    assert last_end(series) == datetime(2026, 12, 22, 20, 0, tzinfo=RIGA).astimezone(UTC)


def test_a_paused_series_has_no_dates_from_its_pause_on() -> None:
    first = datetime(2026, 11, 3, 18, 0, tzinfo=RIGA)
    series = weekly("Europe/Riga", first, "FREQ=WEEKLY;COUNT=10", paused_at=NOW)
    assert next_occurrences(series, NOW, 5) == []
    assert len(expand(series, first.astimezone(UTC), NOW + timedelta(days=60))) == 3  # 3, 10 and 17 November


def test_a_cancelled_activity_keeps_its_dates_marked_cancelled() -> None:
    series = weekly("Europe/Riga", datetime(2026, 12, 1, 18, 0, tzinfo=RIGA), status="cancelled")
    found = expand(series, NOW, NOW + timedelta(days=30))
    assert found and all(occurrence.cancelled for occurrence in found)
    assert next_occurrence(series, NOW) is None


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=WEEKLY", "must end"),
    ("FREQ=WEEKLY;BYDAY=TU", "must end"),
    ("FREQ=HOURLY;COUNT=3", "daily, weekly, monthly or yearly"),
    ("FREQ=SECONDLY;COUNT=3", "daily, weekly, monthly or yearly"),
    ("FREQ=DAILY;COUNT=100000", "at most 520"),
    ("FREQ=DAILY;UNTIL=20990101T000000Z", "at most 520"),
    ("FREQ=YEARLY;COUNT=50", "at most 520"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z", "not both"),
    ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "cannot be read"),
    ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2;COUNT=3", "never takes place"),
    ("FREQ=WEEKLY;UNTIL=20200101T000000Z", "never takes place"),
])  # fmt: skip
def test_rules_that_never_end_or_expand_too_far_are_refused(rule: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule, NOW, "Europe/Riga")
    assert message in refused.value.errors["rrule"]


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", "never takes place"),
    ("FREQ=DAILY;BYSETPOS=5;COUNT=3", "never takes place"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20271231T000000Z", "never takes place"),
    # Its first date (a Monday the 29th of February) is in 2044: none within three years.
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=600", "never takes place"),
    ("FREQ=YEARLY;BYEASTER=0;COUNT=3", "cannot be read"),
])  # fmt: skip
def test_a_rule_without_a_date_in_three_years_is_refused_at_once(rule: str, message: str) -> None:
    """dateutil would look for a date until the year 9999 (6 to 13 seconds a rule): the check looks only as far
    as a series may go."""
    began = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule, NOW, "Europe/Riga")
    assert time.perf_counter() - began < 1
    assert message in refused.value.errors["rrule"]


def test_a_sparse_rule_keeps_its_dates() -> None:
    """Found where the quick search looks (in years with the same calendar), and taken from the rule itself."""
    began = time.perf_counter()
    _, last = check_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1", NOW, "Europe/Riga")
    assert last == datetime(2028, 2, 29, 14, 0, tzinfo=RIGA).astimezone(UTC)
    _, last = check_rule("FREQ=MONTHLY;BYDAY=-1FR;BYMONTH=2,8;UNTIL=20280101T000000Z", NOW, "Europe/Riga")
    assert last == datetime(2027, 8, 27, 14, 0, tzinfo=RIGA).astimezone(UTC)
    assert time.perf_counter() - began < 1
    with pytest.raises(InvalidInput) as refused:
        check_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2", NOW, "Europe/Riga")  # 2032: too far
    assert "at most 520" in refused.value.errors["rrule"]


def test_a_rule_that_fits_is_kept_with_its_last_date() -> None:
    rule, last = check_rule(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}", NOW, "Europe/Riga")
    assert rule == f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}"
    # The same local time (14:00 in Riga) 519 days on, whatever daylight saving says by then.
    assert last.astimezone(RIGA).replace(tzinfo=None) == (
        NOW.astimezone(RIGA) + timedelta(days=MAX_OCCURRENCES - 1)
    ).replace(tzinfo=None)


def test_the_ical_of_a_series_holds_its_dates_in_local_time_and_its_cancelled_one() -> None:
    space = Space(name="CoLabora", town="Lielvārde", country_code="LV", latitude=56.7, longitude=24.8, slug="colabora")
    first = datetime(2026, 10, 6, 18, 0, tzinfo=RIGA)
    series = weekly("Europe/Riga", first, "FREQ=WEEKLY;BYDAY=TU;COUNT=6", exceptions=[
        {"recurrence_id": "2026-10-20T18:00", "status": "cancelled"},
        {"recurrence_id": "2026-10-27T18:00", "status": "moved", "starts": "2026-10-28T19:00", "ends": "2026-10-28T21:00"},
    ], id=7, version=3, updated_at=NOW)  # fmt: skip
    series.space = space
    body = calendar_bytes(
        new_calendar("Test", "Test"), [series], NOW, lambda a: f"https://example.org/activities/{a.id}", "example.org"
    )
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VTIMEZONE"), "the zone the times name goes with them"
    found = recurring_ical_events.of(calendar).between(datetime(2026, 10, 1), datetime(2026, 12, 1))
    local = [
        (event["DTSTART"].dt.astimezone(RIGA).strftime("%m-%d %H:%M"), str(event.get("STATUS"))) for event in found
    ]
    assert local == [
        ("10-06 18:00", "CONFIRMED"),
        ("10-13 18:00", "CONFIRMED"),
        ("10-28 19:00", "CONFIRMED"),
        ("11-03 18:00", "CONFIRMED"),
        ("11-10 18:00", "CONFIRMED"),
    ]
    # Across the change on 25 October the UTC time moved and the local one did not.
    assert found[0]["DTSTART"].dt.astimezone(UTC).hour == 15 and found[3]["DTSTART"].dt.astimezone(UTC).hour == 16
    cancelled = [event for event in calendar.walk("VEVENT") if str(event.get("STATUS")) == "CANCELLED"]
    assert len(cancelled) == 1 and cancelled[0]["RECURRENCE-ID"].dt.astimezone(RIGA).day == 20
    assert all(str(event["URL"]) == "https://example.org/activities/7" for event in calendar.walk("VEVENT"))


def test_a_series_from_before_series_had_to_end_stays_endless() -> None:
    """Rows migrated from the old weekly flag may have no end: their last end is unknown (NULL, always ahead),
    not the 520th date's."""
    endless = activity(starts_at=NOW, ends_at=NOW + timedelta(hours=2), rrule="FREQ=WEEKLY")
    assert last_end(endless) is None
    assert next_occurrence(endless, NOW + timedelta(days=20 * 365)) is not None
