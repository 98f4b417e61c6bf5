"""`coworking remind`: a year unconfirmed → the builders get three links (30 days, usable once); 18 months
→ the partner's queue and the page say so. Idempotent: a second run the same day sends nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole
from coworking.cli import main
from coworking.core.mail import OutboxMessage
from coworking.core.models import utcnow
from coworking.moderation.models import ListingCheck, Submission
from coworking.revisions.models import Revision
from coworking.spaces.models import Space
from tests.test_accounts import csrf, fresh, last_mail, post, sign_in  # noqa: F401
from tests.test_listings import BUILDER, builder, lielvarde, partner  # noqa: F401

YEAR_AND_A_DAY = timedelta(days=366)


def age(session: Session, space: Space, *, listed: timedelta, role: timedelta | None = None, confirmed: timedelta | None = None) -> None:
    """Make the listing (and its builders' roles) as old as a test needs."""
    now = utcnow()
    values = {"created_at": now - listed, "confirmed_at": (now - confirmed) if confirmed else None}
    session.execute(update(Space).where(Space.id == space.id).values(**values).execution_options(synchronize_session=False))
    if role is not None:
        session.execute(update(BuilderRole).where(BuilderRole.space_id == space.id).values(granted_at=now - role))
    session.commit()


def remind(database_url: str) -> str:
    env = {"COWORKING_DATABASE_URL": database_url, "COWORKING_ALLOWED_HOSTS": "rural-coworking.example.org"}
    result = CliRunner().invoke(main, ["remind"], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def links(session: Session) -> dict[str, str]:
    body = last_mail(session, BUILDER).body
    found = dict(re.findall(r"http://rural-coworking\.example\.org(/listing-check/[\w-]+/(confirmed|edit|closed))", body))
    return {answer: path for path, answer in found.items()}


def mails(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_year_unconfirmed_brings_one_reminder_whose_link_confirms_once(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, database_url: str  # noqa: F811
) -> None:
    builder(client, session, lielvarde)
    age(session, lielvarde, listed=timedelta(days=800), role=timedelta(days=200))
    assert "Reminders queued: 0" in remind(database_url)  # the role is younger than a year
    age(session, lielvarde, listed=timedelta(days=800), role=YEAR_AND_A_DAY)
    sent_before = mails(session)
    assert "Reminders queued: 1" in remind(database_url)
    assert "Reminders queued: 0" in remind(database_url) and mails(session) == sent_before + 1  # idempotent
    message = last_mail(session, BUILDER)
    assert "CoLabora Lielvārde" in message.subject and "30 days" in message.body and "never" in message.body
    paths = links(session)
    assert set(paths) == {"confirmed", "edit", "closed"}

    # Opening the link (as a mail scanner would) changes nothing; the button does, without signing in.
    anonymous = fresh
    page = anonymous.get(paths["confirmed"])
    assert page.status_code == 200 and "Yes, everything is still correct" in page.text
    session.expire_all()
    assert session.get(Space, lielvarde.id).confirmed_at is None
    response = anonymous.post(paths["confirmed"], data={"_csrf_token": csrf(anonymous, paths["confirmed"])}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/spaces/{lielvarde.slug}?confirmed=1"
    session.expire_all()
    assert session.get(Space, lielvarde.id).confirmed_at is not None
    assert "Confirmed by its community builder on" in anonymous.get(f"/spaces/{lielvarde.slug}").text
    # Used once: the other links of the same mail no longer work.
    again = anonymous.post(paths["closed"], data={"_csrf_token": csrf(anonymous)}, follow_redirects=False)
    assert again.status_code == 400 and "expired or was already used" in again.text
    assert session.get(Space, lielvarde.id).status == "published"


def test_the_closed_link_records_a_revision_by_the_builder_and_expires_after_30_days(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, database_url: str  # noqa: F811
) -> None:
    builder(client, session, lielvarde)
    age(session, lielvarde, listed=timedelta(days=800), role=YEAR_AND_A_DAY, confirmed=YEAR_AND_A_DAY)
    remind(database_url)
    paths = links(session)
    assert fresh.get(paths["edit"], follow_redirects=False).headers["location"] == f"/spaces/{lielvarde.slug}/edit"
    assert fresh.get(paths["confirmed"].replace("/confirmed", "/anything")).status_code == 404

    # 31 days later the link has expired.
    session.execute(update(ListingCheck).values(expires_at=utcnow() - timedelta(days=1)))
    session.commit()
    expired = fresh.post(paths["closed"], data={"_csrf_token": csrf(fresh, paths["edit"].replace("/edit", "/closed"))}, follow_redirects=False)
    assert expired.status_code == 400
    session.execute(update(ListingCheck).values(expires_at=utcnow() + timedelta(days=29)))
    session.commit()
    response = fresh.post(paths["closed"], data={"_csrf_token": csrf(fresh)}, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Space, lielvarde.id).status == "closed"
    revision = session.scalar(select(Revision).where(Revision.kind == "edit"))
    assert revision.changes["status"] == ["published", "closed"] and revision.author_role == "builder"


def test_a_link_stops_working_when_its_builder_leaves(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, database_url: str) -> None:  # noqa: F811
    builder(client, session, lielvarde)
    age(session, lielvarde, listed=timedelta(days=800), role=YEAR_AND_A_DAY)
    remind(database_url)
    paths = links(session)
    session.query(BuilderRole).delete()
    session.commit()
    assert fresh.post(paths["confirmed"], data={"_csrf_token": csrf(fresh, paths["confirmed"])}, follow_redirects=False).status_code == 400
    session.expire_all()
    assert session.get(Space, lielvarde.id).confirmed_at is None


def test_18_months_unconfirmed_is_flagged_once_to_the_partner_and_on_the_page(
    partner: TestClient, session: Session, lielvarde: Space, database_url: str
) -> None:
    from tests.factories import make_space

    fresh_listing = make_space(session, "SKOLA6", "Cēsis", "LV")
    closed = make_space(session, "Old Mill", "Sigulda", "LV", status="closed")
    age(session, closed, listed=timedelta(days=900))
    age(session, lielvarde, listed=timedelta(days=600))
    assert "Listings flagged to their partners: 1." in remind(database_url)
    assert "Listings flagged to their partners: 0." in remind(database_url)
    flagged = session.scalars(select(Submission).where(Submission.kind == "stale")).all()
    assert [item.space_id for item in flagged] == [lielvarde.id]
    queue = partner.get("/moderation?kind=stale").text
    assert "Unconfirmed for 18 months: CoLabora Lielvārde" in queue and "SKOLA6" not in queue
    assert "for over 18 months" in partner.get(f"/spaces/{lielvarde.slug}").text
    assert "for over 18 months" not in partner.get(f"/spaces/{fresh_listing.slug}").text
    # Dealt with: the item goes; once confirmed, the page no longer says it.
    assert post(partner, f"/moderation/{flagged[0].id}/approve").status_code == 303
    assert post(partner, f"/spaces/{lielvarde.slug}/confirm").status_code == 303
    assert "for over 18 months" not in partner.get(f"/spaces/{lielvarde.slug}").text
