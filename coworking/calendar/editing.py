"""Writing a space's resident activities: create, edit, cancel or move one date of a series (and restore it),
pause and resume a series, cancel, reinstate or delete an activity, revert it to an earlier revision.

Each is one transaction, committed here: the activity and its revision (subject "activity", the space's
country) are written together or not at all. Each service asks ``can()`` with the activity's space: its
community builders, its country's partners and admins may write it; only partners and admins revert.

An activity's recorded state keeps its times as the space's clock reads them ("2026-06-02T18:00") beside
its zone, as the form shows them; UTC is derived when applied, with ``last_ends_at`` (what "still ahead" is
asked of) recomputed on every save. No lost updates: an edit names the version it began at; when someone
saved meanwhile, nothing is written and the editor gets a merge, as a listing's edit does.

A deleted activity is gone from the calendar; its revisions stay (revisions name their subject, they do not
link it), the last one saying it was deleted, by whom and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.activities.models import Activity
from coworking.activities.recurrence import (
    CANCELLED,
    MAX_OCCURRENCES,
    MOVED,
    Occurrence,
    find_occurrence,
    last_end,
    local_time,
    next_occurrences,
    occurrence_key,
    zone_of,
)
from coworking.attendance.services import Notices, cancel_everyone, follow_dates
from coworking.calendar.forms import EDITABLE, local_iso, occurrence_starts
from coworking.calendar.vocabulary import ACTIVITY_FIELDS
from coworking.core.errors import InvalidInput
from coworking.core.i18n import timezone_for_country
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.revisions import history
from coworking.revisions import services as revisions
from coworking.revisions.history import FieldChange, RevisionRow, field_change
from coworking.revisions.models import Revision
from coworking.spaces.editing import author_role, get_listing
from coworking.spaces.listing import MAX_SUMMARY
from coworking.spaces.models import Space

SUBJECT = "activity"
State = dict[str, Any]
# Everything a revision keeps of an activity, and what a revert restores.
RECORDED = tuple(ACTIVITY_FIELDS)
# Revisions that leave nothing to restore to.
NOT_RESTORABLE = ("deleted", *revisions.EVENTS)


@dataclass
class ActivityConflict(Exception):
    """Someone saved the activity after this edit began: the merge to show (nothing was written).

    ``merged``: the editor's fields with the others' changes taken into those the editor left alone;
    ``theirs``: for each field both changed differently, the value saved meanwhile; ``taken``: the fields
    that took the others' value.
    """

    version: int
    merged: State
    theirs: dict[str, Any] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)


# -- finding what to write -------------------------------------------------------------------------


def space_for_keeping(db: Session, actor: Actor, slug: str) -> Space | None:
    """The space a path names, if there is one and ``actor`` keeps its activities (else 401/403)."""
    space = get_listing(db, slug)
    if space is not None:
        authorize(actor, Permission.ACTIVITY_EDIT, space)
    return space


def get_activity(db: Session, activity_id: int) -> Activity | None:
    return db.scalar(select(Activity).where(Activity.id == activity_id).options(joinedload(Activity.space)))


def activity_for_keeping(db: Session, actor: Actor, activity_id: int) -> Activity | None:
    """The activity a path names, if there is one and ``actor`` keeps its space's activities (else 401/403)."""
    activity = get_activity(db, activity_id)
    if activity is not None:
        authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    return activity


def space_zone(space: Space) -> str:
    """The zone a new activity of ``space`` is typed in: its country's."""
    return timezone_for_country(space.country_code)


def zone_name(activity: Activity) -> str:
    """The zone an activity's times are typed and shown in (UTC for a zone the tz database does not know)."""
    return zone_of(activity).key


# -- the recorded state ----------------------------------------------------------------------------


def activity_state(activity: Activity) -> State:
    """What each revision keeps of an activity (JSON-able; times on its own clock)."""
    zone = zone_of(activity)
    return {
        "title": activity.title,
        "kind": activity.kind,
        "description": activity.description,
        "language": activity.language,
        "starts": local_iso(activity.starts_at, zone),
        "ends": local_iso(activity.ends_at, zone),
        "time_zone": activity.time_zone,
        "rrule": activity.rrule,
        "exceptions": [dict(entry) for entry in activity.exceptions or []],
        "status": activity.status,
        "paused_at": activity.paused_at.astimezone(UTC).isoformat(timespec="seconds") if activity.paused_at else None,
        "at_space": activity.at_space,
        "online_url": activity.online_url,
        "capacity": activity.capacity,
        "price_note": activity.price_note,
    }


def _utc(local: str | None, zone: ZoneInfo) -> datetime | None:
    found = local_time(local, zone)
    return found.astimezone(UTC) if found else None


def apply_state(activity: Activity, state: State) -> None:
    """Set ``activity`` to ``state`` (fields it lacks stay as they are), and its last end with it."""
    zone_name = state.get("time_zone", activity.time_zone) or "UTC"
    zone = ZoneInfo(zone_name)
    for name, value in state.items():
        if name in ("starts", "ends"):
            setattr(activity, f"{name}_at", _utc(value, zone))
        elif name == "paused_at":
            activity.paused_at = datetime.fromisoformat(value) if value else None
        elif name == "exceptions":
            activity.exceptions = [dict(entry) for entry in value or []]
        elif name in ACTIVITY_FIELDS:
            setattr(activity, name, value)
    activity.last_ends_at = last_end(activity)


def _rekeyed(before: State, after: State) -> list[dict[str, Any]]:
    """``after``'s exceptions, still naming dates of its series when an edit changed the start, the rule or
    the zone: each cancelled or moved date follows to the series' date on the same day (a meeting moved from
    18:00 to 19:00 keeps its cancelled Christmas Eve); one whose day the series no longer has is dropped."""
    exceptions = after.get("exceptions") or []
    if all(before.get(name) == after.get(name) for name in ("starts", "rrule", "time_zone")) or not exceptions:
        return exceptions
    zone = ZoneInfo(after["time_zone"])
    first = local_time(after.get("starts"), zone)
    if not after.get("rrule") or first is None:
        return []
    by_day = {local.date(): occurrence_key(local) for local in occurrence_starts(after["rrule"], first, MAX_OCCURRENCES)}
    kept: dict[str, dict[str, Any]] = {}
    for entry in exceptions:
        original = local_time(entry.get("recurrence_id"), ZoneInfo(before.get("time_zone") or "UTC"))
        key = by_day.get(original.date()) if original else None
        if key and key not in kept:
            kept[key] = {**entry, "recurrence_id": key}
    return sorted(kept.values(), key=lambda entry: entry["recurrence_id"])


def _save(
    db: Session,
    actor: Actor,
    activity: Activity,
    before: State,
    after: State,
    *,
    kind: str,
    summary: str = "",
    base_version: int,
    on_stale,  # noqa: ANN001 - () -> the exception to raise when another save won the race
    restores_id: int | None = None,
    notices: Notices | None = None,
) -> Revision:
    """Apply ``after`` and record the revision from ``before``, and let the people signed up for a date
    that moved or is off follow it (and be told, with ``notices``): one committed transaction."""
    space = activity.space
    try:
        apply_state(activity, after)
        # The row is written even when only its exceptions changed: its version moves with every revision.
        activity.updated_at = utcnow()
        db.flush()
        follow_dates(db, activity, notices)
        revision = revisions.record(
            db, subject=SUBJECT, subject_id=activity.id, country_code=space.country_code, base_version=base_version,
            before=before, after=activity_state(activity), author_id=actor.user_id, author_role=author_role(actor, space),
            kind=kind, summary=summary.strip(), restores_id=restores_id,
        )  # fmt: skip
        db.commit()
    except StaleDataError:
        # Another save won the race between our check and our write.
        db.rollback()
        db.refresh(activity)
        raise on_stale() from None
    except BaseException:
        db.rollback()
        raise
    return revision


def _changed_meanwhile() -> InvalidInput:
    return InvalidInput({"activity": N_("Someone changed this activity meanwhile: look at it again, then try again.")})


def _check_summary(summary: str) -> None:
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput({"summary": N_("This is too long: shorten it.")})


# -- create and edit -------------------------------------------------------------------------------


def create_activity(db: Session, actor: Actor, space: Space, wanted: State, summary: str = "") -> Activity:
    """A new activity of ``space`` from a parsed form (``forms.parse_activity``, times in the space's zone),
    with its first revision. Refuses (403) whoever may not keep the space's activities."""
    authorize(actor, Permission.ACTIVITY_EDIT, space)
    _check_summary(summary)
    activity = Activity(space=space, time_zone=space_zone(space), status="scheduled", exceptions=[], title="")
    try:
        apply_state(activity, {name: wanted[name] for name in EDITABLE} | {"time_zone": activity.time_zone})
        db.add(activity)
        db.flush()
        revisions.record(
            db, subject=SUBJECT, subject_id=activity.id, country_code=space.country_code, base_version=0, before={},
            after=activity_state(activity), author_id=actor.user_id, author_role=author_role(actor, space),
            kind="created", summary=summary.strip(),
        )  # fmt: skip
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return activity


def _merge(db: Session, activity: Activity, base_version: int, mine: State) -> ActivityConflict:
    base, current = revisions.state_at(db, SUBJECT, activity.id, base_version, activity.version), activity_state(activity)
    merged, theirs, taken = dict(mine), {}, []
    for name in EDITABLE:
        now = current.get(name)
        if now == base.get(name) or now == mine.get(name):
            continue  # nobody else changed it, or both made the same change
        if mine.get(name) == base.get(name):
            merged[name] = now
            taken.append(name)
        else:
            theirs[name] = now
    return ActivityConflict(version=activity.version, merged=merged, theirs=theirs, taken=taken)


def edit_activity(
    db: Session, actor: Actor, activity: Activity, base_version: int, wanted: State, summary: str = "", notices: Notices | None = None
) -> Revision | None:
    """Save the form's fields (``wanted``, parsed in the activity's own zone) over ``activity``, which the
    edit began at ``base_version``. None when nothing changed. Raises ActivityConflict when someone changed
    a field of the form meanwhile (a date cancelled meanwhile is no conflict: the form does not hold it)."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    _check_summary(summary)
    mine = {name: wanted[name] for name in EDITABLE}
    if base_version != activity.version:
        conflict = _merge(db, activity, base_version, mine)
        if conflict.theirs or conflict.taken:
            raise conflict
        base_version = activity.version
    before = activity_state(activity)
    after = {**before, **mine}
    after["exceptions"] = _rekeyed(before, after)
    if after == before:
        return None
    return _save(
        db, actor, activity, before, after, kind="edit", summary=summary, base_version=base_version,
        on_stale=lambda: _merge(db, activity, base_version, mine), notices=notices,
    )  # fmt: skip


def _change(db: Session, actor: Actor, activity: Activity, kind: str, notices: Notices | None, **changes: Any) -> Revision | None:  # noqa: ANN401
    """One of the buttons' changes (a date, the pause, the status) as its revision; None if it changes nothing."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    before = activity_state(activity)
    after = {**before, **changes}
    if after == before:
        return None
    return _save(db, actor, activity, before, after, kind=kind, base_version=activity.version, on_stale=_changed_meanwhile, notices=notices)


# -- one date of a series --------------------------------------------------------------------------


def _occurrence(activity: Activity, key: str) -> Occurrence:
    if not activity.rrule:
        raise InvalidInput({"on": N_("A single event has one date: cancel or edit the activity itself.")})
    found = find_occurrence(activity, key) if key else None
    if found is None:
        raise InvalidInput({"on": N_("This is not one of the activity's dates: reload the page and try again.")})
    return found


def _without(activity: Activity, key: str) -> list[dict[str, Any]]:
    zone = zone_of(activity)
    return [
        dict(entry)
        for entry in activity.exceptions or []
        if occurrence_key(local_time(entry.get("recurrence_id"), zone)) != key
    ]


def cancel_date(db: Session, actor: Actor, activity: Activity, key: str, notices: Notices | None = None) -> Revision | None:
    """Cancel one date of a series (named by its key, its original local start): an EXDATE. A moved date is
    cancelled where it moved to."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    found = _occurrence(activity, key)
    exceptions = [*_without(activity, found.key), {"recurrence_id": found.key, "status": CANCELLED}]
    return _change(db, actor, activity, "date-cancelled", notices, exceptions=sorted(exceptions, key=lambda entry: entry["recurrence_id"]))


def move_date(db: Session, actor: Actor, activity: Activity, key: str, starts: str, ends: str | None, notices: Notices | None = None) -> Revision | None:
    """Move one date of a series to another local start (and end): a RECURRENCE-ID exception."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    found = _occurrence(activity, key)
    entry = {"recurrence_id": found.key, "status": MOVED, "starts": starts, "ends": ends}
    exceptions = [*_without(activity, found.key), entry]
    return _change(db, actor, activity, "date-moved", notices, exceptions=sorted(exceptions, key=lambda entry: entry["recurrence_id"]))


def restore_date(db: Session, actor: Actor, activity: Activity, key: str, notices: Notices | None = None) -> Revision | None:
    """Give a cancelled or moved date of a series back its place in the series."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    found = _occurrence(activity, key)
    kept = _without(activity, found.key)
    if len(kept) == len(activity.exceptions or []):
        raise InvalidInput({"on": N_("This date is neither cancelled nor moved.")})
    return _change(db, actor, activity, "date-restored", notices, exceptions=kept)


def exception_keys(activity: Activity) -> set[str]:
    """The keys of the series' cancelled and moved dates (each may be restored)."""
    zone = zone_of(activity)
    return {key for entry in activity.exceptions or [] if (key := occurrence_key(local_time(entry.get("recurrence_id"), zone)))}


def upcoming_dates(activity: Activity, now: datetime, limit: int = 20) -> list[Occurrence]:
    """The series' next ``limit`` dates, cancelled and moved ones included (for its dates page)."""
    return next_occurrences(activity, now, limit, with_cancelled=True)


# -- the whole activity ----------------------------------------------------------------------------


def pause_series(db: Session, actor: Actor, activity: Activity, now: datetime, notices: Notices | None = None) -> Revision | None:
    """Pause a series from ``now``: no dates from then on until it is resumed (its rule and dates are kept)."""
    authorize(actor, Permission.ACTIVITY_EDIT, activity.space)
    if not activity.rrule:
        raise InvalidInput({"activity": N_("Only a series can be paused: cancel a single event instead.")})
    if activity.paused_at is not None:
        return None
    return _change(db, actor, activity, "paused", notices, paused_at=now.astimezone(UTC).isoformat(timespec="seconds"))


def resume_series(db: Session, actor: Actor, activity: Activity, notices: Notices | None = None) -> Revision | None:
    """Resume a paused series: its dates still ahead take place again."""
    return _change(db, actor, activity, "resumed", notices, paused_at=None)


def cancel_activity(db: Session, actor: Actor, activity: Activity, notices: Notices | None = None) -> Revision | None:
    """Cancel the whole activity (every date of a series): it stays listed, as cancelled, so that people who
    planned to come learn it, and feeds send it out as cancelled."""
    return _change(db, actor, activity, "cancelled", notices, status=CANCELLED)


def reinstate_activity(db: Session, actor: Actor, activity: Activity, notices: Notices | None = None) -> Revision | None:
    """Take back the cancellation of a whole activity."""
    return _change(db, actor, activity, "reinstated", notices, status="scheduled")


def delete_activity(db: Session, actor: Actor, activity: Activity, notices: Notices | None = None) -> None:
    """Delete the activity: gone from the space's page, the calendar and the feeds (cancel it instead to
    tell people it is off). Its revisions stay, the last one recording the deletion, by whom and when; the
    people signed up for a date still ahead are told it will not take place (their sign-ups go with it)."""
    space = activity.space
    authorize(actor, Permission.ACTIVITY_EDIT, space)
    try:
        revisions.record(
            db, subject=SUBJECT, subject_id=activity.id, country_code=space.country_code, base_version=activity.version,
            before=activity_state(activity), after={}, author_id=actor.user_id, author_role=author_role(actor, space),
            kind="deleted",
        )  # fmt: skip
        cancel_everyone(db, activity, notices)
        db.delete(activity)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def revert_activity(db: Session, actor: Actor, activity: Activity, revision_id: int, notices: Notices | None = None) -> Revision | None:
    """Restore the activity to the state a revision made (partners of its space's country and admins); the
    restoring is itself a revision. None when it is already in that state."""
    authorize(actor, Permission.ACTIVITY_REVERT, activity.space)
    target = db.get(Revision, revision_id)
    if target is None or target.subject != SUBJECT or target.subject_id != activity.id or target.kind in NOT_RESTORABLE:
        raise InvalidInput({"revision": N_("This activity has no such revision.")})
    before = activity_state(activity)
    after = {**before, **{name: value for name, value in target.snapshot.items() if name in RECORDED}}
    if after == before:
        return None
    return _save(
        db, actor, activity, before, after, kind="revert", base_version=activity.version,
        on_stale=_changed_meanwhile, restores_id=target.id, notices=notices,
    )  # fmt: skip


# -- reading for the builder's pages ---------------------------------------------------------------


@dataclass(frozen=True)
class KeptActivity:
    """An activity in its space's list for its keepers: its next date (None: none ahead), and whether it is over."""

    activity: Activity
    next: Occurrence | None
    over: bool


def space_activities(db: Session, space: Space, now: datetime) -> list[KeptActivity]:
    """The space's activities for its keepers: those with a date ahead first (soonest first), then paused,
    cancelled and undated ones, then those that are over (latest first)."""
    found = db.scalars(select(Activity).where(Activity.space_id == space.id).order_by(Activity.starts_at, Activity.id)).all()
    rows = []
    for activity in found:
        ahead = next_occurrences(activity, now, 1) if activity.status != CANCELLED else []
        over = activity.last_ends_at is not None and activity.last_ends_at < now and not ahead
        rows.append(KeptActivity(activity, ahead[0] if ahead else None, over))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(
        rows,
        key=lambda row: (
            row.over,
            row.next is None,
            row.next.starts_at if row.next else far,
            -(row.activity.last_ends_at or far).timestamp() if row.over else 0,
        ),
    )


def _shown(name: str, value: Any, zone: ZoneInfo) -> Any:  # noqa: ANN401
    """A recorded value as the history shows it: local times as zone-aware datetimes, dates of a series as
    ``{"on", "status", "starts", "ends"}`` with datetimes."""
    if name in ("starts", "ends"):
        return local_time(value, zone)
    if name == "paused_at":
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if name == "exceptions":
        return [
            {
                "on": local_time(entry.get("recurrence_id"), zone),
                "status": entry.get("status"),
                "starts": local_time(entry.get("starts"), zone),
                "ends": local_time(entry.get("ends"), zone),
            }
            for entry in value or []
            if isinstance(entry, dict)
        ]
    return value


def shown_state(state: State, zone_name: str) -> State:
    """A state's values as pages show them (see ``_shown``)."""
    zone = ZoneInfo(zone_name or "UTC")
    return {name: _shown(name, value, zone) for name, value in state.items()}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def activity_changes(revision: Revision) -> list[FieldChange]:
    """An activity revision's changed fields as the history shows them (the description by words changed)."""
    if revision.kind == "deleted":
        return []
    zone = _zone((revision.snapshot or {}).get("time_zone"))
    return [
        field_change(name, _shown(name, old, zone), _shown(name, new, zone), name == "description")
        for name, (old, new) in revision.changes.items()
        # What an activity was added with: the facts it has (the others are simply empty).
        if name in ACTIVITY_FIELDS and not (revision.kind == "created" and new in (None, "", []))
    ]


def history_rows(db: Session, activity: Activity) -> list[RevisionRow]:
    """The activity's history, newest first."""
    return history.history_rows(db, SUBJECT, activity.id, activity_changes)
