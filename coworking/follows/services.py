"""The rules of following an area: sign up (double opt-in), confirm, unsubscribe, and the digests.

Each public function is one transaction, committed here (the digest: one per follow), so a follow and the
mail about it are written together or not at all.

No answer tells whether an address already follows an area: a repeated sign-up looks like a first one
on the page; only the inbox learns the difference (a reminder of the manage link instead of a new
confirmation).

The links' tokens are stored hashed. The confirm token is random and mailed once. The manage token must
be in every digest, so it is made again each time rather than stored: an HMAC of a random per-follow
nonce under the site's secret key. The database alone (a leaked backup) can make no link; a new secret
key makes new links (the next digest stores their hash) and retires the old ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from coworking.accounts.services import check_email, email_key
from coworking.accounts.sessions import token_hash
from coworking.activities.models import Activity
from coworking.activities.services import next_occurrence
from coworking.core.errors import InvalidInput
from coworking.core.i18n import Translator, translator
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.follows.area import area_label, area_pairs, area_query, canonical, query_from_string
from coworking.follows.models import FREQUENCIES, Follow
from coworking.spaces.models import Space
from coworking.spaces.query import FilterParams, SpaceQuery
from coworking.spaces.services import filtered_spaces

logger = logging.getLogger("coworking")

Link = Callable[[str], str]

# An unconfirmed sign-up is deleted after this (by `coworking digest`); its link stops working at once.
PENDING_LIFETIME = timedelta(days=7)
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# cron starts a little earlier or later each day: a digest is due this long before its period is over,
# so that a daily one is not skipped for a day because today's run began a minute early.
DUE_SLACK = timedelta(hours=1)
# A digest reads what was created up to this long ago, not up to now: a row's created_at is set when it is
# written, not when its transaction commits, so a long import still running would otherwise commit rows
# dated before a watermark that has already moved past them, and they would never be mailed.
SETTLE = timedelta(minutes=10)
# The most items of each kind one mail lists; the rest are a link to the search.
MAX_ITEMS = 50
FREQUENCY_LABELS = {"daily": N_("every day"), "weekly": N_("every week")}
EXPIRED_LINK = N_("This link has expired or was already used. Follow the area again to get a new one.")
UNSUBSCRIBE_PATH = "/follow/unsubscribe/"
ONE_CLICK = "List-Unsubscribe=One-Click"


def manage_token(follow: Follow, secret: str) -> str:
    """The manage/unsubscribe link's token of ``follow``: 43 URL-safe characters, the same every time."""
    digest = hmac.new(secret.encode("utf-8"), f"follow-manage:{follow.token_nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _dedupe_key(email: str, query: str) -> str:
    return hashlib.sha256(f"{email_key(email)}\n{query}".encode()).hexdigest()


def _mail_headers(link: Link, token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: the mail client's own "unsubscribe" button, one POST to this link."""
    return {"List-Unsubscribe": f"<{link(unsubscribe_path(token))}>", "List-Unsubscribe-Post": ONE_CLICK}


def unsubscribe_path(token: str) -> str:
    return UNSUBSCRIBE_PATH + token


def _footer(translate: Translator, follow: Follow, link: Link, token: str) -> str:
    return translate.gettext(
        N_("You receive this because you follow %(area)s (%(how_often)s). To see what you follow, or to stop: %(link)s"),
        area=follow.label,
        how_often=translate.gettext(FREQUENCY_LABELS[follow.frequency]),
        link=link(unsubscribe_path(token)),
    )


def _subject_area(label: str) -> str:
    return label if len(label) <= 100 else label[:99] + "…"


def follow_area(
    db: Session,
    email: str,
    frequency: str,
    params: FilterParams,
    language: str,
    link: Link,
    secret: str,
    now: datetime | None = None,
) -> None:
    """Sign ``email`` up for the area of ``params``: a pending follow and its confirmation mail (nothing else
    is sent until its link is followed). An address that already follows the area gets a reminder of its
    manage link instead; the caller answers the same either way. InvalidInput names every wrong field."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if problem := check_email(email):
        errors["email"] = problem
    if frequency not in FREQUENCIES:
        errors["frequency"] = N_("Choose how often: every day or every week.")
    query: SpaceQuery | None = None
    try:
        query = area_query(params)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors or query is None:
        raise InvalidInput(errors)
    address = email.strip()
    stored = canonical(query)
    translate = translator(language)
    follow = db.scalar(select(Follow).where(Follow.dedupe_key == _dedupe_key(address, stored)))
    if follow is not None and follow.confirmed_at is not None:
        token = manage_token(follow, secret)
        body = translate.gettext(
            N_("You asked to follow %(area)s, and you already do: nothing has changed.\n\n"
               "To see what you follow, or to stop: %(link)s"),
            area=follow.label,
            link=link(unsubscribe_path(token)),
        )  # fmt: skip
        subject = translate.gettext(N_("You already follow %(area)s"), area=_subject_area(follow.label))
        queue_mail(db, follow.email, subject, body, _mail_headers(link, token))
        db.commit()
        return
    if follow is None:
        nonce = secrets.token_urlsafe(32)
        follow = Follow(email=address, dedupe_key=_dedupe_key(address, stored), query=stored, token_nonce=nonce, manage_token_hash="")
        db.add(follow)
    # A new sign-up, or one again while the first waits: the latest wishes count, and a new link (the old one stops).
    follow.label = area_label(query, translate)
    follow.frequency, follow.language, follow.created_at = frequency, language, now
    follow.manage_token_hash = token_hash(manage_token(follow, secret))
    confirm = secrets.token_urlsafe(32)
    follow.confirm_token_hash = token_hash(confirm)
    body = translate.gettext(
        N_("Someone, we hope you, asked to be e-mailed about new rural coworking spaces and activities in: %(area)s (%(how_often)s).\n\n"
           "To start, confirm here: %(link)s\n\n"
           "If it was not you, ignore this message: nothing will be sent, and the request is deleted in 7 days."),
        area=follow.label,
        how_often=translate.gettext(FREQUENCY_LABELS[frequency]),
        link=link(f"/follow/confirm/{confirm}"),
    )  # fmt: skip
    subject = translate.gettext(N_("Confirm: follow %(area)s"), area=_subject_area(follow.label))
    queue_mail(db, address, subject, body, _mail_headers(link, manage_token(follow, secret)))
    try:
        db.commit()
    except IntegrityError:
        # The same address and area, sent twice at once: the other request has made the follow and its mail.
        db.rollback()


def pending_follow(db: Session, token: str, now: datetime | None = None) -> Follow:
    """The unconfirmed follow a confirm link belongs to; InvalidInput once it expired or was used."""
    now = now or utcnow()
    follow = db.scalar(select(Follow).where(Follow.confirm_token_hash == token_hash(token)))
    if follow is None or follow.confirmed_at is not None or follow.created_at < now - PENDING_LIFETIME:
        raise InvalidInput({"token": EXPIRED_LINK})
    return follow


def confirm_follow(db: Session, token: str, secret: str, now: datetime | None = None) -> str:
    """Confirm a follow by its link (the page's button, never the link's opening); returns its manage token.

    What is new is counted from now: a follow is not sent what was there before it began.
    """
    now = now or utcnow()
    follow = pending_follow(db, token, now)
    follow.confirmed_at = follow.watermark = now
    follow.confirm_token_hash = None
    db.commit()
    return manage_token(follow, secret)


def follow_for(db: Session, token: str) -> Follow | None:
    """The follow a manage/unsubscribe link belongs to (pending or confirmed), or None."""
    return db.scalar(select(Follow).where(Follow.manage_token_hash == token_hash(token)))


def unsubscribe(db: Session, token: str) -> bool:
    """End the follow of this manage link: its row is deleted (the address with it). False if there was none."""
    deleted = db.execute(delete(Follow).where(Follow.manage_token_hash == token_hash(token))).rowcount
    db.commit()
    return deleted == 1


# -- what is new --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaNews:
    """The newest spaces and activities of an area (newest first, at most a limit of each) and how many in all."""

    spaces: list[Space] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    space_count: int = 0
    activity_count: int = 0

    def __bool__(self) -> bool:
        return bool(self.space_count or self.activity_count)


def area_news(db: Session, query: SpaceQuery, until: datetime, since: datetime | None = None, limit: int = MAX_ITEMS) -> AreaNews:
    """Spaces listed, and activities added at the area's spaces, after ``since`` (if given) up to ``until``."""
    matching = filtered_spaces(query, until, db.get_bind().dialect.name)

    def window(created_at):  # noqa: ANN001, ANN202 - a column
        return and_(created_at > since, created_at <= until) if since is not None else created_at <= until

    new_spaces = matching.where(window(Space.created_at))
    new_activities = select(Activity).where(Activity.space_id.in_(matching.with_only_columns(Space.id)), window(Activity.created_at))
    count = lambda statement: db.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0  # noqa: E731
    return AreaNews(
        spaces=list(db.scalars(new_spaces.order_by(Space.created_at.desc(), Space.id.desc()).limit(limit))),
        activities=list(
            db.scalars(
                new_activities.options(joinedload(Activity.space)).order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit)
            )
        ),
        space_count=count(new_spaces),
        activity_count=count(new_activities),
    )


# -- the digests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestReport:
    due: int
    sent: int
    expired: int


def _is_due(now: datetime):  # noqa: ANN202 - a SQL condition
    return or_(
        *(
            and_(Follow.frequency == frequency, Follow.watermark <= now - (period - DUE_SLACK))
            for frequency, period in PERIODS.items()
        )
    )


def send_area_digests(db: Session, link: Link, secret: str, now: datetime | None = None) -> DigestReport:
    """Mail each confirmed follow whose period is over what is new in its area since its last digest;
    delete the sign-ups left unconfirmed for PENDING_LIFETIME. Idempotent: safe to run from cron at any rate.

    A follow is claimed by moving its watermark (an UPDATE that names the old one, so two runs at once never
    both take it); the mail and the claim commit together, one follow at a time. Nothing new: no mail, but
    the watermark moves all the same, so nothing old is ever sent later.
    """
    now = now or utcnow()
    expired = db.execute(delete(Follow).where(Follow.confirmed_at.is_(None), Follow.created_at < now - PENDING_LIFETIME)).rowcount
    db.commit()
    due = db.execute(select(Follow.id, Follow.watermark).where(Follow.confirmed_at.is_not(None), _is_due(now)).order_by(Follow.id)).all()
    db.commit()
    sent = 0
    until = now - SETTLE
    for follow_id, watermark in due:
        if watermark >= until:
            continue  # confirmed a moment ago: nothing has settled since
        claimed = db.execute(update(Follow).where(Follow.id == follow_id, Follow.watermark == watermark).values(watermark=until)).rowcount
        follow = db.get(Follow, follow_id, populate_existing=True) if claimed == 1 else None
        if follow is None:
            db.rollback()  # another run took it, or it was unsubscribed meanwhile
            continue
        try:
            query = query_from_string(follow.query)
        except InvalidInput:
            # A filter the directory no longer has (an amenity retired): nothing to match; the watermark moves on.
            logger.warning("Follow %s names a search that is no longer valid", follow.id)
            db.commit()
            continue
        news = area_news(db, query, until, since=watermark)
        if news:
            _queue_digest(db, follow, query, news, watermark, until, link, secret)
            follow.last_sent_at = now
            sent += 1
        db.commit()
    return DigestReport(due=len(due), sent=sent, expired=expired)


def _queue_digest(
    db: Session, follow: Follow, query: SpaceQuery, news: AreaNews, since: datetime, now: datetime, link: Link, secret: str
) -> None:
    translate = translator(follow.language)
    token = manage_token(follow, secret)
    hashed = token_hash(token)
    if follow.manage_token_hash != hashed:
        follow.manage_token_hash = hashed  # the secret key changed: this mail's link is the one that works now
    search = "?" + urlencode(area_pairs(query)) if follow.query else ""
    lines = [translate.gettext(N_("New in %(area)s since %(date)s:"), area=follow.label, date=translate.date(since))]
    if news.spaces:
        lines += ["", translate.gettext(N_("New spaces"))]
        for space in news.spaces:
            place = f"{space.town}, {translate.country_name(space.country_code)}"
            lines.append(f"- {space.name} ({place}): {link('/spaces/' + space.slug)}")
        if news.space_count > len(news.spaces):
            lines.append(translate.gettext(N_("And more: %(link)s"), link=link("/spaces" + search)))
    if news.activities:
        lines += ["", translate.gettext(N_("New activities"))]
        for activity in news.activities:
            when = next_occurrence(activity, now) or activity.starts_at
            date = translate.datetime(when, "medium") if when else translate.gettext(N_("date not yet known"))
            space = activity.space
            lines.append(f"- {activity.title} ({date}) · {space.name}, {space.town}: {link(f'/activities/{activity.id}')}")
        if news.activity_count > len(news.activities):
            lines.append(translate.gettext(N_("And more: %(link)s"), link=link("/data/activities.ics" + search)))
    lines += [
        "",
        translate.gettext(N_("The same as a feed: %(link)s"), link=link("/feeds/area.atom" + search)),
        translate.gettext(N_("The area's activities in your calendar: %(link)s"), link=link("/data/activities.ics" + search)),
        "",
        _footer(translate, follow, link, token),
    ]
    subject = translate.gettext(N_("New in %(area)s"), area=_subject_area(follow.label))
    queue_mail(db, follow.email, subject, "\n".join(lines), _mail_headers(link, token))
