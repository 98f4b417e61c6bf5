"""/data/spaces.csv and /data/spaces.geojson: any search's spaces to download (the query string is the
search's, as on /spaces), streamed, open to other sites, each naming its licence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_
from coworking.core.web import Form, form_text, ip_of, page, public_url
from coworking.exchange import imports
from coworking.exchange.export import Licence, activities_calendar, csv_chunks, exported_rows, geojson_chunks
from coworking.spaces.query import Filters, Search, SearchParams, SpaceQuery, build_space_query
from coworking.spaces.services import resolve_origin

# A download reads every space it names: plenty for people and scripts, not a way to keep a server busy.
DOWNLOADS_PER_IP = Limit("download-ip", 60, 10 * 60)


def licence_of(request: Request) -> Licence:
    settings = request.app.state.settings
    return Licence(settings.data_licence, settings.data_licence_url, public_url(request, "/"))


def _file_name(query: SpaceQuery, extension: str, holds: str = "spaces") -> str:
    """``rural-coworking-spaces-lv-2026-11-28.csv``: what it holds (spaces or activities, of a country, of
    Europe, of a search) and its date."""
    scope = "-".join(code.lower() for code in query.countries[:3]) or "europe"
    narrowed = query.q or query.regions or query.amenities or query.upcoming or query.network_pass or query.bbox or query.by_distance
    return f"rural-coworking-{holds}-{scope}{'-search' if narrowed else ''}-{utcnow().date().isoformat()}.{extension}"


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

    @get("/activities.ics", sync_to_thread=True)
    def activities_ics(
        self,
        request: Request,
        db_session: DbSession,
        filters: Filters,
        bbox: Annotated[str | None, QueryParameter(description="Only spaces in this box: west,south,east,north.")] = None,
    ) -> Response[bytes]:
        """The dated activities of the spaces a search finds (its filters, and a map view's box), for a
        calendar app to subscribe to."""
        check(request.app.state.rate_limiter, [(DOWNLOADS_PER_IP, ip_of(request))])
        query = build_space_query(SearchParams(**msgspec.structs.asdict(filters), bbox=bbox or ""))
        licence = licence_of(request)
        body = activities_calendar(db_session, query, utcnow(), licence, lambda path: public_url(request, path))
        return Response(
            body,
            media_type="text/calendar",
            headers={"Content-Disposition": f'inline; filename="{_file_name(query, "ics", holds="activities")}"',
                     "Link": f'<{licence.url}>; rel="license"', "Cache-Control": "public, max-age=600"},
        )  # fmt: skip

    @get("/spaces.geojson", sync_to_thread=True)
    def spaces_geojson(self, request: Request, search: Search) -> Stream:
        return self._stream(request, search, "geojson", "application/geo+json")


# An upload to import: the file and how to read it (the body may be a little over the file's limit).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
ImportUpload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _import_page(request: Request, *, plan: imports.ImportPlan | None = None, found: imports.Staged | None = None,
                 header: list[imports.FileColumn] | None = None, chosen: dict[int, str] | None = None,
                 errors: dict[str, str] | None = None, typed: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    """The import page at one of its steps: the upload form, the columns of a spreadsheet, or the report."""
    actor = request.state.actor
    countries = None if actor.is_admin else sorted(actor.partner_countries)
    context = {
        "plan": plan,
        "token": found.token if found else None,
        "mapped": found.columns if found and plan else {},
        "header": header,
        "chosen": chosen or {},
        "field_labels": imports.FIELD_LABELS,
        "errors": errors or {},
        "form": typed or {},
        "countries": countries,
        "formats": imports.FORMATS,
    }
    return page(request, "exchange/import.html", context, status_code=status_code)


def _staged_or_404(request: Request, token: str) -> imports.Staged:
    found = imports.staged(request.app.state.staged_imports, request.state.actor.user_id, token)
    if found is None:
        raise NotFoundException("No such import waiting for you")
    return found


class PartnerImportPages(Controller):
    """A partner imports a file of spaces into their countries: a spreadsheet whose columns have other
    names first says which column holds what (remembered for their next file), then a dry run, then one
    confirmation."""

    path = "/partner/import"
    include_in_schema = False
    opt = {"permission": Permission.DATA_IMPORT, CSRF_FORM: True}

    @get("/", name="partner-import")
    async def form(self, request: Request) -> Template:
        return _import_page(request)

    @post("/", request_max_body_size=MAX_IMPORT_BYTES + 1024 * 1024, sync_to_thread=True)
    def dry_run(self, request: Request, db_session: DbSession, data: ImportUpload) -> Template:
        actor = request.state.actor
        upload = data.get("file")
        file_format = form_text(data, "format")
        typed = {"format": file_format, "overwrite": form_text(data, "overwrite")}
        content = upload.file.read(MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
        store = request.app.state.staged_imports
        try:
            if not content:
                raise InvalidInput({"file": N_("Choose a file to import.")})
            if len(content) > MAX_IMPORT_BYTES:
                raise InvalidInput({"file": N_("This file is over 20 MB: split it by country or region.")})
            columns: imports.ColumnMapping = {}
            if file_format == "csv":
                remembered = imports.remembered_columns(db_session, actor.user_id)
                header, ask = imports.csv_columns(content, remembered)
                keys = {imports.column_key(column.name) for column in header}
                columns = {key: target for key, target in remembered.items() if key in keys}
                if ask:
                    token = imports.stage(store, actor.user_id, content, file_format, upload.filename or "upload")
                    found = imports.staged(store, actor.user_id, token)
                    return _import_page(request, found=found, header=header, typed=typed)
            plan = _plan(db_session, actor, content, file_format, typed["overwrite"] == "yes", {}, columns)
        except InvalidInput as error:
            return _import_page(request, errors=error.errors, typed=typed, status_code=400)
        token = imports.stage(store, actor.user_id, content, file_format, upload.filename or "upload", columns)
        return _import_page(request, plan=plan, found=imports.staged(store, actor.user_id, token), typed=typed)

    @get("/{token:str}/columns", sync_to_thread=True)
    def columns(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        """The mapping step again, for a file read with remembered columns (to change them)."""
        found = _staged_or_404(request, token)
        header, _ = imports.csv_columns(found.data, found.columns)
        return _import_page(request, found=found, header=header, typed={"overwrite": request.query_params.get("overwrite", "")})

    @post("/{token:str}/columns", sync_to_thread=True)
    def map_columns(self, request: Request, db_session: DbSession, token: FromPath[str], data: Form) -> Template:
        actor = request.state.actor
        found = _staged_or_404(request, token)
        typed = {"format": found.file_format, "overwrite": form_text(data, "overwrite")}
        prefix = "column_"
        chosen = {position: form_text(data, key) for key in data if key.startswith(prefix) and (position := whole_number(key[len(prefix):])) is not None}
        header, _ = imports.csv_columns(found.data, {})
        try:
            mapping = imports.check_mapping(header, chosen, _default_country(actor))
        except InvalidInput as error:
            return _import_page(request, found=found, header=header, chosen=chosen, errors=error.errors, typed=typed, status_code=400)
        imports.remember_columns(db_session, actor.user_id, mapping)
        found = imports.read_columns_as(request.app.state.staged_imports, found, mapping)
        try:
            plan = _plan(db_session, actor, found.data, found.file_format, typed["overwrite"] == "yes", {}, mapping)
        except InvalidInput as error:
            return _import_page(request, found=found, header=header, chosen=chosen, errors=error.errors, typed=typed, status_code=400)
        return _import_page(request, plan=plan, found=found, typed=typed)

    @post("/{token:str}", sync_to_thread=True)
    def confirm(self, request: Request, db_session: DbSession, token: FromPath[str], data: Form) -> Template | Redirect:
        actor = request.state.actor
        found = _staged_or_404(request, token)
        merges = {line: form_text(data, key) for key in data if key.startswith("merge_") and (line := whole_number(key[len("merge_"):])) is not None and form_text(data, key)}
        overwrite = form_text(data, "overwrite") == "yes"
        plan = _plan(db_session, actor, found.data, found.file_format, overwrite, merges, found.columns)
        try:
            added, updated = imports.apply_import(
                db_session, plan, author_id=actor.user_id, author_role="admin" if actor.is_admin else "partner", source=found.name
            )
        except IntegrityError:
            # Listed meanwhile under a name the file adds: the report, made again, shows it; nothing was written.
            fresh = _plan(db_session, actor, found.data, found.file_format, overwrite, merges, found.columns)
            errors = {"file": N_("The listings changed while you were checking: here is the report again.")}
            return _import_page(request, plan=fresh, found=found, errors=errors, status_code=409)
        imports.unstage(request.app.state.staged_imports, found)
        return Redirect(path=f"/partner/import?added={added}&updated={updated}", status_code=303)


def _default_country(actor: Actor) -> str | None:
    """A partner of one country imports into it: a file without a country column is read as theirs."""
    return next(iter(actor.partner_countries)) if not actor.is_admin and len(actor.partner_countries) == 1 else None


def _plan(db: Session, actor: Actor, content: bytes, file_format: str, overwrite: bool, merges: dict[int, str],
          columns: imports.ColumnMapping) -> imports.ImportPlan:  # fmt: skip
    """The dry run, as this partner may import: into their countries (an admin: anywhere)."""
    records, found_columns = imports.read_records(content, file_format, columns)
    allowed = None if actor.is_admin else actor.partner_countries
    return imports.plan_import(
        db, records, found_columns, allowed_countries=allowed, default_country=_default_country(actor),
        overwrite_builder_edits=overwrite, merges=merges,
    )  # fmt: skip
