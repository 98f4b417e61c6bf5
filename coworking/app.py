"""create_app(): the Litestar application with its plugins, routes, error handlers and headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from advanced_alchemy.extensions.litestar import (
    SQLAlchemyPlugin,
    SQLAlchemySyncConfig,
    SyncSessionConfig,
)
from advanced_alchemy.extensions.litestar.plugins.init.config.sync import autocommit_handler_maker
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope

from coworking.cache import TimedCache
from coworking.db import make_engine
from coworking.errors import handle_exception
from coworking.geo.controllers import PlacePages, PlacesApi
from coworking.geo.geocoders import build_geocoder
from coworking.map.controllers import MapApi, MapPage
from coworking.map.services import grid_cache
from coworking.security import security_headers
from coworking.settings import Settings
from coworking.site import SiteApi, SitePages
from coworking.spaces.api import SpacesApi
from coworking.spaces.controllers import SpacePages
from coworking.web import install_template_globals


def commit_or_roll_back() -> Callable[[Message, Scope], Awaitable[None]]:
    """Advanced Alchemy's hook (commit after 2xx and 3xx, so POST → 303 commits; roll back otherwise),
    run on the event loop.

    Litestar runs a synchronous hook in the thread pool the handlers use. Under ~20 concurrent requests
    every thread then waited for a pooled connection while every connection belonged to a finished
    response waiting for a thread to close it: the worker deadlocked (found by the benchmarks).
    """
    handler = autocommit_handler_maker(commit_on_redirect=True)

    async def before_send(message: Message, scope: Scope) -> None:
        handler(message, scope)

    return before_send


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, pool_pre_ping=True)
    database = SQLAlchemySyncConfig(
        engine_instance=engine,
        session_config=SyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session",
        before_send_handler=commit_or_roll_back(),
        create_all=False,
    )
    templates = TemplateConfig(
        directory=settings.templates_dir,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: install_template_globals(engine.engine, settings),
    )
    return Litestar(
        route_handlers=[
            SitePages,
            SpacePages,
            SpacesApi,
            SiteApi,
            PlacePages,
            PlacesApi,
            MapPage,
            MapApi,
            create_static_files_router(
                path="/static",
                directories=[settings.static_dir],
                cache_control=CacheControlHeader(max_age=3600, public=True),
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=database), HTMXPlugin()],
        request_class=HTMXRequest,
        template_config=templates,
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_samesite="lax",
            # The API is read-only JSON for now; forms are where CSRF matters.
            exclude=["/api/"],
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=500),
        openapi_config=OpenAPIConfig(
            title="Rural coworking directory API",
            version="1",
            path="/schema",
            description="Rural coworking spaces in Europe, their amenities, activities and networks.",
            # The document itself (JSON, YAML): the HTML viewers Litestar offers load scripts from a
            # CDN and run inline code, which this site's CSP refuses.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        exception_handlers={Exception: handle_exception},
        before_send=[security_headers(settings)],
        state=State(
            {
                "settings": settings,
                "geocoder": build_geocoder(settings.geocoder, engine, settings.geocoder_user_agent),
                "map_grids": grid_cache(),
                # Counts over every space (home, search form, about): a scan worth doing every 30 s, not per request.
                "directory_counts": TimedCache(seconds=30, max_entries=4),
            }
        ),
        debug=settings.debug,
    )
