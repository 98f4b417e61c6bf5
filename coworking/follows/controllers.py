"""Following an area: the form (from a country page, a search, the map), its confirmation, the manage and
unsubscribe page of every mail, and the area's Atom feed.

Links in mail open pages with one button: mail scanners open links, only a person presses a button. The
one exception is RFC 8058's one-click unsubscribe, a POST a mail provider sends to the link of the
``List-Unsubscribe`` header: it comes without a CSRF token (coworking.core.security lets exactly that
path through) and gets its answer at once, with no redirect (RFC 8058 3.2).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from coworking.accounts.controllers import mail_soon
from coworking.accounts.permissions import Permission
from coworking.accounts.services import email_key
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.web import Form, form_list, form_text, ip_of, page, public_url, query_string, request_translator
from coworking.follows import services
from coworking.follows.area import AREA_KEYS, area_label, area_pairs, area_query, query_from_string
from coworking.follows.feeds import area_feed
from coworking.follows.models import FREQUENCIES, Follow
from coworking.spaces.query import Search, SearchParams, SpaceQuery

# Each sign-up is a message in someone's inbox: few per address, more per IP (a village shares one).
FOLLOW_PER_ADDRESS = Limit("follow-address", 3, 60 * 60)
FOLLOW_PER_IP = Limit("follow-ip", 20, 60 * 60)
FORM = {"permission": Permission.AREA_FOLLOW, CSRF_FORM: True}


def _area_from_form(data: dict[str, Any]) -> SearchParams:
    return SearchParams(
        q=form_text(data, "q"),
        country=tuple(form_list(data, "country")),
        region=tuple(form_list(data, "region")),
        amenity=tuple(form_list(data, "amenity")),
        upcoming=form_text(data, "upcoming"),
        network_pass=form_text(data, "network_pass"),
        bbox=form_text(data, "bbox"),
    )


def _typed_area(params: SearchParams) -> list[tuple[str, str]]:
    """The area's fields as they came, for the hidden inputs of a form sent back with its messages."""
    pairs: list[tuple[str, str]] = []
    for key in AREA_KEYS:
        value = getattr(params, key)
        pairs += [(key, item) for item in value if item] if isinstance(value, tuple) else ([(key, value)] if value else [])
    return pairs


def _form_page(request: Request, params: SearchParams, form: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    query: SpaceQuery | None = None
    area_errors = {key: message for key, message in errors.items() if key not in ("email", "frequency")}
    if not area_errors:
        try:
            query = area_query(params)
        except InvalidInput as error:
            area_errors = error.errors
    context = {
        "form": form,
        "errors": errors,
        "area_errors": area_errors,
        "hidden": area_pairs(query) if query else _typed_area(params),
        "label": area_label(query, request_translator(request)) if query else "",
        "feed_query": query_string(area_pairs(query)) if query else "",
        "frequencies": FREQUENCIES,
        "frequency_labels": services.FREQUENCY_LABELS,
    }
    status = status_code if status_code != 200 else (400 if area_errors else 200)
    return page(request, "follows/follow.html", context, status_code=status)


def _manage_page(request: Request, follow: Follow | None, token: str, status_code: int = 200, missing_status: int = 404) -> Template:
    query = None
    if follow is not None:
        try:
            query = query_from_string(follow.query)
        except InvalidInput:
            query = None
    context = {
        "follow": follow,
        "token": token,
        "feed_query": query_string(area_pairs(query)) if query else "",
        "frequency_labels": services.FREQUENCY_LABELS,
        "confirmed": request.query_params.get("confirmed") == "1",
    }
    return page(request, "follows/manage.html", context, status_code=status_code if follow else missing_status)


class FollowPages(Controller):
    """/follow: sign up for an area's digest, confirm it, and manage or end it from any of its mails."""

    path = "/follow"
    include_in_schema = False
    opt = {"permission": Permission.AREA_FOLLOW}

    @get("/", name="follow", opt=FORM, sync_to_thread=False)
    def form(self, request: Request, search: Search) -> Template:
        return _form_page(request, search, {"email": "", "frequency": "weekly"}, {})

    @post("/", sync_to_thread=True)
    def follow(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        email, frequency = form_text(data, "email"), form_text(data, "frequency")
        params = _area_from_form(data)
        check(request.app.state.rate_limiter, [(FOLLOW_PER_ADDRESS, email_key(email)), (FOLLOW_PER_IP, ip_of(request))])
        try:
            services.follow_area(
                db_session, email, frequency, params, request_translator(request).locale,
                lambda path: public_url(request, path), request.app.state.settings.secret_key,
            )  # fmt: skip
        except InvalidInput as error:
            return _form_page(request, params, {"email": email, "frequency": frequency}, error.errors, status_code=400)
        return mail_soon(request, Redirect(path="/follow/sent", status_code=303))

    @get("/sent", sync_to_thread=False)
    def sent(self, request: Request) -> Template:
        return page(request, "follows/sent.html", {})

    @get("/confirm/{token:str}", opt=FORM, sync_to_thread=True)
    def ask_to_confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        try:
            follow = services.pending_follow(db_session, token)
        except InvalidInput as error:
            return page(request, "follows/confirm.html", {"errors": error.errors, "follow": None}, status_code=400)
        return page(request, "follows/confirm.html", {"errors": {}, "follow": follow, "frequency_labels": services.FREQUENCY_LABELS})

    @post("/confirm/{token:str}", sync_to_thread=True)
    def confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template | Redirect:
        try:
            manage = services.confirm_follow(db_session, token, request.app.state.settings.secret_key, utcnow())
        except InvalidInput as error:
            return page(request, "follows/confirm.html", {"errors": error.errors, "follow": None}, status_code=400)
        return Redirect(path=services.unsubscribe_path(manage) + "?confirmed=1", status_code=303)

    @get("/unsubscribe/{token:str}", opt=FORM, sync_to_thread=True)
    def manage(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        return _manage_page(request, services.follow_for(db_session, token), token)

    @post("/unsubscribe/{token:str}", status_code=200)
    async def unsubscribe(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        """RFC 8058: ``List-Unsubscribe=One-Click`` in the body (form-urlencoded or multipart, as providers
        send it) ends the follow; the manage page's button sends the same. No redirect in the answer."""
        form = await request.form()
        if form.get("List-Unsubscribe") != "One-Click":
            follow = await anyio.to_thread.run_sync(services.follow_for, db_session, token)
            return _manage_page(request, follow, token, status_code=400)
        if await anyio.to_thread.run_sync(services.unsubscribe, db_session, token):
            return page(request, "follows/unsubscribed.html", {})
        # Nothing follows with this link (a repeated click, a provider's retry, or a link from before the site's
        # key changed): say so rather than "unsubscribed", still a 200 as RFC 8058 asks.
        return _manage_page(request, None, token, missing_status=200)


class AreaFeeds(Controller):
    """/feeds/area.atom?<a search's filters>: new spaces and new activities of the area, for feed readers."""

    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/feeds/area.atom", sync_to_thread=True)
    def area(self, request: Request, db_session: DbSession, search: Search) -> Response[bytes]:
        query = area_query(search)  # a wrong filter: its 400
        translate = request_translator(request)
        body = area_feed(db_session, query, area_label(query, translate), lambda path: public_url(request, path), translate, utcnow())
        return Response(body, media_type="application/atom+xml", headers={"Cache-Control": "public, max-age=600"})
