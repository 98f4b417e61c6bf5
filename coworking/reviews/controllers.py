"""Pages of reviews: a space's public reviews (with the builder's answers), the resident's form to write or
edit theirs, the report form, and a partner's page for deciding one review (the moderation queue lists them
through ``reviews_to_moderate``).

Plain forms that POST and redirect (303); a refused form comes back (400) with what was typed and the
message next to its field. The space's page shows its reviews through ``space_reviews``, a template global
(the spaces package, below this one, knows nothing of reviews).
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from coworking.accounts.controllers import mail_soon, mailer_for
from coworking.accounts.permissions import ANONYMOUS, Actor, Permission, can
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.web import Form, RowId, form_text, ip_of, page, request_session, request_translator
from coworking.reviews import services
from coworking.reviews.models import Review
from coworking.spaces.controllers import listing_or_404
from coworking.spaces.editing import get_listing
from coworking.spaces.models import Space

# Reports come without an account, as the listing's do: a few an hour from one IP.
REPORT_PER_IP = Limit("review-report-ip", 5, 60 * 60)
# Reviews per account: enough for a traveller's week, not for a flood.
WRITE_PER_ACCOUNT = Limit("review-account", 20, 60 * 60)
FORM_FIELDS = ("author_name", "rating", "text")


def _space(db: Session, slug: str) -> Space:
    return listing_or_404(get_listing(db, slug), slug)


def _list_page(
    request: Request,
    db: Session,
    space: Space,
    *,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    actor: Actor = request.state.actor
    context = {
        "space": space,
        "summary": services.space_reviews(db, actor, space.id, limit=0),
        "reviews": services.all_reviews(db, space),
        "may_answer": can(actor, Permission.REVIEW_ANSWER, space),
        "errors": errors or {},
        "failed": failed,
        "form": typed or {},
    }
    return page(request, "reviews/list.html", context, status_code=status_code)


def _write_page(
    request: Request,
    db: Session,
    space: Space,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    review: Review | None = None,
    existing: Review | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "space": space,
        "review": review,
        "existing": existing,
        "refusal": services.refusal(db, request.state.actor, space),
        "form": form,
        "errors": errors,
        "min_text": services.MIN_TEXT,
        "max_text": services.MAX_TEXT,
    }
    return page(request, "reviews/write.html", context, status_code=status_code)


def _typed(data: dict[str, Any]) -> dict[str, str]:
    return {name: form_text(data, name) for name in FORM_FIELDS}


class ReviewPages(Controller):
    """A space's reviews: read them (anyone), write or edit one's own (a confirmed account), answer them
    (the space's builders), report one (anyone)."""

    path = "/spaces/{slug:str}/reviews"
    include_in_schema = False

    @get("/", name="space-reviews", opt={"permission": Permission.DIRECTORY_READ, CSRF_FORM: True}, sync_to_thread=True)
    def reviews(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        return _list_page(request, db_session, _space(db_session, slug))

    @get("/new", name="write-review", opt={"permission": Permission.REVIEW_WRITE, CSRF_FORM: True}, sync_to_thread=True)
    def write_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = _space(db_session, slug)
        mine = services.space_reviews(db_session, request.state.actor, space.id, limit=0).mine
        return _write_page(request, db_session, space, {}, {}, existing=mine)

    @post("/new", opt={"permission": Permission.REVIEW_WRITE}, sync_to_thread=True)
    def write(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor: Actor = request.state.actor
        space = _space(db_session, slug)
        check(request.app.state.rate_limiter, [(WRITE_PER_ACCOUNT, str(actor.user_id))])
        typed = _typed(data)
        try:
            services.write_review(
                db_session, actor, space, typed["rating"], typed["text"], typed["author_name"], request_translator(request).locale
            )
        except services.AlreadyReviewed as already:
            return _write_page(request, db_session, space, typed, already.errors, existing=already.review, status_code=400)
        except InvalidInput as error:
            return _write_page(request, db_session, space, typed, error.errors, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/reviews?sent=1", status_code=303)

    @get("/{review_id:int}/edit", opt={"permission": Permission.REVIEW_WRITE, CSRF_FORM: True}, sync_to_thread=True)
    def edit_form(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId) -> Template:
        space = _space(db_session, slug)
        review = self._own(request, db_session, space, review_id)
        form = {"author_name": review.author_name, "rating": str(review.rating), "text": review.text}
        return _write_page(request, db_session, space, form, {}, review=review)

    @post("/{review_id:int}/edit", opt={"permission": Permission.REVIEW_WRITE}, sync_to_thread=True)
    def edit(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId, data: Form) -> Template | Redirect:
        space = _space(db_session, slug)
        review = self._own(request, db_session, space, review_id)
        typed = _typed(data)
        try:
            services.edit_review(db_session, request.state.actor, space, review, typed["rating"], typed["text"], typed["author_name"])
        except InvalidInput as error:
            return _write_page(request, db_session, space, typed, error.errors, review=review, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/reviews?sent=1", status_code=303)

    @post("/{review_id:int}/answer", opt={"permission": Permission.REVIEW_ANSWER}, sync_to_thread=True)
    def answer(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId, data: Form) -> Template | Redirect:
        return self._answer(request, db_session, slug, review_id, data, replace=False)

    @post("/{review_id:int}/answer/edit", opt={"permission": Permission.REVIEW_ANSWER}, sync_to_thread=True)
    def edit_answer(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId, data: Form) -> Template | Redirect:
        return self._answer(request, db_session, slug, review_id, data, replace=True)

    @get("/{review_id:int}/report", opt={"permission": Permission.REVIEW_REPORT, CSRF_FORM: True}, sync_to_thread=True)
    def report_form(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId) -> Template:
        space = _space(db_session, slug)
        review = self._public(db_session, space, review_id)
        return page(request, "reviews/report.html", {"space": space, "review": review, "form": {}, "errors": {}})

    @post("/{review_id:int}/report", opt={"permission": Permission.REVIEW_REPORT}, sync_to_thread=True)
    def report(self, request: Request, db_session: DbSession, slug: FromPath[str], review_id: RowId, data: Form) -> Template | Redirect:
        space = _space(db_session, slug)
        review = self._public(db_session, space, review_id)
        check(request.app.state.rate_limiter, [(REPORT_PER_IP, ip_of(request))])
        typed = {"message": form_text(data, "message"), "contact_email": form_text(data, "contact_email")}
        try:
            services.report_review(db_session, review, typed["message"], typed["contact_email"])
        except InvalidInput as error:
            context = {"space": space, "review": review, "form": typed, "errors": error.errors}
            return page(request, "reviews/report.html", context, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/reviews?reported=1", status_code=303)

    @staticmethod
    def _own(request: Request, db: Session, space: Space, review_id: int) -> Review:
        review = services.own_review(db, request.state.actor, space, review_id)
        if review is None:
            raise NotFoundException(f"No review {review_id} of yours for {space.slug!r}")
        return review

    @staticmethod
    def _public(db: Session, space: Space, review_id: int) -> Review:
        review = services.approved_review(db, space, review_id)
        if review is None:
            raise NotFoundException(f"No public review {review_id} for {space.slug!r}")
        return review

    def _answer(self, request: Request, db: Session, slug: str, review_id: int, data: Form, *, replace: bool) -> Template | Redirect:
        space = _space(db, slug)
        review = self._public(db, space, review_id)
        text = form_text(data, "answer")
        try:
            services.answer_review(db, request.state.actor, space, review, text, replace=replace)
        except InvalidInput as error:
            return _list_page(request, db, space, errors=error.errors, failed=review_id, typed={"answer": text}, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/reviews?answered={review_id}#review-{review_id}", status_code=303)


def _decide_page(request: Request, item: services.QueuedReview, errors: dict[str, str], typed: dict[str, str], status_code: int) -> Template:
    return page(request, "reviews/decide.html", {"item": item, "errors": errors, "form": typed}, status_code=status_code)


class ReviewModerationPages(Controller):
    """A partner decides a review of their country's space (an admin: any): publish, keep, refuse, remove.
    The moderation queue lists these with their buttons; a refused decision comes back on the review's page."""

    path = "/moderation/reviews"
    include_in_schema = False
    opt = {"permission": Permission.MODERATION_DECIDE}

    @get("/{review_id:int}", opt={"permission": Permission.MODERATION_READ, CSRF_FORM: True}, sync_to_thread=True)
    def review(self, request: Request, db_session: DbSession, review_id: RowId) -> Template:
        item = services.queued_review(db_session, request.state.actor, review_id)
        if item is None:
            raise NotFoundException(f"No review {review_id} waits")
        return _decide_page(request, item, {}, {}, 200)

    @post("/{review_id:int}/approve", sync_to_thread=True)
    def approve(self, request: Request, db_session: DbSession, review_id: RowId, data: Form) -> Template | Redirect:
        actor = request.state.actor
        try:
            review, was_pending = services.approve_review(
                db_session, actor, review_id, form_text(data, "version"), mailer_for(request)
            )
        except InvalidInput as error:
            return self._refused(request, db_session, review_id, error.errors, {})
        outcome = "published" if was_pending else "kept"
        return mail_soon(request, Redirect(path=f"/moderation?review={outcome}#reviews-heading", status_code=303))

    @post("/{review_id:int}/reject", sync_to_thread=True)
    def reject(self, request: Request, db_session: DbSession, review_id: RowId, data: Form) -> Template | Redirect:
        typed = {"reason": form_text(data, "reason")}
        try:
            services.reject_review(db_session, request.state.actor, review_id, form_text(data, "version"), typed["reason"], mailer_for(request))
        except InvalidInput as error:
            return self._refused(request, db_session, review_id, error.errors, typed)
        return mail_soon(request, Redirect(path="/moderation?review=rejected#reviews-heading", status_code=303))

    @staticmethod
    def _refused(request: Request, db: Session, review_id: int, errors: dict[str, str], typed: dict[str, str]) -> Template:
        """The review's own page again (400) with the message; or, when nothing of it waits any more, a page saying so."""
        db.rollback()
        item = services.queued_review(db, request.state.actor, review_id)
        if item is None:
            return page(request, "reviews/decided.html", {"errors": errors}, status_code=400)
        return _decide_page(request, item, errors, typed, 400)


@pass_context
def space_reviews(context: Any, space_id: int) -> services.SpaceReviews:  # noqa: ANN401 - a Jinja context
    """For a space's page: its reviews' count, average, newest few, the asker's own, and their JSON-LD."""
    request = context["request"]
    actor = request.scope.get("state", {}).get("actor") or ANONYMOUS
    return services.space_reviews(request_session(request), actor, space_id)


@pass_context
def reviews_to_moderate(context: Any, country: str | None = None) -> list[services.QueuedReview]:  # noqa: ANN401
    """For the moderation queue: the reviews waiting for the person asking (that page's rule let them in)."""
    request = context["request"]
    return services.moderation_queue(request_session(request), request.state.actor, country or None)


@pass_context
def reviews_waiting(context: Any) -> int:  # noqa: ANN401 - a Jinja context
    """For the navigation's count: reviews waiting for the person asking (0 for most people: no query)."""
    request = context["request"]
    actor = request.scope.get("state", {}).get("actor")
    if actor is None or not (actor.is_admin or actor.partner_countries):
        return 0
    return services.waiting_count(request_session(request), actor)
