"""Pages of residents' stories: the network's (/stories), a space's, one story, its photo's copies, the
form to ask for a story's removal (no account), and the builders' pages to publish, edit and withdraw.

Plain forms that POST and redirect (303); a refused form comes back (400) with what was typed (not the
file: browsers never send it back) and the message next to its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from jinja2 import pass_context
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.controllers import mail_soon, mailer_for
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.images import MAX_BYTES, MEDIA_TYPE
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.web import Form, RowId, form_list, form_text, ip_of, page, request_session
from coworking.spaces.controllers import UPLOAD_BODY_LIMIT, UPLOADS_PER_ACCOUNT, Upload, listing_or_404
from coworking.spaces.editing import get_listing
from coworking.spaces.models import Space
from coworking.spaces.services import space_today
from coworking.stories import services
from coworking.stories.models import Story

# Removal requests come without an account: as many an hour from one IP as reports of a listing.
REMOVAL_PER_IP = Limit("story-removal-ip", 5, 60 * 60)
WRITE = {"permission": Permission.STORY_WRITE, CSRF_FORM: True}
# The space's page shows this many of its newest stories, with a link to all of them.
ON_THE_SPACE_PAGE = 3
PageNumber = Annotated[str, QueryParameter(name="page")]


def _number(text: str) -> int:
    return whole_number(text) or 1


def _story_or_404(db: Session, space: Space, story_id: int) -> Story:
    story = services.story_of(db, space, story_id)
    if story is None:
        raise NotFoundException(f"No story {story_id} of {space.slug!r}")
    return story


class StoryPages(Controller):
    """The network's stories, newest first (by country, if asked), and the copies of their photos."""

    path = "/stories"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="stories", sync_to_thread=True)
    def recent(
        self,
        request: Request,
        db_session: DbSession,
        country: FromQuery[str | None] = None,
        page_number: PageNumber = "1",
    ) -> Template:
        context: dict[str, Any] = {
            "country": (country or "").strip().upper(),
            "countries": services.countries_with_stories(db_session),
            "errors": {},
        }
        code = None
        if country and country.strip():
            try:
                code = services.check_country(country)
            except InvalidInput as error:
                context.update(errors=error.errors, found=None)
                return page(request, "stories/list.html", context, status_code=400)
        context["found"] = services.recent_stories(db_session, code, _number(page_number))
        return page(request, "stories/list.html", context)

    @get("/photos/{name:str}", sync_to_thread=True)
    def photo(self, request: Request, db_session: DbSession, name: FromPath[str]) -> Response[bytes]:
        prefix, _, rest = name.partition("-")
        key = rest.partition("-")[0]
        story = (
            db_session.scalar(select(Story).where(Story.photo_key == key, Story.removed_at.is_(None)))
            if prefix == "story" and key
            else None
        )
        shown = story is not None and "photo" in story.consent_shows and name in story.photo_file_keys()
        content = request.app.state.media.read(name) if shown else None
        if content is None:
            raise NotFoundException("No such photo")
        # A withdrawn story's photo must leave caches soon: five minutes, not the listing photos' day.
        return Response(
            content,
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "public, max-age=300", "Content-Disposition": "inline"},
        )


class SpaceStoryPages(Controller):
    """A space's stories, one story, and the form to ask for a story's removal (anyone, no account)."""

    path = "/spaces/{slug:str}/stories"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="space-stories", sync_to_thread=True)
    def stories(
        self, request: Request, db_session: DbSession, slug: FromPath[str], page_number: PageNumber = "1"
    ) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        found = services.space_stories(db_session, space.id, _number(page_number))
        return page(request, "stories/space.html", {"space": space, "found": found})

    @get("/{story_id:int}", name="story", sync_to_thread=True)
    def story(self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        story = services.to_view(_story_or_404(db_session, space, story_id), space)
        return page(request, "stories/story.html", {"space": space, "story": story})

    @get(
        "/{story_id:int}/removal",
        opt={"permission": Permission.STORY_REMOVAL_ASK, CSRF_FORM: True},
        sync_to_thread=True,
    )
    def removal_form(self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        story = services.to_view(_story_or_404(db_session, space, story_id), space)
        return page(request, "stories/removal.html", {"space": space, "story": story, "form": {}, "errors": {}})

    @post("/{story_id:int}/removal", opt={"permission": Permission.STORY_REMOVAL_ASK}, sync_to_thread=True)
    def ask_removal(
        self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId, data: Form
    ) -> Template | Redirect:
        space = listing_or_404(get_listing(db_session, slug), slug)
        story = _story_or_404(db_session, space, story_id)
        check(request.app.state.rate_limiter, [(REMOVAL_PER_IP, ip_of(request))])
        typed = {"reason": form_text(data, "reason"), "contact_email": form_text(data, "contact_email")}
        try:
            services.ask_removal(
                db_session, space, story, typed["reason"], typed["contact_email"], mailer_for(request)
            )
        except InvalidInput as error:
            context = {"space": space, "story": services.to_view(story, space), "form": typed, "errors": error.errors}
            return page(request, "stories/removal.html", context, status_code=400)
        return mail_soon(request, Redirect(path=f"/spaces/{space.slug}/stories/{story.id}?asked=1", status_code=303))


def _space_for_writing(db: Session, actor: Actor, slug: str) -> Space:
    """The space a path names (404), if ``actor`` keeps its stories (401/403)."""
    space = listing_or_404(get_listing(db, slug), slug)
    authorize(actor, Permission.STORY_WRITE, space)
    return space


def _typed(data: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    return {name: form_text(data, name) for name in services.FORM_FIELDS}, form_list(data, "shows")


def _upload(request: Request, actor: Actor, data: dict[str, Any]) -> bytes:
    """The photo sent with the form, or nothing (a form sent without a file has an empty part)."""
    upload = data.get("photo")
    content = upload.file.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if content:
        check(request.app.state.rate_limiter, [(UPLOADS_PER_ACCOUNT, str(actor.user_id))])
    return content


def _form_page(
    request: Request,
    space: Space,
    form: dict[str, Any],
    *,
    story: Story | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "space": space,
        "story": story,
        "photo": services.story_photo(story) if story is not None else None,
        "form": form,
        "errors": errors or {},
        "today": space_today(space).isoformat(),
    }
    return page(request, "stories/form.html", context, status_code=status_code)


def _stored_form(story: Story) -> dict[str, Any]:
    """An edit form's values: the story as stored. The consent box is left to tick again."""
    return {
        "title": story.title or "", "text": story.text or "", "resident_name": story.resident_name or "",
        "consent_given_by": story.consent_given_by or "", "consent_date": story.consent_date.isoformat(),
        "shows": list(story.consent_shows), "alt_text": story.photo_alt or "",
    }  # fmt: skip


class StoryDeskPages(Controller):
    """A space's stories for the people who keep them (its builders, its country's partners, admins):
    the list with the requests to remove them, publish, edit, withdraw."""

    path = "/spaces/{slug:str}/stories"
    include_in_schema = False
    opt = WRITE

    @get("/manage", name="manage-stories", sync_to_thread=True)
    def manage(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        actor = request.state.actor
        space = _space_for_writing(db_session, actor, slug)
        return page(
            request,
            "stories/manage.html",
            {"space": space, "managed": services.managed_stories(db_session, actor, space)},
        )

    @get("/new", name="new-story", sync_to_thread=True)
    def new_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = _space_for_writing(db_session, request.state.actor, slug)
        return _form_page(request, space, {"shows": ["text", "name"]})

    @post("/new", request_max_body_size=UPLOAD_BODY_LIMIT, sync_to_thread=True)
    def publish(
        self, request: Request, db_session: DbSession, slug: FromPath[str], data: Upload
    ) -> Template | Redirect:
        actor = request.state.actor
        space = _space_for_writing(db_session, actor, slug)
        typed, shows = _typed(data)
        try:
            story = services.publish_story(
                db_session, request.app.state.media, actor, space, typed, shows, _upload(request, actor, data)
            )
        except InvalidInput as error:
            return _form_page(request, space, {**typed, "shows": shows}, errors=error.errors, status_code=400)
        return Redirect(
            path=f"/spaces/{space.slug}/stories/manage?published={story.id}#story-{story.id}", status_code=303
        )

    @get("/{story_id:int}/edit", name="edit-story", sync_to_thread=True)
    def edit_form(self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId) -> Template:
        space = _space_for_writing(db_session, request.state.actor, slug)
        story = _story_or_404(db_session, space, story_id)
        return _form_page(request, space, _stored_form(story), story=story)

    @post("/{story_id:int}/edit", request_max_body_size=UPLOAD_BODY_LIMIT, sync_to_thread=True)
    def edit(
        self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId, data: Upload
    ) -> Template | Redirect:
        actor = request.state.actor
        space = _space_for_writing(db_session, actor, slug)
        story = _story_or_404(db_session, space, story_id)
        typed, shows = _typed(data)
        try:
            services.edit_story(
                db_session, request.app.state.media, actor, space, story, typed, shows, _upload(request, actor, data)
            )
        except InvalidInput as error:
            return _form_page(
                request, space, {**typed, "shows": shows}, story=story, errors=error.errors, status_code=400
            )
        return Redirect(path=f"/spaces/{space.slug}/stories/manage?saved={story.id}#story-{story.id}", status_code=303)

    @post("/{story_id:int}/withdraw", sync_to_thread=True)
    def withdraw(self, request: Request, db_session: DbSession, slug: FromPath[str], story_id: RowId) -> Redirect:
        actor = request.state.actor
        space = _space_for_writing(db_session, actor, slug)
        story = _story_or_404(db_session, space, story_id)
        services.withdraw_story(db_session, request.app.state.media, actor, space, story)
        return Redirect(path=f"/spaces/{space.slug}/stories/manage?withdrawn=1", status_code=303)


@pass_context
def stories_of(context: Any, space: Any) -> services.StoryPage:  # noqa: ANN401 - a Jinja context, a space's detail
    """For a space's page: its newest few stories and how many it has (one page of its stories)."""
    return services.space_stories(request_session(context["request"]), space.id, 1, ON_THE_SPACE_PAGE)
