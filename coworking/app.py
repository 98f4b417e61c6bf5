"""create_app(): the composition root. Every domain's routes, the plugins, the one guard, the one error
handler, the security headers and the edge; no rules of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from advanced_alchemy.extensions.litestar import (
    SQLAlchemyPlugin,
    SQLAlchemySyncConfig,
    SyncSessionConfig,
)
from advanced_alchemy.extensions.litestar.plugins.init.config.sync import autocommit_handler_maker
from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Receive, Scope, Send

from coworking.accounts.admin import AdminPages
from coworking.accounts.controllers import AccountPages
from coworking.accounts.permissions import Permission, require_permission
from coworking.accounts.sessions import build_session_store
from coworking.activities.vocabulary import ACTIVITY_KIND_LABELS
from coworking.attendance.controllers import AttendanceLinkPages, ComePages, SpaceAttendancePages, attendance_of
from coworking.attendance.vocabulary import ATTENDANCE_STATUSES
from coworking.calendar.api import CalendarApi
from coworking.calendar.manage import ActivityPages, SpaceActivityPages, rule_description
from coworking.calendar.pages import CalendarFeeds, CalendarPages, activity_when
from coworking.core.assets import Assets
from coworking.core.cache import build_timed_cache
from coworking.core.concurrency import LOCAL_READS_POOL, run_local_reads_on_the_loop
from coworking.core.conditional import conditional_get
from coworking.core.db import is_sqlite_file, make_engine, make_one_connection_engine
from coworking.core.edge import edge
from coworking.core.errors import handle_exception
from coworking.core.freshness import VersionReader
from coworking.core.logs import configure_logging, install_log_escaping, timed
from coworking.core.pagecache import build_page_store, page_cache
from coworking.core.ratelimit import build_rate_limiter
from coworking.core.security import SiteCSRFMiddleware, csrf_config, security_headers
from coworking.core.settings import Settings
from coworking.core.storage import build_media_store
from coworking.core.web import install_template_globals
from coworking.countries.controllers import CountryPages
from coworking.desk.controllers import DeskPages, desk_offered
from coworking.exchange.controllers import DataDownloads, PartnerImportPages
from coworking.follows.area import area_pairs
from coworking.follows.controllers import AreaFeeds, FollowPages
from coworking.geo.api import PlacesApi
from coworking.geo.controllers import PlacePages
from coworking.geo.geocoders import build_geocoder
from coworking.guides.controllers import GuidePages, guides_for
from coworking.map.api import MapApi
from coworking.map.controllers import EmbedPages, MapPage
from coworking.map.services import grid_cache
from coworking.moderation.controllers import (
    ListingCheckPages,
    ModerationPages,
    ProposalPages,
    SpaceRequestPages,
    moderation_waiting,
)
from coworking.networks.api import NetworksApi
from coworking.networks.controllers import NetworkPages
from coworking.networks.vocabulary import NETWORK_SCOPE_LABELS
from coworking.pageviews.hooks import PAGE_OF_SPACE, count_cached_view
from coworking.reports.controllers import PartnerReportPages
from coworking.reviews.controllers import (
    ReviewModerationPages,
    ReviewPages,
    reviews_to_moderate,
    reviews_waiting,
    space_reviews,
)
from coworking.reviews.vocabulary import RATING_LABELS, REVIEW_STATUSES
from coworking.site.api import SiteApi
from coworking.site.controllers import DiscoveryFiles, SitePages
from coworking.spaces.api import SpacesApi
from coworking.spaces.controllers import BuilderProfilePages, ListingPages, MediaFiles, PhotoPages, SpacePages
from coworking.spaces.query import provide_filter_params, provide_search_params
from coworking.spaces.vocabulary import AMENITIES, AMENITY_LABELS, STATUS_LABELS, STATUSES
from coworking.stories.controllers import SpaceStoryPages, StoryDeskPages, StoryPages, stories_of
from coworking.stories.vocabulary import CONSENT_PARTS
from coworking.visits.controllers import (
    PartnerVisitPages,
    SpaceVisitPages,
    VisitAskPages,
    VisitLinkPages,
    visit_requests_offered,
)
from coworking.visits.vocabulary import VISIT_KINDS, VISIT_STATUSES

# What templates may name from the domains (the core's helpers know none of them).
DOMAIN_GLOBALS = {
    "moderation_waiting": moderation_waiting,
    "desk_offered": desk_offered,
    "guides_for": guides_for,
    "AMENITIES": AMENITIES,
    "AMENITY_LABELS": AMENITY_LABELS,
    "STATUSES": STATUSES,
    "STATUS_LABELS": STATUS_LABELS,
    "ACTIVITY_KIND_LABELS": ACTIVITY_KIND_LABELS,
    # A series' rule in words, in the visitor's language: ``rule_description(activity.rrule, activity.time_zone)``.
    "rule_description": rule_description,
    # An activity's date on its space's clock, in the visitor's language ("Tue, 1 Dec 2026, 18:00–20:00 EET").
    "activity_when": activity_when,
    "NETWORK_SCOPE_LABELS": NETWORK_SCOPE_LABELS,
    # A search's area and filters as query-string pairs: the links to follow it and to its feeds.
    "area_pairs": area_pairs,
    "visit_requests_offered": visit_requests_offered,
    "VISIT_KIND_LABELS": VISIT_KINDS,
    "VISIT_STATUS_LABELS": VISIT_STATUSES,
    # A space's reviews on its page, and the reviews waiting in the moderation queue and its count.
    "space_reviews": space_reviews,
    "reviews_to_moderate": reviews_to_moderate,
    "reviews_waiting": reviews_waiting,
    "RATING_LABELS": RATING_LABELS,
    "REVIEW_STATUS_LABELS": REVIEW_STATUSES,
    # A space's page asks for its newest stories (stories sit above spaces: the page cannot import them).
    "stories_of": stories_of,
    "CONSENT_PARTS": CONSENT_PARTS,
    # An activity's date: how many come, places left, and whether it takes sign-ups ("I'll come").
    "attendance_of": attendance_of,
    "ATTENDANCE_STATUS_LABELS": ATTENDANCE_STATUSES,
}


def commit_or_roll_back(session_scope_key: str) -> Callable[[Message, Scope], Awaitable[None]]:
    """Advanced Alchemy's hook (commit after 2xx and 3xx, roll back otherwise, then close), run on the event loop.

    Litestar runs a synchronous hook in the thread pool the handlers use. Under ~20 concurrent requests
    every thread then waited for a pooled connection while every connection belonged to a finished
    response waiting for a thread to close it: the worker deadlocked (found by the benchmarks).
    Writes do not rely on it: services commit their own transaction.

    ``session_scope_key`` is the config's own: Advanced Alchemy makes each config's key unique in the process
    ("_sqlalchemy_db_session_2" for a second app), and a hook looking under another key closes nothing, so
    every request's connection waits for the garbage collector (the suite's many apps ran out of them).
    """
    handler = autocommit_handler_maker(commit_on_redirect=True, session_scope_key=session_scope_key)

    async def before_send(message: Message, scope: Scope) -> None:
        handler(message, scope)

    return before_send


async def refuse_at_the_edge(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
    """The edge's answer (a host this site does not serve, a path no page can have): the error of its surface."""
    app: Litestar = scope["litestar_app"]
    request = app.request_class(scope=scope, receive=receive)
    response = handle_exception(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)


def reads_are_local(settings: Settings) -> bool:
    """Whether a handler that only reads waits on nothing but this process (core/concurrency.py): the
    database is a SQLite file, and neither Redis (caches) nor an online geocoder answers over a network."""
    return is_sqlite_file(settings.database_url) and not settings.redis_url and settings.geocoder == "gazetteer"


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    install_log_escaping()
    configure_logging(settings.log_format)
    local_reads = reads_are_local(settings)
    engine = make_engine(settings.database_url, pool_pre_ping=True, **(LOCAL_READS_POOL if local_reads else {}))
    # The content version is read on the event loop: from a connection of its own, never from the requests'
    # pool, where it could wait for a connection held by a request that waits for the loop (the stall,
    # benchmarks/README.md). Only the loop's thread uses it, so its one connection is always free.
    version_engine = make_one_connection_engine(settings.database_url)
    database = SQLAlchemySyncConfig(
        engine_instance=engine,
        session_config=SyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session",
        create_all=False,
    )
    database.before_send_handler = commit_or_roll_back(database.session_scope_key)
    assets = Assets(settings.static_dir)
    templates = TemplateConfig(
        directory=settings.templates_dir,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: install_template_globals(
            engine.engine, settings, DOMAIN_GLOBALS, static=assets.url
        ),
    )
    app = Litestar(
        route_handlers=[
            SitePages,
            DiscoveryFiles,
            SiteApi,
            SpacePages,
            ListingPages,
            PhotoPages,
            MediaFiles,
            SpaceRequestPages,
            ProposalPages,
            ModerationPages,
            ListingCheckPages,
            VisitAskPages,
            VisitLinkPages,
            SpaceVisitPages,
            PartnerVisitPages,
            ReviewPages,
            ReviewModerationPages,
            StoryPages,
            SpaceStoryPages,
            StoryDeskPages,
            ComePages,
            AttendanceLinkPages,
            SpaceAttendancePages,
            DeskPages,
            SpaceActivityPages,
            ActivityPages,
            CalendarPages,
            CalendarFeeds,
            CalendarApi,
            SpacesApi,
            MapPage,
            EmbedPages,
            MapApi,
            PlacePages,
            PlacesApi,
            NetworkPages,
            GuidePages,
            CountryPages,
            DataDownloads,
            PartnerImportPages,
            PartnerReportPages,
            FollowPages,
            AreaFeeds,
            NetworksApi,
            AccountPages,
            BuilderProfilePages,
            AdminPages,
            create_static_files_router(
                path="/static",
                directories=[settings.static_dir],
                cache_control=CacheControlHeader(max_age=3600, public=True),
                opt={"permission": Permission.DIRECTORY_READ},
            ),
        ],
        dependencies={
            "filters": Provide(provide_filter_params, sync_to_thread=False),
            "search": Provide(provide_search_params, sync_to_thread=False),
        },
        guards=[require_permission],
        plugins=[SQLAlchemyPlugin(config=database), HTMXPlugin()],
        request_class=HTMXRequest,
        template_config=templates,
        middleware=[DefineMiddleware(SiteCSRFMiddleware, config=csrf_config(settings))],
        compression_config=CompressionConfig(backend="gzip", minimum_size=500),
        openapi_config=OpenAPIConfig(
            title="Rural coworking directory API",
            version="1",
            description="Rural coworking spaces in Europe, their amenities, activities and networks.",
            # The document itself (JSON, YAML): the HTML viewers Litestar offers load scripts from a
            # CDN and run inline code, which this site's CSP refuses.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            # The document describes the API; its own addresses are not part of it.
            openapi_router=Router(
                path="/schema",
                route_handlers=[],
                include_in_schema=False,
                opt={"permission": Permission.SITE_STATUS},
            ),
        ),
        exception_handlers={Exception: handle_exception},
        # Reads of a SQLite file, with no Redis and no online geocoder to wait on, skip the thread pool.
        on_startup=[run_local_reads_on_the_loop(local_reads)],
        # The engine is the app's own: its connections close with it.
        on_shutdown=[engine.dispose, version_engine.dispose],
        before_send=[security_headers(settings), assets.cache_forever_when_current()],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "database": database,
                "sessions": build_session_store(
                    settings.redis_url,
                    engine,
                    idle=timedelta(minutes=settings.session_idle_minutes),
                    lifetime=timedelta(days=settings.session_lifetime_days),
                ),
                "rate_limiter": build_rate_limiter(settings.redis_url, engine),
                "media": build_media_store(settings.media_dir),
                "staged_imports": build_media_store(settings.imports_dir),
                "geocoder": build_geocoder(
                    settings.geocoder, engine, settings.geocoder_user_agent, settings.redis_url
                ),
                "map_grids": grid_cache(settings.redis_url),
                # Counts over every space (home, search form, about): a scan worth doing every 30 s, not per
                # request; with Redis, once for every worker.
                "directory_counts": build_timed_cache(settings.redis_url, "directory-counts", 30, 4),
            }
        ),
        debug=settings.debug,
        # JSON logs: configure_logging set every logger up; Litestar's own configuration would replace it.
        **({"logging_config": None} if settings.log_format == "json" else {}),
    )
    # Litestar routes a request before any middleware of its own runs: the edge must come first.
    # The page cache inside conditional_get (a cached answer gets its ETag and 304 like any other) and
    # inside the edge (hosts checked, HEAD made a GET); ahead of routing, so a hit skips all of Litestar.
    app.state.page_store = (
        build_page_store(settings.redis_url, settings.page_cache_seconds) if settings.page_cache else None
    )
    cached = page_cache(
        app.asgi_handler,
        store=app.state.page_store,
        version=VersionReader(version_engine, settings.content_version_seconds),
        seconds=settings.page_cache_seconds,
        locales=settings.locales,
        csrf=csrf_config(settings),
        keep_state=(PAGE_OF_SPACE,),
        on_hit=count_cached_view,
    )
    app.asgi_handler = timed(edge(conditional_get(cached), settings.allowed_hosts, refuse_at_the_edge))
    return app
