"""Reviews: a resident with a confirmed account writes one per space; a partner of the space's country
publishes it (its author is told by e-mail); the space's community builder answers it once; anyone reports
it back to the partners; the space's page shows the count and the average, and its JSON-LD carries an
AggregateRating only from three approved reviews. Mail is read back from the outbox."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import User
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.app import create_app
from coworking.core.mail import OutboxMessage
from coworking.core.models import utcnow
from coworking.core.settings import Settings
from coworking.reviews.models import Review, ReviewReport
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, fresh, last_mail, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, PARTNER, builder, lielvarde, partner  # noqa: F401

RESIDENT = "maija.resident@example.org"
TEXT = "Quiet desks, fast fibre and a kettle that is always on. The Tuesday meetups are the best part."


@pytest.fixture()
def third(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """One more browser on the same site."""
    with TestClient(app=create_app(settings)) as other:
        yield other


def write(client: TestClient, space: Space, **fields: str):  # noqa: ANN201
    form = {"author_name": "Maija", "rating": "4", "text": TEXT, **fields}
    return post(client, f"/spaces/{space.slug}/reviews/new", **form)


def reviews(session: Session) -> list[Review]:
    session.expire_all()
    return session.scalars(select(Review).order_by(Review.id)).all()


def mails(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def approved(session: Session, space: Space, *ratings: int) -> list[Review]:
    """Approved reviews of ``space``, one per made-up account, oldest first."""
    made = []
    start = session.scalar(select(func.count()).select_from(User)) or 0
    for number, rating in enumerate(ratings, start=start):
        user = User(email=f"resident{number}@example.org", email_key=f"resident{number}@example.org", password_hash="x", email_verified_at=utcnow())
        session.add(user)
        session.flush()
        moment = utcnow() - timedelta(days=len(ratings) - len(made))
        review = Review(
            space_id=space.id, user_id=user.id, author_name=f"Resident {number}", rating=rating, text=f"Review number {number}: {TEXT}",
            language="en", status="approved", version=1, created_at=moment, written_at=moment,
        )  # fmt: skip
        session.add(review)
        made.append(review)
    session.commit()
    return made


def test_write_wait_publish_and_tell_the_author(client: TestClient, partner: TestClient, third: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(third, session, lielvarde)
    register_and_verify(client, session, RESIDENT)
    listing = client.get(f"/spaces/{lielvarde.slug}")
    assert f'href="/spaces/{lielvarde.slug}/reviews/new"' in listing.text and "No reviews yet." in listing.text
    form = client.get(f"/spaces/{lielvarde.slug}/reviews/new")
    assert form.status_code == 200 and 'name="rating"' in form.text and 'for="text"' in form.text

    sent = write(client, lielvarde, author_name="  Maija  ")
    assert sent.status_code == 303 and sent.headers["location"] == f"/spaces/{lielvarde.slug}/reviews?sent=1"
    assert "your review is sent" in client.get(sent.headers["location"]).text
    [review] = reviews(session)
    assert (review.status, review.rating, review.author_name, review.text, review.language) == ("pending", 4, "Maija", TEXT, "en")

    # Pending: not public anywhere, not in the JSON-LD; its author sees where it stands.
    for who in (client, third):
        for path in (f"/spaces/{lielvarde.slug}", f"/spaces/{lielvarde.slug}/reviews"):
            assert TEXT not in who.get(path).text
    assert "Waiting for a partner&#39;s approval" in client.get(f"/spaces/{lielvarde.slug}").text
    assert "aggregateRating" not in json_ld(client.get(f"/spaces/{lielvarde.slug}").text)

    # The partner's queue lists it (and the navigation counts it); they publish it.
    queue = partner.get("/moderation")
    assert "Review of CoLabora Lielvārde" in queue.text and TEXT in queue.text and RESIDENT in queue.text
    assert 'class="badge-count">1<' in queue.text
    assert partner.get(f"/moderation/reviews/{review.id}").status_code == 200
    done = post(partner, f"/moderation/reviews/{review.id}/approve", version="1")
    assert done.status_code == 303 and done.headers["location"].startswith("/moderation?review=published")
    assert "The review is published" in partner.get(done.headers["location"]).text
    assert reviews(session)[0].status == "approved"

    to_author = last_mail(session, RESIDENT)
    assert to_author.subject == "Your review of CoLabora Lielvārde is published"
    assert f"/spaces/{lielvarde.slug}/reviews#review-{review.id}" in to_author.body
    to_builder = last_mail(session, BUILDER)
    assert to_builder.subject == "A new review of CoLabora Lielvārde" and RESIDENT not in to_builder.body

    page = client.get(f"/spaces/{lielvarde.slug}").text
    assert TEXT in page and "4.0 out of 5, from 1 review" in page and "Maija" in page
    assert 'aria-label="4 of 5: very good"' in page
    # Decided once: a second decision is a message, not a 500.
    again = post(partner, f"/moderation/reviews/{review.id}/approve", version="1")
    assert again.status_code == 400 and "no longer waiting" in again.text


def test_an_unconfirmed_address_cannot_review(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    # Signing in needs a confirmed address; one changed back to unconfirmed (say, by an admin) still holds a session.
    session.execute(update(User).values(email_verified_at=None))
    session.commit()
    form = client.get(f"/spaces/{lielvarde.slug}/reviews/new")
    assert form.status_code == 200 and "Confirm your e-mail address first" in form.text and 'name="text"' not in form.text
    refused = write(client, lielvarde)
    assert refused.status_code == 400 and "Confirm your e-mail address first" in refused.text
    assert reviews(session) == []


def test_anonymous_people_are_asked_to_sign_in(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    assert client.get(f"/spaces/{lielvarde.slug}/reviews/new").status_code == 401
    assert write(client, lielvarde).status_code == 401
    assert reviews(session) == []


def test_a_second_review_is_refused_and_the_first_can_be_edited(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    assert write(client, lielvarde).status_code == 303
    [first] = reviews(session)
    assert post(partner, f"/moderation/reviews/{first.id}/approve", version="1").status_code == 303
    before = mails(session)

    second = write(client, lielvarde, rating="1", text="A second opinion, much worse than the first one.")
    assert second.status_code == 400 and "You have already reviewed this space" in second.text
    # What was typed is not lost: the form comes back, sent to the first review's edit.
    assert "A second opinion, much worse" in second.text and f'action="/spaces/{lielvarde.slug}/reviews/{first.id}/edit"' in second.text
    [review] = reviews(session)
    assert (review.rating, review.text, review.status) == (4, TEXT, "approved") and mails(session) == before
    assert "You have already reviewed this space" in client.get(f"/spaces/{lielvarde.slug}/reviews/new").text

    # Editing sends it back to the partner, and it is not public meanwhile.
    edit_page = client.get(f"/spaces/{lielvarde.slug}/reviews/{first.id}/edit")
    assert edit_page.status_code == 200 and TEXT in edit_page.text and 'value="4" checked' in edit_page.text
    edited = post(client, f"/spaces/{lielvarde.slug}/reviews/{first.id}/edit", author_name="Maija", rating="3", text="Good, but the fibre was down twice this month.")
    assert edited.status_code == 303
    [review] = reviews(session)
    assert (review.rating, review.status, review.version) == (3, "pending", 2)
    assert "fibre was down" not in client.get(f"/spaces/{lielvarde.slug}").text
    # A decision on the version the partner saw before the edit is refused: they read it again.
    stale = post(partner, f"/moderation/reviews/{first.id}/approve", version="1")
    assert stale.status_code == 400 and "changed this review since you opened the page" in stale.text
    assert reviews(session)[0].status == "pending"
    bad_edit = post(client, f"/spaces/{lielvarde.slug}/reviews/{first.id}/edit", author_name="Maija", rating="9", text="Short")
    assert bad_edit.status_code == 400 and 'id="rating-error"' in bad_edit.text and 'id="text-error"' in bad_edit.text
    assert reviews(session)[0].text.startswith("Good, but")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rating": "0"}, "rating", "Choose a rating from 1 to 5"),
        ({"rating": "6"}, "rating", "Choose a rating from 1 to 5"),
        ({"rating": "x"}, "rating", "Choose a rating from 1 to 5"),
        ({"rating": ""}, "rating", "Choose a rating from 1 to 5"),
        ({"rating": "４"}, "rating", "Choose a rating from 1 to 5"),
        ({"text": "Too short."}, "text", "Write at least 20 characters"),
        ({"text": "x" * 2001}, "text", "shorten it to 2000 characters"),
        ({"author_name": " "}, "author_name", "Enter the name to show"),
        ({"author_name": "maija@example.org"}, "author_name", "not an e-mail address"),
        ({"author_name": "M" * 61}, "author_name", "shorten it to 60 characters"),
    ],
)
def test_bad_input_comes_back_with_what_was_typed_and_nothing_is_written(
    client: TestClient, session: Session, lielvarde: Space, fields: dict[str, str], field: str, message: str
) -> None:
    register_and_verify(client, session, RESIDENT)
    response = write(client, lielvarde, **fields)
    assert response.status_code == 400, response.text[:300]
    assert message in response.text.replace("&#39;", "'")
    assert f'id="{field}-error"' in response.text and 'aria-invalid="true"' in response.text
    if field != "text":
        assert TEXT in response.text
    if field != "author_name":
        assert 'value="Maija"' in response.text
    if field != "rating":
        assert 'value="4" checked' in response.text
    assert reviews(session) == []


def test_builders_cannot_review_their_own_space(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    assert sign_in(client, email=BUILDER).status_code == 303
    page = client.get(f"/spaces/{lielvarde.slug}")
    assert f'href="/spaces/{lielvarde.slug}/reviews/new"' not in page.text
    form = client.get(f"/spaces/{lielvarde.slug}/reviews/new")
    assert "you cannot review it" in form.text and 'name="text"' not in form.text
    refused = write(client, lielvarde)
    assert refused.status_code == 400 and "you cannot review it" in refused.text
    assert reviews(session) == []
    # Another space is theirs to review.
    other = make_space(session, "SKOLA6", "Cēsis", "LV")
    assert write(client, other).status_code == 303


def test_a_partner_of_another_country_cannot_decide(client: TestClient, session: Session, third: TestClient, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    assert write(client, lielvarde).status_code == 303
    [review] = reviews(session)
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(third, session, "irish.partner@example.org")
    grant_partner(session, third.app.state.sessions, admin.id, "irish.partner@example.org", "IE", None)
    assert sign_in(third, email="irish.partner@example.org").status_code == 303
    assert TEXT not in third.get("/moderation").text
    assert third.get(f"/moderation/reviews/{review.id}").status_code == 403
    assert post(third, f"/moderation/reviews/{review.id}/approve", version="1").status_code == 403
    assert post(third, f"/moderation/reviews/{review.id}/reject", version="1", reason="No").status_code == 403
    # Its author is no partner at all.
    assert post(client, f"/moderation/reviews/{review.id}/approve", version="1").status_code == 403
    assert reviews(session)[0].status == "pending"


def test_reject_needs_a_reason_and_tells_the_author(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    client.cookies.set("lang", "lv")
    assert write(client, lielvarde).status_code == 303
    [review] = reviews(session)
    assert review.language == "lv"
    refused = post(partner, f"/moderation/reviews/{review.id}/reject", version="1", reason="  ")
    assert refused.status_code == 400 and f'id="review-reason-{review.id}-error"' in refused.text and TEXT in refused.text
    assert reviews(session)[0].status == "pending"
    done = post(partner, f"/moderation/reviews/{review.id}/reject", version="1", reason="Please leave out the staff's surnames.")
    assert done.status_code == 303
    review = reviews(session)[0]
    assert (review.status, review.reason) == ("rejected", "Please leave out the staff's surnames.")
    mail = last_mail(session, RESIDENT)
    assert "Please leave out the staff's surnames." in mail.body and f"/spaces/{lielvarde.slug}/reviews/{review.id}/edit" in mail.body
    client.cookies.set("lang", "en")
    page = client.get(f"/spaces/{lielvarde.slug}/reviews")
    assert TEXT not in page.text and "Not published" in page.text and "staff&#39;s surnames" in page.text


def test_the_builder_answers_once(client: TestClient, third: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    builder(third, session, lielvarde)
    [review] = approved(session, lielvarde, 2)
    answer_path = f"/spaces/{lielvarde.slug}/reviews/{review.id}/answer"
    page = third.get(f"/spaces/{lielvarde.slug}/reviews")
    assert f'action="{answer_path}"' in page.text
    # Not a builder of this space: refused.
    register_and_verify(client, session, RESIDENT)
    assert post(client, answer_path, answer="I run this place.").status_code == 403
    empty = post(third, answer_path, answer="  ")
    assert empty.status_code == 400 and f'id="answer-{review.id}-error"' in empty.text

    answered = post(third, answer_path, answer="Thank you! The new router arrives next week.")
    assert answered.status_code == 303 and answered.headers["location"].endswith(f"#review-{review.id}")
    public = client.get(f"/spaces/{lielvarde.slug}/reviews").text
    assert "Answer from the community builder" in public and "The new router arrives next week." in public
    assert BUILDER not in public and BUILDER not in client.get(f"/spaces/{lielvarde.slug}").text

    second = post(third, answer_path, answer="And another thing.")
    assert second.status_code == 400 and "already has an answer" in second.text
    assert "And another thing." in second.text  # what was typed comes back
    assert reviews(session)[0].answer == "Thank you! The new router arrives next week."
    # The one answer can be edited.
    assert post(third, f"{answer_path}/edit", answer="Thank you! The new router is in.").status_code == 303
    assert reviews(session)[0].answer == "Thank you! The new router is in."
    assert post(third, f"/spaces/{lielvarde.slug}/reviews/99999/answer", answer="x").status_code == 404


def test_a_reported_review_goes_back_to_the_partner_and_stays_visible(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    [review] = approved(session, lielvarde, 1)
    report_path = f"/spaces/{lielvarde.slug}/reviews/{review.id}/report"
    form = client.get(report_path)
    assert form.status_code == 200 and review.text in form.text
    bad = post(client, report_path, message="", contact_email="not mail")
    assert bad.status_code == 400 and 'id="message-error"' in bad.text and 'value="not mail"' in bad.text
    assert post(client, report_path, message="It names a member of staff.", contact_email="x@example.org").status_code == 303
    session.expire_all()
    assert session.get(Review, review.id).reported_at is not None
    assert review.text in client.get(f"/spaces/{lielvarde.slug}").text  # visible until a partner decides

    queue = partner.get("/moderation").text
    assert "Reported review of CoLabora Lielvārde" in queue and "It names a member of staff." in queue
    kept = post(partner, f"/moderation/reviews/{review.id}/approve", version="1")
    assert kept.status_code == 303 and "review=kept" in kept.headers["location"]
    session.expire_all()
    assert session.get(Review, review.id).reported_at is None
    assert session.scalar(select(func.count()).select_from(ReviewReport).where(ReviewReport.closed_at.is_(None))) == 0
    assert "It names a member of staff." not in partner.get("/moderation").text

    assert post(client, report_path, message="Still there.").status_code == 303
    removed = post(partner, f"/moderation/reviews/{review.id}/reject", version="1", reason="It names a member of staff.")
    assert removed.status_code == 303
    assert review.text not in client.get(f"/spaces/{lielvarde.slug}").text
    assert last_mail(session, review_author(session, review)).subject == "Your review of CoLabora Lielvārde was removed"
    # A review that is not public cannot be reported.
    assert client.get(report_path).status_code == 404


def review_author(session: Session, review: Review) -> str:
    return session.scalar(select(User.email).where(User.id == review.user_id))


def test_reports_are_rate_limited_per_ip(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    [review] = approved(session, lielvarde, 3)
    statuses = [post(client, f"/spaces/{lielvarde.slug}/reviews/{review.id}/report", message=f"Report {n}").status_code for n in range(6)]
    assert statuses == [303] * 5 + [429]


def test_the_rating_is_in_the_json_ld_from_three_reviews(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    approved(session, lielvarde, 5, 4)
    page = client.get(f"/spaces/{lielvarde.slug}").text
    data = json_ld(page)
    assert data["@type"] == "LocalBusiness" and data["name"] == "CoLabora Lielvārde"
    assert "aggregateRating" not in data and "review" not in data
    assert "4.5 out of 5, from 2 reviews" in page  # shown on the page, though

    approved(session, lielvarde, 4)
    page = client.get(f"/spaces/{lielvarde.slug}").text
    data = json_ld(page)
    rating = data["aggregateRating"]
    assert rating == {"@type": "AggregateRating", "ratingValue": 4.3, "reviewCount": 3, "bestRating": 5, "worstRating": 1}
    assert isinstance(rating["ratingValue"], float) and isinstance(rating["reviewCount"], int)
    assert [item["@type"] for item in data["review"]] == ["Review"] * 3
    first = data["review"][0]
    assert first["author"] == {"@type": "Person", "name": "Resident 2"} and first["reviewRating"]["ratingValue"] == 4
    assert first["reviewRating"]["@type"] == "Rating" and first["reviewBody"].startswith("Review number 2")
    assert "4.3 out of 5, from 3 reviews" in page
    # Babel writes the average as the language does.
    client.cookies.set("lang", "lv")
    assert "4,3" in client.get(f"/spaces/{lielvarde.slug}").text


def test_the_space_page_shows_the_newest_few_and_links_to_all(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    made = approved(session, lielvarde, 1, 2, 3, 4, 5)
    page = client.get(f"/spaces/{lielvarde.slug}").text
    assert [f"review-{review.id}" for review in reversed(made[2:])] == re.findall(r'id="(review-\d+)"', page)
    assert f'href="/spaces/{lielvarde.slug}/reviews"' in page and "All 5 reviews" in page
    listed = client.get(f"/spaces/{lielvarde.slug}/reviews")
    assert listed.status_code == 200
    assert re.findall(r'id="(review-\d+)"', listed.text) == [f"review-{review.id}" for review in reversed(made)]
    assert "3.0 out of 5, from 5 reviews" in listed.text
    assert client.get("/spaces/no-such-space/reviews").status_code == 404


def test_every_review_post_needs_the_csrf_token(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    response = client.post(f"/spaces/{lielvarde.slug}/reviews/new", data={"author_name": "Maija", "rating": "4", "text": TEXT}, follow_redirects=False)
    assert response.status_code == 403 and reviews(session) == []


def test_deleting_the_account_deletes_its_reviews(client: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    register_and_verify(client, session, RESIDENT)
    assert write(client, lielvarde).status_code == 303
    assert post(client, "/account/delete", current_password=PASSWORD).status_code == 303
    assert reviews(session) == []
