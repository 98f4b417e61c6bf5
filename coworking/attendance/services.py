"""The rules of "I'll come": signing up for one date of an activity without an account, confirming by the
e-mailed link, the waiting list of a full date, cancelling, the builders' list, the day-before reminder, and
forgetting. Each public function that writes is one transaction, committed here: a place and the e-mails
about it are written together or not at all.

Places are counted inside the transaction that takes or frees one, after the activity's row is locked
(SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer at a time, and a no-op write takes its lock before
the count): two people confirming the last place at once get one place and one spot on the waiting list,
never two places.

No answer tells whether an address already signed up: a second sign-up looks like a first one on the page,
and only the inbox learns the difference (the same link again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import Mailer, check_email, email_key
from coworking.accounts.sessions import token_hash
from coworking.activities.models import Activity
from coworking.activities.recurrence import Occurrence, expand, find_occurrence, in_pause, next_occurrences, zone_of
from coworking.activities.services import is_upcoming_clause
from coworking.attendance.models import Attendance
from coworking.attendance.vocabulary import HOLDING
from coworking.core.errors import InvalidInput
from coworking.core.i18n import Translator, translator
from coworking.core.links import http_url
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.spaces.models import Space

Link = Callable[[str], str]

MAX_NAME = 80
# The longest key a date can have ("2026-12-01T18:00"): anything longer names no date.
MAX_KEY = 20
# A sign-up not confirmed within two days is deleted (and its link stops working at once).
CONFIRM_WITHIN = timedelta(days=2)
# 30 days after the date, names, addresses and links are erased; the numbers stay.
KEEP_AFTER = timedelta(days=30)
# The daily run reminds each person coming once, at its first run less than 48 hours before the start: the
# day before (or two days before, depending on the hour cron runs), never missed by a run starting late.
REMIND_AHEAD = timedelta(hours=48)
# Nobody who took their place (or confirmed the sign-up that became one) in the last 24 hours before the
# start is reminded: they have just done it.
FRESH = timedelta(hours=24)

_NO_SUCH_LINK = N_("This link does not work: it may be mistyped, or the sign-up was not confirmed within two days and was deleted. You can sign up again from the activity's page.")
_GONE = N_("This date is no longer in the activity's calendar: the space has moved or removed it.")


class UnknownLink(InvalidInput):
    """The link names no sign-up (mistyped, erased, or left unconfirmed past its two days)."""

    def __init__(self) -> None:
        super().__init__({"token": _NO_SUCH_LINK})


class AlreadyConfirmed(InvalidInput):
    """The confirmation link's button was pressed before: the sign-up counts already."""

    def __init__(self, attendance: Attendance) -> None:
        super().__init__({"token": N_("You have already confirmed this sign-up: it counts. Your page shows where it stands.")})
        self.attendance = attendance


@dataclass(frozen=True)
class ActivityDate:
    """One date of an activity, as a sign-up names it. ``occurrence`` None: the date has left the calendar
    (then ``starts_at`` is when it was to start)."""

    activity: Activity
    space: Space
    key: str
    occurrence: Occurrence | None
    starts_at: datetime  # UTC

    @property
    def local_start(self) -> datetime:
        """The start on the activity's own clock (what people are told)."""
        return self.starts_at.astimezone(zone_of(self.activity))


@dataclass(frozen=True)
class Turnout:
    """How a date fills: people coming, its places (None: no limit), people waiting, and whether it takes
    sign-ups now (not cancelled, paused, begun or over)."""

    coming: int
    capacity: int | None
    waiting: int
    open: bool

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.coming, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.coming >= self.capacity


def link_token(attendance: Attendance, secret: str) -> str:
    """The token of a sign-up's link: 43 URL-safe characters, the same in every mail about it."""
    digest = hmac.new(secret.encode("utf-8"), f"attendance:{attendance.token_nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_date(db: Session, activity_id: int, key: str) -> ActivityDate | None:
    """The date a link names by its activity and key; None when there is no such activity or date."""
    if len(key) > MAX_KEY:
        return None
    activity = db.get(Activity, activity_id)
    if activity is None:
        return None
    occurrence = find_occurrence(activity, key)
    if occurrence is None:
        return None
    return ActivityDate(activity, activity.space, key, occurrence, occurrence.starts_at)


def refusal(date: ActivityDate, now: datetime | None = None) -> str | None:
    """Why ``date`` takes no sign-ups now (a msgid), or None when it does."""
    now = now or utcnow()
    activity, occurrence = date.activity, date.occurrence
    if occurrence is None:
        return _GONE
    if date.space.status == "closed":
        return N_("This space has closed: its activities take no sign-ups.")
    if activity.status == "cancelled":
        return N_("This activity is cancelled: it takes no sign-ups.")
    if occurrence.cancelled:
        return N_("This date is cancelled: it takes no sign-ups. The activity's page shows its other dates.")
    if in_pause(activity, occurrence.starts_at):
        return N_("This series is paused: this date does not take place for now.")
    if occurrence.starts_at <= now:
        return N_("This date has begun or is over: it takes no more sign-ups.")
    return None


def _counts(db: Session, activity_id: int, key: str) -> dict[str, int]:
    counted = {status: 0 for status in HOLDING}
    rows = db.execute(
        select(Attendance.status, func.count())
        .where(Attendance.activity_id == activity_id, Attendance.occurrence == key, Attendance.status.in_(HOLDING))
        .group_by(Attendance.status)
    )
    counted.update({status: number for status, number in rows})
    return counted


def turnout_of(db: Session, date: ActivityDate, now: datetime | None = None) -> Turnout:
    counted = _counts(db, date.activity.id, date.key)
    return Turnout(counted["coming"], date.activity.capacity, counted["waiting"], refusal(date, now) is None)


def turnout(db: Session, activity_id: int, key: str, now: datetime | None = None) -> Turnout | None:
    """For an activity's page: how the date ``key`` fills, and whether to offer "I'll come"; None for no such date."""
    date = find_date(db, activity_id, key)
    return None if date is None else turnout_of(db, date, now)


def when(translate: Translator, date: ActivityDate) -> str:
    """The date's start on the activity's own clock, in the reader's words: "Tuesday, 1 December 2026, 18:00"."""
    return f"{translate.date(date.local_start, 'full')}, {translate.time(date.starts_at, 'short', date.activity.time_zone)}"


def _lock(db: Session, activity_id: int) -> Activity:
    """The activity, its row locked until the transaction ends: counting places after this sees every place
    taken before, and nobody takes one meanwhile."""
    if db.get_bind().dialect.name == "sqlite":
        # pysqlite opens a transaction at the first write, not at a read: a write that changes nothing takes
        # SQLite's one writer's lock now, before the count.
        table = Activity.__table__
        db.execute(update(table).where(table.c.id == activity_id).values(id=table.c.id, updated_at=table.c.updated_at))
    return db.scalars(
        select(Activity).where(Activity.id == activity_id).with_for_update().execution_options(populate_existing=True)
    ).one()


# -- the person's side --------------------------------------------------------------------------------


def _mail_facts(translate: Translator, date: ActivityDate) -> dict[str, str]:
    return {"title": date.activity.title, "space": date.space.name, "town": date.space.town, "when": when(translate, date)}


def sign_up(
    db: Session, date: ActivityDate, name: str, email: str, mailer: Mailer, secret: str, now: datetime | None = None
) -> None:
    """Sign ``email`` up for ``date`` under ``name`` (pending: it counts once its link's button is pressed) and
    mail the link, in the mailer's language (the person's). An address that already holds a place or a spot
    on the waiting list gets its link again and nothing changes; one that waits for its confirmation, or
    cancelled, starts again with the same link. InvalidInput with a message per field."""
    now = now or utcnow()
    if (reason := refusal(date, now)) is not None:
        raise InvalidInput({"occurrence": reason})
    errors: dict[str, str] = {}
    chosen = " ".join(name.split())
    if not chosen:
        errors["name"] = N_("Enter your name or a nickname: the space's community builders see it.")
    elif len(chosen) > MAX_NAME:
        errors["name"] = N_("This is too long: shorten it to 80 characters.")
    if problem := check_email(email):
        errors["email"] = problem
    if errors:
        raise InvalidInput(errors)
    address = email.strip()
    translate = mailer.translator
    facts = _mail_facts(translate, date)
    found = db.scalar(
        select(Attendance).where(
            Attendance.activity_id == date.activity.id, Attendance.occurrence == date.key, Attendance.email_key == email_key(address)
        )
    )
    if found is not None and found.status in HOLDING:
        queue_mail(
            db,
            found.email or address,
            translate.gettext(N_("You are already signed up: %(title)s"), title=date.activity.title),
            translate.gettext(
                N_(
                    "Someone, we hope you, signed up again with this address for %(title)s at %(space)s, %(town)s, on %(when)s.\n\n"
                    "You are already signed up: nothing has changed. Your sign-up, where it stands, and the button to cancel it:\n%(link)s"
                ),
                link=mailer.link(f"/attendance/{link_token(found, secret)}"),
                **facts,
            ),
        )
        db.commit()
        return
    if found is None:
        found = Attendance(
            activity_id=date.activity.id, occurrence=date.key, email_key=email_key(address), token_nonce=secrets.token_urlsafe(32)
        )
        db.add(found)
    # New, waiting for its confirmation, or cancelled before: the latest wishes count, under the same link.
    found.name, found.email, found.language = chosen, address, translate.locale
    found.starts_at = date.occurrence.starts_at
    found.status, found.created_at, found.confirmed_at, found.reminded_at = "pending", now, None, None
    token = link_token(found, secret)
    found.token_hash = token_hash(token)
    queue_mail(
        db,
        address,
        translate.gettext(N_("Confirm your place: %(title)s"), title=date.activity.title),
        translate.gettext(
            N_(
                "You signed up as %(name)s for %(title)s at %(space)s, %(town)s, on %(when)s.\n\n"
                "To take your place, open this link and press the button within two days:\n%(link)s\n\n"
                "The same link then shows your place and lets you cancel it. Only the space's community builders see your name and address.\n"
                "If you did not sign up, ignore this e-mail: without confirmation the sign-up is deleted."
            ),
            name=chosen,
            link=mailer.link(f"/attendance/{token}/confirm"),
            **facts,
        ),
    )
    try:
        db.commit()
    except IntegrityError:
        # The same address and date, sent twice at once: the other request has made the sign-up and its mail.
        db.rollback()


def find_attendance(db: Session, token: str, now: datetime | None = None) -> tuple[Attendance, ActivityDate]:
    """The sign-up a link names, with its date; InvalidInput when the link names none (unknown, erased, or a
    sign-up left unconfirmed past its two days): UnknownLink."""
    now = now or utcnow()
    attendance = db.scalar(select(Attendance).where(Attendance.token_hash == token_hash(token))) if len(token) <= 100 else None
    if attendance is None or (attendance.status == "pending" and _as_utc(attendance.created_at) < now - CONFIRM_WITHIN):
        raise UnknownLink()
    activity = db.get(Activity, attendance.activity_id)
    return attendance, _date_of(activity, attendance.occurrence, attendance.starts_at)


def _date_of(activity: Activity, key: str, planned: datetime) -> ActivityDate:
    """The date ``key`` of ``activity`` as it stands now (``planned``: when it was to start, should it be gone)."""
    occurrence = find_occurrence(activity, key)
    return ActivityDate(activity, activity.space, key, occurrence, occurrence.starts_at if occurrence else _as_utc(planned))


def check_confirmable(db: Session, token: str, now: datetime | None = None) -> tuple[Attendance, ActivityDate]:
    """The sign-up a confirmation link would confirm (for its page, which changes nothing): AlreadyConfirmed
    when it was, InvalidInput when it cannot be (see ``find_attendance``; the date was cancelled or has begun
    meanwhile)."""
    attendance, date = find_attendance(db, token, now)
    if attendance.status != "pending":
        raise AlreadyConfirmed(attendance)
    if (reason := refusal(date, now)) is not None:
        raise InvalidInput({"token": reason})
    return attendance, date


def confirm(db: Session, token: str, now: datetime | None = None) -> Attendance:
    """The person pressed the link's button: a place if the date has one left, else the end of its waiting
    list. Works once (AlreadyConfirmed after)."""
    now = now or utcnow()
    attendance, date = check_confirmable(db, token, now)
    activity = _lock(db, date.activity.id)
    locked = _date_of(activity, date.key, date.starts_at)
    if (reason := refusal(locked, now)) is not None:
        db.rollback()
        raise InvalidInput({"token": reason})
    coming = _counts(db, activity.id, date.key)["coming"]
    status = "coming" if activity.capacity is None or coming < activity.capacity else "waiting"
    # Conditional: of two presses at once, one confirms and the other is told it was done.
    confirmed = db.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.status == "pending")
        .values(status=status, confirmed_at=now, starts_at=locked.starts_at)
    ).rowcount
    if not confirmed:
        db.rollback()
        raise AlreadyConfirmed(attendance)
    db.commit()
    db.refresh(attendance)
    return attendance


def waiting_position(db: Session, attendance: Attendance) -> int | None:
    """Where a waiting sign-up stands in its line (1: next to move up); None for one not waiting."""
    if attendance.status != "waiting" or attendance.confirmed_at is None:
        return None
    ahead = db.scalar(
        select(func.count()).where(
            Attendance.activity_id == attendance.activity_id,
            Attendance.occurrence == attendance.occurrence,
            Attendance.status == "waiting",
            (Attendance.confirmed_at < attendance.confirmed_at)
            | ((Attendance.confirmed_at == attendance.confirmed_at) & (Attendance.id < attendance.id)),
        )
    )
    return (ahead or 0) + 1


def cancel(db: Session, token: str, link: Link, secret: str, now: datetime | None = None) -> Attendance:
    """The person frees their place (or leaves the waiting list, or drops an unconfirmed sign-up); a freed
    place goes to the first on the waiting list, who is told by e-mail in their language. InvalidInput when
    there is nothing to cancel any more."""
    now = now or utcnow()
    attendance, date = find_attendance(db, token, now)
    if attendance.status == "cancelled":
        raise InvalidInput({"token": N_("You have already cancelled this sign-up.")})
    if refusal(date, now) is not None:
        raise InvalidInput({"token": N_("This date has begun, is over or was cancelled: there is no place to free.")})
    activity = _lock(db, date.activity.id)
    db.refresh(attendance)  # under the lock: nobody moves it up or cancels it meanwhile
    held = attendance.status
    if held == "cancelled":
        db.rollback()
        raise InvalidInput({"token": N_("You have already cancelled this sign-up.")})
    attendance.status = "cancelled"
    if held == "coming":
        db.flush()
        _fill_places(db, activity, date.key, link, secret, now)
    db.commit()
    return attendance


def _fill_places(db: Session, activity: Activity, key: str, link: Link, secret: str, now: datetime) -> int:
    """Move the first on the waiting list up to the places left (the activity locked by the caller), each told
    by e-mail; how many moved up."""
    date = _date_of(activity, key, now)
    if refusal(date, now) is not None:
        return 0
    line = (
        select(Attendance)
        .where(Attendance.activity_id == activity.id, Attendance.occurrence == key, Attendance.status == "waiting")
        .order_by(Attendance.confirmed_at, Attendance.id)
    )
    if activity.capacity is not None:
        free = activity.capacity - _counts(db, activity.id, key)["coming"]
        if free <= 0:
            return 0
        line = line.limit(free)
    moved = 0
    for person in db.scalars(line).all():
        person.status = "coming"
        moved += 1
        if person.email is None:
            continue
        translate = translator(person.language)
        queue_mail(
            db,
            person.email,
            translate.gettext(N_("A place for you: %(title)s"), title=activity.title),
            translate.gettext(
                N_(
                    "A place has come free: you are now coming to %(title)s at %(space)s, %(town)s, on %(when)s.\n\n"
                    "If you cannot come after all, please free the place for the next person on the waiting list:\n%(link)s"
                ),
                link=link(f"/attendance/{link_token(person, secret)}"),
                **_mail_facts(translate, date),
            ),
        )
    return moved


# -- the space's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateSignUps:
    """One date of one of the space's activities and who signed up for it: coming (first confirmed first),
    then the waiting list in its order. ``occurrence`` None: the date has left the calendar."""

    activity: Activity
    key: str
    occurrence: Occurrence | None
    starts_at: datetime
    coming: list[Attendance]
    waiting: list[Attendance]

    @property
    def cancelled(self) -> bool:
        return self.occurrence is None or self.occurrence.cancelled

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(zone_of(self.activity))


def space_attendance(db: Session, actor: Actor, space: Space, now: datetime | None = None) -> list[DateSignUps]:
    """The dates of ``space``'s activities not yet over that someone holds a place or a spot on the waiting
    list for, soonest first, with the people (names and addresses). 403 for whoever is not one of its
    builders or an admin."""
    authorize(actor, Permission.ATTENDANCE_READ, space)
    now = now or utcnow()
    rows = db.scalars(
        select(Attendance)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Activity.space_id == space.id, Attendance.status.in_(HOLDING), Attendance.email.is_not(None))
        .order_by(Attendance.confirmed_at, Attendance.id)
    ).all()
    groups: dict[tuple[int, str], list[Attendance]] = {}
    for row in rows:
        groups.setdefault((row.activity_id, row.occurrence), []).append(row)
    dates = []
    for (activity_id, key), people in groups.items():
        activity = db.get(Activity, activity_id)
        occurrence = find_occurrence(activity, key)
        starts = occurrence.starts_at if occurrence else _as_utc(people[0].starts_at)
        ends = (occurrence.ends_at if occurrence else None) or starts
        if ends < now:
            continue
        coming = [person for person in people if person.status == "coming"]
        waiting = [person for person in people if person.status == "waiting"]
        dates.append(DateSignUps(activity, key, occurrence, starts, coming, waiting))
    return sorted(dates, key=lambda date: (date.starts_at, date.activity.title))


# -- the daily run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRun:
    reminded: int
    moved_up: int


def _where(translate: Translator, date: ActivityDate) -> str:
    lines = []
    if date.activity.at_space:
        address = ", ".join(part for part in (date.space.name, date.space.street_address, date.space.town) if part)
        lines.append(translate.gettext(N_("Where: %(address)s"), address=address))
    if online := http_url(date.activity.online_url):
        lines.append(translate.gettext(N_("Online: %(link)s"), link=online))
    return "\n".join(lines)


def send_attendance_reminders(db: Session, link: Link, secret: str, now: datetime | None = None) -> ReminderRun:
    """Run daily (``coworking remind``): remind each person coming to a date that starts within
    ``REMIND_AHEAD`` (once: ``reminded_at``), with its time on the activity's clock, the place or the online
    link, and the link to cancel. On the way, dates that moved carry their sign-ups' start with them, and
    places a builder added (a larger capacity) go to the waiting list. One transaction per date."""
    now = now or utcnow()
    keys = db.execute(
        select(Attendance.activity_id, Attendance.occurrence)
        .where(Attendance.status.in_(HOLDING), Attendance.email.is_not(None), Attendance.starts_at >= now - KEEP_AFTER)
        .group_by(Attendance.activity_id, Attendance.occurrence)
        .order_by(Attendance.activity_id, Attendance.occurrence)
    ).all()
    reminded = moved = 0
    for activity_id, key in keys:
        activity = db.get(Activity, activity_id)
        occurrence = find_occurrence(activity, key) if activity else None
        if occurrence is None:
            continue
        this_date = (Attendance.activity_id == activity_id) & (Attendance.occurrence == key)
        db.execute(update(Attendance).where(this_date, Attendance.starts_at != occurrence.starts_at).values(starts_at=occurrence.starts_at))
        date = ActivityDate(activity, activity.space, key, occurrence, occurrence.starts_at)
        if refusal(date, now) is None:
            if _counts(db, activity_id, key)["waiting"]:
                moved += _fill_places(db, _lock(db, activity_id), key, link, secret, now)
            if occurrence.starts_at <= now + REMIND_AHEAD:
                due = db.scalars(
                    select(Attendance).where(
                        this_date,
                        Attendance.status == "coming",
                        Attendance.reminded_at.is_(None),
                        Attendance.email.is_not(None),
                        Attendance.confirmed_at <= occurrence.starts_at - FRESH,
                    )
                ).all()
                for person in due:
                    _remind(db, person, date, link, secret)
                    person.reminded_at = now
                    reminded += 1
        db.commit()
    return ReminderRun(reminded, moved)


def _remind(db: Session, person: Attendance, date: ActivityDate, link: Link, secret: str) -> None:
    translate = translator(person.language)
    facts = _mail_facts(translate, date)
    parts = [
        translate.gettext(N_("A reminder: you are coming to %(title)s at %(space)s, %(town)s, on %(when)s."), **facts),
        _where(translate, date),
        translate.gettext(
            N_("If you cannot come, please free your place: someone on the waiting list may take it.\n%(link)s"),
            link=link(f"/attendance/{link_token(person, secret)}"),
        ),
    ]
    subject = translate.gettext(N_("Reminder: %(title)s, %(when)s"), title=date.activity.title, when=facts["when"])
    queue_mail(db, person.email, subject, "\n\n".join(part for part in parts if part))


@dataclass(frozen=True)
class Forgotten:
    deleted: int
    erased: int


def forget_attendances(db: Session, now: datetime | None = None) -> Forgotten:
    """Run daily (``coworking remind``): delete sign-ups never confirmed within two days; 30 days after a
    date, erase its sign-ups' names, addresses and links, keeping the numbers (activity, date, status)."""
    now = now or utcnow()
    deleted = db.execute(
        delete(Attendance).where(Attendance.status == "pending", Attendance.created_at < now - CONFIRM_WITHIN)
    ).rowcount
    erased = db.execute(
        update(Attendance)
        .where(Attendance.starts_at < now - KEEP_AFTER, Attendance.email.is_not(None))
        .values(name=None, email=None, email_key=None, token_nonce=None, token_hash=None)
    ).rowcount
    db.commit()
    return Forgotten(deleted, erased)


# -- for the builder's desk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingDate:
    """One coming date of a space's activity with its sign-ups, for the builder's desk."""

    occurrence: Occurrence
    coming: int
    waiting: int

    @property
    def activity(self) -> Activity:
        return self.occurrence.activity


def upcoming_dates(db: Session, space_ids: list[int], now: datetime, per_space: int = 5) -> dict[int, list[UpcomingDate]]:
    """The next ``per_space`` dates (cancelled ones too: their people must be told) of each space's activities,
    soonest first, with how many come and wait. Series are expanded (bounded by ``per_space`` each)."""
    activities = db.scalars(
        select(Activity).where(Activity.space_id.in_(space_ids), is_upcoming_clause(now)).order_by(Activity.id)
    ).all()
    counts: dict[tuple[int, str, str], int] = {}
    if activities:
        rows = db.execute(
            select(Attendance.activity_id, Attendance.occurrence, Attendance.status, func.count())
            .where(Attendance.activity_id.in_([activity.id for activity in activities]), Attendance.status.in_(HOLDING))
            .group_by(Attendance.activity_id, Attendance.occurrence, Attendance.status)
        )
        counts = {(activity_id, key, status): count for activity_id, key, status, count in rows}
    found: dict[int, list[UpcomingDate]] = {space_id: [] for space_id in space_ids}
    for activity in activities:
        for occurrence in next_occurrences(activity, now, per_space, with_cancelled=True):
            key = (activity.id, occurrence.key)
            found[activity.space_id].append(UpcomingDate(occurrence, counts.get((*key, "coming"), 0), counts.get((*key, "waiting"), 0)))
    return {space_id: sorted(dates, key=lambda date: date.occurrence.starts_at)[:per_space] for space_id, dates in found.items()}


# -- when the space changes a date --------------------------------------------------------------------


@dataclass(frozen=True)
class Notices:
    """How to tell people of a changed date: the site's links, and the secret their private links are made with."""

    link: Link
    secret: str


def _same_day(activity: Activity, planned: datetime) -> Occurrence | None:
    """The series' date on the local day ``planned`` fell on (after an edit changed its time or rule)."""
    zone = zone_of(activity)
    day = _as_utc(planned).astimezone(zone).date()
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    found = [occurrence for occurrence in expand(activity, start, start + timedelta(days=1)) if occurrence.local_start().date() == day]
    return found[0] if found else None


def follow_dates(db: Session, activity: Activity, notices: Notices | None, now: datetime | None = None) -> None:
    """In the transaction that changed ``activity``'s dates (an edit, a moved or cancelled date, a pause, a
    cancellation, a revert), once the change is applied: each sign-up for a date still ahead follows it. A
    date at a new time (moved, or the series' time changed: the same local day) keeps its people, who are
    told the new time; a date that no longer takes place cancels their sign-ups, and they are told. Without
    ``notices`` the rows follow and nobody is mailed (imports, tests)."""
    now = now or utcnow()
    people = db.scalars(
        select(Attendance).where(
            Attendance.activity_id == activity.id, Attendance.status.in_(("pending", *HOLDING)), Attendance.starts_at >= now
        )
    ).all()
    for person in people:
        occurrence = find_occurrence(activity, person.occurrence) or _same_day(activity, person.starts_at)
        gone = (
            occurrence is None
            or occurrence.cancelled
            or activity.status == "cancelled"
            or in_pause(activity, occurrence.starts_at)
        )
        if gone:
            told = person.status in HOLDING
            person.status = "cancelled"
            if told and notices and person.email:
                _tell(db, person, activity, None, notices)
        elif occurrence.key != person.occurrence or occurrence.starts_at != _as_utc(person.starts_at):
            person.occurrence, person.starts_at = occurrence.key, occurrence.starts_at
            if person.status in HOLDING and notices and person.email:
                _tell(db, person, activity, occurrence, notices)


def cancel_everyone(db: Session, activity: Activity, notices: Notices | None, now: datetime | None = None) -> None:
    """Before ``activity`` is deleted (its sign-ups go with it): tell everyone holding a place or waiting for a
    date still ahead that it will not take place."""
    now = now or utcnow()
    for person in db.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id, Attendance.status.in_(HOLDING), Attendance.starts_at >= now)
    ).all():
        if notices and person.email:
            _tell(db, person, activity, None, notices, with_link=False)


def _tell(db: Session, person: Attendance, activity: Activity, moved_to: Occurrence | None, notices: Notices, *, with_link: bool = True) -> None:
    """Mail ``person`` that their date moved (to ``moved_to``) or will not take place (None)."""
    translate = translator(person.language)
    planned = ActivityDate(activity, activity.space, person.occurrence, moved_to, moved_to.starts_at if moved_to else _as_utc(person.starts_at))
    facts = _mail_facts(translate, planned)
    if moved_to is not None:
        subject = translate.gettext(N_("New time: %(title)s"), title=activity.title)
        body = translate.gettext(N_("%(title)s at %(space)s, %(town)s, now takes place on %(when)s. You keep your place."), **facts)
    else:
        subject = translate.gettext(N_("Cancelled: %(title)s"), title=activity.title)
        body = translate.gettext(N_("%(title)s at %(space)s, %(town)s, on %(when)s will not take place: the space has cancelled it. We are sorry."), **facts)
    if with_link:
        body += "\n\n" + translate.gettext(N_("Your sign-up: %(link)s"), link=notices.link(f"/attendance/{link_token(person, notices.secret)}"))
    queue_mail(db, person.email, subject, body)
