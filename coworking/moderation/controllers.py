"""Pages of the queue: claim a listing, report it, propose a space; the partner's moderation page.

Plain forms that POST and redirect (303); a refused form comes back (400) with what was typed and the
message next to its field. Who may do what is the route's rule (and the service asks again, per item).
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.controllers import mail_soon, mailer_for
from coworking.accounts.permissions import Actor, Permission
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.web import Form, RowId, form_list, form_text, ip_of, page, request_session
from coworking.moderation import reminders, services
from coworking.moderation.vocabulary import KINDS
from coworking.revisions import services as revisions
from coworking.spaces.controllers import listing_or_404
from coworking.spaces.editing import SUBJECT, get_listing
from coworking.spaces.history import revision_row
from coworking.spaces.listing import HISTORY_FIELDS, LISTING_FIELDS, parse_listing
from coworking.spaces.models import Space

# Reports come without an account: a few per hour from one IP is plenty for people, little for a bot.
REPORT_PER_IP = Limit("report-ip", 5, 60 * 60)
# Proposals and claims, per account: enough for a partner proposing a region's spaces, not for a flood.
SUBMIT_PER_ACCOUNT = Limit("submit-account", 30, 60 * 60)
PROPOSAL_FIELDS = ("name", "town", "street_address", "region", "latitude", "longitude", "description", "description_local",
                   "website", "email", "phone", "internet_download_mbps", "internet_upload_mbps", "desks", "price_notes")  # fmt: skip


def _typed(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: form_text(data, name) for name in names}


class SpaceRequestPages(Controller):
    """From a space's page: "I run this space" (claim) and "something is wrong here" (report)."""

    path = "/spaces/{slug:str}"
    include_in_schema = False

    @get("/claim", opt={"permission": Permission.SPACE_CLAIM, CSRF_FORM: True}, sync_to_thread=True)
    def claim_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        return page(request, "moderation/claim.html", {"space": listing_or_404(get_listing(db_session, slug), slug), "form": {}, "errors": {}})

    @post("/claim", opt={"permission": Permission.SPACE_CLAIM}, sync_to_thread=True)
    def claim(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor: Actor = request.state.actor
        space = listing_or_404(get_listing(db_session, slug), slug)
        check(request.app.state.rate_limiter, [(SUBMIT_PER_ACCOUNT, str(actor.user_id))])
        typed = _typed(data, "role", "public_name", "message")
        try:
            services.claim_space(db_session, actor, space, form_text(data, "role"), form_text(data, "public_name"), form_text(data, "message"))
        except InvalidInput as error:
            return page(request, "moderation/claim.html", {"space": space, "form": typed, "errors": error.errors}, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}?claimed=1", status_code=303)

    @get("/report", opt={"permission": Permission.SPACE_REPORT, CSRF_FORM: True}, sync_to_thread=True)
    def report_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        return page(request, "moderation/report.html", {"space": listing_or_404(get_listing(db_session, slug), slug), "form": {}, "errors": {}})

    @post("/report", opt={"permission": Permission.SPACE_REPORT}, sync_to_thread=True)
    def report(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        space = listing_or_404(get_listing(db_session, slug), slug)
        check(request.app.state.rate_limiter, [(REPORT_PER_IP, ip_of(request))])
        typed = _typed(data, "message", "contact_email")
        try:
            services.report_space(db_session, space, form_text(data, "message"), form_text(data, "contact_email"))
        except InvalidInput as error:
            return page(request, "moderation/report.html", {"space": space, "form": typed, "errors": error.errors}, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}?reported=1", status_code=303)


class ProposalPages(Controller):
    """A new space, proposed by anyone signed in; likely duplicates are shown before it is sent."""

    path = "/propose"
    include_in_schema = False
    opt = {"permission": Permission.SPACE_PROPOSE, CSRF_FORM: True}

    @get("/", name="propose", sync_to_thread=True)
    def propose_form(self, request: Request) -> Template:
        return self._page(request, {"country_code": request.query_params.get("country", "")}, {})

    @post("/", sync_to_thread=True)
    def propose(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        actor: Actor = request.state.actor
        check(request.app.state.rate_limiter, [(SUBMIT_PER_ACCOUNT, str(actor.user_id))])
        typed = {**_typed(data, *PROPOSAL_FIELDS, "country_code", "public_name", "message"), "amenities": form_list(data, "amenities")}
        try:
            state = parse_listing({**data, "status": "published"}, utcnow().date())
            services.propose_space(
                db_session, actor, form_text(data, "country_code"), state, form_text(data, "public_name"), form_text(data, "message"),
                not_a_duplicate=form_text(data, "not_a_duplicate") == "yes",
            )  # fmt: skip
        except services.LikelyDuplicates as found:
            return self._page(request, typed, {}, duplicates=found.spaces, status_code=400)
        except InvalidInput as error:
            return self._page(request, typed, error.errors, status_code=400)
        return Redirect(path="/propose/sent", status_code=303)

    @get("/sent", sync_to_thread=False)
    def sent(self, request: Request) -> Template:
        return page(request, "moderation/proposal_sent.html", {})

    @staticmethod
    def _page(request: Request, form: dict[str, Any], errors: dict[str, str], duplicates: list[Space] | None = None, status_code: int = 200) -> Template:
        context = {"form": form, "errors": errors, "duplicates": duplicates or [], "labels": LISTING_FIELDS, "theirs": {}}
        return page(request, "moderation/propose.html", context, status_code=status_code)


class ModerationPages(Controller):
    """The partner's queue: claims, proposals, reports of their countries, and the latest edits there."""

    path = "/moderation"
    include_in_schema = False
    opt = {"permission": Permission.MODERATION_DECIDE}

    @get("/", name="moderation", opt={"permission": Permission.MODERATION_READ, CSRF_FORM: True}, sync_to_thread=True)
    def queue(
        self, request: Request, db_session: DbSession, kind: FromQuery[str | None] = None, country: FromQuery[str | None] = None
    ) -> Template:
        return self._page(request, db_session, kind, country)

    @post("/{submission_id:int}/approve", sync_to_thread=True)
    def approve(self, request: Request, db_session: DbSession, submission_id: RowId) -> Template | Redirect:
        sessions = request.app.state.sessions
        try:
            services.approve(db_session, sessions, request.state.actor, submission_id, mailer_for(request), ip_of(request))
        except InvalidInput as error:
            return self._page(request, db_session, None, None, errors=error.errors, status_code=400)
        return mail_soon(request, Redirect(path="/moderation?decided=approved", status_code=303))

    @post("/{submission_id:int}/reject", sync_to_thread=True)
    def reject(self, request: Request, db_session: DbSession, submission_id: RowId, data: Form) -> Template | Redirect:
        try:
            services.reject(db_session, request.state.actor, submission_id, form_text(data, "reason"), mailer_for(request))
        except InvalidInput as error:
            typed = {"reason": form_text(data, "reason")}
            return self._page(request, db_session, None, None, errors=error.errors, failed=submission_id, typed=typed, status_code=400)
        return mail_soon(request, Redirect(path="/moderation?decided=rejected", status_code=303))

    @staticmethod
    def _page(
        request: Request,
        db: Session,
        kind: str | None,
        country: str | None,
        *,
        errors: dict[str, str] | None = None,
        failed: int | None = None,
        typed: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        actor: Actor = request.state.actor
        countries = None if actor.is_admin else actor.partner_countries
        edits = _recent_edits(db, countries)
        context = {
            "items": services.queue(db, actor, kind, country),
            "edits": edits,
            "kinds": KINDS,
            "kind": kind if kind in KINDS else "",
            "country": (country or "").upper(),
            "countries": sorted(actor.partner_countries),
            "errors": errors or {},
            "failed": failed,
            "form": typed or {},
            "labels": HISTORY_FIELDS,
        }
        return page(request, "moderation/queue.html", context, status_code=status_code)


def _recent_edits(db: Session, countries: frozenset[str] | None) -> list[tuple[Any, Space, int | None]]:
    """The latest changes in ``countries``: each as its history shows it, its space, and the revision that
    undoing it restores (None for a creation)."""
    found = revisions.recent(db, SUBJECT, countries, limit=30)
    spaces = {space.id: space for space in db.scalars(select(Space).where(Space.id.in_({revision.subject_id for revision in found})))}
    before = revisions.versions_before(db, SUBJECT, found)
    return [(revision_row(revision), spaces[revision.subject_id], before.get(revision.id)) for revision in found if revision.subject_id in spaces]


@pass_context
def moderation_waiting(context: Any) -> int | None:  # noqa: ANN401 - a Jinja context
    """For the navigation: how many items wait for the person asking; None for whoever moderates nothing
    (most people: no query for them)."""
    request = context["request"]
    actor = request.scope.get("state", {}).get("actor")
    if actor is None or not (actor.is_admin or actor.partner_countries):
        return None
    return services.waiting_count(request_session(request), actor)


class ListingCheckPages(Controller):
    """A yearly reminder's links: each opens a page with one button (mail scanners open links; only a
    person presses a button). The link's token stands for the builder it was sent to, for 30 days."""

    path = "/listing-check/{token:str}/{answer:str}"
    include_in_schema = False
    opt = {"permission": Permission.LISTING_CHECK_ANSWER, CSRF_FORM: True}

    @get("/", sync_to_thread=True)
    def ask(self, request: Request, db_session: DbSession, token: FromPath[str], answer: FromPath[str]) -> Template | Redirect:
        if answer not in reminders.ANSWERS:
            raise NotFoundException(f"No answer {answer!r}")
        try:
            _, space = reminders.open_check(db_session, token)
        except InvalidInput as error:
            return page(request, "moderation/listing_check.html", {"errors": error.errors, "space": None, "answer": answer}, status_code=400)
        if answer == "edit":
            return Redirect(path=f"/spaces/{space.slug}/edit", status_code=303)
        return page(request, "moderation/listing_check.html", {"errors": {}, "space": space, "answer": answer})

    @post("/", sync_to_thread=True)
    def answer(self, request: Request, db_session: DbSession, token: FromPath[str], answer: FromPath[str]) -> Template | Redirect:
        try:
            space = reminders.answer_check(db_session, token, answer)
        except InvalidInput as error:
            return page(request, "moderation/listing_check.html", {"errors": error.errors, "space": None, "answer": answer}, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}?{'confirmed' if answer == 'confirmed' else 'saved'}=1", status_code=303)
