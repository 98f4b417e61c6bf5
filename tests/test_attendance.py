""""I'll come": a resident signs up for one date of an activity without an account, confirms by the e-mail's
link (one button), and counts; a full date fills a waiting list that moves up when someone cancels; the
space's builders see who comes; a reminder goes out the day before; nothing personal is kept 30 days after
the date. Mail is read back from the outbox."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.activities.models import Activity
from coworking.activities.recurrence import next_occurrences
from coworking.attendance import services
from coworking.attendance.models import Attendance
from coworking.core.mail import OutboxMessage
from coworking.core.models import utcnow
from coworking.core.settings import Settings
from coworking.spaces.models import Space
from tests.factories import make_activity, make_space
from tests.test_accounts import PASSWORD, csrf, fresh, last_mail, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, PARTNER, builder, lielvarde  # noqa: F401
from tests.test_reminders import remind

RESIDENT = "maija.resident@example.org"
LINK = re.compile(r"https?://testserver\.local(/attendance/[\w-]+(?:/confirm)?)")


def meeting(session: Session, space: Space, *, starts: datetime | None = None, capacity: int | None = None, **fields: object) -> Activity:
    """A resident meeting at ``space`` on Riga's clock, three days ahead unless told otherwise."""
    starts = starts or (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    activity = make_activity(
        "Weekly resident meeting", starts, ends_at=starts + timedelta(hours=2), time_zone="Europe/Riga",
        capacity=capacity, space_id=space.id, **fields,
    )  # fmt: skip
    session.add(activity)
    session.commit()
    return activity


def come_path(activity: Activity, key: str = "") -> str:
    return f"/activities/{activity.id}/come" + (f"?on={key}" if key else "")


def sign_up(client: TestClient, activity: Activity, key: str = "", **fields: str):  # noqa: ANN201
    return post(client, come_path(activity, key), **{"name": "Maija", "email": RESIDENT, **fields})


def link(session: Session, to: str = RESIDENT) -> str:
    return LINK.search(last_mail(session, to).body).group(1)


def confirm(client: TestClient, path: str):  # noqa: ANN201
    return client.post(path, data={"_csrf_token": csrf(client)}, follow_redirects=False)


def signed_up(client: TestClient, session: Session, activity: Activity, email: str, name: str = "Maija", key: str = "") -> str:
    """Sign ``email`` up and press the link's button: the private page's path."""
    assert sign_up(client, activity, key, name=name, email=email).status_code == 303
    path = link(session, email)
    assert confirm(client, path).status_code == 303
    return path.removesuffix("/confirm")


def rows(session: Session) -> list[Attendance]:
    session.expire_all()
    return session.scalars(select(Attendance).order_by(Attendance.id)).all()


def mails(session: Session, to: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    return session.scalar(query.where(OutboxMessage.recipient == to) if to else query)


def test_sign_up_confirm_by_the_link_and_count(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity = meeting(session, lielvarde, capacity=12)
    form = client.get(come_path(activity))
    assert form.status_code == 200 and "Weekly resident meeting" in form.text
    assert 'name="name"' in form.text and 'name="email"' in form.text and "12 places left" in form.text
    local = activity.starts_at.astimezone(services.zone_of(activity))
    assert f"{local:%H:%M}" in form.text  # the time on Riga's clock, not UTC's

    sent = sign_up(client, activity, name="  Maija  B. ", email=f" {RESIDENT} ")
    assert sent.status_code == 303 and sent.headers["location"] == f"/activities/{activity.id}/come/sent"
    assert "Check your e-mail" in client.get(sent.headers["location"]).text
    [row] = rows(session)
    assert (row.status, row.name, row.email, row.email_key, row.language, row.occurrence) == ("pending", "Maija B.", RESIDENT, RESIDENT, "en", "")
    assert row.starts_at == activity.starts_at and len(row.token_hash) == 64
    mail = last_mail(session, RESIDENT)
    assert mail.subject == "Confirm your place: Weekly resident meeting" and "CoLabora Lielvārde" in mail.body
    confirm_path = link(session)
    assert confirm_path.endswith("/confirm") and confirm_path.split("/")[2] not in row.token_hash  # only the hash is kept
    # Until it is confirmed, it does not count.
    assert services.turnout(session, activity.id, "").coming == 0

    # The link's page shows one button and changes nothing (mail scanners open links).
    before = mails(session)
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Yes, I&#39;ll come" in page.text and '<form method="post">' in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert rows(session)[0].status == "pending" and mails(session) == before

    done = confirm(client, confirm_path)
    mine = confirm_path.removesuffix("/confirm")
    assert done.status_code == 303 and done.headers["location"] == f"{mine}?confirmed=1"
    [row] = rows(session)
    assert row.status == "coming" and row.confirmed_at is not None
    assert services.turnout(session, activity.id, "") == services.Turnout(coming=1, capacity=12, waiting=0, open=True)
    private = client.get(done.headers["location"])
    assert private.status_code == 200 and "your place counts" in private.text and "Maija B." in private.text
    assert private.headers["cache-control"] == "no-store" and private.headers["x-robots-tag"] == "noindex"
    assert "free my place" in private.text
    assert "11 places left" in client.get(come_path(activity)).text


def test_a_second_sign_up_by_the_same_address_adds_no_row_and_answers_the_same(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    activity = meeting(session, lielvarde)
    mine = signed_up(client, session, activity, RESIDENT)
    again = sign_up(client, activity, name="Someone else", email=RESIDENT.upper())
    assert again.status_code == 303 and again.headers["location"] == f"/activities/{activity.id}/come/sent"
    [row] = rows(session)
    assert (row.status, row.name) == ("coming", "Maija")  # nothing changed
    reminder = last_mail(session, RESIDENT)
    assert reminder.subject == "You are already signed up: Weekly resident meeting"
    assert link(session) == mine  # the same link, not a new one
    # While unconfirmed, a second sign-up sends the same link again.
    other = "juris@example.org"
    assert sign_up(client, activity, name="Juris", email=other).status_code == 303
    first = link(session, other)
    assert sign_up(client, activity, name="Juris K.", email=other).status_code == 303
    assert link(session, other) == first and len(rows(session)) == 2 and rows(session)[1].name == "Juris K."


def test_a_confirmation_link_used_twice_says_so_and_changes_nothing(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity = meeting(session, lielvarde, capacity=5)
    assert sign_up(client, activity).status_code == 303
    path = link(session)
    assert confirm(client, path).status_code == 303
    confirmed_at = rows(session)[0].confirmed_at
    before = mails(session)
    twice = confirm(client, path)
    assert twice.status_code == 409 and "already confirmed" in twice.text
    assert f'href="{path.removesuffix("/confirm")}"' in twice.text
    opened = client.get(path)
    assert opened.status_code == 200 and "already confirmed" in opened.text
    [row] = rows(session)
    assert (row.status, row.confirmed_at) == ("coming", confirmed_at) and mails(session) == before
    assert services.turnout(session, activity.id, "").coming == 1
    # A link that names nothing: a message, never a 500.
    assert client.get("/attendance/not-a-link/confirm").status_code == 400
    assert confirm(client, "/attendance/not-a-link/confirm").status_code == 400
    assert confirm(client, "/attendance/not-a-link/cancel").status_code == 400
    assert client.get("/attendance/not-a-link").status_code == 404
    assert client.get("/attendance/" + "x" * 500).status_code in (400, 404)


def test_a_full_date_fills_a_waiting_list_that_moves_up_when_someone_cancels(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    activity = meeting(session, lielvarde, capacity=2)
    first = signed_up(client, session, activity, "first@example.org", "Anna")
    signed_up(client, session, activity, "second@example.org", "Baiba")
    form = client.get(come_path(activity))
    assert "full" in form.text and "Join the waiting list" in form.text
    third = signed_up(client, session, activity, "third@example.org", "Cilda")
    fourth = signed_up(client, session, activity, "fourth@example.org", "Dace")
    assert [row.status for row in rows(session)] == ["coming", "coming", "waiting", "waiting"]
    assert services.turnout(session, activity.id, "") == services.Turnout(coming=2, capacity=2, waiting=2, open=True)
    page = client.get(third)
    assert "number 1 in line" in page.text and "Leave the waiting list" in page.text
    assert "number 2 in line" in client.get(fourth).text

    before = mails(session, "third@example.org")
    cancelled = confirm(client, first + "/cancel")
    assert cancelled.status_code == 303 and cancelled.headers["location"] == f"{first}?cancelled=1"
    assert [row.status for row in rows(session)] == ["cancelled", "coming", "coming", "waiting"]
    told = last_mail(session, "third@example.org")
    assert mails(session, "third@example.org") == before + 1 and told.subject == "A place for you: Weekly resident meeting"
    assert third in told.body  # the same link as before: it still opens their page
    assert "Coming" in client.get(third).text and "number 1 in line" in client.get(fourth).text
    assert "You cancelled" in client.get(first).text
    # Cancelling twice: a message, nothing moves.
    twice = confirm(client, first + "/cancel")
    assert twice.status_code == 409 and "already cancelled" in twice.text
    assert [row.status for row in rows(session)] == ["cancelled", "coming", "coming", "waiting"]
    # Leaving the waiting list frees no place: nobody is told anything.
    before = mails(session)
    assert confirm(client, fourth + "/cancel").status_code == 303
    assert mails(session) == before and [row.status for row in rows(session)][-1] == "cancelled"
    # Whoever cancelled may sign up again with the same address: the same row, pending again, then waiting.
    assert sign_up(client, activity, name="Anna", email="first@example.org").status_code == 303
    assert len(rows(session)) == 4 and rows(session)[0].status == "pending"
    assert confirm(client, link(session, "first@example.org")).status_code == 303
    assert rows(session)[0].status == "waiting"


def test_two_confirmations_for_the_last_place_at_once_give_one_place(
    client: TestClient, session: Session, engine: Engine, lielvarde: Space, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count and the place taken are one transaction under the activity's lock: the second waits for
    the first and finds the date full. (The count is slowed down so that, without the lock, both would pass.)"""
    activity = meeting(session, lielvarde, capacity=1)
    tokens = []
    for email in ("one@example.org", "two@example.org"):
        assert sign_up(client, activity, name="X", email=email).status_code == 303
        tokens.append(link(session, email).split("/")[2])
    counts = services._counts

    def slow_counts(db: Session, activity_id: int, key: str) -> dict[str, int]:
        found = counts(db, activity_id, key)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(services, "_counts", slow_counts)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def press(token: str) -> None:
        with Session(engine, expire_on_commit=False) as db:
            start.wait()
            outcomes.append(services.confirm(db, token).status)

    threads = [threading.Thread(target=press, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["coming", "waiting"]
    assert sorted(row.status for row in rows(session)) == ["coming", "waiting"]


def _series(session: Session, space: Space, capacity: int | None = None) -> tuple[Activity, list[str]]:
    first = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    activity = make_activity(
        "Experience stories", first, ends_at=first + timedelta(hours=2), rrule="FREQ=WEEKLY", until=first + timedelta(weeks=3),
        time_zone="Europe/Riga", capacity=capacity, space_id=space.id,
    )  # fmt: skip
    session.add(activity)
    session.commit()
    return activity, [found.key for found in next_occurrences(activity, utcnow(), 4)]


def test_each_date_of_a_series_has_its_own_places(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity, keys = _series(session, lielvarde, capacity=1)
    assert len(keys) == 4 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", key) for key in keys)
    signed_up(client, session, activity, RESIDENT, key=keys[0])
    signed_up(client, session, activity, RESIDENT, key=keys[1])  # the same address, another date: another place
    signed_up(client, session, activity, "other@example.org", key=keys[1])
    assert [(row.occurrence, row.status) for row in rows(session)] == [(keys[0], "coming"), (keys[1], "coming"), (keys[1], "waiting")]
    assert services.turnout(session, activity.id, keys[2]) == services.Turnout(0, 1, 0, True)
    assert services.turnout(session, activity.id, "2020-01-01T18:00") is None
    assert client.get(come_path(activity, "2020-01-01T18:00")).status_code == 404  # no such date
    assert client.get(come_path(activity)).status_code == 404  # a series' date is always named
    assert client.get(come_path(activity, "x" * 300)).status_code == 404
    assert client.get("/activities/99999/come").status_code == 404
    assert client.get("/activities/99999999999999999999/come").status_code == 400


def test_a_cancelled_date_or_activity_takes_no_sign_ups(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity, keys = _series(session, lielvarde)
    activity.exceptions = [{"recurrence_id": keys[1], "status": "cancelled"}]
    session.commit()
    form = client.get(come_path(activity, keys[1]))
    assert form.status_code == 200 and "This date is cancelled" in form.text and 'name="email"' not in form.text
    refused = sign_up(client, activity, keys[1])
    assert refused.status_code == 400 and "This date is cancelled" in refused.text
    assert rows(session) == [] and services.turnout(session, activity.id, keys[1]).open is False
    assert 'name="email"' in client.get(come_path(activity, keys[0])).text  # the other dates still do

    # A sign-up made before the date was cancelled cannot be confirmed after.
    assert sign_up(client, activity, keys[2]).status_code == 303
    path = link(session)
    activity.status = "cancelled"
    session.commit()
    late = confirm(client, path)
    assert late.status_code == 400 and "This activity is cancelled" in late.text
    assert rows(session)[0].status == "pending"
    assert "This activity is cancelled" in client.get(come_path(activity, keys[0])).text
    assert sign_up(client, activity, keys[0]).status_code == 400


def test_a_date_that_has_begun_or_passed_takes_no_sign_ups(client: TestClient, session: Session, lielvarde: Space) -> None:
    begun = meeting(session, lielvarde, starts=(utcnow() - timedelta(hours=1)).replace(microsecond=0))
    form = client.get(come_path(begun))
    assert form.status_code == 200 and "has begun or is over" in form.text and 'name="email"' not in form.text
    refused = sign_up(client, begun)
    assert refused.status_code == 400 and "has begun or is over" in refused.text and rows(session) == []
    past = meeting(session, lielvarde, starts=(utcnow() - timedelta(days=20)).replace(microsecond=0))
    assert sign_up(client, past).status_code == 400 and rows(session) == []
    # Paused series: no sign-ups for the dates from the pause on.
    activity, keys = _series(session, lielvarde)
    activity.paused_at = utcnow()
    session.commit()
    assert "paused" in sign_up(client, activity, keys[0]).text and rows(session) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your name or a nickname"),
        ({"name": "   "}, "name", "Enter your name or a nickname"),
        ({"name": "x" * 81}, "name", "shorten it to 80 characters"),
        ({"email": ""}, "email", "Enter your e-mail address"),
        ({"email": "maija@"}, "email", "Enter an e-mail address such as"),
        ({"email": "a@example.org,b@example.org"}, "email", "Enter an e-mail address such as"),
    ],
)
def test_bad_input_comes_back_with_what_was_typed_and_nothing_is_written(
    client: TestClient, session: Session, lielvarde: Space, fields: dict[str, str], field: str, message: str
) -> None:
    activity = meeting(session, lielvarde, capacity=4)
    before = mails(session)
    response = sign_up(client, activity, **fields)
    assert response.status_code == 400, response.text[:300]
    assert message in response.text.replace("&#39;", "'")
    assert f'id="{field}-error"' in response.text and 'aria-invalid="true"' in response.text
    typed = {"name": "Maija", "email": RESIDENT, **fields}
    other = "email" if field == "name" else "name"
    assert f'value="{typed[other]}"' in response.text  # what was typed stays
    assert rows(session) == [] and mails(session) == before


def test_the_space_builders_see_who_comes_and_nobody_else_does(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, settings: Settings  # noqa: F811
) -> None:
    activity = meeting(session, lielvarde, capacity=1)
    signed_up(client, session, activity, RESIDENT, "Maija")
    signed_up(client, session, activity, "juris@example.org", "Juris")
    assert sign_up(client, activity, name="Pending Person", email="pending@example.org").status_code == 303
    path = f"/spaces/{lielvarde.slug}/attendance"

    assert fresh.get(path).status_code == 401  # anonymous
    builder(fresh, session, lielvarde)
    listed = fresh.get(path)
    assert listed.status_code == 200 and "Weekly resident meeting" in listed.text
    assert "Maija" in listed.text and f'href="mailto:{RESIDENT}"' in listed.text and "Juris" in listed.text
    assert "1 coming of 1 places" in listed.text and "1 on the waiting list" in listed.text
    assert "Pending Person" not in listed.text  # an unconfirmed sign-up is nobody's business yet
    assert listed.headers["cache-control"] == "no-store"
    assert f'href="{path}"' in fresh.get(f"/spaces/{lielvarde.slug}").text  # the builder's way there

    other = make_space(session, "SKOLA6", "Cēsis", "LV")
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    fresh.cookies.clear()
    builder(fresh, session, other, email="other.builder@example.org")
    assert sign_in(fresh, email="other.builder@example.org").status_code == 303
    assert fresh.get(path).status_code == 403 and "Maija" not in fresh.get(path).text
    assert "Maija" not in fresh.get(f"/spaces/{other.slug}/attendance").text
    fresh.cookies.clear()
    register_and_verify(fresh, session, PARTNER)
    grant_partner(session, fresh.app.state.sessions, admin.id, PARTNER, "LV", None)
    assert sign_in(fresh, email=PARTNER).status_code == 303
    assert fresh.get(path).status_code == 403  # even the country's partner: no names
    fresh.cookies.clear()
    register_and_verify(fresh, session, "member@example.org")
    assert sign_in(fresh, email="member@example.org").status_code == 303
    assert fresh.get(path).status_code == 403
    # The service asks too, whoever calls it (ASVS 8.3.1).
    with pytest.raises(Exception, match="Forbidden|403|ermission"):
        services.space_attendance(session, Actor(user_id=1, partner_countries=frozenset({"LV"})), lielvarde)
    fresh.cookies.clear()
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    assert "Juris" in fresh.get(path).text
    assert fresh.get("/spaces/no-such-space/attendance").status_code == 404


def test_a_reminder_the_day_before_goes_once(client: TestClient, session: Session, lielvarde: Space, settings: Settings) -> None:
    activity = meeting(session, lielvarde, online_url="https://meet.example.org/room")
    mine = signed_up(client, session, activity, RESIDENT)
    signed_up(client, session, activity, "cancelled@example.org")
    assert confirm(client, link(session, "cancelled@example.org").removesuffix("/confirm") + "/cancel").status_code == 303
    starts = activity.starts_at

    def run(at: datetime) -> services.ReminderRun:
        return services.send_attendance_reminders(session, lambda path: "http://testserver.local" + path, settings.secret_key, now=at)

    before = mails(session, RESIDENT)
    assert run(starts - timedelta(hours=50)).reminded == 0  # too early
    assert run(starts - timedelta(hours=30)).reminded == 1
    assert run(starts - timedelta(hours=20)).reminded == 0  # once only
    assert mails(session, RESIDENT) == before + 1 and mails(session, "cancelled@example.org") == 1  # the confirmation only
    reminder = last_mail(session, RESIDENT)
    local = starts.astimezone(services.zone_of(activity))
    assert reminder.subject.startswith("Reminder: Weekly resident meeting") and f"{local:%H:%M}" in reminder.body
    assert "Where: CoLabora Lielvārde, Lielvārde" in reminder.body and "Online: https://meet.example.org/room" in reminder.body
    assert mine in reminder.body and client.get(link(session)).status_code == 200  # its link opens the page
    assert rows(session)[0].reminded_at is not None


def test_a_moved_date_carries_its_sign_ups_and_a_larger_capacity_moves_the_line_up(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    activity, keys = _series(session, lielvarde, capacity=1)
    signed_up(client, session, activity, "one@example.org", key=keys[1])
    signed_up(client, session, activity, "two@example.org", key=keys[1])
    moved_to = datetime.fromisoformat(keys[1]) + timedelta(days=1)
    activity.exceptions = [{"recurrence_id": keys[1], "status": "moved", "starts": moved_to.isoformat()}]
    activity.capacity = 2
    session.commit()
    run = services.send_attendance_reminders(session, lambda path: path, settings.secret_key)
    assert run.moved_up == 1 and [row.status for row in rows(session)] == ["coming", "coming"]
    assert last_mail(session, "two@example.org").subject == "A place for you: Experience stories"
    expected = moved_to.replace(tzinfo=services.zone_of(activity))
    assert {row.starts_at for row in rows(session)} == {expected}


def test_sign_ups_are_rate_limited_per_address_and_per_ip(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity = meeting(session, lielvarde)
    per_address = [sign_up(client, activity).status_code for _ in range(4)]
    assert per_address == [303, 303, 303, 429]
    per_ip = [sign_up(client, activity, email=f"person{n}@example.org").status_code for n in range(7)]
    assert per_ip[:6] == [303] * 6 and per_ip[6] == 429
    assert len(rows(session)) == 7


def test_unconfirmed_sign_ups_go_after_two_days_and_names_30_days_after_the_date(
    client: TestClient, session: Session, lielvarde: Space, database_url: str
) -> None:
    activity = meeting(session, lielvarde)
    done = signed_up(client, session, activity, RESIDENT)
    assert sign_up(client, activity, name="Late", email="late@example.org").status_code == 303
    late_link = link(session, "late@example.org")
    session.execute(update(Attendance).where(Attendance.email == "late@example.org").values(created_at=utcnow() - timedelta(days=2, minutes=1)))
    session.commit()
    expired = confirm(client, late_link)
    assert expired.status_code == 400 and "within two days" in expired.text
    assert "never confirmed deleted" in (output := remind(database_url)) and "Activity sign-ups: 1 never confirmed deleted, 0" in output
    assert [row.email for row in rows(session)] == [RESIDENT]

    # 30 days after its date, the sign-up is a number: no name, no address, no link.
    session.execute(update(Attendance).values(starts_at=utcnow() - timedelta(days=31)))
    session.commit()
    assert services.forget_attendances(session).erased == 1
    [row] = rows(session)
    assert (row.name, row.email, row.email_key, row.token_hash, row.token_nonce) == (None, None, None, None, None)
    assert row.status == "coming" and row.activity_id == activity.id
    assert client.get(done).status_code == 404
    assert services.forget_attendances(session) == services.Forgotten(0, 0)  # a second run finds nothing more


def test_deleting_an_activity_deletes_its_sign_ups(client: TestClient, session: Session, lielvarde: Space) -> None:
    activity = meeting(session, lielvarde)
    signed_up(client, session, activity, RESIDENT)
    session.delete(session.get(Activity, activity.id))
    session.commit()
    assert rows(session) == []


def test_the_activity_page_partial_shows_the_count_and_the_way_to_sign_up(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    """``attendance/_come.html`` as the activity's page includes it (rendered here by a page of the test's own)."""

    @get("/test-come/{activity_id:int}", opt={"permission": Permission.DIRECTORY_READ}, sync_to_thread=True)
    def show(request: Request, activity_id: FromPath[int], on: FromQuery[str] = "") -> Template:
        source = '{% set come_activity_id = activity_id %}{% set come_key = on %}{% include "attendance/_come.html" ignore missing %}'
        return Template(template_str=source, context={"activity_id": activity_id, "on": on, "request": request})

    client.app.register(show)
    activity = meeting(session, lielvarde, capacity=2)
    shown = client.get(f"/test-come/{activity.id}").text
    assert "0 coming · 2 places left" in shown and f'href="/activities/{activity.id}/come"' in shown and "I&#39;ll come" in shown
    signed_up(client, session, activity, "one@example.org")
    signed_up(client, session, activity, "two@example.org")
    signed_up(client, session, activity, "three@example.org")
    full = client.get(f"/test-come/{activity.id}").text
    assert "2 coming · full · 1 on the waiting list" in full and "Full — join the waiting list" in full
    series, keys = _series(session, lielvarde)
    assert f'href="/activities/{series.id}/come?on={keys[0].replace(":", "%3A")}"' in client.get(f"/test-come/{series.id}?on={keys[0]}").text
    # Nothing for a date that takes no sign-ups, or no such date.
    past = meeting(session, lielvarde, starts=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    assert "come" not in client.get(f"/test-come/{past.id}").text
    assert client.get("/test-come/99999").text.strip() == ""


def test_people_follow_their_date_when_the_space_changes_it_and_are_told(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    """Found in review: a new time for a series cut every sign-up off its date (keys name the old time), and a
    cancelled or deleted date told nobody."""
    from coworking.accounts.permissions import Actor
    from coworking.attendance.services import Notices
    from coworking.calendar import editing

    keeper = Actor(user_id=create_admin(session, None, "keeper@example.org", PASSWORD).id, is_admin=True)
    notices = Notices(lambda path: f"https://testserver.local{path}", "test-secret-key-that-is-long-enough-for-csrf")
    series, keys = _series(session, lielvarde, capacity=1)
    signed_up(client, session, series, "anna@example.org", "Anna", keys[0])
    signed_up(client, session, series, "juris@example.org", "Juris", keys[1])
    signed_up(client, session, series, "eva@example.org", "Eva", keys[1])  # the waiting list of the second date
    before = mails(session)

    # 18:00 becomes 19:00: each keeps their place (or their turn) on the same day, at the new time, and is told.
    state = editing.activity_state(series)
    # An hour later on the same day (earlier when the series is at 23:xx); the text's hour alone is changed:
    # replacing its digits wherever they stand also changed the month when the hour was the month's number.
    starts = datetime.fromisoformat(state["starts"])
    starts += timedelta(hours=1 if starts.hour < 23 else -1)
    moved = {**{name: state[name] for name in editing.EDITABLE}, "starts": starts.strftime("%Y-%m-%dT%H:%M")}
    editing.edit_activity(session, keeper, series, series.version, moved, "An hour later", notices)
    people = {person.name: person for person in rows(session)}
    new_keys = [found.key for found in next_occurrences(session.get(Activity, series.id), utcnow(), 4)]
    assert people["Anna"].occurrence == new_keys[0] and people["Juris"].occurrence == new_keys[1] and people["Eva"].occurrence == new_keys[1]
    assert (people["Anna"].status, people["Juris"].status, people["Eva"].status) == ("coming", "coming", "waiting")
    assert mails(session) == before + 3 and "now takes place on" in last_mail(session, "anna@example.org").body
    assert services.turnout(session, series.id, new_keys[0]).coming == 1  # the place is still taken: no overbooking

    # The second date is cancelled: its people are no longer signed up, and those who held a place or waited are told.
    editing.cancel_date(session, keeper, session.get(Activity, series.id), new_keys[1], notices)
    people = {person.name: person for person in rows(session)}
    assert people["Juris"].status == people["Eva"].status == "cancelled" and people["Anna"].status == "coming"
    assert "will not take place" in last_mail(session, "juris@example.org").body and mails(session) == before + 5

    # Deleted: Anna is told before her sign-up goes with the activity.
    editing.delete_activity(session, keeper, session.get(Activity, series.id), notices)
    assert rows(session) == [] and "will not take place" in last_mail(session, "anna@example.org").body


def test_an_activity_form_without_its_version_is_merged_not_saved_over(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    """Found in review: a form posted without its version (or with one no revision has) was taken as current."""
    from coworking.accounts.permissions import Actor
    from coworking.calendar import editing

    keeper = Actor(user_id=create_admin(session, None, "keeper@example.org", PASSWORD).id, is_admin=True)
    activity = editing.create_activity(session, keeper, lielvarde, {**editing.activity_state(meeting(session, lielvarde)), "title": "Open day"})
    opened = {name: editing.activity_state(activity)[name] for name in editing.EDITABLE}
    editing.edit_activity(session, keeper, activity, activity.version, {**opened, "title": "Open day, renamed by Anna"})
    for version in (0, -3, activity.version + 5):
        with pytest.raises(editing.ActivityConflict) as conflict:
            editing.edit_activity(session, keeper, activity, version, {**opened, "description": "Bring a mug"})
        assert conflict.value.theirs.get("title") == "Open day, renamed by Anna"
    assert session.get(Activity, activity.id).title == "Open day, renamed by Anna"
