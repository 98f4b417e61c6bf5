"""The pages around the directory: home, about the data, language choice, health."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from sqlalchemy import text

from coworking.accounts.permissions import Permission
from coworking.core.charts import bar_chart, dot_map
from coworking.core.db import DbSession
from coworking.core.i18n import LANGUAGE_COOKIE
from coworking.core.models import utcnow
from coworking.core.web import page, request_translator, safe_next, set_cookie
from coworking.networks.services import list_networks
from coworking.site.network import network_figures
from coworking.spaces.services import data_gaps, directory_stats, upcoming_activities

ONE_YEAR = 365 * 24 * 3600


class SitePages(Controller):
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="home", sync_to_thread=True)
    def home(self, request: Request, db_session: DbSession) -> Template:
        return page(
            request,
            "site/home.html",
            {
                "stats": request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session)),
                "activities": upcoming_activities(db_session, utcnow(), limit=5),
                "networks": list_networks(db_session),
            },
        )

    @get("/network", name="network", sync_to_thread=True)
    def network(self, request: Request, db_session: DbSession) -> Template:
        figures = request.app.state.directory_counts.get("network", lambda: network_figures(db_session, utcnow()))
        translator = request_translator(request)
        per_country = [(translator.country_name(country.code), country.spaces) for country in figures.countries]
        return page(
            request,
            "site/network.html",
            {
                "figures": figures,
                "networks": list_networks(db_session),
                "listed": {country.code for country in figures.countries},
                "country_chart": bar_chart(per_country),
                "dots": dot_map(figures.dots),
            },
        )

    @get("/about", name="about", sync_to_thread=True)
    def about(self, request: Request, db_session: DbSession) -> Template:
        return page(
            request,
            "site/about.html",
            {"gaps": request.app.state.directory_counts.get("gaps", lambda: data_gaps(db_session))},
        )

    @get("/language/{code:str}", name="language")
    async def language(self, request: Request, code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:  # noqa: A002
        if code not in request.app.state.settings.locales:
            raise NotFoundException(f"No language {code!r}")
        response = Redirect(path=safe_next(next), status_code=303)
        set_cookie(request, response, LANGUAGE_COOKIE, code, max_age=ONE_YEAR)
        return response

    @get("/healthz", name="healthz", sync_to_thread=True, opt={"permission": Permission.SITE_STATUS})
    def healthz(self, db_session: DbSession) -> Response:
        try:
            db_session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy", and says so
            return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return Response({"status": "ok", "database": "ok"})
