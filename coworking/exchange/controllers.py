"""/data/spaces.csv and /data/spaces.geojson: any search's spaces to download (the query string is the
search's, as on /spaces), streamed, open to other sites, each naming its licence."""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Controller, Request, get
from litestar.response import Stream

from coworking.accounts.permissions import Permission
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.web import ip_of, public_url
from coworking.exchange.export import Licence, csv_chunks, exported_rows, geojson_chunks
from coworking.spaces.query import Search, SpaceQuery, build_space_query
from coworking.spaces.services import resolve_origin

# A download reads every space it names: plenty for people and scripts, not a way to keep a server busy.
DOWNLOADS_PER_IP = Limit("download-ip", 60, 10 * 60)


def licence_of(request: Request) -> Licence:
    settings = request.app.state.settings
    return Licence(settings.data_licence, settings.data_licence_url, public_url(request, "/"))


def _file_name(query: SpaceQuery, extension: str) -> str:
    """``rural-coworking-spaces-lv-2026-11-28.csv``: what it holds (a country, Europe, a search) and its date."""
    scope = "-".join(code.lower() for code in query.countries[:3]) or "europe"
    narrowed = query.q or query.regions or query.amenities or query.upcoming or query.bbox or query.by_distance
    return f"rural-coworking-spaces-{scope}{'-search' if narrowed else ''}-{utcnow().date().isoformat()}.{extension}"


class DataDownloads(Controller):
    path = "/data"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    def _stream(self, request: Request, search: Search, extension: str, media_type: str) -> Stream:
        check(request.app.state.rate_limiter, [(DOWNLOADS_PER_IP, ip_of(request))])
        query = build_space_query(search)  # a wrong search: its 400, before anything is streamed
        origin = resolve_origin(query, request.app.state.geocoder)
        now, licence = utcnow(), licence_of(request)
        rows = exported_rows(request.app.state.engine, query, now, origin)
        chunks: Iterator[str | bytes] = csv_chunks(rows) if extension == "csv" else geojson_chunks(rows, licence, now)
        return Stream(
            chunks,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{_file_name(query, extension)}"',
                "Link": f'<{licence.url}>; rel="license"',
                "Cache-Control": "public, max-age=300",
            },
        )

    @get("/spaces.csv", sync_to_thread=True)
    def spaces_csv(self, request: Request, search: Search) -> Stream:
        return self._stream(request, search, "csv", "text/csv")

    @get("/spaces.geojson", sync_to_thread=True)
    def spaces_geojson(self, request: Request, search: Search) -> Stream:
        return self._stream(request, search, "geojson", "application/geo+json")
