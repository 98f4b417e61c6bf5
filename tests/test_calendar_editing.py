"""A space's keepers write its activities: the form builds the RFC 5545 rule on the space's clock (a weekly
18:00 meeting in Riga stays at 18:00 across the October change), one date is cancelled or moved, a series is
paused, an activity cancelled or deleted; every change is a revision (history, partner's revert), a stale
save is merged, bad input comes back with its message and writes nothing, and only the space's builders, its
country's partners and admins may write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.exceptions import PermissionDeniedException
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor
from coworking.activities.models import Activity
from coworking.activities.recurrence import expand, next_occurrences
from coworking.calendar import editing, forms, manage
from coworking.core.i18n import translator
from coworking.revisions.models import Revision
from coworking.spaces.models import Space
from tests.factories import make_activity, make_space
from tests.test_accounts import PASSWORD, csrf, fresh, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, builder, lielvarde, partner  # noqa: F401

# "Now" for the pages: late August 2026, before the autumn's dates and the October change to winter time.
NOW = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)
WEEKLY = {
    "title": "Weekly resident meeting", "kind": "resident_meeting", "description": "Tea, plans for the week, news.",
    "language": "lv", "date": "2026-09-01", "start_time": "18:00", "end_time": "20:00", "repeat": "weekly",
    "days": ["tue"], "nth": "1", "nth_day": "tue", "ends": "until", "until": "2026-11-24", "count": "",
    "at_space": "1", "online_url": "", "capacity": "", "price": "free", "price_note": "", "summary": "",
}  # fmt: skip


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    from coworking.spaces import controllers

    monkeypatch.setattr(manage, "utcnow", lambda: NOW)
    monkeypatch.setattr(controllers, "utcnow", lambda: NOW)  # the space's page, listing its activities ahead


def send(client: TestClient, path: str, fields: dict[str, Any]):  # noqa: ANN201
    return client.post(path, data={**fields, "_csrf_token": csrf(client)}, follow_redirects=False)


def add(client: TestClient, space: Space, **changes: Any):  # noqa: ANN201, ANN401
    return send(client, f"/spaces/{space.slug}/activities/new", {**WEEKLY, **changes})


def activities(session: Session) -> list[Activity]:
    session.expire_all()
    return list(session.scalars(select(Activity).order_by(Activity.id)))


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Activity)),
        session.scalar(select(func.count()).select_from(Revision)),
    )


def local_times(activity: Activity, days: int = 200) -> list[str]:
    return [found.local_start().strftime("%Y-%m-%d %H:%M") for found in expand(activity, NOW, NOW + timedelta(days=days))]


@pytest.fixture()
def keeper(client: TestClient, session: Session, lielvarde: Space) -> TestClient:  # noqa: F811
    builder(client, session, lielvarde)
    return client


def test_a_weekly_meeting_in_riga_stays_at_18_00_across_the_october_change(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    form = keeper.get(f"/spaces/{lielvarde.slug}/activities/new")
    assert form.status_code == 200 and "Europe/Riga" in form.text
    response = add(keeper, lielvarde)
    assert response.status_code == 303, response.text[:3000]
    assert response.headers["location"].startswith(f"/spaces/{lielvarde.slug}/activities?saved=")
    [activity] = activities(session)
    # The end of 24 November on Riga's winter clock (UTC+2), in UTC as RFC 5545 wants it.
    assert activity.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261124T215959Z"
    assert activity.time_zone == "Europe/Riga" and activity.language == "lv" and activity.at_space
    assert activity.starts_at == datetime(2026, 9, 1, 15, 0, tzinfo=UTC)  # 18:00 summer time (UTC+3)
    assert activity.ends_at == datetime(2026, 9, 1, 17, 0, tzinfo=UTC)
    assert activity.last_ends_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 20:00 winter time (UTC+2)
    found = expand(activity, NOW, NOW + timedelta(days=200))
    assert len(found) == 13 and {item.local_start().strftime("%a %H:%M") for item in found} == {"Tue 18:00"}
    utc_hours = {item.local_start().date().isoformat(): item.starts_at.hour for item in found}
    assert utc_hours["2026-10-20"] == 15 and utc_hours["2026-10-27"] == 16  # the clocks went back on 25 October
    [revision] = session.scalars(select(Revision)).all()
    assert (revision.subject, revision.kind, revision.country_code, revision.author_role) == ("activity", "created", "LV", "builder")
    assert revision.snapshot["starts"] == "2026-09-01T18:00" and revision.snapshot["time_zone"] == "Europe/Riga"

    listing = keeper.get(f"/spaces/{lielvarde.slug}/activities")
    assert "Weekly resident meeting" in listing.text and "every week on Tuesday, until 24 November 2026" in listing.text
    assert "Tuesday, 1 September 2026, 18:00" in listing.text
    page = keeper.get(f"/spaces/{lielvarde.slug}")
    assert "Manage activities" in page.text and "every week on Tuesday, until 24 November 2026" in page.text


def test_every_two_weeks_monthly_and_a_start_off_the_chosen_days(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert add(keeper, lielvarde, repeat="fortnightly", days=["thu", "tue"], ends="count", count="10").status_code == 303
    assert add(keeper, lielvarde, repeat="monthly", nth="1", nth_day="tue", ends="count", count="6").status_code == 303
    # Wednesday 2 September, weekly on Tuesdays: the first date is the first Tuesday after it.
    assert add(keeper, lielvarde, date="2026-09-02", ends="count", count="3").status_code == 303
    # No day ticked, no week of the month chosen: the first date's own (Thursday 3 September; the last Tuesday).
    assert add(keeper, lielvarde, date="2026-09-03", days=[], ends="count", count="2").status_code == 303
    assert add(keeper, lielvarde, date="2026-09-29", repeat="monthly", nth="", nth_day="", ends="count", count="2").status_code == 303
    fortnightly, monthly, shifted, thursdays, last_tuesdays = activities(session)
    assert thursdays.rrule == "FREQ=WEEKLY;BYDAY=TH;COUNT=2" and last_tuesdays.rrule == "FREQ=MONTHLY;BYDAY=-1TU;COUNT=2"
    assert fortnightly.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10"
    assert local_times(fortnightly)[:4] == ["2026-09-01 18:00", "2026-09-03 18:00", "2026-09-15 18:00", "2026-09-17 18:00"]
    assert len(local_times(fortnightly)) == 10
    assert monthly.rrule == "FREQ=MONTHLY;BYDAY=1TU;COUNT=6"
    assert [day[:10] for day in local_times(monthly)] == ["2026-09-01", "2026-10-06", "2026-11-03", "2026-12-01", "2027-01-05", "2027-02-02"]
    assert local_times(shifted) == ["2026-09-08 18:00", "2026-09-15 18:00", "2026-09-22 18:00"]
    english = translator("en")
    assert forms.describe_rule(fortnightly.rrule, english) == "every 2 weeks on Tuesday and Thursday, 10 times"
    assert forms.describe_rule(monthly.rrule, english) == "monthly on the first Tuesday, 6 times"
    # The edit form is filled back from the stored rule.
    edit = keeper.get(f"/activities/{fortnightly.id}/edit").text
    assert 'name="repeat" value="fortnightly" checked' in edit and 'name="count" value="10"' in edit
    assert 'name="days" value="tue" checked' in edit and 'name="days" value="thu" checked' in edit
    assert 'name="days" value="wed" checked' not in edit
    edit = keeper.get(f"/activities/{monthly.id}/edit").text
    assert 'name="repeat" value="monthly" checked' in edit and '<option value="1" selected>' in edit


BAD_INPUT = [
    ({"ends": "", "until": ""}, "ends", "A series must end"),
    ({"ends": "count", "count": "999999"}, "count", "at most 520 dates"),
    ({"ends": "count", "count": "99999999999999999999"}, "count", "whole number"),
    ({"until": "2026-08-01"}, "until", "on or after its first date"),
    ({"until": "2026-02-31"}, "until", "does not exist"),
    ({"end_time": "17:00"}, "end_time", "The end must be after the start"),
    ({"date": "2026-02-31"}, "date", "This date does not exist"),
    ({"date": "31.02.2027"}, "date", "This date does not exist"),
    ({"date": "1999-01-01"}, "date", "This date is past"),
    ({"date": "9999-12-31"}, "date", "within the next three years"),
    ({"date": ""}, "date", "Enter the date"),
    ({"start_time": "25:00"}, "start_time", "time of day"),
    ({"date": "2027-03-28", "start_time": "03:30", "repeat": "once"}, "start_time", "clocks go forward"),
    ({"online_url": "javascript:alert(1)"}, "online_url", "web address"),
    ({"capacity": "abc"}, "capacity", "whole number"),
    ({"capacity": "0"}, "capacity", "whole number"),
    ({"capacity": "99999999999"}, "capacity", "whole number"),
    ({"kind": "party"}, "kind", "kind of activity"),
    ({"language": "xx"}, "language", "language from the list"),
    ({"days": ["tue", "funday"]}, "days", "days from the list"),
    ({"repeat": "hourly"}, "repeat", "how often"),
    ({"repeat": "custom"}, "repeat", "how often"),
    ({"repeat": "monthly", "nth": "7"}, "nth", "first, second"),
    ({"price": "paid", "price_note": ""}, "price_note", "what it costs"),
    ({"at_space": "", "online_url": ""}, "at_space", "Say where"),
    ({"title": "  "}, "title", "title"),
    ({"title": "x" * 201}, "title", "too long"),
]


def test_bad_input_comes_back_with_its_message_and_writes_nothing(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    before = counts(session)
    for changes, field, message in BAD_INPUT:
        response = add(keeper, lielvarde, **{"title": "Story evening", **changes})
        assert response.status_code == 400, (changes, response.text[:2000])
        assert f'id="{field}-error"' in response.text and message in response.text, (changes, field)
        assert f'aria-describedby="{field}-error"' in response.text or f'-hint {field}-error"' in response.text, field
        if field != "title":
            assert 'name="title" value="Story evening"' in response.text  # what was typed is kept
    assert counts(session) == before


def test_one_date_cancelled_one_moved_and_restored(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert add(keeper, lielvarde).status_code == 303
    [activity] = activities(session)
    dates = keeper.get(f"/activities/{activity.id}/dates")
    assert dates.status_code == 200 and dates.text.count("Cancel this date") == 13
    assert send(keeper, f"/activities/{activity.id}/dates/cancel", {"on": "2026-09-08T18:00"}).status_code == 303
    moved = {"on": "2026-09-15T18:00", "move_date": "2026-09-16", "move_start_time": "19:00", "move_end_time": "21:00"}
    assert send(keeper, f"/activities/{activity.id}/dates/move", moved).status_code == 303
    [activity] = activities(session)
    found = expand(activity, NOW, NOW + timedelta(days=40))
    assert [(f.local_start().strftime("%m-%d %H:%M"), f.cancelled, f.moved) for f in found][:4] == [
        ("09-01 18:00", False, False),
        ("09-08 18:00", True, False),
        ("09-16 19:00", False, True),
        ("09-22 18:00", False, False),
    ]
    assert activity.exceptions == [
        {"recurrence_id": "2026-09-08T18:00", "status": "cancelled"},
        {"recurrence_id": "2026-09-15T18:00", "status": "moved", "starts": "2026-09-16T19:00", "ends": "2026-09-16T21:00"},
    ]
    page = keeper.get(f"/activities/{activity.id}/dates").text
    assert "Back to its usual time" in page and "It takes place after all" in page
    # Bad moves and unknown dates come back with their message, and change nothing.
    before = counts(session)
    bad = send(keeper, f"/activities/{activity.id}/dates/move", {**moved, "on": "2026-09-22T18:00", "move_end_time": "18:30"})
    assert bad.status_code == 400 and 'id="move_end_time-4-error"' in bad.text
    for key in ("2026-09-09T18:00", "not-a-date", ""):
        assert send(keeper, f"/activities/{activity.id}/dates/cancel", {"on": key}).status_code == 400
    assert send(keeper, f"/activities/{activity.id}/dates/restore", {"on": "2026-09-22T18:00"}).status_code == 400
    assert counts(session) == before
    # Restored: the cancelled date takes place again, the moved one is back at 18:00.
    for key in ("2026-09-08T18:00", "2026-09-15T18:00"):
        assert send(keeper, f"/activities/{activity.id}/dates/restore", {"on": key}).status_code == 303
    [activity] = activities(session)
    assert activity.exceptions == [] and not any(f.cancelled or f.moved for f in expand(activity, NOW, NOW + timedelta(days=200)))
    kinds = [r.kind for r in session.scalars(select(Revision).order_by(Revision.version))]
    assert kinds == ["created", "date-cancelled", "date-moved", "date-restored", "date-restored"]


def test_a_new_time_keeps_the_cancelled_dates(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert add(keeper, lielvarde).status_code == 303
    [activity] = activities(session)
    assert send(keeper, f"/activities/{activity.id}/dates/cancel", {"on": "2026-10-06T18:00"}).status_code == 303
    # Moved to Wednesdays 19:00: the cancelled Tuesday has no Wednesday of its own in that week's place... it
    # follows to the date on the same day only; a Tuesday → Wednesday move drops it.
    response = send(keeper, f"/activities/{activity.id}/edit", {**WEEKLY, "start_time": "19:00", "end_time": "21:00", "version": "2"})
    assert response.status_code == 303, response.text[:2000]
    [activity] = activities(session)
    assert activity.exceptions == [{"recurrence_id": "2026-10-06T19:00", "status": "cancelled"}]
    assert activity.starts_at == datetime(2026, 9, 1, 16, 0, tzinfo=UTC) and activity.version == 3
    response = send(keeper, f"/activities/{activity.id}/edit", {**WEEKLY, "days": ["wed"], "date": "2026-09-02", "version": "3"})
    assert response.status_code == 303
    [activity] = activities(session)
    assert activity.exceptions == [] and activity.rrule.startswith("FREQ=WEEKLY;BYDAY=WE;")


def test_pause_resume_cancel_and_delete(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert add(keeper, lielvarde).status_code == 303
    assert add(keeper, lielvarde, title="Open day", kind="open_day", repeat="once", date="2026-09-05").status_code == 303
    series, single = activities(session)
    assert send(keeper, f"/activities/{series.id}/pause", {}).status_code == 303
    series = activities(session)[0]
    assert series.paused_at == NOW and next_occurrences(series, NOW, 5) == []
    assert "Paused since" in keeper.get(f"/spaces/{lielvarde.slug}/activities").text
    assert "The series is paused" in keeper.get(f"/activities/{series.id}/dates").text
    refused = send(keeper, f"/activities/{single.id}/pause", {})
    assert refused.status_code == 400 and "Only a series can be paused" in refused.text
    assert send(keeper, f"/activities/{series.id}/resume", {}).status_code == 303
    series = activities(session)[0]
    assert series.paused_at is None and len(next_occurrences(series, NOW, 5)) == 5

    assert send(keeper, f"/activities/{single.id}/cancel", {}).status_code == 303
    single = activities(session)[1]
    assert single.status == "cancelled" and expand(single, NOW, NOW + timedelta(days=30))[0].cancelled
    assert "Cancelled" in keeper.get(f"/spaces/{lielvarde.slug}/activities").text
    assert send(keeper, f"/activities/{single.id}/reinstate", {}).status_code == 303
    assert activities(session)[1].status == "scheduled"

    single_id, series_id = single.id, series.id
    confirm = keeper.get(f"/activities/{single_id}/delete")
    assert confirm.status_code == 200 and "Its history of changes is kept" in confirm.text
    assert send(keeper, f"/activities/{single_id}/delete", {}).status_code == 303
    assert [a.title for a in activities(session)] == ["Weekly resident meeting"]
    kept = session.scalars(select(Revision).where(Revision.subject == "activity", Revision.subject_id == single_id).order_by(Revision.version)).all()
    assert [r.kind for r in kept] == ["created", "cancelled", "reinstated", "deleted"]
    assert kept[-1].snapshot == {} and kept[-1].changes["title"] == ["Open day", None]
    assert keeper.get(f"/activities/{single_id}/edit").status_code == 404
    assert keeper.get(f"/activities/{single_id}/history").status_code == 404
    kinds = [r.kind for r in session.scalars(select(Revision).where(Revision.subject == "activity", Revision.subject_id == series_id).order_by(Revision.version))]
    assert kinds == ["created", "paused", "resumed"]


def test_history_is_public_and_a_partner_reverts(
    keeper: TestClient, partner: TestClient, fresh: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    assert add(keeper, lielvarde).status_code == 303
    [activity] = activities(session)
    changed = {**WEEKLY, "title": "Resident meeting and soup", "capacity": "20", "version": "1", "summary": "Soup now"}
    assert send(keeper, f"/activities/{activity.id}/edit", changed).status_code == 303
    history = keeper.get(f"/activities/{activity.id}/history")
    assert history.status_code == 200 and "Restore version" not in history.text  # a builder does not revert
    assert "Added by a community builder of this space." in history.text and "Soup now" in history.text
    assert "Resident meeting and soup" in history.text and BUILDER not in history.text
    first = session.scalar(select(Revision).where(Revision.kind == "created"))
    assert "Restore version 1" in partner.get(f"/activities/{activity.id}/history").text
    assert send(keeper, f"/activities/{activity.id}/history/{first.id}/revert", {}).status_code == 403  # not a builder's
    assert send(partner, f"/activities/{activity.id}/history/{first.id}/revert", {}).status_code == 303
    [activity] = activities(session)
    assert (activity.title, activity.capacity, activity.version) == ("Weekly resident meeting", None, 3)
    revert = session.scalar(select(Revision).where(Revision.kind == "revert"))
    assert (revert.author_role, revert.restores_id, revert.version) == ("partner", first.id, 3)
    # A revision of something else is not this activity's to restore.
    assert send(partner, f"/activities/{activity.id}/history/999999/revert", {}).status_code == 400
    keeper.cookies.clear()
    public = keeper.get(f"/activities/{activity.id}/history")  # anyone reads it
    assert public.status_code == 200 and "Version 1 restored by a network partner." in public.text


def test_only_the_spaces_keepers_write_its_activities(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    from coworking.accounts.roles import grant_partner
    from coworking.accounts.services import create_admin

    elsewhere = make_space(session, "SKOLA6", "Cēsis", "LV")
    activity = make_activity("Story evening", datetime(2026, 9, 3, 16, tzinfo=UTC), time_zone="Europe/Riga")
    lielvarde.activities.append(activity)
    session.commit()
    builder(client, session, elsewhere, "other.builder@example.org")  # another space's builder
    for path in (f"/spaces/{lielvarde.slug}/activities", f"/spaces/{lielvarde.slug}/activities/new", f"/activities/{activity.id}/edit",
                 f"/activities/{activity.id}/dates", f"/activities/{activity.id}/delete"):  # fmt: skip
        assert client.get(path).status_code == 403, path
        assert fresh.get(path).status_code == 401, path  # anonymous
    before = counts(session)
    assert add(client, lielvarde).status_code == 403
    assert send(client, f"/activities/{activity.id}/edit", {**WEEKLY, "version": "1"}).status_code == 403
    for action in ("cancel", "delete", "pause"):
        assert send(client, f"/activities/{activity.id}/{action}", {}).status_code == 403
    assert add(fresh, lielvarde).status_code == 401
    # A partner of another country may not either; one of Latvia may.
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(fresh, session, "ie.partner@example.org")
    grant_partner(session, fresh.app.state.sessions, admin.id, "ie.partner@example.org", "IE", None)
    assert sign_in(fresh, email="ie.partner@example.org").status_code == 303
    assert fresh.get(f"/activities/{activity.id}/edit").status_code == 403
    assert add(fresh, lielvarde).status_code == 403
    assert counts(session) == before
    # ASVS 8.3.1: the service itself refuses, whichever surface calls it.
    outsider = Actor(user_id=1, builder_of=frozenset({elsewhere.id}))
    with pytest.raises(PermissionDeniedException):
        editing.cancel_activity(session, outsider, activity)
    with pytest.raises(PermissionDeniedException):
        editing.create_activity(session, Actor(user_id=1, partner_countries=frozenset({"IE"})), lielvarde, {}, "")
    assert counts(session) == before
    # A partner of Latvia and an admin may, through the pages.
    client.cookies.clear()
    register_and_verify(client, session, "lv.partner@example.org")
    grant_partner(session, client.app.state.sessions, admin.id, "lv.partner@example.org", "LV", None)
    for email, version in (("lv.partner@example.org", "1"), ("admin@example.org", "2")):
        client.cookies.clear()
        assert sign_in(client, email=email).status_code == 303
        assert client.get(f"/activities/{activity.id}/edit").status_code == 200, email
        edited = send(client, f"/activities/{activity.id}/edit", {**WEEKLY, "repeat": "once", "title": f"Evening ({email})", "version": version})
        assert edited.status_code == 303, email
        session.refresh(activity)
        assert (activity.title, activity.version) == (f"Evening ({email})", int(version) + 1)


def test_a_stale_save_shows_both_versions_to_merge(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    assert add(client, lielvarde).status_code == 303
    [activity] = activities(session)
    builder(fresh, session, lielvarde, "second@example.org")
    assert 'name="version" value="1"' in fresh.get(f"/activities/{activity.id}/edit").text
    assert send(client, f"/activities/{activity.id}/edit", {**WEEKLY, "title": "Tuesday meeting", "capacity": "15", "version": "1"}).status_code == 303
    stale = send(fresh, f"/activities/{activity.id}/edit", {**WEEKLY, "title": "Resident evening", "price": "paid", "price_note": "2 EUR", "version": "1"})
    assert stale.status_code == 409
    assert "Someone else saved this activity while you were editing it" in stale.text
    # Their title shows beside mine; the capacity they set (which I left alone) is taken into my form.
    assert 'name="title" value="Resident evening"' in stale.text and 'id="title-theirs"' in stale.text and "Tuesday meeting" in stale.text
    assert 'name="capacity" value="15"' in stale.text and 'name="price_note" value="2 EUR"' in stale.text
    assert 'name="version" value="2"' in stale.text
    [activity] = activities(session)
    assert (activity.title, activity.price_note) == ("Tuesday meeting", None)
    again = send(fresh, f"/activities/{activity.id}/edit", {**WEEKLY, "title": "Resident evening", "capacity": "15", "price": "paid", "price_note": "2 EUR", "version": "2"})
    assert again.status_code == 303
    [activity] = activities(session)
    assert (activity.title, activity.capacity, activity.price_note, activity.version) == ("Resident evening", 15, "2 EUR", 3)
    # A date cancelled meanwhile is no conflict: the form does not hold the dates.
    assert send(client, f"/activities/{activity.id}/dates/cancel", {"on": "2026-09-08T18:00"}).status_code == 303
    assert send(fresh, f"/activities/{activity.id}/edit", {**WEEKLY, "title": "Resident evening!", "capacity": "15", "price": "paid", "price_note": "2 EUR", "version": "3"}).status_code == 303
    [activity] = activities(session)
    assert activity.title == "Resident evening!" and len(activity.exceptions) == 1


def test_a_custom_rule_is_kept_unless_changed(keeper: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    activity = make_activity("Daily coffee", datetime(2026, 9, 1, 6, tzinfo=UTC), time_zone="Europe/Riga", rrule="FREQ=DAILY;COUNT=5")
    lielvarde.activities.append(activity)
    session.commit()
    edit = keeper.get(f"/activities/{activity.id}/edit").text
    assert 'name="repeat" value="custom" checked' in edit and "every day, 5 times" in edit
    values = {**WEEKLY, "title": "Morning coffee", "repeat": "custom", "start_time": "09:00", "end_time": "", "version": "1"}
    assert send(keeper, f"/activities/{activity.id}/edit", values).status_code == 303
    [activity] = activities(session)
    assert activity.rrule == "FREQ=DAILY;COUNT=5" and activity.title == "Morning coffee"
    assert send(keeper, f"/activities/{activity.id}/edit", {**values, "repeat": "once", "version": "2"}).status_code == 303
    assert activities(session)[0].rrule is None


def test_rules_in_words() -> None:
    english = translator("en")
    cases = {
        "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270601T205959Z": "every week on Tuesday and Thursday, until 1 June 2027",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10": "every 2 weeks on Tuesday, 10 times",
        "FREQ=MONTHLY;BYDAY=1TU": "monthly on the first Tuesday",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3": "monthly on the last Friday, 3 times",
        "FREQ=WEEKLY;COUNT=4": "every week, 4 times",
        "FREQ=DAILY;INTERVAL=3;COUNT=2": "every 3 days, 2 times",
        "FREQ=YEARLY;COUNT=1": "every year, 1 time",
        "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3": "on a custom schedule",
        "FREQ=WEEKLY;BYDAY=XX;COUNT=3": "on a custom schedule",
        "garbage": "on a custom schedule",
        "FREQ=WEEKLY;INTERVAL=99999999999;COUNT=2": "on a custom schedule",
    }
    for rule, words in cases.items():
        assert forms.describe_rule(rule, english, "Europe/Riga") == words, rule
    assert forms.describe_rule(None, english) == ""
    # The last day on the space's clock, not in UTC: 23:59:59 on 1 June in the Azores is 00:59:59Z on 2 June.
    assert forms.describe_rule("FREQ=WEEKLY;BYDAY=MO;UNTIL=20271202T005959Z", english, "Atlantic/Azores").endswith("until 1 December 2027")
    assert forms.describe_rule("FREQ=WEEKLY;BYDAY=MO;UNTIL=20271202T005959Z", english).endswith("until 2 December 2027")
    assert forms.describe_rule("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3", translator("lv"))  # words in Latvian too, no error


def test_rules_read_back_into_the_form() -> None:
    from zoneinfo import ZoneInfo

    riga = ZoneInfo("Europe/Riga")
    for rule in ("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261124T215959Z", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=10", "FREQ=MONTHLY;BYDAY=-1SU;COUNT=5"):
        assert forms.build_rule(forms.read_rule(rule, riga), riga) == rule
    for rule in ("FREQ=WEEKLY;COUNT=4", "FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU,TU;COUNT=2", "FREQ=MONTHLY;BYDAY=5TU;COUNT=2", "x"):
        assert forms.read_rule(rule, riga)["repeat"] == "custom", rule


def test_the_space_page_links_its_keepers_to_the_activities(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert "Manage activities" not in client.get(f"/spaces/{lielvarde.slug}").text
    builder(client, session, lielvarde)
    assert f'href="/spaces/{lielvarde.slug}/activities"' in client.get(f"/spaces/{lielvarde.slug}").text
    assert f'href="/spaces/{lielvarde.slug}/activities"' in client.get(f"/spaces/{lielvarde.slug}/edit").text


def test_a_save_that_fails_half_way_leaves_nothing(session: Session, engine: Engine, lielvarde: Space, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The activity is written (flushed), then recording its revision fails: no activity, no revision."""
    from coworking.accounts.services import create_admin

    actor = Actor(user_id=create_admin(session, None, "admin@example.org", PASSWORD).id, is_admin=True)
    wanted = forms.parse_activity(WEEKLY, "Europe/Riga", today=NOW.date(), earliest=NOW.date())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(editing.revisions, "record", broken)
    with pytest.raises(RuntimeError):
        editing.create_activity(session, actor, lielvarde, wanted)
    assert counts(session) == (0, 0) and lielvarde.activities == []
