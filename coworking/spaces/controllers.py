"""HTML pages of the directory: the search results and one page per space."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.controllers import start_session
from coworking.accounts.permissions import Permission, can
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import official_language, timezone_for_country
from coworking.core.images import MAX_BYTES, MEDIA_TYPE
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_
from coworking.core.web import Form, RowId, form_list, form_text, ip_of, page, public_url, request_translator
from coworking.geo.schemas import PlaceNotFound
from coworking.geo.services import locate
from coworking.pageviews.hooks import count_view, note_view
from coworking.spaces import editing, photos, profiles
from coworking.spaces.descriptions import is_outdated, shown_descriptions, source_text, translation_languages
from coworking.spaces.editing import EditConflict, TranslationConflict
from coworking.spaces.history import revision_rows
from coworking.spaces.jsonld import space_json_ld
from coworking.spaces.listing import (
    HISTORY_FIELDS,
    LISTING_FIELDS,
    form_values,
    is_stale,
    listing_state,
    parse_listing,
    translation_state,
)
from coworking.spaces.models import Space, SpacePhoto
from coworking.spaces.query import SORTS, Search, SearchParams, build_space_query
from coworking.spaces.services import directory_stats, find_spaces, get_space, to_photo

# The distances offered in the form; any value from 1 to 500 km works in a link.
RADIUS_CHOICES = (5, 10, 20, 30, 50, 100, 200)
CORRIDOR_CHOICES = (2, 5, 10, 20, 50)


def search_page_context(
    request: Request, db_session: Session, search: Search, action: str
) -> tuple[dict[str, Any], int]:
    """Run the search; the context of /spaces and /map, and its status (400 when the search is invalid).

    ``action`` is the page's own path: its form, pagination and suggestions lead back to it.
    """
    results, query, errors, not_found = None, None, {}, None
    try:
        query = build_space_query(search)
        results = find_spaces(db_session, request.app.state.geocoder, query, utcnow())
    except PlaceNotFound as exc:
        errors, not_found = exc.errors, exc
    except InvalidInput as exc:
        errors = exc.errors
    context = {
        "action": action,
        "form": search,
        "query": query,
        "results": results,
        "errors": errors,
        "not_found": not_found,
        "sorts": SORTS,
        "radius_choices": RADIUS_CHOICES,
        "corridor_choices": CORRIDOR_CHOICES,
        "countries": request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session)).countries,
    }
    return context, 400 if errors else 200


def search_page(request: Request, db_session: Session, search: SearchParams, action: str, template: str) -> Template:
    """A page of search results (``template``); an htmx request gets only the results fragment."""
    context, status = search_page_context(request, db_session, search, action)
    return page(request, template, context, partial="spaces/_results.html", status_code=status)


class SpacePages(Controller):
    path = "/spaces"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="spaces", sync_to_thread=True)
    @local_read
    def search(self, request: Request, db_session: DbSession, search: Search) -> Template:
        return search_page(request, db_session, search, "/spaces", "spaces/list.html")

    @get(
        "/{slug:str}",
        name="space",
        opt={"permission": Permission.DIRECTORY_READ, CSRF_FORM: True},
        sync_to_thread=True,
        # Counts the view once the page is sent (its builders' desk shows the views per month).
        after_response=count_view,
    )
    @local_read
    def detail(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        now = utcnow()
        space = get_space(db_session, slug, now)
        if space is None:
            raise NotFoundException(f"No space {slug!r}")
        note_view(request, space.id)
        return page(
            request,
            "spaces/detail.html",
            {
                "space": space,
                "descriptions": shown_descriptions(space, request_translator(request).locale),
                "json_ld": space_json_ld(space, public_url(request, f"/spaces/{space.slug}")),
                "timezone": timezone_for_country(space.country_code),
                "may_edit": can(request.state.actor, Permission.SPACE_EDIT, space),
                "stale": is_stale(space.confirmed_at, space.created_at, now),
            },
        )


EDIT = {"permission": Permission.SPACE_EDIT, CSRF_FORM: True}
# The statuses of a failed save: the form again with its messages (400), or with a merge to make (409).
CONFLICT = 409


def listing_or_404(space: Space | None, slug: str) -> Space:
    """The listing a path names, or the 404 page."""
    if space is None:
        raise NotFoundException(f"No space {slug!r}")
    return space


def _edit_page(
    request: Request,
    space: Space,
    values: dict[str, Any],
    *,
    version: int,
    errors: dict[str, str] | None = None,
    conflict: EditConflict | None = None,
    located: bool = False,
    status_code: int = 200,
) -> Template:
    """The edit form: ``values`` as typed (or as stored), the version the edit stands on, and what to fix."""
    return page(
        request,
        "spaces/edit.html",
        {
            "space": space,
            "form": values,
            "version": version,
            "errors": errors or {},
            "conflict": conflict,
            "theirs": conflict.theirs if conflict else {},
            "located": located,
            "labels": LISTING_FIELDS,
        },
        status_code=status_code,
    )


def _located(request: Request, space: Space, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Put the marker on the typed address (the street if the geocoder knows it, else the town)."""
    street, town, country = form_text(values, "street_address"), form_text(values, "town"), space.country_code
    for typed in (f"{street}, {town}, {country}", f"{town}, {country}"):
        try:
            found = locate("street_address", typed.strip(", "), request.app.state.geocoder)
        except InvalidInput:
            continue
        return {**values, "latitude": f"{found.latitude:.6f}", "longitude": f"{found.longitude:.6f}"}, {}
    return values, {"street_address": N_("We could not find this address: place the marker on the map by hand.")}


class ListingPages(Controller):
    """Editing a listing, its history, its confirmation: for the people the policy names, per space."""

    path = "/spaces/{slug:str}"
    include_in_schema = False
    opt = EDIT

    @get("/edit", name="edit-space", sync_to_thread=True)
    def edit_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(editing.listing_for_edit(db_session, request.state.actor, slug), slug)
        return _edit_page(request, space, form_values(listing_state(space)), version=space.version)

    @post("/edit", sync_to_thread=True)
    def edit(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor = request.state.actor
        space = listing_or_404(editing.listing_for_edit(db_session, actor, slug), slug)
        values = {**data, "amenities": form_list(data, "amenities")}
        # A form without its version (or with a number no version has) is older than any: merged, never saved over.
        base_version = whole_number(form_text(data, "version")) or 0
        if form_text(data, "action") == "locate":
            values, errors = _located(request, space, values)
            return _edit_page(request, space, values, version=base_version, errors=errors, located=not errors)
        try:
            wanted = parse_listing(data, utcnow().date())
            editing.edit_listing(db_session, actor, space, base_version, wanted, form_text(data, "summary"))
        except InvalidInput as error:
            return _edit_page(request, space, values, version=base_version, errors=error.errors, status_code=400)
        except EditConflict as conflict:
            merged = {**form_values(conflict.merged), "summary": form_text(data, "summary")}
            return _edit_page(request, space, merged, version=conflict.version, conflict=conflict, status_code=CONFLICT)
        return Redirect(path=f"/spaces/{space.slug}?saved=1", status_code=303)

    @post("/confirm", sync_to_thread=True)
    def confirm(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Redirect:
        space = listing_or_404(editing.listing_for_edit(db_session, request.state.actor, slug), slug)
        editing.confirm_listing(db_session, request.state.actor, space)
        return Redirect(path=f"/spaces/{space.slug}?confirmed=1", status_code=303)

    @get("/translations", name="space-translations", sync_to_thread=True)
    def translations_form(
        self, request: Request, db_session: DbSession, slug: FromPath[str], language: FromQuery[str | None] = None
    ) -> Template:
        space = listing_or_404(editing.listing_for_edit(db_session, request.state.actor, slug), slug)
        existing = translation_state(space)
        chosen = language if language in translation_languages(space, request.app.state.settings.locales) else ""
        values = {"language": chosen, "editing": chosen if chosen in existing else "", "description": existing.get(chosen, ""), "summary": ""}
        return _translations_page(request, space, values, version=space.version)

    @post("/translations", sync_to_thread=True)
    def translate(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor = request.state.actor
        space = listing_or_404(editing.listing_for_edit(db_session, actor, slug), slug)
        values = {name: form_text(data, name) for name in ("language", "editing", "description", "summary")}
        language = values["language"]
        base_version = whole_number(form_text(data, "version")) or 0
        try:
            editing.save_translation(
                db_session, actor, space, language, base_version, values["description"], values["summary"],
                request.app.state.settings.locales, shown=values["editing"],
            )  # fmt: skip
        except InvalidInput as error:
            return _translations_page(request, space, values, version=base_version, errors=error.errors, status_code=400)
        except TranslationConflict as conflict:
            return _translations_page(
                request, space, {**values, "editing": language}, version=conflict.version, conflict=conflict, status_code=CONFLICT
            )  # fmt: skip
        return Redirect(path=f"/spaces/{space.slug}/translations?saved={language}", status_code=303)

    @post("/translations/{language:str}/confirm", sync_to_thread=True)
    def confirm_translation(
        self, request: Request, db_session: DbSession, slug: FromPath[str], language: FromPath[str]
    ) -> Template | Redirect:
        space = listing_or_404(editing.listing_for_edit(db_session, request.state.actor, slug), slug)
        try:
            editing.confirm_translation(db_session, request.state.actor, space, language)
        except InvalidInput as error:
            values = {"language": "", "editing": "", "description": "", "summary": ""}
            return _translations_page(request, space, values, version=space.version, errors=error.errors, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/translations?confirmed={language}", status_code=303)

    @get(
        "/history",
        name="space-history",
        opt={"permission": Permission.DIRECTORY_READ, CSRF_FORM: True},
        sync_to_thread=True,
    )
    def history(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(editing.get_listing(db_session, slug), slug)
        actor = request.state.actor
        return page(
            request,
            "spaces/history.html",
            {
                "space": space,
                "revisions": revision_rows(db_session, space),
                "may_revert": can(actor, Permission.SPACE_REVERT, space),
                "labels": HISTORY_FIELDS,
            },
        )

    @post("/history/{revision_id:int}/revert", opt={"permission": Permission.SPACE_REVERT}, sync_to_thread=True)
    def revert(
        self, request: Request, db_session: DbSession, slug: FromPath[str], revision_id: RowId
    ) -> Redirect:
        space = listing_or_404(editing.get_listing(db_session, slug), slug)
        editing.revert_listing(db_session, request.state.actor, space, revision_id)
        return Redirect(path=f"/spaces/{space.slug}/history?reverted=1", status_code=303)


def _translations_page(
    request: Request,
    space: Space,
    values: dict[str, str],
    *,
    version: int,
    errors: dict[str, str] | None = None,
    conflict: TranslationConflict | None = None,
    status_code: int = 200,
) -> Template:
    """The description's translations: each with whether it may be out of date, and the form for one."""
    languages = translation_languages(space, request.app.state.settings.locales)
    return page(
        request,
        "spaces/translations.html",
        {
            "space": space,
            "source": source_text(space),
            "source_language": official_language(space.country_code) if space.description_local else "en",
            "translations": [(found, is_outdated(found, space)) for found in space.translations],
            "translated": {found.language for found in space.translations},
            "languages": languages,
            "form": values,
            "version": version,
            "errors": errors or {},
            "conflict": conflict,
            "saved": request.query_params.get("saved"),
            "confirmed": request.query_params.get("confirmed"),
        },
        status_code=status_code,
    )


# A photo upload: the file and its alt text. The body may be a little over the file's 10 MB limit (the
# form's other fields), so that a file just over it gets the form back with a message, not a bare 413.
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_BODY_LIMIT = MAX_BYTES + 1024 * 1024
# Removed photos keep their files (for a revert): uploads per account are limited so no one fills the disk.
UPLOADS_PER_ACCOUNT = Limit("photo-upload", 60, 60 * 60)
# What the photo buttons ask for: a move by one place, or removal.
_MOVES = {"earlier": -1, "later": 1}


def _photos_page(
    request: Request,
    space: Space,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """The listing's photos with their forms; ``typed``: what a failed form held (its alt text), by photo id
    or "new" for the upload."""
    shown = [(photo, to_photo(photo)) for photo in space.photos if photo.removed_at is None]
    return page(
        request,
        "spaces/photos.html",
        {
            "space": space,
            "photos": shown,
            "errors": errors or {},
            "typed": typed or {},
            "max_photos": photos.MAX_PHOTOS,
        },
        status_code=status_code,
    )


class PhotoPages(Controller):
    """A listing's photos: add, describe, reorder, remove (the people who may edit it)."""

    path = "/spaces/{slug:str}/photos"
    include_in_schema = False
    opt = EDIT

    @get("/", name="space-photos", sync_to_thread=True)
    def manage(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        return _photos_page(
            request, listing_or_404(editing.listing_for_edit(db_session, request.state.actor, slug), slug)
        )

    @post("/", request_max_body_size=UPLOAD_BODY_LIMIT, sync_to_thread=True)
    def add(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Upload) -> Template | Redirect:
        actor = request.state.actor
        space = listing_or_404(editing.listing_for_edit(db_session, actor, slug), slug)
        check(request.app.state.rate_limiter, [(UPLOADS_PER_ACCOUNT, str(actor.user_id))])
        upload, alt_text = data.get("photo"), form_text(data, "alt_text")
        content = upload.file.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
        try:
            photos.add_photo(db_session, request.app.state.media, actor, space, content, alt_text)
        except InvalidInput as error:
            return _photos_page(request, space, errors=error.errors, typed={"new": alt_text}, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/photos?added=1", status_code=303)

    @post("/{photo_id:int}", sync_to_thread=True)
    def change(
        self, request: Request, db_session: DbSession, slug: FromPath[str], photo_id: RowId, data: Form
    ) -> Template | Redirect:
        actor = request.state.actor
        space = listing_or_404(editing.listing_for_edit(db_session, actor, slug), slug)
        photo = photos.photo_of(space, photo_id)
        if photo is None:
            raise NotFoundException(f"No photo {photo_id} on {slug!r}")
        action = form_text(data, "action")
        try:
            if action in _MOVES:
                photos.move_photo(db_session, actor, space, photo, _MOVES[action])
            elif action == "remove":
                photos.remove_photo(db_session, actor, space, photo)
            else:
                photos.describe_photo(db_session, actor, space, photo, form_text(data, "alt_text"))
        except InvalidInput as error:
            errors = {f"{key}_{photo_id}": message for key, message in error.errors.items()}
            return _photos_page(
                request, space, errors=errors, typed={photo_id: form_text(data, "alt_text")}, status_code=400
            )
        return Redirect(path=f"/spaces/{space.slug}/photos?saved={photo_id}#photo-{photo_id}", status_code=303)


class MediaFiles(Controller):
    """The photos' copies, from the media store: only those of photos that are shown."""

    path = "/media"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/{name:str}", sync_to_thread=True)
    def photo(self, request: Request, db_session: DbSession, name: FromPath[str]) -> Response[bytes]:
        key = name.partition("-")[0]
        photo = db_session.scalar(select(SpacePhoto).where(SpacePhoto.key == key, SpacePhoto.removed_at.is_(None)))
        content = request.app.state.media.read(name) if photo is not None and name in photo.file_keys() else None
        if content is None:
            raise NotFoundException("No such photo")
        # A name never changes meaning (a new photo gets a new key); a day keeps a removed photo from lingering.
        return Response(
            content,
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "public, max-age=86400", "Content-Disposition": "inline"},
        )


def _profile_page(request: Request, db_session: Session, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    actor = request.state.actor
    mine = profiles.builder_spaces(db_session, actor)
    if form is None:
        profile = profiles.profile_of(db_session, actor)
        form = {name: (getattr(profile, name) or "") if profile else "" for name in profiles.LIMITS}
        form["shown"] = [str(item.space.id) for item in mine if item.shown]
    return page(request, "spaces/profile.html", {"mine": mine, "form": form, "errors": errors or {}}, status_code=status_code)


class BuilderProfilePages(Controller):
    """A community builder's own public profile: what they publish, on which of their listings; leaving a space."""

    path = "/account/profile"
    include_in_schema = False
    opt = {"permission": Permission.ACCOUNT_MANAGE, CSRF_FORM: True}

    @get("/", name="builder-profile", sync_to_thread=True)
    def profile(self, request: Request, db_session: DbSession) -> Template:
        return _profile_page(request, db_session)

    @post("/", sync_to_thread=True)
    def save(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        typed = {**{name: form_text(data, name) for name in profiles.LIMITS}, "shown": form_list(data, "shown")}
        shown = {number for value in typed["shown"] if (number := whole_number(value)) is not None}
        try:
            profiles.save_profile(db_session, request.state.actor, typed, shown)
        except InvalidInput as error:
            return _profile_page(request, db_session, typed, error.errors, status_code=400)
        return Redirect(path="/account/profile?saved=1", status_code=303)

    @post("/leave/{space_id:int}", sync_to_thread=True)
    def leave(self, request: Request, db_session: DbSession, space_id: RowId) -> Redirect:
        actor = request.state.actor
        space = profiles.leave_space(db_session, actor, space_id, ip_of(request))
        if space is None:
            raise NotFoundException("You are not a community builder of this space")
        # A role ended: a new session id for the rest of the visit (ASVS 7.2.4, as at every change of role).
        return start_session(request, actor.user_id, f"/account/profile?left={space.slug}")
