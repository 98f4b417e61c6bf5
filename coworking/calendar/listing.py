"""The network's calendar: which dates of which activities a search finds, and one activity's page.

A search reads as the spaces search does for everything about *where* (country, region, near a place,
along a route, a map's box: the same arguments, validated by ``build_space_query`` and measured by the
same distance code), and adds *what* (kind, language) and *when* (a range of days, or a month). The
spaces that match are chosen first; their activities are then expanded into dates by
``coworking.activities.recurrence`` within the days asked for, and nothing else expands them.

Days are each activity's own: a meeting at 18:00 in Riga is on the day Riga's clock says, whatever the
server's zone. Every expansion is bounded (the window, at most 366 days; the activities read; the dates
listed).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, TypeAlias

import msgspec
from geopy.geocoders.base import Geocoder
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from coworking.activities.models import Activity
from coworking.activities.recurrence import Occurrence, expand, find_occurrence, next_occurrences, zone_of
from coworking.activities.services import occurrence
from coworking.activities.vocabulary import ACTIVITY_KIND_LABELS
from coworking.calendar.schemas import ActivityDetail, ActivityList, ActivityPlace, ListedOccurrence
from coworking.core.errors import InvalidInput
from coworking.core.links import http_url
from coworking.core.vocabulary import N_
from coworking.geo.schemas import Origin
from coworking.spaces.models import Space
from coworking.spaces.query import SearchParams, SpaceQuery, build_space_query
from coworking.spaces.services import PUBLIC_STATUSES, filtered_spaces, measured_spaces, resolve_origin

# What a search shows by default: from now to a month ahead; and at most a year at once.
DEFAULT_DAYS = 30
MAX_DAYS = 366
# Dates further than this from today are refused (and a date in year 1 never reaches datetime arithmetic).
MAX_YEARS_AWAY = 10
# A page lists at most this many dates, then asks to narrow the search; the activities one search reads
# are bounded too (each expands to at most a year of dates).
MAX_LISTED = 200
MAX_ACTIVITIES = 2_000
# The next dates of a series its page shows.
NEXT_DATES = 5
# Local days are at most 14 hours from UTC's (Kiritimati): SQL asks this much more around a range of days.
_ZONE_MARGIN = timedelta(hours=14)
VIEWS = ("list", "month")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class ActivitySearchParams(msgspec.Struct, kw_only=True, frozen=True):
    """A search of the calendar as typed (a form shows back exactly what was sent)."""

    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    near: str = ""
    radius_km: str = ""
    route_from: str = ""
    route_to: str = ""
    corridor_km: str = ""
    bbox: str = ""
    view: str = ""
    month: str = ""


# How handlers ask for it: ``search: ActivitySearch`` (the dependency's key is "activity_search").
ActivitySearch: TypeAlias = NamedDependency[ActivitySearchParams]


def provide_activity_search(
    country: Annotated[list[str] | None, QueryParameter(description="ISO 3166-1 alpha-2 codes (any of).")] = None,
    region: Annotated[list[str] | None, QueryParameter(description="Regions, as the listings name them (any of).")] = None,
    kind: Annotated[
        list[str] | None,
        QueryParameter(description="Kinds (any of): resident_meeting, experience_story, workshop, open_day, other."),
    ] = None,
    language: Annotated[
        list[str] | None, QueryParameter(description="Languages the activities are held in (any of), as codes: lv, en.")
    ] = None,
    date_from: Annotated[
        str | None,
        QueryParameter(description="First day (YYYY-MM-DD), on each activity's local clock; default: from now on."),
    ] = None,
    date_to: Annotated[
        str | None, QueryParameter(description="Last day (YYYY-MM-DD), at most 366 days after the first (30 days).")
    ] = None,
    near: Annotated[
        str | None, QueryParameter(description='A place ("Lielvārde", "Ogre, LV") or "lat, lon": its spaces within radius_km.')
    ] = None,
    radius_km: Annotated[str | None, QueryParameter(description="With near: how far to look, 1–500 km (50).")] = None,
    route_from: Annotated[str | None, QueryParameter(name="from", description="Start of a route (with to).")] = None,
    route_to: Annotated[str | None, QueryParameter(name="to", description="End of a route (with from).")] = None,
    corridor_km: Annotated[
        str | None, QueryParameter(description="With from/to: how far from the route, up to 100 km (10).")
    ] = None,
    bbox: Annotated[str | None, QueryParameter(description="Only spaces in this box: west,south,east,north.")] = None,
    view: Annotated[str | None, QueryParameter(description="list (by day, the default) or month.")] = None,
    month: Annotated[
        str | None, QueryParameter(description="With view=month: the month (YYYY-MM); default: this month.")
    ] = None,
) -> ActivitySearchParams:
    return ActivitySearchParams(
        country=tuple(country or ()),
        region=tuple(region or ()),
        kind=tuple(kind or ()),
        language=tuple(language or ()),
        date_from=date_from or "",
        date_to=date_to or "",
        near=near or "",
        radius_km=radius_km or "",
        route_from=route_from or "",
        route_to=route_to or "",
        corridor_km=corridor_km or "",
        bbox=bbox or "",
        view=view or "",
        month=month or "",
    )


@dataclass(frozen=True)
class ActivityQuery:
    """A validated search of the calendar."""

    spaces: SpaceQuery
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    first_day: date
    last_day: date
    # Whether the first day was asked for; if not, the list starts now (not at today's midnight).
    from_now: bool
    view: str
    # The first day of the month a month view shows.
    month: date | None = None
    # The days as typed (empty: the default), for links that keep them.
    typed_from: str = ""
    typed_to: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.spaces.is_filtered or self.kinds or self.languages or self.typed_from or self.typed_to)

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """Query-string pairs for this search with ``changes`` applied (links to its views, months, feed)."""
        spaces = self.spaces
        values: dict[str, object] = {
            "country": spaces.countries,
            "region": spaces.regions,
            "kind": self.kinds,
            "language": self.languages,
            "date_from": self.typed_from,
            "date_to": self.typed_to,
        }
        values.update((key, value) for key, value in spaces.params() if key in ("near", "radius_km", "from", "to", "corridor_km", "bbox"))
        values["view"] = "" if self.view == "list" else self.view
        values["month"] = self.month.strftime("%Y-%m") if self.month and self.view == "month" else ""
        values.update(changes)
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item not in ("", None):
                    pairs.append((key, str(item)))
        return pairs


def _day(typed: str, field: str, today: date, errors: dict[str, str]) -> date | None:
    text = typed.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[field] = N_("Enter a date such as 2026-06-15.")
        return None
    if abs(day.year - today.year) > MAX_YEARS_AWAY:
        errors[field] = N_("Choose a date within ten years of today.")
        return None
    return day


def _month(typed: str, today: date, errors: dict[str, str]) -> date:
    text = typed.strip()
    if not text:
        return today.replace(day=1)
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        errors["month"] = N_("Enter a month such as 2026-12.")
        return today.replace(day=1)
    if abs(int(match.group(1)) - today.year) > MAX_YEARS_AWAY:
        errors["month"] = N_("Choose a month within ten years of today.")
        return today.replace(day=1)
    return date(int(match.group(1)), int(match.group(2)), 1)


# The controllers' dependency: ``activity_search: ActivitySearch``, its parameters documented above.
SEARCH_DEPENDENCY = {"activity_search": Provide(provide_activity_search, sync_to_thread=False)}


def build_activity_query(params: ActivitySearchParams, today: date) -> ActivityQuery:
    """Validate a search as typed, or raise InvalidInput naming every wrong field (the spaces search's
    messages for where, the calendar's for what and when)."""
    errors: dict[str, str] = {}
    try:
        spaces = build_space_query(
            SearchParams(
                country=params.country,
                region=params.region,
                near=params.near,
                radius_km=params.radius_km,
                route_from=params.route_from,
                route_to=params.route_to,
                corridor_km=params.corridor_km,
                bbox=params.bbox,
            )
        )
    except InvalidInput as invalid:
        errors.update(invalid.errors)
        spaces = SpaceQuery()
    kinds = tuple(dict.fromkeys(code.strip() for code in params.kind if code.strip()))
    if any(code not in ACTIVITY_KIND_LABELS for code in kinds):
        errors["kind"] = N_("Unknown kind of activity: choose from the list.")
    languages = tuple(dict.fromkeys(code.strip().lower() for code in params.language if code.strip()))
    if len(languages) > 20 or any(not _LANGUAGE.fullmatch(code) for code in languages):
        errors["language"] = N_("Unknown language: choose from the list.")
    view = params.view.strip() or "list"
    if view not in VIEWS:
        errors["view"] = N_("Show the activities as a list or as a month.")
        view = "list"
    month = _month(params.month, today, errors) if view == "month" else None
    first = _day(params.date_from, "date_from", today, errors)
    last = _day(params.date_to, "date_to", today, errors)
    if month is not None:
        first_day, last_day = month, month.replace(day=monthrange(month.year, month.month)[1])
    else:
        first_day = first or today
        last_day = last or first_day + timedelta(days=DEFAULT_DAYS)
        if last_day < first_day and "date_to" not in errors:
            errors["date_to"] = N_("The last day comes before the first: swap them.")
        elif (last_day - first_day).days >= MAX_DAYS and "date_to" not in errors:
            errors["date_to"] = N_("Search at most 366 days at once.")
    if errors:
        raise InvalidInput(errors)
    return ActivityQuery(
        spaces=spaces,
        kinds=kinds,
        languages=languages,
        first_day=first_day,
        last_day=last_day,
        from_now=first is None and month is None,
        view=view,
        month=month,
        typed_from=first.isoformat() if first else "",
        typed_to=last.isoformat() if last else "",
    )


def activity_path(activity_id: int, key: str | None = None) -> str:
    """An activity's page; with ``key``, one date of its series."""
    return f"/activities/{activity_id}" + (f"?on={key}" if key else "")


def listed(found: Occurrence, distance_km: float | None = None) -> ListedOccurrence:
    """One date of an activity, as the calendar lists it."""
    activity = found.activity
    zone = zone_of(activity)
    local_start = found.starts_at.astimezone(zone)
    return ListedOccurrence(
        **msgspec.structs.asdict(occurrence(activity, found, with_space=True)),
        local_starts_at=local_start,
        local_ends_at=found.ends_at.astimezone(zone) if found.ends_at else None,
        zone_abbreviation=local_start.tzname(),
        moved=found.moved,
        moved_from=found.recurrence_id if found.moved else None,
        space_country=activity.space.country_code,
        distance_km=distance_km,
        path=activity_path(activity.id, found.key),
    )


def _window(query: ActivityQuery, now: datetime) -> tuple[datetime, datetime]:
    """The UTC moments around the query's days, wide enough for every zone's clock."""
    start = datetime.combine(query.first_day, time(), UTC) - _ZONE_MARGIN
    end = datetime.combine(query.last_day + timedelta(days=1), time(), UTC) + _ZONE_MARGIN
    return (max(start, now) if query.from_now else start), end


def dated_between(start: datetime, end: datetime | None) -> ColumnElement[bool]:
    """SQL: the activity has a date, and one that may overlap [start, end) (``expand`` tells exactly)."""
    clauses = [
        Activity.starts_at.is_not(None),
        # A series with no end (only rows from before series had to end) may always have a date ahead.
        or_(Activity.last_ends_at >= start, and_(Activity.last_ends_at.is_(None), Activity.rrule.is_not(None))),
    ]
    if end is not None:
        clauses.append(Activity.starts_at < end)
    return and_(*clauses)


def bounded_read(statement: Select, now: datetime) -> Select:
    """``statement`` (of activities) bounded to MAX_ACTIVITIES, in the order that makes the bound cut
    those least likely to matter: the ones still running or ahead first, soonest first (a series
    that began long ago and still runs is kept, a date far off is cut), the ones already over (a feed
    keeps the last month's) last. Oldest first would cut what is ahead to keep what is over."""
    over = and_(Activity.last_ends_at.is_not(None), Activity.last_ends_at < now)
    return statement.order_by(case((over, 1), else_=0), Activity.starts_at, Activity.id).limit(MAX_ACTIVITIES)


def _what(query: ActivityQuery) -> list[ColumnElement[bool]]:
    clauses = []
    if query.kinds:
        clauses.append(Activity.kind.in_(query.kinds))
    if query.languages:
        clauses.append(Activity.language.in_(query.languages))
    return clauses


def matching_activities(
    db: Session, query: ActivityQuery, start: datetime, end: datetime | None, now: datetime, origin: Origin | None = None
) -> tuple[list[Activity], dict[int, float], Origin | None, float | None]:
    """The activities of the spaces ``query`` finds that may have a date in [start, end) (with their
    spaces loaded), at most MAX_ACTIVITIES (``bounded_read``); with an ``origin``, each space's km and the
    origin and completeness as the distance search found them."""
    wanted = and_(dated_between(start, end), *_what(query))
    distances: dict[int, float] = {}
    complete_within = None
    if origin is not None:
        # Only spaces with such an activity are measured: the distance search's cap is rarely near.
        measured = measured_spaces(db, query.spaces, origin, now, exists().where(Activity.space_id == Space.id, wanted))
        distances, origin, complete_within = measured.distances, measured.origin, measured.complete_within_km
        spaces: Select | list[int] = list(distances)
    else:
        spaces = filtered_spaces(query.spaces, now, db.get_bind().dialect.name).with_only_columns(Space.id)
    activities = db.scalars(
        bounded_read(select(Activity).where(Activity.space_id.in_(spaces), wanted).options(joinedload(Activity.space)), now)
    ).all()
    return list(activities), distances, origin, complete_within


def search_activities(db: Session, query: ActivityQuery, now: datetime, origin: Origin | None = None) -> ActivityList:
    """The dates of published spaces' activities that ``query`` finds, soonest first (cancelled ones
    included, marked): at most MAX_LISTED of them, with how many there are."""
    start, end = _window(query, now)
    activities, distances, origin, complete_within = matching_activities(db, query, start, end, now, origin)
    found: list[Occurrence] = []
    for activity in activities:
        zone = zone_of(activity)
        for date_of in expand(activity, start, end):
            day = date_of.starts_at.astimezone(zone).date()
            if query.first_day <= day <= query.last_day and (date_of.ends_at or date_of.starts_at) >= start:
                found.append(date_of)
    found.sort(key=lambda date_of: (date_of.starts_at, date_of.activity.title, date_of.activity.id))
    return ActivityList(
        items=[listed(date_of, distances.get(date_of.activity.space_id)) for date_of in found[:MAX_LISTED]],
        total=len(found),
        date_from=query.first_day,
        date_to=query.last_day,
        origin=origin,
        complete_within_km=complete_within,
    )


def find_activities(db: Session, geocoder: Geocoder, query: ActivityQuery, now: datetime) -> ActivityList:
    """Search as a resident asks: the typed place or route located first (PlaceNotFound if unknown)."""
    return search_activities(db, query, now, resolve_origin(query.spaces, geocoder))


def languages_in_use(db: Session) -> list[str]:
    """The languages activities of published spaces are held in (for the search form's choice)."""
    rows = db.scalars(
        select(Activity.language)
        .join(Activity.space)
        .where(Space.status == "published", Activity.language.is_not(None), Activity.language != "")
        .distinct()
        .order_by(Activity.language)
    )
    return list(rows)


def public_activity(db: Session, activity_id: int) -> Activity | None:
    """The activity, if its space is public (a draft's activities are its builders' alone)."""
    return db.scalar(
        select(Activity)
        .join(Activity.space)
        .where(Activity.id == activity_id, Space.status.in_(PUBLIC_STATUSES))
        .options(joinedload(Activity.space))
    )


def chosen_occurrence(activity: Activity, key: str | None, now: datetime) -> tuple[Occurrence | None, bool]:
    """The date a page shows, and whether it was found: the one ``key`` names (not found: (None, False)),
    else the next still ahead, else the last that took place (None for an undated activity)."""
    if key is not None:
        found = find_occurrence(activity, key)
        return found, found is not None
    if activity.starts_at is None:
        return None, True
    ahead = next_occurrences(activity, now, 1, with_cancelled=True)
    if ahead:
        return ahead[0], True
    before = expand(activity, activity.starts_at, now)
    return (before[-1] if before else None), True


def activity_detail(db: Session, activity_id: int, key: str | None, now: datetime) -> ActivityDetail | None:
    """Everything public about one activity, on the date ``key`` names (None: the next); None when there
    is no such activity at a public space, or no such date of it."""
    activity = public_activity(db, activity_id)
    if activity is None:
        return None
    shown, exists_ = chosen_occurrence(activity, key, now)
    if not exists_:
        return None
    space = activity.space
    upcoming = next_occurrences(activity, now, NEXT_DATES, with_cancelled=True) if activity.recurring else []
    rule = dict(part.partition("=")[::2] for part in (activity.rrule or "").upper().split(";") if part)
    return ActivityDetail(
        id=activity.id,
        title=activity.title,
        kind=activity.kind if activity.kind in ACTIVITY_KIND_LABELS else "other",
        description=activity.description,
        language=activity.language,
        status=activity.status,
        paused=activity.paused_at is not None,
        recurring=activity.recurring,
        rrule=activity.rrule,
        frequency=rule.get("FREQ"),
        interval=int(rule["INTERVAL"]) if rule.get("INTERVAL", "").isdigit() else 1,
        time_zone=activity.time_zone,
        at_space=activity.at_space,
        online_url=http_url(activity.online_url),
        capacity=activity.capacity,
        price_note=activity.price_note,
        space=ActivityPlace(
            slug=space.slug,
            name=space.name,
            town=space.town,
            region=space.region,
            country_code=space.country_code,
            street_address=space.street_address,
            latitude=space.latitude,
            longitude=space.longitude,
            location_precision=space.location_precision,
            status=space.status,
        ),
        occurrence=listed(shown) if shown else None,
        upcoming=[listed(found) for found in upcoming],
        past=bool(shown and (shown.ends_at or shown.starts_at) < now),
        updated_at=activity.updated_at,
    )
