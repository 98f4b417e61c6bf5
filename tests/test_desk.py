"""The builder's desk and the page views it shows: views of a space's page counted per day without cookies or
anything about the visitor (not HEAD, not a 404, not a robot, not an htmx part); /desk shows a builder their
own spaces only, the nudge to confirm the listing, visit requests and reports waiting, and the views per
month as a chart with its numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.testing import TestClient
from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from coworking.accounts.permissions import ANONYMOUS
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.core.i18n import translator
from coworking.core.models import utcnow
from coworking.core.months import add_months
from coworking.desk.services import builders_desk
from coworking.moderation.models import Submission
from coworking.pageviews import hooks
from coworking.pageviews.models import PageView
from coworking.pageviews.services import is_robot, monthly_views, record_view
from coworking.spaces.models import Space
from coworking.spaces.services import space_today
from coworking.visits.models import VisitRequest
from tests.factories import make_space
from tests.test_accounts import PASSWORD, fresh, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, builder, lielvarde  # noqa: F401

BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


@pytest.fixture()
def skola(session: Session) -> Space:
    return make_space(session, "SKOLA6", "Cēsis", "LV")


def views(session: Session, space: Space) -> int:
    session.expire_all()
    return sum(session.scalars(select(PageView.count).where(PageView.space_id == space.id)))


def test_a_view_counts_when_a_browser_gets_the_space_page(client: TestClient, session: Session, lielvarde: Space, skola: Space) -> None:  # noqa: F811
    page = f"/spaces/{lielvarde.slug}"
    assert client.get(page, headers={"User-Agent": BROWSER}).status_code == 200
    assert views(session, lielvarde) == 1
    assert client.get(page, headers={"User-Agent": BROWSER}).status_code == 200
    assert views(session, lielvarde) == 2
    [row] = session.scalars(select(PageView)).all()
    assert (row.space_id, row.day, row.count) == (lielvarde.id, utcnow().date(), 2)  # one row per space and day

    # Not counted: HEAD, a page that is not there, robots, no User-Agent, a part of the page fetched by htmx.
    assert client.head(page, headers={"User-Agent": BROWSER}).status_code == 200
    assert client.get("/spaces/no-such-space", headers={"User-Agent": BROWSER}).status_code == 404
    for robot in ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "facebookexternalhit/1.1",
                  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36",
                  "curl/8.5.0", "python-requests/2.32", ""):  # fmt: skip
        assert client.get(page, headers={"User-Agent": robot}).status_code == 200
    assert client.get(page, headers={"User-Agent": BROWSER, "HX-Request": "true"}).status_code == 200
    assert views(session, lielvarde) == 2
    # A link htmx boosted is a whole page, as is another space's (a row of its own).
    client.get(page, headers={"User-Agent": BROWSER, "HX-Request": "true", "HX-Boosted": "true"})
    client.get(f"/spaces/{skola.slug}", headers={"User-Agent": BROWSER})
    assert (views(session, lielvarde), views(session, skola)) == (3, 1)
    # Nothing about the visitor is kept: the table has no column for it, and no cookie was set for it.
    assert {column["name"] for column in inspect(session.get_bind()).get_columns("page_views")} == {"space_id", "day", "count"}


def test_a_failed_count_never_breaks_the_page(client: TestClient, session: Session, lielvarde: Space, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    def locked(*_args: object) -> None:
        raise OperationalError("INSERT INTO page_views", {}, Exception("database is locked"))

    monkeypatch.setattr(hooks, "record_view", locked)
    page = client.get(f"/spaces/{lielvarde.slug}", headers={"User-Agent": BROWSER})
    assert page.status_code == 200 and lielvarde.name in page.text
    assert views(session, lielvarde) == 0 and "Counting a view" in caplog.text


def test_robots_are_told_by_a_simple_user_agent_check() -> None:
    assert not is_robot(BROWSER)
    assert not is_robot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
    for robot in ("Mozilla/5.0 (compatible; bingbot/2.0)", "Slackbot-LinkExpanding 1.0", "WhatsApp/2.23", "Wget/1.21", None, "  "):
        assert is_robot(robot), robot


def test_the_monthly_figures(engine: Engine, session: Session, lielvarde: Space, skola: Space) -> None:  # noqa: F811
    # The upsert adds to the day's row, on SQLite and PostgreSQL alike.
    for _ in range(3):
        record_view(engine, lielvarde.id, date(2026, 3, 2))
    session.add_all([
        PageView(space_id=lielvarde.id, day=date(2026, 3, 15), count=4),
        PageView(space_id=lielvarde.id, day=date(2026, 1, 31), count=7),
        PageView(space_id=lielvarde.id, day=date(2025, 4, 1), count=2),   # the first month shown
        PageView(space_id=lielvarde.id, day=date(2025, 3, 31), count=50),  # before it
        PageView(space_id=lielvarde.id, day=date(2026, 3, 16), count=90),  # after "today"
        PageView(space_id=skola.id, day=date(2026, 3, 15), count=5),
    ])  # fmt: skip
    session.commit()
    found = monthly_views(session, [lielvarde.id, skola.id], date(2026, 3, 15))
    months = [month.month for month in found[lielvarde.id]]
    assert months == [add_months(date(2025, 4, 1), index) for index in range(12)]
    by_month = {month.month: month.views for month in found[lielvarde.id]}
    assert by_month[date(2026, 3, 1)] == 3 + 4 and by_month[date(2026, 1, 1)] == 7 and by_month[date(2025, 4, 1)] == 2
    assert by_month[date(2026, 2, 1)] == 0 and sum(by_month.values()) == 16
    assert sum(month.views for month in found[skola.id]) == 5
    assert monthly_views(session, [], date(2026, 3, 15)) == {}


def test_the_desk_shows_a_builder_their_own_space_only(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, skola: Space) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    builder(fresh, session, skola, email="skola.builder@example.org")
    client.get(f"/spaces/{lielvarde.slug}", headers={"User-Agent": BROWSER})
    client.get(f"/spaces/{skola.slug}", headers={"User-Agent": BROWSER})

    desk = client.get("/desk")
    assert desk.status_code == 200 and "private" in desk.headers["cache-control"]
    assert lielvarde.name in desk.text and f'href="/spaces/{lielvarde.slug}/edit"' in desk.text
    assert f'href="/spaces/{lielvarde.slug}/photos"' in desk.text and f'href="/spaces/{lielvarde.slug}/history"' in desk.text
    assert skola.name not in desk.text and f"/spaces/{skola.slug}" not in desk.text
    assert '<a href="/desk" aria-current="page">Desk</a>' in desk.text  # in the navigation, for builders
    # The chart of views per month: an SVG with its title and description, a bar per month, the numbers in a table.
    svg = re.search(r"<svg [^>]*role=\"img\".*?</svg>", desk.text, re.S).group()
    assert f'<title id="views-{lielvarde.id}-title">Views of the page of CoLabora Lielvārde, per month</title>' in svg
    assert "<desc " in svg and svg.count("<rect") == 12
    this_month = f"{utcnow():%Y-%m}"
    assert f'<time datetime="{this_month}">' in desk.text and "1 view of the listing&#39;s page in the last 12 months." in desk.text
    # The other builder sees theirs.
    other = fresh.get("/desk")
    assert skola.name in other.text and lielvarde.name not in other.text


def test_the_nudge_to_confirm_until_the_listing_is_confirmed(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    desk = client.get("/desk").text
    assert "Never confirmed by a community builder." in desk
    assert "No view of the listing&#39;s page was counted in the last 12 months." in desk and "<svg" not in desk  # no chart of zeros
    assert f'<form method="post" action="/spaces/{lielvarde.slug}/confirm">' in desk and "Everything on the listing is still right" in desk

    confirmed = post(client, f"/spaces/{lielvarde.slug}/confirm")
    assert confirmed.status_code == 303
    desk = client.get("/desk").text
    assert f"Confirmed by its community builder on {translator('en').date(utcnow())}." in desk
    assert f'action="/spaces/{lielvarde.slug}/confirm"' not in desk and "Everything on the listing is still right" not in desk

    # A year on, the desk asks again (as the yearly reminder does).
    session.execute(update(Space).where(Space.id == lielvarde.id).values(confirmed_at=utcnow() - timedelta(days=400)))
    session.commit()
    assert f'action="/spaces/{lielvarde.slug}/confirm"' in client.get("/desk").text


def test_visit_requests_and_reports_waiting(client: TestClient, session: Session, lielvarde: Space, skola: Space) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    today = space_today(lielvarde)

    def visit(space: Space, days: int, status: str) -> VisitRequest:
        return VisitRequest(space_id=space.id, day=today + timedelta(days=days), kind="day_pass", email="maija@example.org", language="en", status=status)

    session.add_all([
        visit(lielvarde, 3, "waiting"), visit(lielvarde, 0, "waiting"),  # waiting: today's counts
        visit(lielvarde, -1, "waiting"),  # its day has passed: nothing left to answer
        visit(lielvarde, 5, "unconfirmed"), visit(lielvarde, 5, "accepted"), visit(skola, 5, "waiting"),
        Submission(kind="report", country_code="LV", space_id=lielvarde.id, message="The phone number is  old:\nit is now +371 600 00000.",
                   contact_email="reporter@example.org"),
        Submission(kind="report", country_code="LV", space_id=lielvarde.id, message="Closed on Mondays " + "x" * 300),
        Submission(kind="report", country_code="LV", space_id=lielvarde.id, message="Fixed already", status="approved"),
        Submission(kind="report", country_code="LV", space_id=skola.id, message="About the other space"),
        Submission(kind="claim", country_code="LV", space_id=lielvarde.id, role="host", message="I run it"),
    ])  # fmt: skip
    session.commit()

    desk = client.get("/desk").text
    assert "2 requests wait for an answer" in desk and f'href="/spaces/{lielvarde.slug}/visits"' in desk
    assert "2 reports wait for a partner of the network" in desk
    assert "The phone number is old: it is now +371 600 00000." in desk and "Closed on Mondays xxx" in desk and "x" * 250 not in desk
    assert "reporter@example.org" not in desk and "Fixed already" not in desk and "About the other space" not in desk
    assert "I run it" not in desk  # a claim is no report

    session.execute(update(VisitRequest).where(VisitRequest.status == "waiting").values(status="declined"))
    session.execute(update(Submission).values(status="rejected"))
    session.execute(update(Space).where(Space.id == lielvarde.id).values(visit_requests_open=False))
    session.commit()
    desk = client.get("/desk").text
    assert "Nothing waits." in desk and "Visit requests are switched off." in desk and "No report about the listing waits." in desk


def test_signed_in_without_a_space_a_friendly_page(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session)
    desk = client.get("/desk")
    assert desk.status_code == 200 and "You are not a community builder of any space yet." in desk.text
    assert 'href="/spaces"' in desk.text and 'href="/propose"' in desk.text
    assert 'href="/desk"' not in desk.text  # no "Desk" in the navigation of someone who runs no space
    # Partners and admins who run no space see the same: their other powers add nothing to a desk.
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(fresh, session, "partner@example.org")
    grant_partner(session, fresh.app.state.sessions, admin.id, "partner@example.org", "LV", None)
    for email in ("partner@example.org", "admin@example.org"):
        fresh.cookies.clear()
        assert sign_in(fresh, email=email).status_code == 303
        page = fresh.get("/desk")
        assert page.status_code == 200 and "You are not a community builder of any space yet." in page.text
        assert lielvarde.name not in page.text


def test_8_2_1_the_desk_needs_a_session(client: TestClient) -> None:
    page = client.get("/desk")
    assert page.status_code == 401 and 'href="/account/login?next=%2Fdesk"' in page.text
    # 8.3.1: the service asks too, whoever calls it.
    with pytest.raises(NotAuthorizedException):
        builders_desk(None, ANONYMOUS)  # type: ignore[arg-type]


def test_coming_dates_with_sign_ups_story_removals_and_reviews_to_answer(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    from coworking.activities.models import Activity
    from coworking.attendance.models import Attendance
    from coworking.reviews.models import Review
    from coworking.stories.models import Story, StoryRemovalRequest
    from tests.factories import make_activity

    user = builder(client, session, lielvarde)
    first = utcnow().replace(microsecond=0) + timedelta(days=1)
    meeting = make_activity("Resident meeting", first, ends_at=first + timedelta(hours=2), rrule="FREQ=WEEKLY;COUNT=10",
                            space_id=lielvarde.id, capacity=2, exceptions=[])  # fmt: skip
    session.add(meeting)
    session.commit()
    second = (first + timedelta(weeks=1)).replace(tzinfo=None).isoformat(timespec="minutes")
    meeting.exceptions = [{"recurrence_id": second, "status": "cancelled"}]
    session.add_all([
        Attendance(activity_id=meeting.id, occurrence=first.replace(tzinfo=None).isoformat(timespec="minutes"), starts_at=first,
                   name=name, email=f"{name}@example.org", email_key=f"{name}@example.org", language="en", status=status,
                   token_nonce=name, token_hash=name * 8)
        for name, status in (("anna", "coming"), ("juris", "coming"), ("ilze", "waiting"), ("eva", "pending"))
    ])  # fmt: skip
    story = Story(space_id=lielvarde.id, text="A desk and people.", resident_name="Ilze", consent_given_by="Ilze", consent_date=date(2026, 1, 1), consent_shows=["text"])
    session.add(story)
    session.flush()
    removal = Submission(kind="story", country_code="LV", space_id=lielvarde.id, message="Please take it down")
    session.add(removal)
    session.flush()
    session.add(StoryRemovalRequest(submission_id=removal.id, story_id=story.id))
    session.add_all([
        Review(space_id=lielvarde.id, user_id=user.id, author_name="Maija", rating=5, text="Quiet desks and fast fibre.", language="en", status="approved"),
        Review(space_id=lielvarde.id, user_id=create_admin(session, None, "peteris@example.org", PASSWORD).id, author_name="Peteris", rating=4, text="Good coffee, kind people.", language="en", status="pending"),
    ])  # fmt: skip
    session.commit()
    assert session.get(Activity, meeting.id).exceptions

    desk = client.get("/desk").text
    dates = re.findall(r"<li>\s*<a href=\"/activities/(\d+)[^\"]*\">Resident meeting</a>(.*?)</li>", desk, re.S)
    assert len(dates) == 5 and all(found == str(meeting.id) for found, _ in dates)
    assert "2 coming / 2" in dates[0][1] and "1 on the waiting list" in dates[0][1]
    assert "cancelled" in dates[1][1] and "0 coming / 2" in dates[1][1]
    assert "1 request to remove a story waits" in desk
    assert "1 review has no answer yet" in desk and "1 new review waits for a partner" in desk
    assert f'href="/spaces/{lielvarde.slug}/activities"' in desk and f'href="/spaces/{lielvarde.slug}/attendance"' in desk
