"""The JSON twin of the calendar's pages: the same service calls, serialised as JSON."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from coworking.accounts.permissions import Permission
from coworking.calendar.listing import (
    SEARCH_DEPENDENCY,
    ActivitySearch,
    activity_detail,
    build_activity_query,
    find_activities,
)
from coworking.calendar.schemas import ActivityDetail, ActivityList
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.core.openapi import BAD_REQUEST, NOT_FOUND
from coworking.core.web import RowId


class CalendarApi(Controller):
    path = "/api/v1/activities"
    tags = ["activities"]
    opt = {"permission": Permission.DIRECTORY_READ}
    dependencies = SEARCH_DEPENDENCY

    @get(
        "/",
        sync_to_thread=True,
        summary="The dates of the network's activities, soonest first (the /activities page)",
        description=(
            "Series are expanded into their dates within the days asked for (at most 366), each on its space's "
            "clock; cancelled dates are listed with `cancelled`. At most 200 dates: `total` says how many the "
            "search found. `view` and `month` choose the days as the page's month view does."
        ),
        responses=BAD_REQUEST,
    )
    def search(self, request: Request, db_session: DbSession, activity_search: ActivitySearch) -> ActivityList:
        now = utcnow()
        query = build_activity_query(activity_search, now.date())
        return find_activities(db_session, request.app.state.geocoder, query, now)

    # Litestar documents a 400 for any operation with a parameter (a path one too): ours, as problem+json.
    @get(
        "/{activity_id:int}",
        sync_to_thread=True,
        summary="One activity, on one of its dates, with the next dates of a series (the activity's page)",
        responses={**BAD_REQUEST, **NOT_FOUND},
    )
    def detail(
        self,
        db_session: DbSession,
        activity_id: RowId,
        on: Annotated[
            str | None,
            QueryParameter(description='One date of a series, by its original local start ("2026-12-01T18:00").'),
        ] = None,
    ) -> ActivityDetail:
        key = on.strip() if on and on.strip() else None
        found = activity_detail(db_session, activity_id, key, utcnow())
        if found is None:
            raise NotFoundException(f"No activity {activity_id} at a public space" + (f" on {key!r}" if key else ""))
        return found
