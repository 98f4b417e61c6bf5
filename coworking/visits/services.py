"""The rules of visit requests: asking, confirming by the e-mail's link, answering, switching requests
off, counting them for partners, and forgetting them. Each public function that writes is one
transaction, committed here: the request and the e-mails it sends go together or not at all.

A request is private to the person who sent it (their link) and to the people who answer for the
space (its community builders, its country's partners, admins). Partners' counts never carry a
message or an address.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import Mailer, builders_of, check_email
from coworking.accounts.sessions import token_hash
from coworking.core.errors import InvalidInput
from coworking.core.i18n import translator
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.months import add_months
from coworking.core.vocabulary import N_
from coworking.spaces.models import Space
from coworking.spaces.services import space_today
from coworking.visits.models import VisitRequest
from coworking.visits.vocabulary import VISIT_KINDS

MAX_MESSAGE = 1000
MAX_NOTE = 1000
# How far ahead one may ask: a year.
MAX_DAYS_AHEAD = 365
# A request not confirmed within two days is dropped (and its link stops working).
CONFIRM_WITHIN = timedelta(days=2)
# A year after the day asked for, the address, the message, the note and the link are erased.
KEEP_AFTER_DAY = timedelta(days=365)
ANSWERS = {"accept": "accepted", "decline": "declined"}
ANSWERED = ("accepted", "declined")

_NO_SUCH_LINK = N_("This link does not work: it may be mistyped, or the request was not confirmed within two days and was deleted. You can ask again from the space's page.")


class AlreadyConfirmed(InvalidInput):
    """The confirmation link was used before: the request is with the space already."""

    def __init__(self, visit: VisitRequest) -> None:
        super().__init__({"token": N_("You have already confirmed this request: the space's community builders have it.")})
        self.visit = visit


def refusal(db: Session, space: Space) -> str | None:
    """Why ``space`` takes no visit requests now (a msgid), or None when it does: closed, switched off by
    its builders, or no community builder with an account to answer."""
    if space.status == "closed":
        return N_("This space has closed: it takes no visits.")
    if not space.visit_requests_open:
        return N_("This space does not take visit requests through this site at the moment. Its listing says how to reach it.")
    if not db.scalar(select(exists().where(BuilderRole.space_id == space.id))):
        return N_("No community builder of this space answers visit requests through this site yet. Its listing says how to reach it.")
    return None


def takes_requests(db: Session, space_id: int) -> bool:
    """For the space's page: whether to offer "Ask for a visit" (one query)."""
    has_builder = exists().where(BuilderRole.space_id == Space.id)
    found = db.scalar(
        select(Space.id).where(Space.id == space_id, Space.status != "closed", Space.visit_requests_open.is_(True), has_builder)
    )
    return found is not None


def _parse_day(text: str, today: date, errors: dict[str, str]) -> date | None:
    text = text.strip()
    if not text:
        errors["day"] = N_("Choose the day you would like to come.")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors["day"] = N_("Enter a date such as 2026-06-15.")
        return None
    if day < today:
        errors["day"] = N_("This day has passed: choose today or a later day.")
    elif day > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["day"] = N_("Choose a day within the next year.")
    return day


def ask_visit(
    db: Session, space: Space, day: str, kind: str, message: str, email: str, mailer: Mailer, now: datetime | None = None
) -> None:
    """Record a request (unconfirmed: nobody at the space sees it yet) and e-mail its confirmation link to
    ``email``, in the mailer's language (the person's). InvalidInput with a message per field."""
    now = now or utcnow()
    if (reason := refusal(db, space)) is not None:
        raise InvalidInput({"space": reason})
    errors: dict[str, str] = {}
    visit_day = _parse_day(day, space_today(space, now), errors)
    if kind not in VISIT_KINDS:
        errors["kind"] = N_("Choose what you would like to come for.")
    text = message.strip()
    if len(text) > MAX_MESSAGE:
        errors["message"] = N_("This is too long: shorten it to 1000 characters.")
    if problem := check_email(email):
        errors["email"] = problem
    if errors:
        raise InvalidInput(errors)
    token = secrets.token_urlsafe(32)
    db.add(
        VisitRequest(
            space_id=space.id, day=visit_day, kind=kind, message=text or None, email=email.strip(),
            language=mailer.translator.locale, status="unconfirmed", token_hash=token_hash(token), created_at=now,
        )
    )  # fmt: skip
    translate = mailer.translator
    queue_mail(
        db,
        email.strip(),
        translate.gettext(N_("Confirm your visit request to %(name)s"), name=space.name),
        translate.gettext(
            N_(
                "You asked %(name)s in %(town)s for a visit on %(day)s (%(kind)s).\n\n"
                "To send the request to the space, open this link and press the button within two days:\n%(link)s\n\n"
                "The space's community builders answer by e-mail, with a link to a page that shows your request and their answer.\n"
                "If you did not ask for this, ignore this e-mail: without confirmation the request is deleted."
            ),
            name=space.name,
            town=space.town,
            day=translate.date(visit_day),
            kind=translate.gettext(VISIT_KINDS[kind]),
            link=mailer.link(f"/visits/{token}/confirm"),
        ),
    )
    db.commit()


def find_visit(db: Session, token: str, now: datetime | None = None) -> tuple[VisitRequest, Space]:
    """The request a link names, with its space; InvalidInput when the link names none (unknown, erased, or
    an unconfirmed request past its two days)."""
    now = now or utcnow()
    visit = db.scalar(select(VisitRequest).where(VisitRequest.token_hash == token_hash(token)))
    if visit is None or (visit.status == "unconfirmed" and _as_utc(visit.created_at) < now - CONFIRM_WITHIN):
        raise InvalidInput({"token": _NO_SUCH_LINK})
    return visit, db.get(Space, visit.space_id)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_confirmable(db: Session, token: str, now: datetime | None = None) -> tuple[VisitRequest, Space]:
    """The request a confirmation link would confirm (for its page, which changes nothing): AlreadyConfirmed
    when it was, InvalidInput when it cannot be (see ``find_visit``; the space stopped taking requests, or
    the day has passed meanwhile)."""
    now = now or utcnow()
    visit, space = find_visit(db, token, now)
    if visit.status != "unconfirmed":
        raise AlreadyConfirmed(visit)
    if (reason := refusal(db, space)) is not None:
        raise InvalidInput({"token": reason})
    if visit.day < space_today(space, now):
        raise InvalidInput({"token": N_("The day you asked for has passed. You can ask again from the space's page.")})
    return visit, space


def confirm_visit(db: Session, token: str, mailer: Mailer, now: datetime | None = None) -> VisitRequest:
    """The person followed their link and pressed the button: the request waits for the space's answer,
    and each of its community builders is e-mailed a link to it, in their own language. Works once
    (AlreadyConfirmed after)."""
    now = now or utcnow()
    visit, space = check_confirmable(db, token, now)
    # Conditional: of two presses at once, one confirms and the other is told it was done.
    confirmed = db.execute(
        update(VisitRequest)
        .where(VisitRequest.id == visit.id, VisitRequest.status == "unconfirmed")
        .values(status="waiting", confirmed_at=now)
    ).rowcount
    if not confirmed:
        db.rollback()
        raise AlreadyConfirmed(visit)
    for user in builders_of(db, space.id):
        translate = mailer.for_user(user)  # the builder's language, not the resident's
        queue_mail(
            db,
            user.email,
            translate.gettext(N_("A visit request for %(name)s"), name=space.name),
            translate.gettext(
                N_(
                    "Someone asks %(name)s for a visit on %(day)s (%(kind)s).\n\n"
                    "Read the request and answer it (sign in first):\n%(link)s\n\n"
                    "They will get your answer by e-mail."
                ),
                name=space.name,
                day=translate.date(visit.day),
                kind=translate.gettext(VISIT_KINDS[visit.kind]),
                link=mailer.link(f"/spaces/{space.slug}/visits#visit-{visit.id}"),
            ),
        )
    db.commit()
    db.refresh(visit)
    return visit


# -- the space's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpaceVisits:
    """What the builders' page lists: requests waiting for an answer (soonest day first), then answered
    ones (latest answer first)."""

    waiting: list[VisitRequest]
    answered: list[VisitRequest]


def space_visits(db: Session, actor: Actor, space: Space) -> SpaceVisits:
    """The confirmed requests of ``space`` still holding their details (403 for whoever may not answer them)."""
    authorize(actor, Permission.VISIT_ANSWER, space)
    shown = select(VisitRequest).where(VisitRequest.space_id == space.id, VisitRequest.email.is_not(None))
    waiting = db.scalars(shown.where(VisitRequest.status == "waiting").order_by(VisitRequest.day, VisitRequest.id)).all()
    answered = db.scalars(
        shown.where(VisitRequest.status.in_(ANSWERED)).order_by(VisitRequest.answered_at.desc(), VisitRequest.id.desc()).limit(200)
    ).all()
    return SpaceVisits(list(waiting), list(answered))


def waiting_counts(db: Session, spaces: Collection[Space], now: datetime | None = None) -> dict[int, int]:
    """How many confirmed requests wait for an answer at each of ``spaces`` (by id; 0 when none), leaving
    out those whose day has passed where the space is (they can no longer be answered). Asks no access
    rule: counts only, which the caller shows to the spaces' builders (the builder's desk)."""
    now = now or utcnow()
    counts = {space.id: 0 for space in spaces}
    if not counts:
        return counts
    today = {space.id: space_today(space, now) for space in spaces}
    rows = db.execute(
        select(VisitRequest.space_id, VisitRequest.day).where(
            VisitRequest.space_id.in_(sorted(counts)),
            VisitRequest.status == "waiting",
            VisitRequest.email.is_not(None),
            VisitRequest.day >= min(today.values()),
        )
    )
    for space_id, day in rows:
        counts[space_id] += day >= today[space_id]
    return counts


def visit_of(db: Session, space: Space, visit_id: int) -> VisitRequest | None:
    """A confirmed request of ``space`` by its number (None for another space's, an unconfirmed or an erased one)."""
    visit = db.get(VisitRequest, visit_id)
    if visit is None or visit.space_id != space.id or visit.status == "unconfirmed" or visit.email is None:
        return None
    return visit


def answer_visit(
    db: Session, actor: Actor, space: Space, visit: VisitRequest, answer: str, note: str, mailer: Mailer, now: datetime | None = None
) -> None:
    """Accept or decline a waiting request, with a note; the person is e-mailed the answer in their own
    language with the link to their request's page (the mailer gives the links; its language is not used).
    Answering twice is refused with a message."""
    authorize(actor, Permission.VISIT_ANSWER, space)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if answer not in ANSWERS:
        errors["answer"] = N_("Choose yes or no.")
    text = note.strip()
    if len(text) > MAX_NOTE:
        errors["note"] = N_("This is too long: shorten it to 1000 characters.")
    if visit.status in ANSWERED:
        errors = {"answer": N_("This request is already answered: the resident has that answer.")}
    elif visit.day < space_today(space, now):
        errors = {"answer": N_("The day of this visit has passed: there is nothing left to answer.")}
    if errors:
        raise InvalidInput(errors)
    # Only a link's hash is kept, so the answer's e-mail carries a new link to the person's page, and the
    # confirmation link stops working: one live link per request.
    token = secrets.token_urlsafe(32)
    answered = db.execute(
        update(VisitRequest)
        .where(VisitRequest.id == visit.id, VisitRequest.status == "waiting")
        .values(status=ANSWERS[answer], note=text or None, answered_at=now, answered_by=actor.user_id, token_hash=token_hash(token))
    ).rowcount
    if not answered:
        db.rollback()
        raise InvalidInput({"answer": N_("This request is already answered: the resident has that answer.")})
    translate = translator(visit.language)
    body = (
        N_("%(name)s says yes to your visit on %(day)s (%(kind)s).")
        if answer == "accept"
        else N_("%(name)s cannot welcome you on %(day)s (%(kind)s).")
    )
    variables = {"name": space.name, "day": translate.date(visit.day), "kind": translate.gettext(VISIT_KINDS[visit.kind])}
    text_out = translate.gettext(body, **variables)
    if text:
        text_out += "\n\n" + translate.gettext(N_("Their note:")) + "\n" + text
    text_out += "\n\n" + translate.gettext(
        N_("Your request and the answer, on a page only this link opens:\n%(link)s"), link=mailer.link(f"/visits/{token}")
    )
    queue_mail(db, visit.email, translate.gettext(N_("Your visit to %(name)s: the answer"), name=space.name), text_out)
    db.commit()


def set_requests_open(db: Session, actor: Actor, space: Space, is_open: bool) -> None:
    """Switch visit requests on or off for ``space``. Not a revision of the listing, and it leaves the
    listing's version alone (an edit under way stays valid)."""
    authorize(actor, Permission.VISIT_ANSWER, space)
    db.execute(update(Space.__table__).where(Space.__table__.c.id == space.id).values(visit_requests_open=is_open))
    db.commit()


# -- partners' counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitCount:
    """Confirmed visit requests to one space, made in one month (``month``: its first day), and how many
    of them its builders accepted. No message, no address, no day."""

    space_slug: str
    space_name: str
    town: str
    month: date
    requests: int
    accepted: int


def visit_request_counts(
    db: Session, country: str, region: str | None = None, first_month: date | None = None, last_month: date | None = None
) -> list[VisitCount]:
    """Confirmed visit requests per space and month in ``country`` (and ``region``, when given): by the
    month the request was made (its creation), from ``first_month`` to ``last_month`` (any day in them;
    by default the last 12 months, this one included). One row per space and month with at least one
    request, by space name then month. Asks no access rule: the caller does (partners of the country,
    admins: ``Permission.VISIT_COUNTS_READ``).

    Requests whose details were erased a year after their day still count.
    """
    today = utcnow().date()
    last = add_months(last_month or today, 0)
    first = add_months(first_month or add_months(last, -11), 0)
    end = add_months(last, 1)
    statement = (
        select(Space.slug, Space.name, Space.town, VisitRequest.created_at, VisitRequest.status)
        .join(Space, Space.id == VisitRequest.space_id)
        .where(
            Space.country_code == country.upper(),
            VisitRequest.status != "unconfirmed",
            VisitRequest.created_at >= datetime(first.year, first.month, 1, tzinfo=UTC),
            VisitRequest.created_at < datetime(end.year, end.month, 1, tzinfo=UTC),
        )
    )
    if region:
        statement = statement.where(Space.region == region)
    counted: dict[tuple[str, str, str, date], list[int]] = {}
    for slug, name, town, created_at, status in db.execute(statement):
        key = (slug, name, town, add_months(_as_utc(created_at).date(), 0))
        totals = counted.setdefault(key, [0, 0])
        totals[0] += 1
        totals[1] += status == "accepted"
    rows = [VisitCount(slug, name, town, month, requests, accepted) for (slug, name, town, month), (requests, accepted) in counted.items()]
    return sorted(rows, key=lambda row: (row.space_name.casefold(), row.town, row.month))


class _Country:
    """The rules ask "which country?" of the thing concerned: here, the country asked about."""

    def __init__(self, code: str) -> None:
        self.country_code = code


def partner_counts(db: Session, actor: Actor, country: str, region: str | None = None) -> list[VisitCount]:
    """``visit_request_counts`` for a partner of ``country`` or an admin (403 for anyone else)."""
    authorize(actor, Permission.VISIT_COUNTS_READ, _Country(country.upper()))
    return visit_request_counts(db, country, region)


# -- forgetting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forgotten:
    deleted: int
    erased: int


def forget_visit_requests(db: Session, now: datetime | None = None) -> Forgotten:
    """Run daily (``coworking remind``): delete requests never confirmed within two days; a year after a
    request's day, erase its address, message, note and link, keeping what the partners' counts need
    (space, day, kind, status, dates)."""
    now = now or utcnow()
    deleted = db.execute(
        delete(VisitRequest).where(VisitRequest.status == "unconfirmed", VisitRequest.created_at < now - CONFIRM_WITHIN)
    ).rowcount
    erased = db.execute(
        update(VisitRequest)
        .where(VisitRequest.day < (now - KEEP_AFTER_DAY).date(), VisitRequest.email.is_not(None))
        .values(email=None, message=None, note=None, token_hash=None)
    ).rowcount
    db.commit()
    return Forgotten(deleted, erased)
