"""Pages of visit requests: the resident's form, its confirmation and private page (by the e-mail's link),
the space's list for its builders, and the partners' counts.

Plain forms that POST and redirect (303); a refused form comes back (400) with what was typed and the
message next to its field. A link's page shows one button: mail scanners open links, people press buttons.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from coworking.accounts.controllers import mail_soon, mailer_for
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import check_email, email_key
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.vocabulary import N_
from coworking.core.web import Form, RowId, form_text, ip_of, page, request_session
from coworking.spaces.controllers import listing_or_404
from coworking.spaces.editing import get_listing
from coworking.spaces.models import Space
from coworking.spaces.services import space_today
from coworking.visits import services
from coworking.visits.models import VisitRequest

# Asking needs no account: a few requests an hour from one IP, fewer to one address (each sends it a mail).
ASK_PER_IP = Limit("visit-ip", 10, 60 * 60)
ASK_PER_ADDRESS = Limit("visit-address", 3, 60 * 60)
FORM_FIELDS = ("day", "kind", "message", "email")
# The person's private page: never kept by a shared cache, never named to another site.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _private(response: Template) -> Template:
    response.headers.update(PRIVATE)
    return response


def _ask_page(request: Request, db: Session, space: Space, form: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    context = {
        "space": space,
        "refusal": services.refusal(db, space),
        "today": space_today(space).isoformat(),
        "form": form,
        "errors": errors,
    }
    return page(request, "visits/ask.html", context, status_code=status_code)


class VisitAskPages(Controller):
    """From a space's page: "Ask for a visit", for anyone; confirmed by a link sent to their address."""

    path = "/spaces/{slug:str}/visit"
    include_in_schema = False
    opt = {"permission": Permission.VISIT_REQUEST, CSRF_FORM: True}

    @get("/", name="ask-visit", sync_to_thread=True)
    def form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        return _ask_page(request, db_session, space, {"kind": "look_around"}, {})

    @post("/", sync_to_thread=True)
    def ask(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        space = listing_or_404(get_listing(db_session, slug), slug)
        typed = {name: form_text(data, name) for name in FORM_FIELDS}
        limits = [(ASK_PER_IP, ip_of(request))]
        if check_email(typed["email"]) is None:
            limits.append((ASK_PER_ADDRESS, email_key(typed["email"])))
        check(request.app.state.rate_limiter, limits)
        try:
            services.ask_visit(db_session, space, typed["day"], typed["kind"], typed["message"], typed["email"], mailer_for(request))
        except InvalidInput as error:
            return _ask_page(request, db_session, space, typed, error.errors, status_code=400)
        return mail_soon(request, Redirect(path=f"/spaces/{space.slug}/visit/sent", status_code=303))

    @get("/sent", sync_to_thread=True)
    def sent(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        return page(request, "visits/sent.html", {"space": space})


class VisitLinkPages(Controller):
    """The links in the person's e-mails: confirm the request (one button), then its private page."""

    path = "/visits/{token:str}"
    include_in_schema = False
    opt = {"permission": Permission.VISIT_REQUEST, CSRF_FORM: True}

    @get("/", sync_to_thread=True)
    def thread(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        try:
            visit, space = services.find_visit(db_session, token)
        except InvalidInput as error:
            return _private(page(request, "visits/link.html", {"errors": error.errors, "token": None}, status_code=404))
        return _private(page(request, "visits/thread.html", {"visit": visit, "space": space, "token": token}))

    @get("/confirm", sync_to_thread=True)
    def ask_to_confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        try:
            visit, space = services.check_confirmable(db_session, token)
        except services.AlreadyConfirmed as done:
            return _private(page(request, "visits/link.html", {"errors": done.errors, "token": token}))
        except InvalidInput as error:
            return _private(page(request, "visits/link.html", {"errors": error.errors, "token": None}, status_code=400))
        return _private(page(request, "visits/confirm.html", {"visit": visit, "space": space}))

    @post("/confirm", sync_to_thread=True)
    def confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template | Redirect:
        try:
            services.confirm_visit(db_session, token, mailer_for(request))
        except services.AlreadyConfirmed as done:
            return _private(page(request, "visits/link.html", {"errors": done.errors, "token": token}, status_code=409))
        except InvalidInput as error:
            return _private(page(request, "visits/link.html", {"errors": error.errors, "token": None}, status_code=400))
        return mail_soon(request, Redirect(path=f"/visits/{token}?confirmed=1", status_code=303))


def _space_for_answering(db: Session, actor: Actor, slug: str) -> Space:
    """The space a path names (404), if ``actor`` answers its requests (401/403)."""
    space = listing_or_404(get_listing(db, slug), slug)
    authorize(actor, Permission.VISIT_ANSWER, space)
    return space


def _builders_page(
    request: Request,
    db: Session,
    space: Space,
    *,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "space": space,
        "visits": services.space_visits(db, request.state.actor, space),
        "refusal": services.refusal(db, space),
        "errors": errors or {},
        "failed": failed,
        "form": typed or {},
    }
    return page(request, "visits/builders.html", context, status_code=status_code)


class SpaceVisitPages(Controller):
    """A space's visit requests, for its builders, its country's partners and admins: answer, switch off."""

    path = "/spaces/{slug:str}/visits"
    include_in_schema = False
    opt = {"permission": Permission.VISIT_ANSWER, CSRF_FORM: True}

    @get("/", name="space-visits", sync_to_thread=True)
    def requests(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = _space_for_answering(db_session, request.state.actor, slug)
        return _builders_page(request, db_session, space)

    @post("/{visit_id:int}/answer", sync_to_thread=True)
    def answer(self, request: Request, db_session: DbSession, slug: FromPath[str], visit_id: RowId, data: Form) -> Template | Redirect:
        actor = request.state.actor
        space = _space_for_answering(db_session, actor, slug)
        visit: VisitRequest | None = services.visit_of(db_session, space, visit_id)
        if visit is None:
            raise NotFoundException(f"No visit request {visit_id} for {slug!r}")
        typed = {"answer": form_text(data, "answer"), "note": form_text(data, "note")}
        try:
            services.answer_visit(db_session, actor, space, visit, typed["answer"], typed["note"], mailer_for(request))
        except InvalidInput as error:
            return _builders_page(request, db_session, space, errors=error.errors, failed=visit_id, typed=typed, status_code=400)
        return mail_soon(request, Redirect(path=f"/spaces/{space.slug}/visits?answered={visit_id}#visit-{visit_id}", status_code=303))

    @post("/settings", sync_to_thread=True)
    def switch(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor = request.state.actor
        space = _space_for_answering(db_session, actor, slug)
        wanted = form_text(data, "requests")
        if wanted not in ("on", "off"):
            return _builders_page(request, db_session, space, errors={"requests": N_("Choose on or off.")}, status_code=400)
        services.set_requests_open(db_session, actor, space, wanted == "on")
        return Redirect(path=f"/spaces/{space.slug}/visits?switched={wanted}", status_code=303)


class PartnerVisitPages(Controller):
    """Partners' counts of visit requests per space and month, for their reporting: no message, no address."""

    path = "/partner/visits"
    include_in_schema = False
    opt = {"permission": Permission.VISIT_COUNTS_READ}

    @get("/", name="partner-visits", sync_to_thread=True)
    def counts(
        self, request: Request, db_session: DbSession, country: FromQuery[str | None] = None, region: FromQuery[str | None] = None
    ) -> Template:
        actor: Actor = request.state.actor
        mine = sorted(actor.partner_countries)
        code = (country or (mine[0] if mine else "")).strip().upper()
        region_name = (region or "").strip()[:120] or None
        context: dict[str, Any] = {"countries": mine, "country": code, "region": region_name or "", "rows": [], "errors": {}}
        if not code:
            return page(request, "visits/partner.html", context)
        if not is_country_code(code):
            context["errors"] = {"country": N_("Enter a country's two-letter code, such as LV.")}
            return page(request, "visits/partner.html", context, status_code=400)
        context["rows"] = services.partner_counts(db_session, actor, code, region_name)
        return page(request, "visits/partner.html", context)


@pass_context
def visit_requests_offered(context: Any, space_id: int) -> bool:  # noqa: ANN401 - a Jinja context
    """For a space's page: whether to offer "Ask for a visit" (the form's page says why when it is not)."""
    return services.takes_requests(request_session(context["request"]), space_id)
