"""Keeping listings fresh: `coworking remind`, safe to run daily from cron.

- A community builder whose listing nobody confirmed for a year (since their role began, if later) is
  e-mailed (in their language) once per such period, with three links valid for 30 days: still correct, edit, closed.
- A listing unconfirmed for 18 months (or never confirmed, 18 months after it was listed) is flagged
  once to its country's partners: a "stale" item in their queue, and so in their daily digest. Its page
  says so by the same rule (``spaces.listing.is_stale``).

A link's answer is given on a page with one button, not by opening the link: mail scanners open links.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, User
from coworking.accounts.permissions import Actor
from coworking.accounts.services import Mailer
from coworking.accounts.sessions import token_hash
from coworking.core.errors import InvalidInput
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.moderation.models import ListingCheck, Submission
from coworking.spaces import editing
from coworking.spaces.listing import REMIND_AFTER, STALE_AFTER, listing_state
from coworking.spaces.models import Space

LINK_LIFETIME = timedelta(days=30)
# What a reminder's links answer; "edit" leads to the listing's form, which needs the person signed in.
ANSWERS = ("confirmed", "edit", "closed")


@dataclass(frozen=True)
class Reminded:
    reminders: int
    flagged: int


def send_reminders(db: Session, mailer: Mailer, now: datetime | None = None) -> Reminded:
    now = now or utcnow()
    reminders = _remind_builders(db, mailer, now)
    flagged = _flag_to_partners(db, now)
    db.commit()
    return Reminded(reminders, flagged)


def _remind_builders(db: Session, mailer: Mailer, now: datetime) -> int:
    due = now - REMIND_AFTER
    rows = db.execute(
        select(BuilderRole, Space, User)
        .join(Space, Space.id == BuilderRole.space_id)
        .join(User, User.id == BuilderRole.user_id)
        .where(
            BuilderRole.granted_at < due,
            or_(Space.confirmed_at.is_(None), Space.confirmed_at < due),
            Space.status != "closed",
        )
        .order_by(Space.id, BuilderRole.user_id)
    ).all()
    sent = 0
    for role, space, user in rows:
        since = max(role.granted_at, space.confirmed_at) if space.confirmed_at else role.granted_at
        already = db.scalar(
            select(func.count())
            .select_from(ListingCheck)
            .where(ListingCheck.space_id == space.id, ListingCheck.user_id == role.user_id, ListingCheck.sent_at > since)
        )
        if already:
            continue
        token = secrets.token_urlsafe(32)
        db.add(ListingCheck(token_hash=token_hash(token), space_id=space.id, user_id=role.user_id, sent_at=now, expires_at=now + LINK_LIFETIME))
        translate = mailer.for_user(user)
        last = translate.date(space.confirmed_at) if space.confirmed_at else translate.gettext(N_("never"))
        links = {answer: mailer.link(f"/listing-check/{token}/{answer}") for answer in ANSWERS}
        body = translate.gettext(
            N_(
                "You are a community builder of %(name)s. Its listing was last confirmed: %(last)s.\n\n"
                "Residents trust a listing that is kept up to date. One click tells them:\n\n"
                "Everything is still correct: %(confirmed)s\n"
                "Something has changed, edit the listing: %(edit)s\n"
                "The space has closed: %(closed)s\n\n"
                "These links work for 30 days."
            ),
            name=space.name,
            last=last,
            **links,
        )
        # The network pass is part of what a builder confirms each year: say what the listing promises.
        body += "\n\n" + (
            translate.ngettext(
                "The listing says members of other network spaces work there free for %(num)d day a year.",
                "The listing says members of other network spaces work there free for %(num)d days a year.",
                space.network_pass_days,
            )
            if space.network_pass_days
            else translate.gettext(N_("The listing says the space does not take part in the network pass."))
        )
        queue_mail(db, user.email, translate.gettext(N_("Is the listing of %(name)s still right?"), name=space.name), body)
        sent += 1
    return sent


def _flag_to_partners(db: Session, now: datetime) -> int:
    since = func.coalesce(Space.confirmed_at, Space.created_at)
    flagged_since = (
        select(Submission.id)
        .where(Submission.kind == "stale", Submission.space_id == Space.id, Submission.created_at > since)
        .exists()
    )
    stale = db.scalars(
        select(Space).where(since < now - STALE_AFTER, Space.status != "closed", ~flagged_since).order_by(Space.id)
    ).all()
    for space in stale:
        db.add(Submission(kind="stale", country_code=space.country_code, space_id=space.id, created_at=now))
    return len(stale)


# -- answering ---------------------------------------------------------------------------------------


def open_check(db: Session, token: str, now: datetime | None = None) -> tuple[ListingCheck, Space]:
    """The reminder a link belongs to, while its link works; InvalidInput once it expired or was answered,
    or when its builder no longer holds the role."""
    now = now or utcnow()
    check = db.get(ListingCheck, token_hash(token))
    if check is None or check.expires_at < now or check.answered_at is not None:
        raise InvalidInput({"token": N_("This link has expired or was already used. Sign in to confirm or edit the listing.")})
    space = db.get(Space, check.space_id)
    if space is None or db.get(BuilderRole, (check.user_id, check.space_id)) is None:
        raise InvalidInput({"token": N_("This link has expired or was already used. Sign in to confirm or edit the listing.")})
    return check, space


def answer_check(db: Session, token: str, answer: str, now: datetime | None = None) -> Space:
    """Answer a reminder by its link: "confirmed" marks the listing confirmed today, "closed" records the
    space as closed (a revision by that builder). One transaction; the link works once."""
    now = now or utcnow()
    if answer not in ("confirmed", "closed"):
        raise InvalidInput({"answer": N_("Choose one of the answers the e-mail offers.")})
    check, space = open_check(db, token, now)
    check.answered_at, check.answer = now, answer
    # The link stands for the builder it was sent to, and for this listing only.
    actor = Actor(user_id=check.user_id, builder_of=frozenset({space.id}))
    if answer == "confirmed":
        editing.confirm_listing(db, actor, space)  # commits the answer with the confirmation
    elif editing.edit_listing(db, actor, space, space.version, {**listing_state(space), "status": "closed"}, "") is None:
        db.commit()  # closed already: only the answer to keep
    return space
