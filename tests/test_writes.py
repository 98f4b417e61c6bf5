"""Every state-changing route, walked from the route table (so a new one is checked without being listed):
ASVS 3.5.1 no CSRF token → 403 and nothing written; 8.2.1 the roles its permission refuses are refused
and nothing is written; and a refused form keeps what was typed (never a password) and writes nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, can
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.core.models import utcnow
from tests.test_accounts import EMAIL, PASSWORD, csrf, fresh, post, register_and_verify, sign_in  # noqa: F401

# Tables a refused request must leave as they were. (The security log and the rate-limit counters are
# meant to record refusals; the sessions table changes only by signing in, which these tests do first.)
GUARDED = (
    "users", "user_sessions", "email_tokens", "partner_countries", "outbox", "spaces", "space_amenities",
    "builder_roles", "community_builders", "space_community_builders", "revisions", "submissions", "space_photos",
    "listing_checks", "guides", "guide_texts", "visit_requests", "reviews", "review_reports", "stories", "story_removal_requests", "attendances",
    "page_views", "activities", "space_translations",
)  # fmt: skip
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {
    "token": "not-a-real-link-token", "slug": "no-such-space", "revision_id": "1", "submission_id": "1", "photo_id": "1",
    "answer": "confirmed", "space_id": "1", "guide_slug": "no-such-guide", "language": "en", "visit_id": "1",
    "review_id": "1",
    "story_id": "1",
    "activity_id": "1",
}  # fmt: skip


def state_changing_routes(client: TestClient, values: dict[str, str] | None = None) -> list[tuple[str, Permission]]:
    """Every state-changing route, its path parameters filled from ``values``; signing out comes last."""
    values = {**PATH_VALUES, **(values or {})}
    routes = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods & WRITES:
                path = re.sub(r"{(\w+):\w+}", lambda match: values[match.group(1)], route.path)
                routes.append((path, handler.opt["permission"]))
    return sorted(routes, key=lambda pair: (pair[0] == "/account/logout", pair))


def snapshot(engine: Engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}")))) for table in GUARDED}  # noqa: S608 - fixed names


def test_the_walk_finds_every_form(client: TestClient) -> None:
    paths = [path for path, _ in state_changing_routes(client)]
    for expected in ("/account/register", "/account/login", "/account/email", "/admin/partners", "/admin/partners/revoke"):
        assert expected in paths


def test_3_5_1_no_token_no_change_on_any_state_changing_route(client: TestClient, fresh: TestClient, session: Session, engine: Engine) -> None:  # noqa: F811
    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    before = snapshot(engine)
    form = {"email": EMAIL, "password": PASSWORD, "password_again": PASSWORD, "current_password": PASSWORD,
            "new_email": "x@example.org", "country": "LV", "user_id": "1"}  # fmt: skip
    for who in (client, fresh):  # anonymous, and an administrator (who may do everything else)
        for path, _ in state_changing_routes(client):
            response = who.post(path, data=form, follow_redirects=False)
            assert response.status_code == 403, (path, response.status_code)
    assert snapshot(engine) == before


ROLES = (
    "anonymous", "verified user", "builder of this space", "builder of another space",
    "partner of this country", "partner of another country", "admin",
)  # fmt: skip


def test_8_2_1_the_access_matrix(client: TestClient, session: Session, engine: Engine) -> None:
    """Every state-changing route × every role: allowed or refused exactly as can() says for the space it
    names (and its country); refusals are 401 (anonymous) or 403 and write nothing."""
    from coworking.accounts.models import BuilderRole, User
    from coworking.activities.models import Activity
    from coworking.attendance.models import Attendance
    from coworking.guides.services import create_guide
    from coworking.moderation.models import Submission
    from coworking.reviews.models import Review
    from coworking.spaces.editing import edit_listing
    from coworking.spaces.listing import listing_state
    from coworking.spaces.models import SpacePhoto
    from coworking.stories.models import Story
    from coworking.visits.models import VisitRequest
    from tests.factories import make_activity, make_space

    here = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV")
    elsewhere = make_space(session, "SKOLA6", "Cēsis", "LV")
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    emails = {role: f"{role.replace(' ', '.')}@example.org" for role in ROLES[1:]}
    for role, email in emails.items():
        if role != "admin":
            client.cookies.clear()
            register_and_verify(client, session, email)
    users = {role: session.scalar(select(User).where(User.email_key == email)) for role, email in emails.items()}
    session.add_all([
        BuilderRole(user_id=users["builder of this space"].id, space_id=here.id),
        BuilderRole(user_id=users["builder of another space"].id, space_id=elsewhere.id),
    ])  # fmt: skip
    session.commit()
    grant_partner(session, client.app.state.sessions, admin.id, emails["partner of this country"], "LV", None)
    grant_partner(session, client.app.state.sessions, admin.id, emails["partner of another country"], "IE", None)
    # One browser per role: its cookies (session, CSRF), swapped in before each of its requests.
    jars: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, email in emails.items():
        client.cookies.clear()
        assert sign_in(client, email=email).status_code == 303
        jars[role] = dict(client.cookies)

    def as_role(role: str, path: str):  # noqa: ANN202
        client.cookies.clear()
        client.cookies.update(jars[role])
        response = post(client, path, **form)
        jars[role] = {**jars[role], **dict(response.cookies)}  # what the answer set (a new session, say)
        return response

    actors = {
        "anonymous": Actor(),
        "verified user": Actor(user_id=users["verified user"].id),
        "builder of this space": Actor(user_id=users["builder of this space"].id, builder_of=frozenset({here.id})),
        "builder of another space": Actor(user_id=users["builder of another space"].id, builder_of=frozenset({elsewhere.id})),
        "partner of this country": Actor(user_id=users["partner of this country"].id, partner_countries=frozenset({"LV"})),
        "partner of another country": Actor(user_id=users["partner of another country"].id, partner_countries=frozenset({"IE"})),
        "admin": Actor(user_id=admin.id, is_admin=True),
    }
    revision = edit_listing(session, actors["admin"], here, here.version, {**listing_state(here), "desks": 6}, "six desks")
    item = Submission(kind="report", country_code="LV", space_id=here.id, message="Closed on Mondays")
    photo = SpacePhoto(space_id=here.id, key="0" * 32, sizes=[[320, 240]], alt_text="Desks by the window")
    visit = VisitRequest(space_id=here.id, day=date(2099, 6, 1), kind="day_pass", email="maija@example.org", language="en", status="waiting")
    # A public review by the verified user, reported: its author may edit it, the builders answer it,
    # the country's partners decide it, anyone reports it.
    review = Review(space_id=here.id, user_id=users["verified user"].id, author_name="Maija", rating=4,
                    text="Quiet desks and fast fibre.", language="en", status="approved", reported_at=utcnow())  # fmt: skip
    story = Story(space_id=here.id, text="I found a desk and people.", resident_name="Ilze", consent_given_by="Ilze Ozola",
                  consent_date=date(2026, 1, 10), consent_shows=["text", "name"])  # fmt: skip
    # A weekly series of this space: every button of the activity pages has something to act on; and a
    # one-off with one place taken, for the sign-ups.
    series = Activity(space_id=here.id, title="Resident meeting", kind="resident_meeting", time_zone="Europe/Riga",
                      starts_at=datetime(2099, 6, 2, 15, tzinfo=UTC), rrule="FREQ=WEEKLY;COUNT=10", exceptions=[])  # fmt: skip
    meeting = make_activity("Open day", datetime(2099, 6, 1, 16, tzinfo=UTC), space_id=here.id, capacity=1)
    session.add_all([item, photo, visit, review, story, series, meeting])
    session.commit()
    session.add(Attendance(activity_id=meeting.id, occurrence="", starts_at=meeting.starts_at, name="Maija", email="maija@example.org",
                           email_key="maija@example.org", language="en", status="coming", token_nonce="n", token_hash="0" * 64))
    session.commit()
    guide = create_guide(session, actors["admin"], {"title": "Weekly resident meetings", "body": "Meet weekly."})
    values = {"slug": here.slug, "revision_id": str(revision.id), "submission_id": str(item.id), "photo_id": str(photo.id),
              "visit_id": str(visit.id), "review_id": str(review.id), "story_id": str(story.id), "activity_id": str(series.id),
              # Leaving a space: the other one, so that its builder's later cells still speak of this one.
              "space_id": str(elsewhere.id), "guide_slug": guide.slug}  # fmt: skip
    routes = state_changing_routes(client, values)
    form = {"email": "someone@example.org", "country": "LV", "user_id": "1", "current_password": "not the password", "role": "host"}

    refused, allowed = [], []
    for path, permission in routes:
        for role in ROLES:
            (allowed if can(actors[role], permission, here) else refused).append((path, role))
    before = snapshot(engine)
    for path, role in refused:
        response = as_role(role, path)
        assert response.status_code == (401 if role == "anonymous" else 403), (path, role, response.status_code)
    assert snapshot(engine) == before
    for path, role in allowed:
        response = as_role(role, path)
        assert response.status_code not in (401, 403), (path, role, response.status_code)
    # The matrix is the policy's: a builder edits only their own space, a partner only their country's.
    assert ("/spaces/colabora-lielvarde/edit", "builder of another space") in refused
    assert ("/spaces/colabora-lielvarde/edit", "partner of another country") in refused
    assert ("/spaces/colabora-lielvarde/edit", "builder of this space") in allowed
    assert (f"/spaces/colabora-lielvarde/history/{revision.id}/revert", "builder of this space") in refused
    assert (f"/moderation/{item.id}/approve", "partner of this country") in allowed
    # The guides are the administrators' to write: no builder, partner or member may change one.
    for role in ROLES[:-1]:
        assert ("/guides/new", role) in refused
        assert (f"/guides/{guide.slug}/edit/en", role) in refused
    assert (f"/guides/{guide.slug}/edit/en", "admin") in allowed
    assert (f"/spaces/colabora-lielvarde/visits/{visit.id}/answer", "builder of another space") in refused
    assert (f"/spaces/colabora-lielvarde/visits/{visit.id}/answer", "partner of another country") in refused
    assert (f"/spaces/colabora-lielvarde/visits/{visit.id}/answer", "partner of this country") in refused
    assert (f"/spaces/colabora-lielvarde/visits/{visit.id}/answer", "builder of this space") in allowed
    # Reviews: the space's builders answer (not its partners); its country's partners decide (not another's);
    # anyone signed in writes one, anyone at all reports one.
    assert (f"/spaces/colabora-lielvarde/reviews/{review.id}/answer", "builder of this space") in allowed
    assert (f"/spaces/colabora-lielvarde/reviews/{review.id}/answer", "builder of another space") in refused
    # A partner of the country may not: the answer is shown as the space's own word (its builder's).
    assert (f"/spaces/colabora-lielvarde/reviews/{review.id}/answer", "partner of this country") in refused
    assert (f"/moderation/reviews/{review.id}/approve", "partner of this country") in allowed
    assert (f"/moderation/reviews/{review.id}/reject", "partner of another country") in refused
    assert (f"/moderation/reviews/{review.id}/approve", "builder of this space") in refused
    assert ("/spaces/colabora-lielvarde/reviews/new", "anonymous") in refused
    assert ("/spaces/colabora-lielvarde/reviews/new", "verified user") in allowed
    assert (f"/spaces/colabora-lielvarde/reviews/{review.id}/report", "anonymous") in allowed
    # Stories: the listing's keepers (its builders, its country's partners, admins), no one else.
    for role in ("anonymous", "verified user", "builder of another space", "partner of another country"):
        assert (f"/spaces/colabora-lielvarde/stories/{story.id}/withdraw", role) in refused
        assert ("/spaces/colabora-lielvarde/stories/new", role) in refused
    for role in ("builder of this space", "partner of this country", "admin"):
        assert (f"/spaces/colabora-lielvarde/stories/{story.id}/edit", role) in allowed
    assert (f"/spaces/colabora-lielvarde/stories/{story.id}/removal", "anonymous") in allowed
    # Anyone may say "I'll come", without an account; the link's token, not a role, names the sign-up.
    assert (f"/activities/{series.id}/come", "anonymous") in allowed
    # A space's activities are its builders', its country's partners' and admins'; reverting them, partners' and admins'.
    for path in ("/spaces/colabora-lielvarde/activities/new", f"/activities/{series.id}/edit", f"/activities/{series.id}/dates/cancel",
                 f"/activities/{series.id}/pause", f"/activities/{series.id}/delete"):  # fmt: skip
        assert (path, "builder of another space") in refused and (path, "partner of another country") in refused
        assert (path, "verified user") in refused and (path, "builder of this space") in allowed
    assert (f"/activities/{series.id}/history/{revision.id}/revert", "builder of this space") in refused
    assert (f"/activities/{series.id}/history/{revision.id}/revert", "partner of this country") in allowed
    assert len(refused) >= 40


@pytest.mark.parametrize(
    ("path", "fields", "kept"),
    [
        ("/account/register", {"email": "anna@", "password": "long enough password", "password_again": "x"}, {"email": "anna@"}),
        ("/account/login", {"email": "nobody@example.org", "password": "wrong wrong wrong"}, {"email": "nobody@example.org"}),
        ("/account/reset", {"email": "not an address"}, {"email": "not an address"}),
        ("/account/password", {"current_password": "not it", "password": "a new long password", "password_again": "a new long password"}, {}),
        ("/account/email", {"current_password": "not it", "new_email": "anna.new@example.org"}, {"new_email": "anna.new@example.org"}),
        ("/account/email", {"current_password": PASSWORD, "new_email": "two@example.org,three@example.org"}, {"new_email": "two@example.org,three@example.org"}),
        ("/account/delete", {"current_password": "not it"}, {}),
        ("/account/language", {"language": "tlh"}, {"language": "tlh"}),
    ],
)
def test_a_refused_form_keeps_what_was_typed_and_writes_nothing(
    client: TestClient, session: Session, engine: Engine, path: str, fields: dict, kept: dict
) -> None:
    register_and_verify(client, session)
    before = snapshot(engine)
    response = post(client, path, **fields)
    assert response.status_code == 400, response.text[:300]
    for name, value in kept.items():
        assert f'name="{name}" value="{value}"' in response.text or f'value="{value}"' in response.text, name
    for name, value in fields.items():
        if "password" in name:
            assert f'value="{value}"' not in response.text  # passwords are never sent back
    assert 'aria-invalid="true"' in response.text
    assert snapshot(engine) == before


def test_refused_links_and_partner_forms_write_nothing(client: TestClient, fresh: TestClient, session: Session, engine: Engine) -> None:  # noqa: F811
    register_and_verify(client, session)
    assert post(client, "/account/reset", email=EMAIL).status_code == 303
    reset = re.search(r"(/account/reset/\S+)", session.scalars(select(text("body")).select_from(text("outbox")).order_by(text("id DESC"))).first()).group(1)
    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    before = snapshot(engine)
    short = post(client, reset, password="short", password_again="short")
    assert short.status_code == 400 and 'id="password-error"' in short.text
    assert post(client, "/account/verify/not-a-link", password=PASSWORD).status_code == 400
    assert post(client, "/account/email/not-a-link").status_code == 400
    refused = post(fresh, "/admin/partners", email="nobody@example.org", country="XX")
    assert refused.status_code == 400 and 'value="nobody@example.org"' in refused.text
    assert snapshot(engine) == before
