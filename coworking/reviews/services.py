"""The rules of reviews: writing one (once per person and space), editing it, a partner's decision, the
community builder's one answer, reports, and what the space's page shows. Each public function that writes
is one transaction, committed here: the review and the e-mails it sends go together or not at all.

Only approved reviews are public. A review waits for a partner of its space's country (or an admin) when
it is new or edited (``pending``), and again, still public, when someone reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, User
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import Mailer, builders_of, check_email
from coworking.core.errors import InvalidInput
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_
from coworking.reviews.models import Review, ReviewReport
from coworking.spaces.models import Space

MIN_TEXT = 20
MAX_TEXT = 2000
MAX_NAME = 60
MAX_ANSWER = 2000
MAX_REASON = 2000
MAX_REPORT = 2000
# The space's page shows the newest few; its reviews page shows them all (up to this many).
SHOWN_ON_SPACE_PAGE = 3
MAX_LISTED = 500
# schema.org's AggregateRating (and the Review items) only from this many approved reviews: one or two
# opinions are no rating a search engine should show as the space's.
RATING_MINIMUM = 3
BEST, WORST = 5, 1

_NOT_VERIFIED = N_("Confirm your e-mail address first: reviews come from confirmed accounts only. The link is in the e-mail we sent when you registered.")
_OWN_SPACE = N_("You are a community builder of this space: you cannot review it. You can answer its reviews instead.")
_GONE = N_("This review is no longer waiting: someone has decided it already.")


class AlreadyReviewed(InvalidInput):
    """One review per person and space: the person edits the one they wrote."""

    def __init__(self, review: Review) -> None:
        super().__init__({"review": N_("You have already reviewed this space. You can edit your review instead: it then waits for a partner's approval again.")})
        self.review = review


# -- what the pages show ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SpaceReviews:
    """A space's approved reviews as its page shows them: how many, their average (one decimal, rounded
    half up; None without any), the newest few, the asker's own review whatever its state, whether to offer
    them "Write a review" (not to the space's own builders), and the schema.org properties for its JSON-LD."""

    count: int
    average: Decimal | None
    latest: list[Review]
    mine: Review | None = None
    offer_writing: bool = True
    json_ld: dict[str, Any] = field(default_factory=dict)


def _approved(space_id: int):  # noqa: ANN202 - a SQL condition
    return (Review.space_id == space_id) & (Review.status == "approved")


def space_reviews(db: Session, actor: Actor, space_id: int, limit: int = SHOWN_ON_SPACE_PAGE) -> SpaceReviews:
    """For the space's page and its reviews page: the count and average of its approved reviews, the newest
    ``limit`` of them, and the schema.org properties they make (only from ``RATING_MINIMUM`` reviews)."""
    count, total = db.execute(select(func.count(), func.sum(Review.rating)).where(_approved(space_id))).one()
    average = (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None
    latest = []
    if count:  # most spaces: no second query (a space page asks on every view)
        newest = (Review.created_at.desc(), Review.id.desc())
        latest = list(db.scalars(select(Review).where(_approved(space_id)).order_by(*newest).limit(limit)))
    mine = None
    if not actor.is_anonymous:
        mine = db.scalar(select(Review).where(Review.space_id == space_id, Review.user_id == actor.user_id))
    offer = actor.is_anonymous or space_id not in actor.builder_of
    return SpaceReviews(count, average, latest, mine, offer, rating_json_ld(count, average, latest))


def rating_json_ld(count: int, average: Decimal | None, shown: list[Review] | tuple[Review, ...]) -> dict[str, Any]:
    """schema.org ``aggregateRating`` and ``review`` for the space's LocalBusiness, or nothing below
    ``RATING_MINIMUM`` approved reviews. ``shown``: the reviews the page shows (a Review item each)."""
    if count < RATING_MINIMUM or average is None:
        return {}
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": float(average),
            "reviewCount": count,
            "bestRating": BEST,
            "worstRating": WORST,
        },
        "review": [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": review.author_name},
                "datePublished": review.written_at.date().isoformat(),
                "reviewBody": review.text,
                "reviewRating": {"@type": "Rating", "ratingValue": review.rating, "bestRating": BEST, "worstRating": WORST},
            }
            for review in shown
        ],
    }


def all_reviews(db: Session, space: Space) -> list[Review]:
    """The approved reviews of ``space``, newest first (the reviews page)."""
    statement = select(Review).where(_approved(space.id)).order_by(Review.created_at.desc(), Review.id.desc())
    return list(db.scalars(statement.limit(MAX_LISTED)))


def approved_review(db: Session, space: Space, review_id: int) -> Review | None:
    """A public review of ``space`` by its number (None for another space's, or one not public)."""
    review = db.get(Review, review_id)
    return review if review is not None and review.space_id == space.id and review.status == "approved" else None


def own_review(db: Session, actor: Actor, space: Space, review_id: int) -> Review | None:
    """``actor``'s own review of ``space`` by its number (None for anyone else's: they see no other's draft)."""
    review = db.get(Review, review_id)
    if review is None or review.space_id != space.id or actor.is_anonymous or review.user_id != actor.user_id:
        return None
    return review


# -- writing ------------------------------------------------------------------------------------------


def refusal(db: Session, actor: Actor, space: Space) -> str | None:
    """Why ``actor`` may not review ``space`` (a msgid), or None: an address not confirmed, or one of the
    space's own community builders."""
    user = db.get(User, actor.user_id) if actor.user_id else None
    if user is None or user.email_verified_at is None:
        return _NOT_VERIFIED
    if space.id in actor.builder_of or db.scalar(
        select(exists().where(BuilderRole.space_id == space.id, BuilderRole.user_id == actor.user_id))
    ):
        return _OWN_SPACE
    return None


def _checked(rating: str, text: str, author_name: str) -> tuple[int, str, str]:
    errors: dict[str, str] = {}
    stars = whole_number(rating.strip())
    if stars is None or not WORST <= stars <= BEST:
        errors["rating"] = N_("Choose a rating from 1 to 5 stars.")
    body = text.strip()
    if len(body) < MIN_TEXT:
        errors["text"] = N_("Write at least 20 characters: what was it like to work there?")
    elif len(body) > MAX_TEXT:
        errors["text"] = N_("This is too long: shorten it to 2000 characters.")
    name = " ".join(author_name.split())
    if not name:
        errors["author_name"] = N_("Enter the name to show with your review: your first name or a nickname.")
    elif len(name) > MAX_NAME:
        errors["author_name"] = N_("This is too long: shorten it to 60 characters.")
    elif "@" in name:
        errors["author_name"] = N_("Show a name, not an e-mail address.")
    if errors:
        raise InvalidInput(errors)
    return stars, body, name


def write_review(db: Session, actor: Actor, space: Space, rating: str, text: str, author_name: str, language: str) -> Review:
    """A new review by ``actor`` (a confirmed account, not one of the space's builders): it waits for a
    partner. A second one for the same space is refused (AlreadyReviewed), nothing written."""
    authorize(actor, Permission.REVIEW_WRITE)
    if (reason := refusal(db, actor, space)) is not None:
        raise InvalidInput({"review": reason})
    existing = db.scalar(select(Review).where(Review.space_id == space.id, Review.user_id == actor.user_id))
    if existing is not None:
        raise AlreadyReviewed(existing)
    stars, body, name = _checked(rating, text, author_name)
    now = utcnow()
    review = Review(
        space_id=space.id, user_id=actor.user_id, author_name=name, rating=stars, text=body, language=language,
        status="pending", version=1, created_at=now, written_at=now,
    )  # fmt: skip
    db.add(review)
    try:
        db.commit()
    except IntegrityError:
        # Two sends at once: the unique rule kept one.
        db.rollback()
        raise AlreadyReviewed(db.scalar(select(Review).where(Review.space_id == space.id, Review.user_id == actor.user_id))) from None
    return review


def edit_review(db: Session, actor: Actor, space: Space, review: Review, rating: str, text: str, author_name: str) -> Review:
    """The author changes their review: it waits for a partner again (and is not public meanwhile)."""
    authorize(actor, Permission.REVIEW_WRITE)
    if review.user_id != actor.user_id or review.space_id != space.id:
        raise InvalidInput({"review": N_("You can edit only your own review.")})
    if (reason := refusal(db, actor, space)) is not None:
        raise InvalidInput({"review": reason})
    stars, body, name = _checked(rating, text, author_name)
    review.rating, review.text, review.author_name = stars, body, name
    review.status, review.version, review.written_at = "pending", review.version + 1, utcnow()
    review.reason = None
    db.commit()
    return review


# -- the builder's answer -----------------------------------------------------------------------------


def answer_review(db: Session, actor: Actor, space: Space, review: Review, text: str, *, replace: bool = False) -> Review:
    """The space's community builder answers a public review, once (shown as the community builder's,
    without a name). ``replace``: they edit the answer they gave; a second answer is refused."""
    authorize(actor, Permission.REVIEW_ANSWER, space)
    body = text.strip()
    errors: dict[str, str] = {}
    if review.space_id != space.id or review.status != "approved":
        errors["answer"] = N_("This review is not public: there is nothing to answer.")
    elif review.answer is not None and not replace:
        errors["answer"] = N_("This review already has an answer: a review gets one. You can edit that answer.")
    elif review.answer is None and replace:
        errors["answer"] = N_("This review has no answer yet to edit.")
    elif not body:
        errors["answer"] = N_("Write your answer.")
    elif len(body) > MAX_ANSWER:
        errors["answer"] = N_("This is too long: shorten it to 2000 characters.")
    if errors:
        raise InvalidInput(errors)
    # Conditional: of two first answers sent at once, one is kept and the other refused.
    condition = Review.answer.is_not(None) if replace else Review.answer.is_(None)
    changed = db.execute(
        update(Review)
        .where(Review.id == review.id, Review.status == "approved", condition)
        .values(answer=body, answered_at=utcnow(), answered_by=actor.user_id)
    ).rowcount
    if not changed:
        db.rollback()
        raise InvalidInput({"answer": N_("This review already has an answer: a review gets one. You can edit that answer.")})
    db.commit()
    db.refresh(review)
    return review


# -- reports ------------------------------------------------------------------------------------------


def report_review(db: Session, review: Review, message: str, contact_email: str) -> ReviewReport:
    """Anyone thinks a public review breaks the rules: it goes back to the partners' queue and stays public
    until one of them decides (a report alone silences no one)."""
    errors: dict[str, str] = {}
    text = message.strip()
    if not text:
        errors["message"] = N_("Say what is wrong with this review.")
    elif len(text) > MAX_REPORT:
        errors["message"] = N_("This is too long: shorten it to 2000 characters.")
    email = contact_email.strip()
    if email and (problem := check_email(email)):
        errors["contact_email"] = problem
    if review.status != "approved":
        errors = {"message": N_("This review is not public: there is nothing to report.")}
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    report = ReviewReport(review_id=review.id, message=text, contact_email=email or None, created_at=now)
    db.add(report)
    db.execute(update(Review).where(Review.id == review.id, Review.reported_at.is_(None)).values(reported_at=now))
    db.commit()
    return report


# -- the partners' decision ---------------------------------------------------------------------------


def _waiting():  # noqa: ANN202 - a SQL condition
    """What waits for a partner: new or edited reviews, and public ones someone reported."""
    return or_(Review.status == "pending", (Review.status == "approved") & Review.reported_at.is_not(None))


@dataclass(frozen=True)
class QueuedReview:
    review: Review
    space: Space
    author_email: str
    reports: list[ReviewReport]


def _visible(actor: Actor):  # noqa: ANN202 - a SQL condition
    return True if actor.is_admin else Space.country_code.in_(sorted(actor.partner_countries))


def moderation_queue(db: Session, actor: Actor, country: str | None = None) -> list[QueuedReview]:
    """The reviews waiting for ``actor`` (a partner: of their countries; an admin: all), oldest first."""
    authorize(actor, Permission.MODERATION_READ)
    statement = (
        select(Review, Space, User.email)
        .join(Space, Space.id == Review.space_id)
        .join(User, User.id == Review.user_id)
        .where(_waiting(), _visible(actor))
        .order_by(func.coalesce(Review.reported_at, Review.written_at), Review.id)
    )
    if country:
        statement = statement.where(Space.country_code == country.strip().upper()[:2])
    rows = db.execute(statement.limit(200)).all()
    reports: dict[int, list[ReviewReport]] = {}
    if rows:
        found = db.scalars(
            select(ReviewReport)
            .where(ReviewReport.review_id.in_([review.id for review, _, _ in rows]), ReviewReport.closed_at.is_(None))
            .order_by(ReviewReport.id)
        )
        for report in found:
            reports.setdefault(report.review_id, []).append(report)
    return [QueuedReview(review, space, email, reports.get(review.id, [])) for review, space, email in rows]


def queued_review(db: Session, actor: Actor, review_id: int) -> QueuedReview | None:
    """One review of the queue, for its own page (None when nothing of it waits, or it is not ``actor``'s
    to decide: 403)."""
    review = db.get(Review, review_id)
    if review is None:
        return None
    space = db.get(Space, review.space_id)
    authorize(actor, Permission.MODERATION_DECIDE, space)
    if not (review.status == "pending" or (review.status == "approved" and review.reported_at is not None)):
        return None
    email = db.scalar(select(User.email).where(User.id == review.user_id))
    reports = db.scalars(select(ReviewReport).where(ReviewReport.review_id == review.id, ReviewReport.closed_at.is_(None)).order_by(ReviewReport.id))
    return QueuedReview(review, space, email, list(reports))


def waiting_count(db: Session, actor: Actor) -> int:
    """How many reviews wait for ``actor`` (0 for anyone who moderates nothing)."""
    if actor.is_anonymous or not (actor.is_admin or actor.partner_countries):
        return 0
    statement = select(func.count()).select_from(Review).join(Space, Space.id == Review.space_id).where(_waiting(), _visible(actor))
    return db.scalar(statement) or 0


def _waiting_review(db: Session, actor: Actor, review_id: int, version: str) -> tuple[Review, Space]:
    review = db.get(Review, review_id)
    if review is None:
        raise InvalidInput({"decision": _GONE})
    space = db.get(Space, review.space_id)
    authorize(actor, Permission.MODERATION_DECIDE, space)
    if not (review.status == "pending" or (review.status == "approved" and review.reported_at is not None)):
        raise InvalidInput({"decision": _GONE})
    if review.user_id == actor.user_id:
        raise InvalidInput({"decision": N_("This is your own review: another partner of the network decides it.")})
    if whole_number(version.strip()) != review.version:
        raise InvalidInput({"decision": N_("Its author changed this review since you opened the page: read it again, then decide.")})
    return review, space


def _close_reports(db: Session, review: Review, now: datetime) -> None:
    db.execute(update(ReviewReport).where(ReviewReport.review_id == review.id, ReviewReport.closed_at.is_(None)).values(closed_at=now))


def _decide(db: Session, review: Review, status: str, actor: Actor, now: datetime, reason: str | None) -> None:
    """Conditional on what the decider saw: of two decisions at once, one counts and the other is told."""
    decided = db.execute(
        update(Review)
        .where(Review.id == review.id, Review.status == review.status, Review.version == review.version)
        .values(status=status, decided_at=now, decided_by=actor.user_id, reason=reason, reported_at=None)
    ).rowcount
    if not decided:
        db.rollback()
        raise InvalidInput({"decision": _GONE})
    _close_reports(db, review, now)


def _tell_author(db: Session, mailer: Mailer, review: Review, subject: str, body: str, **variables: object) -> None:
    """E-mail the author in their language (an account with none yet: the one they wrote in; the links come made)."""
    author = db.get(User, review.user_id)
    if author is None:
        return
    translate = mailer.for_user(author, guess=review.language)
    queue_mail(db, author.email, translate.gettext(subject, **variables), translate.gettext(body, **variables))


def approve_review(db: Session, actor: Actor, review_id: int, version: str, mailer: Mailer) -> tuple[Review, bool]:
    """Publish a new or edited review (its author is told, the space's builders get a link to answer it, each
    in their own language), or keep a reported one public (the reports are closed; the author is not bothered). Returns the review
    and whether it was published now (False: a reported one kept)."""
    review, space = _waiting_review(db, actor, review_id, version)
    now = utcnow()
    was_pending = review.status == "pending"
    _decide(db, review, "approved", actor, now, None)
    if was_pending:
        link = mailer.link(f"/spaces/{space.slug}/reviews#review-{review.id}")
        _tell_author(
            db, mailer, review, N_("Your review of %(name)s is published"),
            N_("A partner of the network approved your review of %(name)s. It is on the space's page now:\n%(link)s"),
            name=space.name, link=link,
        )  # fmt: skip
        for builder in builders_of(db, space.id):
            translate = mailer.for_user(builder)
            queue_mail(
                db,
                builder.email,
                translate.gettext(N_("A new review of %(name)s"), name=space.name),
                translate.gettext(
                    N_("A resident reviewed %(name)s (%(rating)s of 5). Read it, and answer it publicly if you like (once; sign in first):\n%(link)s"),
                    name=space.name,
                    rating=review.rating,
                    link=link,
                ),
            )
    db.commit()
    db.refresh(review)
    return review, was_pending


def reject_review(db: Session, actor: Actor, review_id: int, version: str, reason: str, mailer: Mailer) -> Review:
    """Refuse a new or edited review, or remove a reported one, with a reason its author is told."""
    review, space = _waiting_review(db, actor, review_id, version)
    text = reason.strip()
    if not text:
        raise InvalidInput({"reason": N_("Give the reason: its author is told.")})
    if len(text) > MAX_REASON:
        raise InvalidInput({"reason": N_("This is too long: shorten it to 2000 characters.")})
    was_public = review.status == "approved"
    _decide(db, review, "rejected", actor, utcnow(), text)
    subject = N_("Your review of %(name)s was removed") if was_public else N_("Your review of %(name)s was not published")
    _tell_author(
        db, mailer, review, subject,
        N_("A partner of the network gave this reason: %(reason)s\n\nYou can edit your review and send it again:\n%(link)s"),
        name=space.name, reason=text, link=mailer.link(f"/spaces/{space.slug}/reviews/{review.id}/edit"),
    )  # fmt: skip
    db.commit()
    db.refresh(review)
    return review


@dataclass(frozen=True)
class ReviewsWaiting:
    """At one space, for its builders' desk: public reviews with no answer yet, and reviews the partner has
    still to approve (which the builders cannot act on, but like to know of)."""

    unanswered: int = 0
    pending: int = 0


def reviews_waiting_at(db: Session, space_ids: list[int]) -> dict[int, ReviewsWaiting]:
    rows = db.execute(
        select(
            Review.space_id,
            func.count().filter(Review.status == "approved", Review.answer.is_(None)),
            func.count().filter(Review.status == "pending"),
        )
        .where(Review.space_id.in_(space_ids))
        .group_by(Review.space_id)
    )
    found = {space_id: ReviewsWaiting(unanswered, pending) for space_id, unanswered, pending in rows}
    return {space_id: found.get(space_id, ReviewsWaiting()) for space_id in space_ids}
