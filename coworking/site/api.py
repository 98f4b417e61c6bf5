"""The JSON twin of the home page."""

from __future__ import annotations

import msgspec
from litestar import Controller, get

from coworking.accounts.permissions import Permission
from coworking.activities.schemas import ActivityOccurrence
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.spaces.schemas import CountryCount
from coworking.spaces.services import directory_stats, upcoming_activities


class Overview(msgspec.Struct, kw_only=True):
    spaces: int
    countries: list[CountryCount]
    upcoming_activities: list[ActivityOccurrence]


class SiteApi(Controller):
    path = "/api/v1"
    tags = ["network"]
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/overview", sync_to_thread=True, summary="Counts per country and the next activities (the home page)")
    def overview(self, db_session: DbSession) -> Overview:
        stats = directory_stats(db_session)
        return Overview(
            spaces=stats.spaces,
            countries=stats.countries,
            upcoming_activities=upcoming_activities(db_session, utcnow(), limit=5),
        )
