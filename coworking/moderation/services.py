"""The rules of the queue: claiming a listing, proposing a space, reporting wrong facts, and a partner's
decision on each. Every public function is one transaction, committed here: the item, the role it grants,
the listing it creates, the revision, the security-log line and the e-mail go together or not at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coworking.accounts.models import PartnerCountry, User
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import Mailer, check_email, log_event
from coworking.accounts.sessions import SessionStore
from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.text import fold, search_words
from coworking.core.vocabulary import N_
from coworking.geo.distance import box_around, sphere_km
from coworking.moderation.models import DigestSent, Submission
from coworking.moderation.vocabulary import KINDS
from coworking.spaces.editing import add_builder, author_role, create_listing
from coworking.spaces.listing import State
from coworking.spaces.models import Space

MAX_MESSAGE = 2000
MAX_ROLE = 200
# Likely the same place: within this distance, or in the same town, with a name this close.
DUPLICATE_KM = 1.0
NAME_EDITS = 3
WORD_EDITS = 2
DIGEST_EVERY = timedelta(hours=24)


class LikelyDuplicates(InvalidInput):
    """A proposed space looks like listings already there: shown before the proposal is sent."""

    detail = N_("This space may already be listed.")

    def __init__(self, spaces: list[Space]) -> None:
        super().__init__({"name": N_("A space with a similar name is listed nearby: is it one of these?")})
        self.spaces = spaces


def _text(value: str, field: str, limit: int, errors: dict[str, str], *, required: bool = False) -> str | None:
    text = value.strip()
    if required and not text:
        errors[field] = N_("This cannot be empty.")
    elif len(text) > limit:
        errors[field] = N_("This is too long: shorten it.")
    return text or None


def _notify(db: Session, mailer: Mailer, user_id: int | None, subject: str, body: str, path: str, **variables: str) -> None:
    """E-mail the person who sent an item (if their account still exists), in their language, in the decider's transaction."""
    user = db.get(User, user_id) if user_id else None
    if user is not None:
        mailer.send(db, user, subject, body, path, **variables)


# -- sending -----------------------------------------------------------------------------------------


def claim_space(db: Session, actor: Actor, space: Space, role: str, public_name: str, message: str) -> Submission:
    """"I run this space": a claim waits for a partner of the space's country."""
    authorize(actor, Permission.SPACE_CLAIM)
    errors: dict[str, str] = {}
    role_text = _text(role, "role", MAX_ROLE, errors, required=True)
    name = _text(public_name, "public_name", MAX_ROLE, errors)
    text = _text(message, "message", MAX_MESSAGE, errors)
    if space.id in actor.builder_of:
        errors["role"] = N_("You are already a community builder of this space.")
    elif db.scalar(select(Submission.id).where(Submission.kind == "claim", Submission.status == "open", Submission.space_id == space.id, Submission.user_id == actor.user_id)):
        errors["role"] = N_("Your claim of this space already waits for a partner's decision.")
    if errors:
        raise InvalidInput(errors)
    submission = Submission(
        kind="claim", country_code=space.country_code, space_id=space.id, user_id=actor.user_id,
        role=role_text, public_name=name, message=text,
    )  # fmt: skip
    db.add(submission)
    db.commit()
    return submission


def likely_duplicates(db: Session, name: str, town: str, country_code: str, point: tuple[float, float] | None) -> list[Space]:
    """Listed spaces that may be the one proposed: a name a few letters (or at most two words) apart,
    folded as search folds, in the same town or within 1 km."""
    near = [func.lower(Space.town) == town.lower()]
    if town_words := " ".join(search_words(town)):
        near.append(Space.search_place.like(f"%{town_words}%"))  # words hold no LIKE wildcards
    if point is not None:
        box = box_around(point[0], point[1], DUPLICATE_KM)
        near.append(Space.latitude.between(box.south, box.north) & Space.longitude.between(box.west, box.east))
    candidates = db.scalars(select(Space).where(Space.country_code == country_code, or_(*near)).limit(500))
    return [space for space in candidates if looks_like(name, town, point, space.name, space.town, _point_of(space))]


def _point_of(space: Space) -> tuple[float, float] | None:
    return (space.latitude, space.longitude) if space.latitude is not None and space.longitude is not None else None


def looks_like(
    name: str, town: str, point: tuple[float, float] | None, other_name: str, other_town: str, other_point: tuple[float, float] | None
) -> bool:
    """The duplicate rule (proposals and imports): a name a few letters, or at most two words, apart
    (folded as search folds), in the same town or within 1 km."""
    return names_alike(fold(name), fold(other_name)) and (fold(town) == fold(other_town) or near(point, other_point))


def names_alike(folded: str, other: str) -> bool:
    """Folded names a few letters apart, or with at most two words that differ and at least one in common
    ("CoLabora Lielvārde" and "CoLabora coworking Lielvārde"; not "Ogres bibliotēka" and "Biznesa
    vēstniecība", whose every word differs). The cheap half of the rule: asked first."""
    if Levenshtein.distance(folded, other, score_cutoff=NAME_EDITS) <= NAME_EDITS:
        return True
    words, other_words = folded.split(), other.split()
    if not set(words) & set(other_words):
        return False
    return Levenshtein.distance(words, other_words, score_cutoff=WORD_EDITS) <= WORD_EDITS


def near(point: tuple[float, float] | None, other: tuple[float, float] | None) -> bool:
    # Within 1 km: the sphere is exact enough at this distance (the ellipsoid differs by < 0.5 %).
    return point is not None and other is not None and sphere_km(point, other) <= DUPLICATE_KM


def propose_space(
    db: Session, actor: Actor, country_code: str, state: State, public_name: str, message: str, *, not_a_duplicate: bool
) -> Submission:
    """A new space, proposed (its listing's fields parsed by ``listing.parse_listing``): it waits for a
    partner of its country. LikelyDuplicates first, unless the person said it is none of them."""
    authorize(actor, Permission.SPACE_PROPOSE)
    errors: dict[str, str] = {}
    code = country_code.strip().upper()
    if not is_country_code(code):
        errors["country_code"] = N_("Choose the country the space is in.")
    name = _text(public_name, "public_name", MAX_ROLE, errors)
    text = _text(message, "message", MAX_MESSAGE, errors)
    if errors:
        raise InvalidInput(errors)
    point = (state["latitude"], state["longitude"]) if state.get("latitude") is not None else None
    if not not_a_duplicate and (found := likely_duplicates(db, state["name"], state["town"], code, point)):
        raise LikelyDuplicates(found)
    submission = Submission(kind="proposal", country_code=code, user_id=actor.user_id, public_name=name, message=text, proposal=state)
    db.add(submission)
    db.commit()
    return submission


def report_space(db: Session, space: Space, message: str, contact_email: str) -> Submission:
    """Wrong or outdated facts, from anyone: the report waits for a partner of the space's country."""
    errors: dict[str, str] = {}
    text = _text(message, "message", MAX_MESSAGE, errors, required=True)
    email = contact_email.strip()
    if email and (problem := check_email(email)):
        errors["contact_email"] = problem
    if errors:
        raise InvalidInput(errors)
    submission = Submission(kind="report", country_code=space.country_code, space_id=space.id, message=text, contact_email=email or None)
    db.add(submission)
    db.commit()
    return submission


# -- deciding ----------------------------------------------------------------------------------------


def _open_item(db: Session, actor: Actor, submission_id: int) -> Submission:
    submission = db.get(Submission, submission_id)
    if submission is None or submission.status != "open":
        raise InvalidInput({"decision": N_("This item is no longer waiting: someone has decided it already.")})
    authorize(actor, Permission.MODERATION_DECIDE, submission)
    return submission


def approve(db: Session, sessions: SessionStore, actor: Actor, submission_id: int, mailer: Mailer, ip: str | None) -> Submission:
    """Approve a claim (its sender becomes a community builder of the space), a proposal (the space is
    listed, its sender its builder) or a report (it was acted on). The sender is told by e-mail."""
    submission = _open_item(db, actor, submission_id)
    submission.status, submission.decided_at, submission.decided_by = "approved", utcnow(), actor.user_id
    try:
        if submission.kind == "proposal":
            space = create_listing(db, submission.user_id, submission.country_code, submission.proposal)
            submission.space_id = space.id
        else:
            space = db.get(Space, submission.space_id)
        if submission.kind in ("claim", "proposal") and submission.user_id is not None:
            add_builder(db, space, submission.user_id, submission.public_name, actor.user_id, author_role(actor, space))
            log_event(db, "role_granted", submission.user_id, ip, detail=f"community builder of space {space.id} (by account {actor.user_id})")
            # A new role, a new session (ASVS 7.2.4): the person signs in again and holds the role from then on.
            sessions.end_all(submission.user_id, within=db)
            subject = N_("Your claim is approved") if submission.kind == "claim" else N_("Your space is listed")
            body = N_("You are now a community builder of %(name)s: sign in again, then keep its listing up to date at %(link)s")
            _notify(db, mailer, submission.user_id, subject, body, f"/spaces/{space.slug}", name=space.name)
        db.commit()
    except IntegrityError:
        # Listed meanwhile under the same name in the same town (a unique rule of the directory).
        db.rollback()
        raise InvalidInput({"decision": N_("A space with this name is already listed in this town: reject the proposal, or ask for another name.")}) from None
    except BaseException:
        db.rollback()
        raise
    return submission


def reject(db: Session, actor: Actor, submission_id: int, reason: str, mailer: Mailer) -> Submission:
    """Reject an item with a reason (which its sender is told)."""
    submission = _open_item(db, actor, submission_id)
    errors: dict[str, str] = {}
    text = _text(reason, "reason", MAX_MESSAGE, errors, required=True)
    if errors:
        raise InvalidInput(errors)
    submission.status, submission.decided_at, submission.decided_by, submission.reason = "rejected", utcnow(), actor.user_id, text
    if submission.kind in ("claim", "proposal"):
        subject = N_("Your claim was not approved") if submission.kind == "claim" else N_("Your proposed space was not listed")
        body = N_("A partner of the network gave this reason: %(reason)s\n\nYou can answer or try again at %(link)s")
        _notify(db, mailer, submission.user_id, subject, body, "/spaces", reason=text)
    db.commit()
    return submission


# -- the queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    submission: Submission
    space: Space | None
    sender_email: str | None


def _visible(actor: Actor):  # noqa: ANN202 - a SQL condition
    return True if actor.is_admin else Submission.country_code.in_(sorted(actor.partner_countries))


def queue(db: Session, actor: Actor, kind: str | None = None, country: str | None = None) -> list[QueueItem]:
    """The open items ``actor`` moderates (an admin: all), oldest first, filtered by kind and country."""
    authorize(actor, Permission.MODERATION_READ)
    statement = (
        select(Submission, Space, User.email)
        .outerjoin(Space, Space.id == Submission.space_id)
        .outerjoin(User, User.id == Submission.user_id)
        .where(Submission.status == "open", _visible(actor))
        .order_by(Submission.created_at, Submission.id)
    )
    if kind in KINDS:
        statement = statement.where(Submission.kind == kind)
    if country:
        statement = statement.where(Submission.country_code == country.upper())
    return [QueueItem(submission, space, email) for submission, space, email in db.execute(statement.limit(200))]


@dataclass(frozen=True)
class OpenReport:
    """A report about a listing, still open, as the listing's builders see it: when it came and what it
    says (its start), never who sent it or their address."""

    space_id: int
    created_at: datetime
    excerpt: str


# How much of a report's text its listing's builders see, and how many reports at most (the newest).
REPORT_EXCERPT = 200
REPORTS_SHOWN = 50


def open_reports_about(db: Session, space_ids: Collection[int]) -> tuple[dict[int, int], list[OpenReport]]:
    """Reports about ``space_ids`` that wait for a partner: how many per space (0 when none), and the newest
    (``REPORTS_SHOWN`` at most, newest first). Asks no access rule: the caller shows a builder their own."""
    counts = dict.fromkeys(space_ids, 0)
    if not counts:
        return counts, []
    waiting = (Submission.kind == "report", Submission.status == "open", Submission.space_id.in_(sorted(counts)))
    for space_id, count in db.execute(select(Submission.space_id, func.count()).where(*waiting).group_by(Submission.space_id)):
        counts[space_id] = count
    rows = db.execute(
        select(Submission.space_id, Submission.created_at, Submission.message)
        .where(*waiting)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(REPORTS_SHOWN)
    )
    reports = [OpenReport(space_id, created_at, _excerpt(message or "")) for space_id, created_at, message in rows]
    return counts, reports


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= REPORT_EXCERPT else flat[: REPORT_EXCERPT - 1].rstrip() + "…"


def waiting_count(db: Session, actor: Actor) -> int:
    """How many items wait for ``actor`` (0 for anyone who moderates nothing)."""
    if actor.is_anonymous or not (actor.is_admin or actor.partner_countries):
        return 0
    return db.scalar(select(func.count()).select_from(Submission).where(Submission.status == "open", _visible(actor))) or 0


def send_digests(db: Session, mailer: Mailer, now: datetime | None = None) -> int:
    """E-mail each partner what waits in their countries, in their language: at most one digest a day,
    none when nothing waits. Safe to run as often as cron likes. Returns how many were sent."""
    now = now or utcnow()
    sent = 0
    partners = db.scalars(select(User).where(User.id.in_(select(PartnerCountry.user_id))).order_by(User.id)).all()
    for partner in partners:
        last = db.get(DigestSent, partner.id)
        if last is not None and now - last.sent_at < DIGEST_EVERY:
            continue
        countries = db.scalars(select(PartnerCountry.country_code).where(PartnerCountry.user_id == partner.id)).all()
        waiting = db.scalar(
            select(func.count()).select_from(Submission).where(Submission.status == "open", Submission.country_code.in_(countries))
        )
        if not waiting:
            continue
        translate = mailer.for_user(partner)
        queue_mail(
            db,
            partner.email,
            translate.gettext(N_("What waits in your countries")),
            translate.ngettext(
                "%(num)s item waits for a decision in %(countries)s: %(link)s",
                "%(num)s items wait for a decision in %(countries)s: %(link)s",
                waiting,
                countries=translate.country_list(countries),
                link=mailer.link("/moderation"),
            ),
        )
        if last is None:
            db.add(DigestSent(user_id=partner.id, sent_at=now))
        else:
            last.sent_at = now
        sent += 1
    db.commit()
    return sent

