"""Visit requests: a resident asks, confirms by the e-mail's link (one button), the space's builders answer,
the resident reads the answer on a page only their link opens; partners see counts, never messages or
addresses; nothing is kept longer than a year after the visit. Mail is read back from the outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, User
from coworking.accounts.permissions import Actor
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.app import create_app
from coworking.core.mail import OutboxMessage
from coworking.core.models import utcnow
from coworking.core.months import add_months
from coworking.core.settings import Settings
from coworking.spaces.models import Space
from coworking.spaces.services import space_today
from coworking.visits import services
from coworking.visits.models import VisitRequest
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, fresh, last_mail, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, PARTNER, builder, lielvarde, partner  # noqa: F401
from tests.test_reminders import remind

RESIDENT = "maija.resident@example.org"
MESSAGE = "I write software and would like a quiet desk; I arrive by the 9:10 train."


@pytest.fixture()
def third(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """One more browser on the same site."""
    with TestClient(app=create_app(settings)) as other:
        yield other


def in_days(space: Space, days: int) -> date:
    return space_today(space) + timedelta(days=days)


def ask(client: TestClient, space: Space, **fields: str):  # noqa: ANN201
    form = {"day": in_days(space, 7).isoformat(), "kind": "day_pass", "message": MESSAGE, "email": RESIDENT, **fields}
    return post(client, f"/spaces/{space.slug}/visit", **form)


def visit_link(session: Session, to: str = RESIDENT) -> str:
    return re.search(r"https?://testserver\.local(/visits/[\w-]+(?:/confirm)?)", last_mail(session, to).body).group(1)


def requests(session: Session) -> list[VisitRequest]:
    session.expire_all()
    return session.scalars(select(VisitRequest).order_by(VisitRequest.id)).all()


def mails(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def confirm(client: TestClient, path: str):  # noqa: ANN201
    return client.post(path, data={"_csrf_token": csrf(client, path)}, follow_redirects=False)


def test_ask_confirm_answer_and_read_the_answer(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    listing = client.get(f"/spaces/{lielvarde.slug}")
    assert f'href="/spaces/{lielvarde.slug}/visit"' in listing.text and "Ask for a visit" in listing.text
    form = client.get(f"/spaces/{lielvarde.slug}/visit")
    assert form.status_code == 200 and 'name="day"' in form.text and 'for="email"' in form.text

    sent = ask(client, lielvarde, email=f"  {RESIDENT} ")
    assert sent.status_code == 303 and sent.headers["location"] == f"/spaces/{lielvarde.slug}/visit/sent"
    assert "Check your e-mail" in client.get(sent.headers["location"]).text
    [visit] = requests(session)
    assert (visit.status, visit.email, visit.kind, visit.language) == ("unconfirmed", RESIDENT, "day_pass", "en")
    assert visit.token_hash and len(visit.token_hash) == 64
    confirm_path = visit_link(session)
    assert confirm_path.endswith("/confirm") and confirm_path.split("/")[2] not in visit.token_hash  # only the hash is kept
    # Until it is confirmed, the space sees nothing: no mail, not on its list.
    assert "visit request" not in last_mail(session, BUILDER).subject
    assert MESSAGE not in fresh.get(f"/spaces/{lielvarde.slug}/visits").text

    # The link's page shows one button and changes nothing (mail scanners open links).
    before = mails(session)
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Yes, send the request" in page.text and '<form method="post">' in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert requests(session)[0].status == "unconfirmed" and mails(session) == before

    done = confirm(client, confirm_path)
    thread_path = confirm_path.removesuffix("/confirm")
    assert done.status_code == 303 and done.headers["location"] == f"{thread_path}?confirmed=1"
    [visit] = requests(session)
    assert visit.status == "waiting" and visit.confirmed_at is not None
    to_builder = last_mail(session, BUILDER)
    assert to_builder.subject == "A visit request for CoLabora Lielvārde"
    assert f"/spaces/{lielvarde.slug}/visits#visit-{visit.id}" in to_builder.body and RESIDENT not in to_builder.body
    thread = client.get(thread_path)
    assert thread.status_code == 200 and MESSAGE in thread.text and "Waiting for an answer" in thread.text

    # The builder's list: open requests first, with the message and the address.
    listed = fresh.get(f"/spaces/{lielvarde.slug}/visits")
    assert listed.status_code == 200 and MESSAGE in listed.text and f'href="mailto:{RESIDENT}"' in listed.text
    assert f'id="visit-{visit.id}"' in listed.text
    answered = post(fresh, f"/spaces/{lielvarde.slug}/visits/{visit.id}/answer", answer="accept", note="Come at ten, the kettle is on.")
    assert answered.status_code == 303
    [visit] = requests(session)
    assert (visit.status, visit.note) == ("accepted", "Come at ten, the kettle is on.") and visit.answered_by is not None

    answer_mail = last_mail(session, RESIDENT)
    assert answer_mail.subject == "Your visit to CoLabora Lielvārde: the answer"
    assert "says yes" in answer_mail.body and "Come at ten, the kettle is on." in answer_mail.body
    new_thread = visit_link(session)
    assert new_thread != thread_path and not new_thread.endswith("/confirm")
    page = client.get(new_thread)
    assert page.status_code == 200 and "Yes: you are welcome on that day." in page.text and "Come at ten" in page.text
    # One live link per request: the confirmation link no longer opens the page.
    assert client.get(thread_path).status_code == 404

    # Answering twice is refused with a message, and nothing changes.
    again = post(fresh, f"/spaces/{lielvarde.slug}/visits/{visit.id}/answer", answer="decline", note="Sorry")
    assert again.status_code == 400 and "already answered" in again.text
    assert requests(session)[0].status == "accepted" and requests(session)[0].note.startswith("Come at ten")
    listed = fresh.get(f"/spaces/{lielvarde.slug}/visits")
    assert "Nothing waits." in listed.text and "Accepted" in listed.text


def test_the_request_and_its_mails_keep_the_resident_language(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    client.cookies.set("lang", "lv")
    assert ask(client, lielvarde).status_code == 303
    assert requests(session)[0].language == "lv"
    assert confirm(client, visit_link(session)).status_code == 303
    client.cookies.clear()
    # The builder answers from an English page: the resident's mail is still written for their language.
    visit = requests(session)[0]
    assert post(fresh, f"/spaces/{lielvarde.slug}/visits/{visit.id}/answer", answer="decline", note="").status_code == 303
    assert requests(session)[0].status == "declined" and "/visits/" in last_mail(session, RESIDENT).body


def test_each_builder_reads_the_request_in_their_own_language(
    client: TestClient, fresh: TestClient, third: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    """A resident asks in English; of the space's two builders, the Latvian one is told in Latvian, the German
    one in German: words, and the day as each language writes it."""
    builder(fresh, session, lielvarde)
    assert post(fresh, "/account/language", language="lv").status_code == 303
    builder(third, session, lielvarde, email="jonas@example.org")
    assert post(third, "/account/language", language="de").status_code == 303
    assert ask(client, lielvarde).status_code == 303
    assert last_mail(session, RESIDENT).subject == "Confirm your visit request to CoLabora Lielvārde"
    assert confirm(client, visit_link(session)).status_code == 303
    day = in_days(lielvarde, 7)
    to_latvian, to_german = last_mail(session, BUILDER), last_mail(session, "jonas@example.org")
    assert to_latvian.subject == "Apmeklējuma pieprasījums: CoLabora Lielvārde"
    assert f"ierasties {day.year}. gada {day.day}. " in to_latvian.body and "Izlasiet pieprasījumu" in to_latvian.body
    assert to_german.subject == "Eine Besuchsanfrage für CoLabora Lielvārde"
    assert f"{day:%d.%m.%Y}" in to_german.body


def test_a_builder_with_no_language_is_told_in_the_site_default(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    user = builder(fresh, session, lielvarde)
    session.execute(update(User).where(User.id == user.id).values(language=None))  # an account from before the choice
    session.commit()
    client.cookies.set("lang", "lv")  # the resident asks in Latvian
    assert ask(client, lielvarde).status_code == 303
    assert confirm(client, visit_link(session)).status_code == 303
    assert last_mail(session, BUILDER).subject == "A visit request for CoLabora Lielvārde"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": "past"}, "day", "This day has passed"),
        ({"day": "far"}, "day", "within the next year"),
        ({"day": "15.06.2026"}, "day", "Enter a date such as"),
        ({"day": ""}, "day", "Choose the day"),
        ({"kind": "free_lunch"}, "kind", "Choose what you would like"),
        ({"email": "maija@"}, "email", "Enter an e-mail address such as"),
        ({"email": "a@example.org,b@example.org"}, "email", "Enter an e-mail address such as"),
        ({"message": "x" * 1001}, "message", "shorten it to 1000 characters"),
    ],
)
def test_bad_input_comes_back_with_what_was_typed_and_nothing_is_written(
    client: TestClient, session: Session, lielvarde: Space, fields: dict[str, str], field: str, message: str
) -> None:
    builder(client, session, lielvarde)
    client.cookies.clear()
    days = {"past": -2, "far": 400}
    if fields.get("day") in days:
        fields = {**fields, "day": in_days(lielvarde, days[fields["day"]]).isoformat()}
    before = mails(session)
    response = ask(client, lielvarde, **fields)
    assert response.status_code == 400, response.text[:300]
    assert message in response.text.replace("&#39;", "'")
    assert f'id="{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text or f'aria-describedby="{field}-error"' in response.text
    typed = {"day": in_days(lielvarde, 7).isoformat(), "email": RESIDENT, **fields}
    if field != "email":
        assert f'value="{typed["email"]}"' in response.text
    if field != "day":
        assert f'value="{typed["day"]}"' in response.text
    if field != "message":
        assert MESSAGE in response.text
    assert requests(session) == [] and mails(session) == before


def test_a_confirmation_link_used_twice_says_so_and_loses_nothing(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    assert ask(client, lielvarde).status_code == 303
    path = visit_link(session)
    assert confirm(client, path).status_code == 303
    builder_mails = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == BUILDER))
    twice = confirm(client, path)
    assert twice.status_code == 409 and "already confirmed" in twice.text
    assert f'href="{path.removesuffix("/confirm")}"' in twice.text
    opened = client.get(path)
    assert opened.status_code == 200 and "already confirmed" in opened.text
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == BUILDER)) == builder_mails
    assert requests(session)[0].status == "waiting"
    # A link that names nothing: a message, never a 500.
    assert client.get("/visits/not-a-link/confirm").status_code == 400
    assert confirm(client, "/visits/not-a-link/confirm").status_code == 400
    assert client.get("/visits/not-a-link").status_code == 404


def test_a_day_gone_by_or_a_number_no_request_has_is_a_message_not_a_500(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    past = _visit(session, lielvarde, utcnow().date() - timedelta(days=30))  # its day was 20 days ago
    late = post(fresh, f"/spaces/{lielvarde.slug}/visits/{past.id}/answer", answer="accept")
    assert late.status_code == 400 and "The day of this visit has passed" in late.text
    session.expire_all()
    assert session.get(VisitRequest, past.id).status == "waiting"
    huge = post(fresh, f"/spaces/{lielvarde.slug}/visits/99999999999999999999999/answer", answer="accept")
    assert huge.status_code == 400


def test_an_unconfirmed_request_expires_after_two_days(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    assert ask(client, lielvarde).status_code == 303
    path = visit_link(session)
    session.execute(update(VisitRequest).values(created_at=utcnow() - timedelta(days=2, minutes=1)))
    session.commit()
    late = confirm(client, path)
    assert late.status_code == 400 and "within two days" in late.text
    assert requests(session)[0].status == "unconfirmed"


def test_requests_are_rate_limited_per_address_and_per_ip(client: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    client.cookies.clear()
    per_address = [ask(client, lielvarde).status_code for _ in range(4)]
    assert per_address == [303, 303, 303, 429]
    per_ip = [ask(client, lielvarde, email=f"person{n}@example.org").status_code for n in range(7)]
    assert per_ip[:6] == [303] * 6 and per_ip[6] == 429
    assert len(requests(session)) == 9


def test_switched_off_closed_and_unanswered_spaces_say_why(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(fresh, session, lielvarde)
    switched = post(fresh, f"/spaces/{lielvarde.slug}/visits/settings", requests="off")
    assert switched.status_code == 303
    session.expire_all()
    space = session.get(Space, lielvarde.id)
    assert space.visit_requests_open is False and space.version == lielvarde.version  # not an edit of the listing
    assert f"/spaces/{lielvarde.slug}/visit\"" not in client.get(f"/spaces/{lielvarde.slug}").text
    form = client.get(f"/spaces/{lielvarde.slug}/visit")
    assert form.status_code == 200 and "does not take visit requests" in form.text and 'name="day"' not in form.text
    refused = ask(client, lielvarde)
    assert refused.status_code == 400 and "does not take visit requests" in refused.text and requests(session) == []
    assert post(fresh, f"/spaces/{lielvarde.slug}/visits/settings", requests="maybe").status_code == 400
    assert post(fresh, f"/spaces/{lielvarde.slug}/visits/settings", requests="on").status_code == 303
    assert 'name="day"' in client.get(f"/spaces/{lielvarde.slug}/visit").text

    # A request asked before its space switched requests off is not delivered after.
    assert ask(client, lielvarde).status_code == 303
    path = visit_link(session)
    post(fresh, f"/spaces/{lielvarde.slug}/visits/settings", requests="off")
    assert confirm(client, path).status_code == 400 and requests(session)[0].status == "unconfirmed"

    closed = make_space(session, "Old Mill", "Ogre", "LV", status="closed")
    session.add(BuilderRole(user_id=session.scalar(select(BuilderRole.user_id)), space_id=closed.id))
    session.commit()
    assert "has closed: it takes no visits" in client.get(f"/spaces/{closed.slug}/visit").text
    assert "Ask for a visit" not in client.get(f"/spaces/{closed.slug}").text
    assert ask(client, closed).status_code == 400

    nobody = make_space(session, "SKOLA6", "Cēsis", "LV")
    assert "No community builder of this space answers" in client.get(f"/spaces/{nobody.slug}/visit").text
    assert "Ask for a visit" not in client.get(f"/spaces/{nobody.slug}").text
    assert client.get("/spaces/no-such-space/visit").status_code == 404


def test_only_the_space_builders_and_admins_see_and_answer(
    client: TestClient, fresh: TestClient, third: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    builder(client, session, lielvarde)
    client.cookies.clear()
    assert ask(client, lielvarde).status_code == 303
    assert confirm(client, visit_link(session)).status_code == 303
    visit = requests(session)[0]
    listing, answer = f"/spaces/{lielvarde.slug}/visits", f"/spaces/{lielvarde.slug}/visits/{visit.id}/answer"

    assert fresh.get(listing).status_code == 401  # anonymous
    assert post(fresh, answer, answer="accept").status_code == 401
    other = make_space(session, "SKOLA6", "Cēsis", "LV")
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(fresh, session, "member@example.org")
    assert sign_in(fresh, email="member@example.org").status_code == 303
    assert fresh.get(listing).status_code == 403 and MESSAGE not in fresh.get(listing).text
    assert post(fresh, answer, answer="accept").status_code == 403
    builder(third, session, other, email="other.builder@example.org")
    assert sign_in(third, email="other.builder@example.org").status_code == 303
    assert third.get(listing).status_code == 403
    assert post(third, answer, answer="accept").status_code == 403
    assert post(third, f"/spaces/{lielvarde.slug}/visits/settings", requests="off").status_code == 403
    # The other builder's own list does not show this space's request either.
    assert MESSAGE not in third.get(f"/spaces/{other.slug}/visits").text
    assert post(third, f"/spaces/{other.slug}/visits/{visit.id}/answer", answer="accept").status_code == 404
    third.cookies.clear()
    register_and_verify(third, session, "partner.ie@example.org")
    grant_partner(session, third.app.state.sessions, admin.id, "partner.ie@example.org", "IE", None)
    assert sign_in(third, email="partner.ie@example.org").status_code == 303
    assert third.get(listing).status_code == 403
    assert post(third, answer, answer="accept").status_code == 403
    assert requests(session)[0].status == "waiting"
    # The service asks too, whoever calls it (ASVS 8.3.1).
    with pytest.raises(Exception, match="Forbidden|403|ermission"):
        services.space_visits(session, Actor(user_id=1, builder_of=frozenset({other.id})), lielvarde)

    fresh.cookies.clear()
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    assert MESSAGE in fresh.get(listing).text
    third.cookies.clear()
    register_and_verify(third, session, PARTNER)
    grant_partner(session, third.app.state.sessions, admin.id, PARTNER, "LV", None)
    assert sign_in(third, email=PARTNER).status_code == 303
    # Even the country's partner: partners see counts per space and month, never a resident's message.
    assert third.get(listing).status_code == 403 and MESSAGE not in third.get(listing).text
    assert post(third, answer, answer="decline", note="We are closed that week.").status_code == 403
    assert post(fresh, answer, answer="decline", note="We are closed that week.").status_code == 303  # the admin
    assert requests(session)[0].status == "declined"


def _visit(session: Session, space: Space, created: date, status: str = "waiting", **fields: object) -> VisitRequest:
    visit = VisitRequest(
        space_id=space.id, day=created + timedelta(days=10), kind="look_around", message=MESSAGE, email=RESIDENT,
        language="en", status=status, created_at=utcnow().replace(year=created.year, month=created.month, day=created.day), **fields,
    )  # fmt: skip
    session.add(visit)
    session.commit()
    return visit


def test_partners_see_counts_per_space_and_month_and_nothing_personal(partner: TestClient, client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    this_month = add_months(utcnow().date(), 0)
    last_month = add_months(this_month, -1)
    skola = make_space(session, "SKOLA6", "Cēsis", "LV", region="Cēsu novads")
    irish = make_space(session, "Ludgate Hub", "Skibbereen", "IE")
    _visit(session, lielvarde, this_month, "accepted")
    _visit(session, lielvarde, this_month, "waiting")
    _visit(session, lielvarde, last_month, "declined")
    _visit(session, lielvarde, this_month, "unconfirmed")  # never counted
    _visit(session, lielvarde, add_months(this_month, -13), "accepted")  # older than 12 months
    _visit(session, skola, this_month, "accepted")
    _visit(session, irish, this_month, "accepted")

    counts = services.visit_request_counts(session, "LV")
    assert [(row.space_slug, row.month, row.requests, row.accepted) for row in counts] == [
        (lielvarde.slug, last_month, 1, 0),
        (lielvarde.slug, this_month, 2, 1),
        (skola.slug, this_month, 1, 1),
    ]
    assert [row.space_slug for row in services.visit_request_counts(session, "LV", region="Cēsu novads")] == [skola.slug]
    everything = services.visit_request_counts(session, "LV", first_month=add_months(this_month, -24))
    assert sum(row.requests for row in everything) == 5
    # The rows carry no personal data: only the space, the month and two numbers.
    assert set(vars(counts[0])) == {"space_slug", "space_name", "town", "month", "requests", "accepted"}

    page = partner.get("/partner/visits")
    assert page.status_code == 200 and "CoLabora Lielvārde" in page.text and "SKOLA6" in page.text
    assert RESIDENT not in page.text and MESSAGE not in page.text and "Ludgate" not in page.text
    assert partner.get("/partner/visits?country=IE").status_code == 403
    bad = partner.get("/partner/visits?country=Latvia")
    assert bad.status_code == 400 and 'id="country-error"' in bad.text
    assert client.get("/partner/visits?country=LV").status_code == 401
    register_and_verify(client, session, "member@example.org")
    assert sign_in(client, email="member@example.org").status_code == 303
    assert client.get("/partner/visits?country=LV").status_code == 403


def test_unconfirmed_requests_go_after_two_days_and_details_a_year_after_the_day(
    client: TestClient, session: Session, lielvarde: Space, database_url: str
) -> None:
    builder(client, session, lielvarde)
    client.cookies.clear()
    today = utcnow().date()
    stale = _visit(session, lielvarde, today - timedelta(days=3), "unconfirmed")
    fresh_one = _visit(session, lielvarde, today, "unconfirmed")
    old = _visit(session, lielvarde, today - timedelta(days=400), "accepted", note="Welcome", token_hash="a" * 64)
    recent = _visit(session, lielvarde, today - timedelta(days=300), "accepted", token_hash="b" * 64)
    stale_id = stale.id
    output = remind(database_url)
    assert "1 never confirmed deleted, 1 past their year erased" in output
    left = {visit.id: visit for visit in requests(session)}
    assert stale_id not in left and fresh_one.id in left
    assert (left[old.id].email, left[old.id].message, left[old.id].note, left[old.id].token_hash) == (None, None, None, None)
    assert left[old.id].status == "accepted" and left[old.id].day == old.day  # what the counts need stays
    assert left[recent.id].email == RESIDENT
    # Erased requests leave the builders' list but still count for the partners.
    assert services.space_visits(session, Actor(is_admin=True, user_id=1), lielvarde).answered == [left[recent.id]]
    counted = services.visit_request_counts(session, "LV", first_month=today - timedelta(days=500))
    assert sum(row.requests for row in counted) == 2
    assert "1 never confirmed deleted" not in remind(database_url)  # a second run finds nothing more


def test_the_space_page_offers_the_form_only_to_spaces_that_answer(client: TestClient, session: Session, lielvarde: Space, engine: Engine) -> None:
    assert "Ask for a visit" not in client.get(f"/spaces/{lielvarde.slug}").text
    builder(client, session, lielvarde)
    page = client.get(f"/spaces/{lielvarde.slug}")
    assert "Ask for a visit" in page.text and f'href="/spaces/{lielvarde.slug}/visits"' in page.text  # its builder's link
    with engine.connect() as connection:
        assert connection.execute(text("SELECT visit_requests_open FROM spaces")).scalar() in (True, 1)
