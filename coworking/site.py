"""The pages around the directory: home, networks, about the data, language choice, health."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from sqlalchemy import text

from coworking.activities.services import UpcomingActivity, upcoming_activities
from coworking.db import DbSession
from coworking.i18n import LANGUAGE_COOKIE
from coworking.models import utcnow
from coworking.network.services import NetworkOut, list_networks
from coworking.spaces.schemas import CountryCount
from coworking.spaces.services import data_gaps, directory_stats
from coworking.web import page

ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """A local path to return to; anything that could lead off-site becomes the home page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class SitePages(Controller):
    include_in_schema = False

    @get("/", name="home", sync_to_thread=True)
    def home(self, request: Request, db_session: DbSession) -> Template:
        return page(
            request,
            "home.html",
            {
                "stats": request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session)),
                "activities": upcoming_activities(db_session, utcnow(), limit=5),
                "networks": list_networks(db_session),
            },
        )

    @get("/networks", name="networks", sync_to_thread=True)
    def networks(self, request: Request, db_session: DbSession) -> Template:
        return page(request, "networks.html", {"networks": list_networks(db_session)})

    @get("/about", name="about", sync_to_thread=True)
    def about(self, request: Request, db_session: DbSession) -> Template:
        return page(
            request,
            "about.html",
            {"gaps": request.app.state.directory_counts.get("gaps", lambda: data_gaps(db_session))},
        )

    @get("/language/{code:str}", name="language")
    async def language(self, request: Request, code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:  # noqa: A002
        if code not in request.app.state.settings.locales:
            raise NotFoundException(f"No language {code!r}")
        response = Redirect(path=safe_next(next), status_code=303)
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="lax", httponly=True)
        return response

    @get("/healthz", name="healthz", sync_to_thread=True)
    def healthz(self, db_session: DbSession) -> Response:
        try:
            db_session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy", and says so
            return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return Response({"status": "ok", "database": "ok"})


class Overview(msgspec.Struct, kw_only=True):
    spaces: int
    countries: list[CountryCount]
    upcoming_activities: list[UpcomingActivity]


class SiteApi(Controller):
    path = "/api/v1"
    tags = ["network"]

    @get(
        "/overview",
        sync_to_thread=True,
        summary="Counts per country and the next activities (the home page)",
    )
    def overview(self, db_session: DbSession) -> Overview:
        stats = directory_stats(db_session)
        return Overview(
            spaces=stats.spaces,
            countries=stats.countries,
            upcoming_activities=upcoming_activities(db_session, utcnow(), limit=5),
        )

    @get("/networks", sync_to_thread=True, summary="Partner networks and programmes")
    def networks(self, db_session: DbSession) -> list[NetworkOut]:
        return list_networks(db_session)
