"""The calendar's pages: /activities (a list by day, or a month), one page per activity, and the iCalendar
feeds (a space's, a country's, the network's, any search's; one activity or date to add to a calendar).

All read-only, for anyone; a search that cannot be read answers 400 with the message next to its field.
"""

from __future__ import annotations

import calendar as month_grid
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_skeleton
from jinja2 import pass_context
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Permission
from coworking.activities.vocabulary import ACTIVITY_KINDS
from coworking.calendar import feeds
from coworking.calendar.jsonld import activity_json_ld
from coworking.calendar.listing import (
    SEARCH_DEPENDENCY,
    ActivityQuery,
    ActivitySearch,
    build_activity_query,
    chosen_occurrence,
    find_activities,
    languages_in_use,
    public_activity,
)
from coworking.calendar.listing import activity_detail as detail_of
from coworking.calendar.schemas import ActivityList, ListedOccurrence
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import FORMAT_LOCALES, is_country_code
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.vocabulary import N_
from coworking.core.web import ip_of, page, public_url, query_string, request_translator
from coworking.geo.schemas import PlaceNotFound
from coworking.spaces.controllers import CORRIDOR_CHOICES, RADIUS_CHOICES
from coworking.spaces.models import Space
from coworking.spaces.services import PUBLIC_STATUSES, directory_stats, resolve_origin

# Calendar apps poll: plenty for them, not a way to keep the server busy building calendars.
FEEDS_PER_IP = Limit("calendar-feed-ip", 120, 10 * 60)
# An activity's address: its id, or its id and ".ics" (the "add to calendar" download).
_REFERENCE = re.compile(r"(\d{1,10})(\.ics)?")
_MAX_ID = 2_147_483_647


def _host(request: Request) -> str:
    """This site's host, for iCalendar UIDs (as /data/activities.ics writes them: the same event, one UID)."""
    return public_url(request, "/").split("//")[-1].strip("/")


def _url(request: Request) -> Callable[[str], str]:
    return lambda path: public_url(request, path)


def _calendar_response(body: bytes, file_name: str, *, download: bool = False) -> Response[bytes]:
    disposition = "attachment" if download else "inline"
    return Response(
        body,
        media_type=feeds.MEDIA_TYPE,
        headers={"Content-Disposition": f'{disposition}; filename="{file_name}"', "Cache-Control": "public, max-age=600"},
    )


def by_day(items: list[ListedOccurrence]) -> list[tuple[date, list[ListedOccurrence]]]:
    """Dates grouped by their local day (they come soonest first)."""
    days: dict[date, list[ListedOccurrence]] = {}
    for item in items:
        if item.local_starts_at is not None:
            days.setdefault(item.local_starts_at.date(), []).append(item)
    return sorted(days.items())


def month_weeks(month: date, items: list[ListedOccurrence]) -> list[list[tuple[date, list[ListedOccurrence]]]]:
    """The month's weeks, Monday first (as Europe counts them), each day with its dates; days of the
    neighbouring months fill the first and last week, without dates."""
    days = dict(by_day(items))
    weeks = month_grid.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return [[(day, days.get(day, []) if day.month == month.month else []) for day in week] for week in weeks]


def _neighbour_months(month: date) -> tuple[str, str]:
    before = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    after = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    return before.strftime("%Y-%m"), after.strftime("%Y-%m")


def calendar_context(request: Request, db: Session, typed: Any) -> tuple[dict[str, Any], int]:  # noqa: ANN401 - the typed search
    """Run the search; the context of /activities, and its status (400 when the search cannot be read)."""
    now = utcnow()
    query: ActivityQuery | None = None
    results: ActivityList | None = None
    errors: dict[str, str] = {}
    not_found = None
    try:
        query = build_activity_query(typed, now.date())
        results = find_activities(db, request.app.state.geocoder, query, now)
    except PlaceNotFound as exc:
        errors, not_found = exc.errors, exc
    except InvalidInput as exc:
        errors = exc.errors
    context: dict[str, Any] = {
        "action": "/activities",
        "form": typed,
        "query": query,
        "results": results,
        "errors": errors,
        "not_found": not_found,
        "view": query.view if query else ("month" if typed.view == "month" else "list"),
        "days": by_day(results.items) if results else [],
        "weeks": month_weeks(query.month, results.items) if results and query and query.month else [],
        "months": _neighbour_months(query.month) if query and query.month else None,
        "today": now.date(),
        "weekday_names": weekday_names(request_translator(request).locale),
        "kinds": ACTIVITY_KINDS,
        "languages": languages_in_use(db),
        "radius_choices": RADIUS_CHOICES,
        "corridor_choices": CORRIDOR_CHOICES,
        "countries": request.app.state.directory_counts.get("stats", lambda: directory_stats(db)).countries,
    }
    return context, 400 if errors else 200


def _reference(ref: str) -> tuple[int, bool]:
    """``"12"`` → (12, False), ``"12.ics"`` → (12, True); anything else is no page (404)."""
    match = _REFERENCE.fullmatch(ref)
    if not match or not 1 <= int(match.group(1)) <= _MAX_ID:
        raise NotFoundException(f"No activity {ref!r}")
    return int(match.group(1)), bool(match.group(2))


class CalendarPages(Controller):
    """/activities: the network's calendar; /activities/{id}: one activity (``.ics``: to add to a calendar)."""

    path = "/activities"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}
    dependencies = SEARCH_DEPENDENCY

    @get("/", name="activities", sync_to_thread=True)
    def calendar(self, request: Request, db_session: DbSession, activity_search: ActivitySearch) -> Template:
        context, status = calendar_context(request, db_session, activity_search)
        return page(request, "calendar/list.html", context, partial="calendar/_results.html", status_code=status)

    @get("/{ref:str}", name="activity", sync_to_thread=True)
    def activity(
        self, request: Request, db_session: DbSession, ref: FromPath[str], on: FromQuery[str | None] = None
    ) -> Template | Response[bytes]:
        activity_id, as_calendar = _reference(ref)
        key = on.strip() if on and on.strip() else None
        now = utcnow()
        if as_calendar:
            return self._download(request, db_session, activity_id, key, now)
        detail = detail_of(db_session, activity_id, key, now)
        if detail is None:
            raise NotFoundException(f"No activity {activity_id} on {key!r}")
        return page(
            request,
            "calendar/activity.html",
            {"activity": detail, "json_ld": activity_json_ld(detail, _url(request)), "key": key, "now": now},
        )

    def _download(self, request: Request, db: Session, activity_id: int, key: str | None, now: datetime) -> Response[bytes]:
        activity = public_activity(db, activity_id)
        if activity is None or activity.starts_at is None:
            raise NotFoundException(f"No dated activity {activity_id}")
        if key is None:
            body = feeds.activity_calendar(activity, activity.title, _url(request), _host(request), now)
            return _calendar_response(body, f"activity-{activity_id}.ics", download=True)
        found, _ = chosen_occurrence(activity, key, now)
        if found is None:
            raise NotFoundException(f"No date {key!r} of activity {activity_id}")
        body = feeds.occurrence_calendar(found, activity.title, _url(request), _host(request), now)
        return _calendar_response(body, f"activity-{activity_id}-{found.local_start():%Y-%m-%d}.ics", download=True)


class CalendarFeeds(Controller):
    """The iCalendar feeds to subscribe to: the network's or any search's, a country's, a space's."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}
    dependencies = SEARCH_DEPENDENCY

    @get("/activities.ics", sync_to_thread=True)
    def search_feed(self, request: Request, db_session: DbSession, activity_search: ActivitySearch) -> Response[bytes]:
        """The whole network's activities, or those a search of /activities finds (the same query string)."""
        check(request.app.state.rate_limiter, [(FEEDS_PER_IP, ip_of(request))])
        now = utcnow()
        query = build_activity_query(activity_search, now.date())
        translator = request_translator(request)
        origin = resolve_origin(query.spaces, request.app.state.geocoder)
        network = translator.gettext(N_("Activities of the Rural Coworking Network"))
        if not query.is_filtered:
            body = feeds.network_feed(db_session, network, self._description(request, "/activities"), _url(request), _host(request), now)
            return _calendar_response(body, "rural-coworking-activities.ics")
        if origin is not None and origin.end is None:
            name = translator.gettext(N_("Activities near %(place)s"), place=origin.start.name or origin.start.label)
        elif len(query.spaces.countries) == 1:
            name = translator.gettext(N_("Activities in %(country)s"), country=translator.country_name(query.spaces.countries[0]))
        else:
            name = network
        page_path = "/activities" + query_string(query.params())
        body = feeds.search_feed(db_session, query, origin, name, self._description(request, page_path), _url(request), _host(request), now)
        return _calendar_response(body, "rural-coworking-activities-search.ics")

    @get("/countries/{code:str}/activities.ics", sync_to_thread=True)
    def country_feed(self, request: Request, db_session: DbSession, code: FromPath[str]) -> Response[bytes]:
        check(request.app.state.rate_limiter, [(FEEDS_PER_IP, ip_of(request))])
        if not is_country_code(code):
            raise NotFoundException(f"No country {code!r}")
        country = code.upper()
        translator = request_translator(request)
        name = translator.gettext(N_("Activities in %(country)s"), country=translator.country_name(country))
        description = self._description(request, f"/activities?country={country}")
        body = feeds.country_feed(db_session, country, name, description, _url(request), _host(request), utcnow())
        return _calendar_response(body, f"rural-coworking-activities-{country.lower()}.ics")

    @get("/spaces/{slug:str}/activities.ics", sync_to_thread=True)
    def space_feed(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Response[bytes]:
        check(request.app.state.rate_limiter, [(FEEDS_PER_IP, ip_of(request))])
        space = db_session.scalar(select(Space).where(Space.slug == slug, Space.status.in_(PUBLIC_STATUSES)))
        if space is None:
            raise NotFoundException(f"No space {slug!r}")
        translator = request_translator(request)
        name = translator.gettext(N_("Activities at %(space)s"), space=space.name)
        description = self._description(request, f"/spaces/{space.slug}")
        body = feeds.space_feed(db_session, space, name, description, _url(request), _host(request), utcnow())
        return _calendar_response(body, f"{space.slug}-activities.ics")

    @staticmethod
    def _description(request: Request, path: str) -> str:
        return request_translator(request).gettext(
            N_("Resident activities of rural coworking spaces: %(url)s"), url=public_url(request, path)
        )


@pass_context
def activity_when(context: Any, starts_at: datetime | None, ends_at: datetime | None, zone: str, *, day: bool = True) -> str:  # noqa: ANN401
    """"Tue, 1 Dec 2026, 18:00–20:00 EET": a date on its space's clock, in the visitor's language, with the
    zone's name (the times are the space's, whoever reads them). ``day=False``: the times alone."""
    if starts_at is None:
        return ""
    translator = request_translator(context["request"])
    try:
        clock: tzinfo = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        clock = UTC
    local = starts_at.astimezone(clock)
    text = f"{local:%H:%M}"
    if ends_at is not None:
        local_end = ends_at.astimezone(clock)
        text += f"–{local_end:%H:%M}"
        if local_end.date() != local.date():
            text = f"{local:%H:%M} – {_day(translator.locale, local_end.date())}, {local_end:%H:%M}"
    text += f" {local.tzname()}"
    return f"{_day(translator.locale, local.date())}, {text}" if day else text


def _babel(locale: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(locale, locale))


def weekday_names(locale: str) -> list[tuple[str, str]]:
    """Monday to Sunday, each as (name, abbreviation), for a month's column headings."""
    days = _babel(locale).days["stand-alone"]
    return [(days["wide"][index], days["abbreviated"][index]) for index in range(7)]


def _day(locale: str, day: date) -> str:
    return format_skeleton("yMMMEd", day, locale=_babel(locale))
