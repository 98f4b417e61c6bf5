"""Following an area: double opt-in, the digests (new items once, daily and weekly, idempotent), unsubscribing
by the page and by RFC 8058's one-click POST, no enumeration, rate limits, the area's feeds."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from icalendar import Calendar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.core.mail import OutboxMessage, SmtpSettings, _email, queue_mail
from coworking.core.models import utcnow
from coworking.follows.area import area_query, canonical, query_from_string
from coworking.follows.models import Follow
from coworking.follows.services import confirm_follow, follow_area, send_area_digests
from coworking.spaces.models import Space
from coworking.spaces.query import SearchParams
from tests.factories import make_activity, make_space
from tests.test_accounts import last_mail, post

ADDRESS = "ilze.follower@example.org"
SECRET = "test-secret-key-that-is-long-enough-for-csrf"  # the conftest settings' key: links made here work on the site
ATOM = "{http://www.w3.org/2005/Atom}"
CONFIRM_LINK = re.compile(r"http://testserver\.local(/follow/confirm/[A-Za-z0-9_-]+)")
MANAGE_LINK = re.compile(r"http://testserver\.local(/follow/unsubscribe/[A-Za-z0-9_-]{43})")


def link(path: str) -> str:
    return f"http://testserver.local{path}"


def follows(session: Session) -> list[Follow]:
    session.expire_all()
    return list(session.scalars(select(Follow).order_by(Follow.id)))


def mails(session: Session, to: str = ADDRESS) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id)))


def confirmed_follow(session: Session, at: datetime, frequency: str = "daily", email: str = ADDRESS, **area: object) -> str:
    """A follow signed up and confirmed at ``at`` (through the services); returns its manage link's path."""
    follow_area(session, email, frequency, SearchParams(**area), "en", link, SECRET, now=at)  # type: ignore[arg-type]
    token = CONFIRM_LINK.search(last_mail(session, email).body).group(1).rsplit("/", 1)[1]
    return "/follow/unsubscribe/" + confirm_follow(session, token, SECRET, now=at)


@pytest.fixture()
def now() -> datetime:
    return utcnow().replace(microsecond=0)


def test_the_follow_links_carry_the_area_of_the_country_page_the_search_and_the_map(client: TestClient, session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", region="Vidzeme", latitude=56.72, longitude=24.81, amenities=("desks",))
    country = client.get("/countries/lv").text
    assert 'href="/follow?country=LV"' in country and 'href="/feeds/area.atom?country=LV"' in country
    region = client.get("/countries/lv?region=Vidzeme").text
    assert 'href="/follow?country=LV&amp;region=Vidzeme"' in region
    search = client.get("/spaces?country=LV&amenity=desks&sort=town").text
    assert 'href="/follow?country=LV&amp;amenity=desks"' in search  # the order is not the area
    # The map's list, as map.js fetches it for the view: the follow link names the view's box.
    view = client.get("/map?country=LV&bbox=24.5,56.5,25.1,56.9", headers={"HX-Request": "true", "HX-Target": "results"}).text
    assert 'href="/follow?country=LV&amp;bbox=24.5%2C56.5%2C25.1%2C56.9"' in view
    # A distance search is not an area: nothing to follow there.
    assert "/follow?" not in client.get("/spaces?near=56.72,24.81").text
    form = client.get("/follow?country=LV&region=Vidzeme&bbox=24.5,56.5,25.1,56.9")
    assert form.status_code == 200 and "Vidzeme · Latvia · the map area around" in form.text
    assert '<input type="hidden" name="bbox" value="24.5,56.5,25.1,56.9">' in form.text
    assert 'href="/feeds/area.atom?country=LV&amp;region=Vidzeme&amp;bbox=' in form.text
    assert 'href="/data/activities.ics?country=LV&amp;region=Vidzeme&amp;bbox=' in form.text


def test_double_opt_in_a_pending_follow_gets_nothing_and_only_the_button_confirms(client: TestClient, session: Session, now: datetime) -> None:
    response = post(client, "/follow", email=ADDRESS, frequency="daily", country="LV", region="Vidzeme")
    assert response.status_code == 303 and response.headers["location"] == "/follow/sent"
    [follow] = follows(session)
    assert follow.confirmed_at is None and follow.query == "country=LV&region=Vidzeme" and follow.label == "Vidzeme · Latvia"
    assert follow.language == "en" and follow.frequency == "daily"
    assert ADDRESS not in follow.manage_token_hash and len(follow.manage_token_hash) == 64
    [confirmation] = mails(session)
    confirm = CONFIRM_LINK.search(confirmation.body).group(1)
    assert confirm.rsplit("/", 1)[1] not in (follow.confirm_token_hash or "")  # only its hash is kept
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", region="Vidzeme")
    assert send_area_digests(session, link, SECRET, now + timedelta(days=2)).sent == 0
    assert len(mails(session)) == 1  # unconfirmed: nothing but the confirmation
    page = client.get(confirm)  # what a mail scanner does
    assert page.status_code == 200 and "Yes, start sending" in page.text
    assert follows(session)[0].confirmed_at is None
    confirmed = post(client, confirm)
    assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("?confirmed=1")
    assert follows(session)[0].confirmed_at is not None and follows(session)[0].watermark is not None
    assert "Confirmed." in client.get(confirmed.headers["location"]).text
    assert post(client, confirm).status_code == 400  # the link works once


def test_the_digest_sends_new_items_once_in_the_followers_language(client: TestClient, session: Session, now: datetime) -> None:
    old = make_space(session, "SKOLA6", "Cēsis", "LV", created_at=now - timedelta(days=30))
    manage = confirmed_follow(session, now, country=("LV",))
    follow = follows(session)[0]
    new = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", created_at=now + timedelta(hours=1))
    make_space(session, "Ludgate Hub", "Skibbereen", "IE", created_at=now + timedelta(hours=1))
    old.activities.append(make_activity("Resident breakfast", now + timedelta(days=5), created_at=now + timedelta(hours=2)))
    old.activities.append(make_activity("Open day last year", now - timedelta(days=300), created_at=now - timedelta(days=300)))
    session.commit()
    first = send_area_digests(session, link, SECRET, now + timedelta(days=1))
    assert (first.due, first.sent) == (1, 1)
    digest = mails(session)[-1]
    assert digest.subject == "New in Latvia"
    assert "CoLabora Lielvārde (Lielvārde, Latvia): http://testserver.local/spaces/" + new.slug in digest.body
    assert "Resident breakfast" in digest.body and "SKOLA6, Cēsis" in digest.body
    assert "Ludgate" not in digest.body and "Open day last year" not in digest.body and "- SKOLA6" not in digest.body
    assert "http://testserver.local" + manage in digest.body  # the unsubscribe link in the body …
    assert digest.headers == {"List-Unsubscribe": f"<http://testserver.local{manage}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert "http://testserver.local/feeds/area.atom?country=LV" in digest.body
    # Idempotent: run again at once, nothing; a day later with nothing new, nothing (and nothing old again).
    assert send_area_digests(session, link, SECRET, now + timedelta(days=1)).due == 0
    assert send_area_digests(session, link, SECRET, now + timedelta(days=2)).sent == 0
    count = len(mails(session))
    make_space(session, "Radošā māja", "Ogre", "LV", created_at=now + timedelta(days=2, hours=3))
    assert send_area_digests(session, link, SECRET, now + timedelta(days=3)).sent == 1
    latest = mails(session)[-1]
    assert len(mails(session)) == count + 1 and "Radošā māja" in latest.body and "CoLabora" not in latest.body
    assert follows(session)[0].last_sent_at == now + timedelta(days=3) and follow.id == follows(session)[0].id


def test_what_is_written_during_a_run_reaches_the_next_digest(session: Session, now: datetime) -> None:
    """A row is dated when it is written, not when its transaction commits (a long import): a digest reads
    only what settled ten minutes before it runs, and the next digest takes the rest."""
    confirmed_follow(session, now, country=("LV",))
    run = now + timedelta(days=1)
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", created_at=run - timedelta(minutes=5))
    assert send_area_digests(session, link, SECRET, run).sent == 0
    assert send_area_digests(session, link, SECRET, run + timedelta(days=1)).sent == 1
    assert "CoLabora Lielvārde" in mails(session)[-1].body


def test_a_follower_gets_the_digest_in_the_language_of_the_sign_up(session: Session, now: datetime) -> None:
    follow_area(session, ADDRESS, "daily", SearchParams(country=("LV",)), "lv", link, SECRET, now=now)
    token = CONFIRM_LINK.search(last_mail(session, ADDRESS).body).group(1).rsplit("/", 1)[1]
    confirm_follow(session, token, SECRET, now=now)
    assert follows(session)[0].label == "Latvija"  # the country's name in Latvian, from Babel
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", created_at=now + timedelta(hours=1))
    assert send_area_digests(session, link, SECRET, now + timedelta(days=1)).sent == 1
    assert "Latvija" in mails(session)[-1].body


@pytest.mark.parametrize(
    ("frequency", "quiet", "due"),
    [("daily", [timedelta(hours=1), timedelta(hours=20)], timedelta(days=1)),
     ("weekly", [timedelta(days=1), timedelta(days=6)], timedelta(days=7))],
)  # fmt: skip
def test_daily_and_weekly_timing(session: Session, now: datetime, frequency: str, quiet: list[timedelta], due: timedelta) -> None:
    confirmed_follow(session, now, frequency, country=("LV",))
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", created_at=now + timedelta(minutes=30))
    for moment in quiet:
        assert send_area_digests(session, link, SECRET, now + moment).due == 0
    # cron's run a few minutes early still counts as the next day (or week)
    assert send_area_digests(session, link, SECRET, now + due - timedelta(minutes=5)).sent == 1
    assert send_area_digests(session, link, SECRET, now + due + timedelta(minutes=5)).due == 0


def test_unsubscribe_by_the_page_of_the_mails_link(client: TestClient, session: Session, now: datetime) -> None:
    manage = confirmed_follow(session, now, country=("LV",))
    page = client.get(manage)
    assert page.status_code == 200 and "Latvia" in page.text and ADDRESS in page.text
    assert len(follows(session)) == 1  # opening it changes nothing
    done = post(client, manage, **{"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Unsubscribed" in done.text
    assert follows(session) == []
    assert client.get(manage).status_code == 404


def test_rfc_8058_one_click_unsubscribe_needs_no_csrf_token_and_nothing_else_is_exempt(settings, session: Session, now: datetime) -> None:  # noqa: ANN001
    from coworking.app import create_app

    urlencoded = confirmed_follow(session, now, country=("LV",))
    multipart = confirmed_follow(session, now, email="other@example.org", country=("LV",))
    with TestClient(app=create_app(settings)) as provider:  # a mail provider: no cookies, no token
        assert provider.post(urlencoded, data={}).status_code == 400  # not the one-click body: nothing happens
        assert len(follows(session)) == 2
        answer = provider.post(urlencoded, data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
        assert answer.status_code == 200 and "location" not in answer.headers
        again = provider.post(urlencoded, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200  # a retry is answered the same
        assert provider.post(multipart, files={"List-Unsubscribe": (None, "One-Click")}).status_code == 200
        assert follows(session) == []
        # Every other POST still needs its token: the sign-up, the confirmation, a longer path.
        assert provider.post("/follow", data={"email": ADDRESS, "frequency": "daily"}).status_code == 403
        assert provider.post("/follow/confirm/" + "a" * 43, data={}).status_code == 403
        assert provider.post(urlencoded + "x", data={"List-Unsubscribe": "One-Click"}).status_code == 403
        assert provider.post("/account/logout", data={}).status_code == 403
    assert len(mails(session)) == 1  # its confirmation only: the refused sign-up sent nothing


def test_mail_headers_are_sent_and_checked(session: Session) -> None:
    message = queue_mail(session, ADDRESS, "Subject", "Body", {"List-Unsubscribe": "<https://example.org/u/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    session.commit()
    email = _email(SmtpSettings.from_url("smtp://localhost", "site@example.org"), message.id, message.created_at, ADDRESS, "Subject", "Body", message.headers)
    assert email["List-Unsubscribe"] == "<https://example.org/u/x>" and email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with pytest.raises(ValueError, match="may not set"):
        queue_mail(session, ADDRESS, "Subject", "Body", {"Bcc": "someone@example.org"})
    with pytest.raises(ValueError, match="one non-empty line"):
        queue_mail(session, ADDRESS, "Subject", "Body", {"List-Unsubscribe": "<https://x>\r\nBcc: someone@example.org"})


def test_no_enumeration_a_repeated_sign_up_answers_like_a_first(client: TestClient, session: Session, now: datetime) -> None:
    confirmed_follow(session, now, country=("LV",))
    known = post(client, "/follow", email=ADDRESS.upper(), frequency="daily", country="lv")
    new = post(client, "/follow", email="new.person@example.org", frequency="daily", country="LV")
    assert (known.status_code, known.headers["location"]) == (new.status_code, new.headers["location"]) == (303, "/follow/sent")
    assert len(follows(session)) == 2  # no second follow of the same area
    reminder = mails(session)[-1]  # to the address as it was confirmed
    assert "you already do" in reminder.body and MANAGE_LINK.search(reminder.body)
    assert "/follow/confirm/" in last_mail(session, "new.person@example.org").body


def test_the_same_area_typed_differently_is_one_follow(session: Session, now: datetime) -> None:
    first = area_query(SearchParams(country=("lv", "EE"), amenity=("garden", "desks"), upcoming="on", sort="town", near="Ogre"))
    second = query_from_string(canonical(first))
    assert canonical(first) == canonical(second) == "country=EE&country=LV&amenity=desks&amenity=garden&upcoming=1"
    follow_area(session, ADDRESS, "weekly", SearchParams(country=("LV", "EE")), "en", link, SECRET, now=now)
    follow_area(session, ADDRESS, "daily", SearchParams(country=("ee", "lv")), "en", link, SECRET, now=now)
    [follow] = follows(session)
    assert follow.frequency == "daily" and len(mails(session)) == 2  # pending: the latest wish, a new link


def test_sign_ups_are_rate_limited_per_address_and_per_ip(client: TestClient, session: Session) -> None:
    for _ in range(3):
        assert post(client, "/follow", email=ADDRESS, frequency="daily", country="LV").status_code == 303
    limited = post(client, "/follow", email=ADDRESS, frequency="daily", country="LV")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    for number in range(16):  # 4 counted from this IP already: 20 in all
        assert post(client, "/follow", email=f"person{number}@example.org", frequency="weekly").status_code == 303
    assert post(client, "/follow", email="one.more@example.org", frequency="weekly").status_code == 429


def test_control_characters_in_a_posted_search_never_reach_a_mail_header(client: TestClient, session: Session) -> None:
    """Form bodies are cleaned of control characters as the query string is; the search text is one line."""
    response = post(client, "/follow", email=ADDRESS, frequency="daily", q="Cēsis\r\nBcc: x@example.org\x00")
    assert response.status_code == 303
    subject = mails(session)[-1].subject
    assert "\n" not in subject and "\x00" not in subject and "Cēsis Bcc: x@example.org" in subject


def test_a_bad_address_or_filter_comes_back_with_its_messages_and_what_was_typed(client: TestClient, session: Session) -> None:
    response = post(client, "/follow", email="not-an-address", frequency="weekly", country="XX", region="Vidzeme")
    assert response.status_code == 400
    assert "Enter an e-mail address such as anna@example.org." in response.text
    assert "Unknown country code" in response.text
    assert 'value="not-an-address"' in response.text and 'aria-invalid="true"' in response.text
    assert '<input type="hidden" name="region" value="Vidzeme">' in response.text
    wrong_frequency = post(client, "/follow", email=ADDRESS, frequency="hourly", country="LV")
    assert wrong_frequency.status_code == 400 and "every day or every week" in wrong_frequency.text
    assert 'value="ilze.follower@example.org"' in wrong_frequency.text
    assert client.get("/follow?bbox=1,2,3").status_code == 400
    assert follows(session) == [] and session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_area_feeds_parse_and_hold_the_areas_items(client: TestClient, session: Session, now: datetime) -> None:
    lielvarde = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.72, longitude=24.81)
    cesis = make_space(session, "SKOLA6", "Cēsis", "LV", latitude=57.31, longitude=25.27)
    make_space(session, "Ludgate Hub", "Skibbereen", "IE", latitude=51.55, longitude=-9.27)
    lielvarde.activities.append(make_activity("Resident breakfast", now + timedelta(days=3)))
    cesis.activities.append(make_activity("Story evening", now + timedelta(days=4)))
    session.commit()
    response = client.get("/feeds/area.atom?country=LV")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert sorted(titles) == ["New activity: Resident breakfast", "New activity: Story evening", "New space: CoLabora Lielvārde", "New space: SKOLA6"]
    assert feed.findtext(f"{ATOM}title") == "New in Latvia"
    assert len({entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")}) == 4
    again = client.get("/feeds/area.atom?country=LV", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    # A map view: only what is in its box, in the feed and in the calendar.
    box = "24.5,56.5,25.1,56.9"
    boxed = ET.fromstring(client.get(f"/feeds/area.atom?bbox={box}").content)
    assert sorted(entry.findtext(f"{ATOM}title") for entry in boxed.findall(f"{ATOM}entry")) == ["New activity: Resident breakfast", "New space: CoLabora Lielvārde"]
    calendar = Calendar.from_ical(client.get(f"/data/activities.ics?bbox={box}").content)
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == ["Resident breakfast"]
    assert client.get("/feeds/area.atom?country=XX").status_code == 400


def test_unconfirmed_sign_ups_expire_and_are_deleted(client: TestClient, session: Session, now: datetime) -> None:
    follow_area(session, ADDRESS, "daily", SearchParams(country=("LV",)), "en", link, SECRET, now=now - timedelta(days=8))
    confirm = CONFIRM_LINK.search(last_mail(session, ADDRESS).body).group(1)
    confirmed_follow(session, now - timedelta(days=8), email="kept@example.org", country=("LV",))
    assert client.get(confirm).status_code == 400  # expired: the link no longer works
    report = send_area_digests(session, link, SECRET, now)
    assert report.expired == 1
    assert [follow.email for follow in follows(session)] == ["kept@example.org"]


def test_the_digest_command_prints_its_summary(session: Session, database_url: str, now: datetime) -> None:
    from click.testing import CliRunner

    from coworking.cli import main

    confirmed_follow(session, now - timedelta(days=2), country=("LV",))
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", created_at=now - timedelta(days=1))
    env = {"COWORKING_DATABASE_URL": database_url, "COWORKING_ALLOWED_HOSTS": "rural-coworking.example.org", "COWORKING_SECRET_KEY": SECRET}
    first = CliRunner().invoke(main, ["digest"], env=env)
    assert first.exit_code == 0 and "Area digests queued: 1 (1 follows due)" in first.output, first.output
    assert "http://rural-coworking.example.org/spaces/colabora-lielvarde" in mails(session)[-1].body
    assert "Area digests queued: 0 (0 follows due)" in CliRunner().invoke(main, ["digest"], env=env).output
    assert session.scalar(select(func.count()).select_from(Space)) == 1
