"""The pages around the directory: home, about the data, language choice, health."""

from __future__ import annotations

import re

from litestar import Controller, MediaType, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from sqlalchemy import text

from coworking.accounts.permissions import Permission
from coworking.core.charts import bar_chart, dot_map
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import LANGUAGE_COOKIE, is_country_code
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.core.web import page, public_url, request_translator, safe_next, set_cookie
from coworking.networks.services import list_networks
from coworking.site import discovery
from coworking.site.network import network_figures
from coworking.spaces.services import data_gaps, directory_stats, upcoming_activities

ONE_YEAR = 365 * 24 * 3600
SPACES_SITEMAP = re.compile(r"spaces-(\d{1,6})\.xml")


class SitePages(Controller):
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="home", sync_to_thread=True)
    @local_read
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

    @get("/api", name="api-reference")
    async def api_reference(self, request: Request) -> Template:
        """The API's reference, drawn on the server from its OpenAPI document: no viewer script to fetch
        on a slow connection, nothing the site's CSP would have to allow. (Vendored viewers were tried:
        RapiDoc 9.3.8 sets inline styles and loads Google Fonts, Swagger UI 5 sets inline styles; both
        need ``style-src 'unsafe-inline'``, which this site does not grant.)"""
        document = request.app.openapi_schema.to_schema()
        operations = [
            (path, method.upper(), operation)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if method in ("get", "post", "put", "patch", "delete")
        ]
        return page(request, "site/api_reference.html", {"document": document, "operations": operations})

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

    @get("/readyz", name="readyz", sync_to_thread=True, opt={"permission": Permission.SITE_STATUS})
    def readyz(self, request: Request, db_session: DbSession) -> Response:
        """Ready for traffic: the database answers and, when one is configured, Redis does (a load balancer
        sends requests elsewhere on 503). ``/healthz`` only says the process lives and reaches its database."""
        checks = {"database": "ok"}
        try:
            db_session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not ready", and says so
            checks["database"] = "unreachable"
        redis_url = request.app.state.settings.redis_url
        if redis_url:
            import redis

            checks["redis"] = "ok"
            try:
                with redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2) as client:
                    client.ping()
            except redis.RedisError:
                checks["redis"] = "unreachable"
        ready = all(value == "ok" for value in checks.values())
        return Response({"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})


class DiscoveryFiles(Controller):
    """robots.txt, the sitemaps and the Atom feeds of new spaces: for search engines and feed readers."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/robots.txt", sync_to_thread=False)
    def robots(self, request: Request) -> Response[str]:
        return Response(discovery.robots_txt(lambda path: public_url(request, path)), media_type=MediaType.TEXT)

    @get("/sitemap.xml", sync_to_thread=True)
    def sitemap(self, request: Request, db_session: DbSession) -> Response[bytes]:
        return _xml(discovery.sitemap_index(db_session, lambda path: public_url(request, path)))

    @get("/sitemaps/{name:str}", sync_to_thread=True)
    def sitemap_file(self, request: Request, db_session: DbSession, name: FromPath[str]) -> Response[bytes]:
        """pages.xml, or spaces-1.xml, spaces-2.xml, … (the index names them)."""
        url = lambda path: public_url(request, path)  # noqa: E731
        found = None
        if name == "pages.xml":
            found = discovery.pages_sitemap(db_session, url)
        elif (match := SPACES_SITEMAP.fullmatch(name)) and int(match.group(1)) >= 1:
            found = discovery.spaces_sitemap(db_session, url, int(match.group(1)))
        if found is None:
            raise NotFoundException(f"No sitemap {name!r}")
        return _xml(found)

    @get("/feeds/spaces.atom", sync_to_thread=True)
    def new_spaces(self, request: Request, db_session: DbSession, country: FromQuery[str | None] = None) -> Response[bytes]:
        translator = request_translator(request)
        code = (country or "").strip().upper() or None
        if code is not None and not is_country_code(code):
            raise InvalidInput({"country": N_("Unknown country code: use two letters such as LV or IE.")})
        title = translator.gettext(N_("New spaces in %(country)s"), country=translator.country_name(code)) if code else translator.gettext(N_("New spaces in the network"))
        feed = discovery.new_spaces_feed(
            db_session, lambda path: public_url(request, path), title, code,
            lambda space: f"{space.town}, {translator.country_name(space.country_code)}",
        )  # fmt: skip
        return _xml(feed, "application/atom+xml")


def _xml(body: bytes, media_type: str = "application/xml") -> Response[bytes]:
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=600"})
