"""Community builders keep their listing: claim → approval → edit with history, merge on a stale save,
revert by a partner, propose with duplicates shown, report without an account; one transaction each."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, User
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.moderation.models import Submission
from coworking.revisions.models import Revision
from coworking.spaces.models import CommunityBuilder, Space
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, fresh, last_mail, post, register_and_verify, sign_in  # noqa: F401

BUILDER = "anna.builder@example.org"
PARTNER = "partner@example.org"


def edit_form(client: TestClient, slug: str) -> dict[str, str | list[str]]:
    """The edit form's fields as the browser would send them back unchanged."""
    page = client.get(f"/spaces/{slug}/edit")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    fields: dict[str, str | list[str]] = {}
    for name, value in re.findall(r'<input type="(?:text|hidden|url|email|tel|month)"[^>]*name="([^"]+)" value="([^"]*)"', html):
        fields[name] = value.replace("&amp;", "&")
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and "hidden" not in tag and name.group(1) not in fields and 'type="checkbox"' not in tag and 'type="radio"' not in tag:
            fields[name.group(1)] = value.group(1)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = value
    fields["amenities"] = re.findall(r'name="amenities" value="([^"]+)" checked', html)
    fields["status"] = re.search(r'name="status" value="([^"]+)" checked', html).group(1)
    fields.pop("_csrf_token", None)
    return fields


def save(client: TestClient, space_slug: str, fields: dict, **changes: str | list[str]):  # noqa: ANN201
    data = {**fields, **changes, "_csrf_token": csrf(client)}
    return client.post(f"/spaces/{space_slug}/edit", data=data, follow_redirects=False)


def builder(client: TestClient, session: Session, space: Space, email: str = BUILDER, granted_by: int | None = None) -> User:
    """A confirmed account, signed in on ``client``, made a community builder of ``space`` (as an approved claim would)."""
    register_and_verify(client, session, email)
    user = session.scalar(select(User).where(User.email == email))
    session.add(BuilderRole(user_id=user.id, space_id=space.id, granted_by=granted_by))
    session.commit()
    return user


@pytest.fixture()
def lielvarde(session: Session) -> Space:
    return make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103, amenities=("desks",))


@pytest.fixture()
def partner(fresh: TestClient, session: Session) -> TestClient:  # noqa: F811
    """A partner for Latvia, signed in in their own browser."""
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(fresh, session, PARTNER)
    grant_partner(session, fresh.app.state.sessions, admin.id, PARTNER, "LV", None)
    assert sign_in(fresh, email=PARTNER).status_code == 303
    return fresh


def claim_and_approve(client: TestClient, partner: TestClient, session: Session, space: Space, email: str = BUILDER) -> None:
    response = post(client, f"/spaces/{space.slug}/claim", role="community builder", public_name="Anna", message="I host the Tuesday meetups.")
    assert response.status_code == 303, response.text[:500]
    item = session.scalar(select(Submission).where(Submission.kind == "claim").order_by(Submission.id.desc()))
    assert item.country_code == "LV" and item.status == "open"
    queue = partner.get("/moderation")
    assert "Claim of CoLabora Lielvārde" in queue.text and email in queue.text
    assert post(partner, f"/moderation/{item.id}/approve").status_code == 303
    assert "You are now a community builder of CoLabora Lielvārde" in last_mail(session, email).body
    # The new role ended the builder's sessions: signing in again gives a session that holds it.
    assert sign_in(client, email=email).status_code == 303


def test_claim_approve_edit_history_and_revert(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    register_and_verify(client, session, BUILDER)
    assert client.get(f"/spaces/{lielvarde.slug}/edit").status_code == 403  # not yet a builder
    claim_and_approve(client, partner, session, lielvarde)
    page = client.get(f"/spaces/{lielvarde.slug}")
    assert "Edit this listing" in page.text and "Anna" in page.text  # the public profile she chose

    fields = edit_form(client, lielvarde.slug)
    response = save(
        client, lielvarde.slug, fields, hours_mon="9-17", hours_tue="9:00-13:00, 14-18", internet_download_mbps="300",
        internet_upload_mbps="50", internet_measured_on="2026-05", amenities=["desks", "printer"], summary="Hours and speed",
    )  # fmt: skip
    assert response.status_code == 303, response.text[:2000]
    page = client.get(f"/spaces/{lielvarde.slug}")
    assert "300 Mbit/s down, 50 Mbit/s up" in page.text and "measured May 2026" in page.text
    assert "09:00–13:00, 14:00–18:00" in page.text and "Printer / scanner" in page.text

    history = client.get(f"/spaces/{lielvarde.slug}/history")
    assert "Edited by a community builder of this space." in history.text and "Hours and speed" in history.text
    assert "The listing as imported from its public source." in history.text
    assert "anna.builder" not in history.text  # people are named by role, never by address

    # The partner undoes it: the listing is back as imported; the restoring is one more revision.
    imported = session.scalar(select(Revision).where(Revision.kind == "imported"))
    assert "Restore version" in partner.get(f"/spaces/{lielvarde.slug}/history").text
    assert post(partner, f"/spaces/{lielvarde.slug}/history/{imported.id}/revert").status_code == 303
    session.expire_all()
    space = session.get(Space, lielvarde.id)
    assert space.internet_download_mbps is None and space.opening_hours is None and space.amenity_codes == ["desks"]
    assert [r.kind for r in session.scalars(select(Revision).order_by(Revision.version))] == ["imported", "builders", "edit", "revert"]
    # A builder may not revert.
    assert post(client, f"/spaces/{lielvarde.slug}/history/{imported.id}/revert").status_code == 403


def test_two_builders_edit_at_once_one_wins_the_other_merges(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    for browser, email in ((client, BUILDER), (fresh, "second@example.org")):
        builder(browser, session, lielvarde, email, granted_by=admin.id)
    first, second = edit_form(client, lielvarde.slug), edit_form(fresh, lielvarde.slug)
    assert save(client, lielvarde.slug, first, desks="12", phone="+371 2000 0000").status_code == 303
    # The second started from the same version: nothing of theirs is written over the first's save...
    stale = save(fresh, lielvarde.slug, second, desks="8", price_notes="5 EUR a day")
    assert stale.status_code == 409
    assert "Someone else saved this listing while you were editing it" in stale.text
    # ...their own input stays in the form, the other value is shown beside it, the untouched field takes the other's change.
    assert 'name="desks" value="8"' in stale.text and 'id="desks-theirs"' in stale.text
    assert "5 EUR a day" in stale.text and 'name="phone" value="+371 2000 0000"' in stale.text
    session.expire_all()
    assert session.get(Space, lielvarde.id).desks == 12
    # Saving the merged form again wins, and the history holds both edits.
    merged = edit_form_from(stale.text)
    assert save(fresh, lielvarde.slug, merged).status_code == 303
    session.expire_all()
    space = session.get(Space, lielvarde.id)
    assert (space.desks, space.phone, space.price_notes) == (8, "+371 2000 0000", "5 EUR a day")
    assert session.scalar(select(func.count()).select_from(Revision).where(Revision.kind == "edit")) == 2


def edit_form_from(html: str) -> dict[str, str | list[str]]:
    fields = dict(re.findall(r'<input type="(?:text|hidden|url|email|tel|month)"[^>]*?name="([^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    fields["amenities"] = re.findall(r'name="amenities" value="([^"]+)" checked', html)
    fields["status"] = re.search(r'name="status" value="([^"]+)" checked', html).group(1)
    fields.pop("_csrf_token", None)
    return fields


def test_a_save_that_fails_half_way_leaves_nothing(session: Session, engine: Engine, lielvarde: Space, monkeypatch: pytest.MonkeyPatch) -> None:
    """The space is written (flushed), then recording its revision fails: the space is as it was, no revision."""
    from coworking.accounts.permissions import Actor
    from coworking.spaces.editing import edit_listing
    from coworking.spaces.listing import listing_state

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("coworking.revisions.services.record", broken)
    partner = Actor(user_id=1, partner_countries=frozenset({"LV"}))
    with pytest.raises(RuntimeError):
        edit_listing(session, partner, lielvarde, 1, {**listing_state(lielvarde), "desks": 40, "amenities": ["printer"]}, "")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT desks, version FROM spaces")).one() == (None, 1)
        assert connection.execute(text("SELECT amenity_code FROM space_amenities")).scalars().all() == ["desks"]
        assert connection.execute(text("SELECT count(*) FROM revisions")).scalar() == 0


def test_bad_input_comes_back_with_every_message_and_nothing_written(client: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    fields = edit_form(client, lielvarde.slug)
    response = save(
        client, lielvarde.slug, fields, name="", hours_wed="from nine", website="javascript:alert(1)",
        desks="many", latitude="95", longitude="10", amenities=["desks", "sauna"], internet_measured_on="2099-01",
    )  # fmt: skip
    assert response.status_code == 400
    for field in ("name", "hours_wed", "website", "desks", "latitude", "amenities", "internet_measured_on"):
        assert f'id="{field}-error"' in response.text, field
    assert 'value="from nine"' in response.text and 'value="many"' in response.text
    session.expire_all()
    assert session.get(Space, lielvarde.id).version == 1
    assert session.scalar(select(func.count()).select_from(Revision)) == 0


def test_a_moved_marker_is_no_longer_approximate(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    assert "Approximate location" in partner.get(f"/spaces/{lielvarde.slug}").text
    fields = edit_form(partner, lielvarde.slug)  # a partner of Latvia may edit Latvian listings
    assert save(partner, lielvarde.slug, fields, latitude="56.72301", longitude="24.80542").status_code == 303
    session.expire_all()
    assert session.get(Space, lielvarde.id).location_precision == "exact"
    assert "Approximate location" not in partner.get(f"/spaces/{lielvarde.slug}").text
    revision = session.scalar(select(Revision).where(Revision.kind == "edit"))
    assert revision.author_role == "partner"


def test_confirming_marks_the_date_and_leaves_an_edit_under_way_valid(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    assert "Never confirmed by a community builder." in client.get(f"/spaces/{lielvarde.slug}").text
    fields = edit_form(partner, lielvarde.slug)
    assert post(partner, f"/spaces/{lielvarde.slug}/confirm").status_code == 303
    assert "Confirmed by its community builder on" in client.get(f"/spaces/{lielvarde.slug}").text
    assert save(partner, lielvarde.slug, fields, desks="5").status_code == 303


def test_propose_shows_likely_duplicates_first(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    register_and_verify(client, session, BUILDER)
    proposal = {"name": "Colabora Lielvarde", "country_code": "LV", "town": "Lielvārde", "public_name": "Anna"}
    shown = post(client, "/propose", **proposal)
    assert shown.status_code == 400 and "may already be listed" in shown.text and f"/spaces/{lielvarde.slug}/claim" in shown.text
    assert 'value="Colabora Lielvarde"' in shown.text
    assert session.scalar(select(func.count()).select_from(Submission)) == 0
    # Two words apart, in another town but within 1 km: still shown.
    near = post(client, "/propose", name="CoLabora Lielvārde coworking house", country_code="LV", town="Elsewhere", latitude="56.7210", longitude="24.8110")
    assert "may already be listed" in near.text
    # Sent anyway, approved: the space is listed, its proposer its builder.
    assert post(client, "/propose", **{**proposal, "name": "Lielvārde Makerspace"}, not_a_duplicate="yes").status_code == 303
    item = session.scalar(select(Submission).where(Submission.kind == "proposal"))
    assert post(partner, f"/moderation/{item.id}/approve").status_code == 303
    session.expire_all()
    space = session.scalar(select(Space).where(Space.name == "Lielvārde Makerspace"))
    assert space is not None and space.country_code == "LV"
    assert [r.kind for r in session.scalars(select(Revision).where(Revision.subject_id == space.id))] == ["created", "builders"]
    assert "Your space is listed" in last_mail(session, BUILDER).subject


def test_reject_needs_a_reason_and_tells_the_person(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    register_and_verify(client, session, BUILDER)
    assert post(client, f"/spaces/{lielvarde.slug}/claim", role="owner").status_code == 303
    item = session.scalar(select(Submission))
    refused = post(partner, f"/moderation/{item.id}/reject", reason="  ")
    assert refused.status_code == 400 and f'id="reason-{item.id}-error"' in refused.text
    assert post(partner, f"/moderation/{item.id}/reject", reason="We could not reach the space.").status_code == 303
    assert "We could not reach the space." in last_mail(session, BUILDER).body
    assert session.scalar(select(func.count()).select_from(BuilderRole)) == 0
    # Decided once: a second decision is refused with a message, not a 500.
    again = post(partner, f"/moderation/{item.id}/approve")
    assert again.status_code == 400 and "no longer waiting" in again.text


def test_report_without_an_account_lands_in_the_partners_queue_only(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:
    irish = make_space(session, "Ludgate Hub", "Skibbereen", "IE", latitude=51.55, longitude=-9.26)
    assert post(client, f"/spaces/{lielvarde.slug}/report", message="The phone number is wrong.").status_code == 303
    assert post(client, f"/spaces/{irish.slug}/report", message="It moved.", contact_email="x@example.org").status_code == 303
    bad = post(client, f"/spaces/{lielvarde.slug}/report", message="", contact_email="not mail")
    assert bad.status_code == 400 and 'id="message-error"' in bad.text and 'value="not mail"' in bad.text
    queue = partner.get("/moderation").text
    assert "The phone number is wrong." in queue and "It moved." not in queue  # Ireland is not theirs
    assert 'class="badge-count">1<' in queue
    irish_item = session.scalar(select(Submission).where(Submission.space_id == irish.id))
    assert post(partner, f"/moderation/{irish_item.id}/approve").status_code == 403


def test_reports_are_rate_limited_per_ip(client: TestClient, session: Session, lielvarde: Space) -> None:
    statuses = [post(client, f"/spaces/{lielvarde.slug}/report", message=f"Report {n}").status_code for n in range(7)]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429


def test_deleting_the_account_keeps_the_edits_as_former_member(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    register_and_verify(client, session, BUILDER)
    claim_and_approve(client, partner, session, lielvarde)
    assert save(client, lielvarde.slug, edit_form(client, lielvarde.slug), desks="9").status_code == 303
    assert post(client, "/account/delete", current_password=PASSWORD).status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CommunityBuilder)) == 0  # her public profile went with her
    history = partner.get(f"/spaces/{lielvarde.slug}/history").text
    assert "Edited by a former member." in history and "Anna" in history  # the builders' change is history


def test_the_digest_is_sent_at_most_once_a_day(partner: TestClient, session: Session, lielvarde: Space) -> None:
    from datetime import timedelta

    from coworking.accounts.services import Mailer
    from coworking.core.i18n import translator
    from coworking.core.models import utcnow
    from coworking.moderation.services import send_digests

    mailer = Mailer(translator("en"), lambda path: f"http://testserver.local{path}", ("en", "lv"))
    assert send_digests(session, mailer) == 0  # nothing waits
    session.add(Submission(kind="report", country_code="LV", space_id=lielvarde.id, message="Closed on Mondays now"))
    session.commit()
    assert send_digests(session, mailer) == 1
    assert "1 item waits for a decision in Latvia:" in last_mail(session, PARTNER).body  # named, not "LV"
    assert send_digests(session, mailer) == 0
    assert send_digests(session, mailer, utcnow() + timedelta(hours=25)) == 1


def test_the_digest_command_queues_one_mail_per_partner(partner: TestClient, session: Session, lielvarde: Space, database_url: str) -> None:
    from click.testing import CliRunner

    from coworking.cli import main

    session.add(Submission(kind="report", country_code="LV", space_id=lielvarde.id, message="New phone number"))
    session.commit()
    env = {"COWORKING_DATABASE_URL": database_url, "COWORKING_ALLOWED_HOSTS": "rural-coworking.example.org"}
    first = CliRunner().invoke(main, ["digest"], env=env)
    assert first.exit_code == 0 and "Digests queued: 1" in first.output, first.output
    assert "http://rural-coworking.example.org/moderation" in last_mail(session, PARTNER).body
    assert "Digests queued: 0" in CliRunner().invoke(main, ["digest"], env=env).output


def test_moderation_mail_is_in_each_recipients_language(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space, database_url: str
) -> None:
    """The German partner's digest is in German (the command has no page to take a language from); the claim's
    answer reaches its Latvian sender in Latvian, though the partner decides on a German page."""
    from click.testing import CliRunner

    from coworking.cli import main

    assert post(partner, "/account/language", language="de").status_code == 303
    register_and_verify(client, session, BUILDER)
    assert post(client, "/account/language", language="lv").status_code == 303
    claim = post(client, f"/spaces/{lielvarde.slug}/claim", role="community builder", public_name="Anna", message="")
    assert claim.status_code == 303
    env = {"COWORKING_DATABASE_URL": database_url, "COWORKING_ALLOWED_HOSTS": "rural-coworking.example.org"}
    assert "Digests queued: 1" in CliRunner().invoke(main, ["digest"], env=env).output
    digest = last_mail(session, PARTNER)
    assert digest.subject == "Was in Ihren Ländern wartet" and "1 Vorgang wartet auf eine Entscheidung in Lettland" in digest.body
    partner.cookies.set("lang", "de")
    item = session.scalar(select(Submission).where(Submission.kind == "claim"))
    assert post(partner, f"/moderation/{item.id}/approve").status_code == 303
    assert last_mail(session, BUILDER).subject == "Jūsu pieteikums ir apstiprināts"


def test_approving_a_proposal_listed_meanwhile_is_refused_with_a_message(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:
    register_and_verify(client, session, BUILDER)
    proposal = {"name": "CoLabora Lielvārde", "country_code": "LV", "town": "Lielvārde", "not_a_duplicate": "yes"}
    assert post(client, "/propose", **proposal).status_code == 303
    item = session.scalar(select(Submission))
    refused = post(partner, f"/moderation/{item.id}/approve")
    assert refused.status_code == 400 and "already listed in this town" in refused.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Space)) == 1 and session.get(Submission, item.id).status == "open"


def test_the_history_has_a_json_twin(client: TestClient, session: Session, lielvarde: Space) -> None:
    from coworking.accounts.permissions import Actor
    from coworking.spaces.editing import edit_listing
    from coworking.spaces.listing import listing_state

    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    edit_listing(session, Actor(user_id=admin.id, is_admin=True), lielvarde, 1, {**listing_state(lielvarde), "desks": 7}, "seven")
    body = client.get(f"/api/v1/spaces/{lielvarde.slug}/history").json()
    assert [(r["version"], r["kind"], r["summary"]) for r in body] == [(2, "edit", "seven"), (1, "imported", "")]
    assert body[0]["changes"] == [{"name": "desks", "old": None, "new": 7, "words": None, "language": None}]
    assert client.get("/api/v1/spaces/no-such-space/history").status_code == 404


def test_fields_the_form_does_not_offer_are_ignored(client: TestClient, session: Session, lielvarde: Space) -> None:
    """Mass assignment: a forged country, slug, id or role in the edit form changes none of them."""
    user = builder(client, session, lielvarde)
    fields = edit_form(client, lielvarde.slug)
    forged = {"country_code": "IE", "slug": "taken-over", "id": "99", "source_url": "https://evil.example", "is_admin": "1", "builder_of": "1,2,3"}
    assert save(client, lielvarde.slug, fields, desks="3", **forged).status_code == 303
    session.expire_all()
    space = session.get(Space, lielvarde.id)
    assert (space.country_code, space.slug, space.id, space.source_url, space.desks) == ("LV", lielvarde.slug, lielvarde.id, None, 3)
    assert not session.get(User, user.id).is_admin


def test_one_ticked_box_comes_back_as_itself(client: TestClient, session: Session, lielvarde: Space) -> None:
    """A single checkbox arrives as text, not a list: the form comes back with exactly that box ticked
    ("bike_parking" alone must not tick "parking", a substring of it)."""
    builder(client, session, lielvarde)
    refused = save(client, lielvarde.slug, edit_form(client, lielvarde.slug), name="", amenities="bike_parking")
    assert refused.status_code == 400
    assert re.findall(r'name="amenities" value="([^"]+)" checked', refused.text) == ["bike_parking"]


def test_a_builder_keeps_their_own_public_profile_and_can_leave(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    from coworking.accounts.models import SecurityEvent

    skola = make_space(session, "SKOLA6", "Cēsis", "LV")
    anna = builder(client, session, lielvarde)
    session.add(BuilderRole(user_id=anna.id, space_id=skola.id))
    session.commit()
    page = client.get("/account/profile").text
    assert "CoLabora Lielvārde" in page and "SKOLA6" in page

    # A name is needed to be shown; what was typed comes back.
    response = post(client, "/account/profile", name="", bio="I host the Tuesday meetups.", shown=str(lielvarde.id))
    assert response.status_code == 400 and "Give the name to show" in response.text and "I host the Tuesday meetups." in response.text
    # Another space's id (not hers) is ignored; her own listing shows her.
    response = client.post(
        "/account/profile",
        data={"name": "Anna", "bio": "I host the <b>Tuesday</b> meetups.", "shown": [str(lielvarde.id), "999"], "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    listing = client.get(f"/spaces/{lielvarde.slug}").text
    assert "<strong>Anna</strong>" in listing and "I host the &lt;b&gt;Tuesday&lt;/b&gt; meetups." in listing
    assert "Anna" not in client.get(f"/spaces/{skola.slug}").text
    assert "Anna" in client.get(f"/spaces/{lielvarde.slug}/history").text  # a "builders" revision

    # A partner cannot edit her profile (it is hers alone); leaving another's space changes nothing.
    assert post(client, f"/account/profile/leave/{make_space(session, 'Other', 'Sigulda', 'LV').id}").status_code == 404
    old_session = client.cookies["session"]
    response = post(client, f"/account/profile/leave/{lielvarde.id}")
    assert response.status_code == 303 and client.cookies["session"] != old_session  # a role change, a new session id
    session.expire_all()
    assert session.get(BuilderRole, (anna.id, lielvarde.id)) is None
    assert "<strong>Anna</strong>" not in client.get(f"/spaces/{lielvarde.slug}").text
    assert client.get(f"/spaces/{lielvarde.slug}/edit").status_code == 403
    assert session.scalar(select(SecurityEvent).where(SecurityEvent.kind == "role_left")) is not None
    assert client.get("/account").status_code == 200  # still signed in


def test_a_partner_undoes_an_edit_from_the_moderation_page(client: TestClient, partner: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    fields = edit_form(client, lielvarde.slug)
    assert save(client, lielvarde.slug, fields, desks="12", summary="More desks").status_code == 303
    queue = partner.get("/moderation").text
    assert "More desks" in queue and "Undo: restore version 1" in queue
    imported = session.scalar(select(Revision).where(Revision.kind == "imported"))
    assert f'action="/spaces/{lielvarde.slug}/history/{imported.id}/revert"' in queue
    assert post(partner, f"/spaces/{lielvarde.slug}/history/{imported.id}/revert").status_code == 303
    session.expire_all()
    assert session.get(Space, lielvarde.id).desks is None
