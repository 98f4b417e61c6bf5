"""Pages of "I'll come": the form for one date of an activity, its confirmation and the person's private page
(by the e-mail's link), and the list of who comes for a space's builders.

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
from coworking.accounts.permissions import Permission, authorize
from coworking.accounts.services import check_email, email_key
from coworking.attendance import services
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.vocabulary import N_
from coworking.core.web import Form, RowId, form_text, ip_of, page, public_url, query_string, request_session
from coworking.spaces.controllers import listing_or_404
from coworking.spaces.editing import get_listing

# Signing up needs no account: a few sign-ups an hour from one IP, fewer to one address (each sends it a mail).
SIGN_UP_PER_IP = Limit("attendance-ip", 10, 60 * 60)
SIGN_UP_PER_ADDRESS = Limit("attendance-address", 3, 60 * 60)
FORM_FIELDS = ("name", "email")
# The person's private page and the builders' list of people: never kept by a shared cache, never named to
# another site.
_BROKEN = N_("This link does not work")
_CONFIRMED = N_("Already confirmed")
_CLOSED = N_("Sign-ups are closed")
_NOTHING_TO_CANCEL = N_("Nothing to cancel")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _private(response: Template) -> Template:
    response.headers.update(PRIVATE)
    return response


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def _date_or_404(db: Session, activity_id: int, key: str) -> services.ActivityDate:
    date = services.find_date(db, activity_id, key)
    if date is None:
        raise NotFoundException(f"No date {key!r} of activity {activity_id}")
    return date


def _come_path(date: services.ActivityDate, suffix: str = "") -> str:
    return f"/activities/{date.activity.id}/come{suffix}" + query_string([("on", date.key)] if date.key else [])


def _form_page(
    request: Request, db: Session, date: services.ActivityDate, form: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Template:
    context = {
        "date": date,
        "refusal": errors.get("occurrence") or services.refusal(date),
        "turnout": services.turnout_of(db, date),
        "action": _come_path(date),
        "form": form,
        "errors": errors,
    }
    return page(request, "attendance/come.html", context, status_code=status_code)


class ComePages(Controller):
    """From an activity's page: "I'll come" to one of its dates, for anyone; confirmed by a link to their address."""

    path = "/activities/{activity_id:int}/come"
    include_in_schema = False
    opt = {"permission": Permission.ATTENDANCE_SIGN_UP, CSRF_FORM: True}

    @get("/", name="come", sync_to_thread=True)
    def form(self, request: Request, db_session: DbSession, activity_id: RowId, on: FromQuery[str] = "") -> Template:
        date = _date_or_404(db_session, activity_id, on)
        return _form_page(request, db_session, date, {}, {})

    @post("/", sync_to_thread=True)
    def sign_up(
        self, request: Request, db_session: DbSession, activity_id: RowId, data: Form, on: FromQuery[str] = ""
    ) -> Template | Redirect:
        date = _date_or_404(db_session, activity_id, on)
        typed = {name: form_text(data, name) for name in FORM_FIELDS}
        limits = [(SIGN_UP_PER_IP, ip_of(request))]
        if check_email(typed["email"]) is None:
            limits.append((SIGN_UP_PER_ADDRESS, email_key(typed["email"])))
        check(request.app.state.rate_limiter, limits)
        try:
            services.sign_up(db_session, date, typed["name"], typed["email"], mailer_for(request), _secret(request))
        except InvalidInput as error:
            return _form_page(request, db_session, date, typed, error.errors, status_code=400)
        return mail_soon(request, Redirect(path=_come_path(date, "/sent"), status_code=303))

    @get("/sent", sync_to_thread=True)
    def sent(self, request: Request, db_session: DbSession, activity_id: RowId, on: FromQuery[str] = "") -> Template:
        date = _date_or_404(db_session, activity_id, on)
        return page(request, "attendance/sent.html", {"date": date})


def _link_page(request: Request, title: str, errors: dict[str, str], token: str | None, status_code: int) -> Template:
    """A link that has nothing to do: why, and the way to the sign-up's page when the link still names one."""
    context = {"title": title, "errors": errors, "token": token}
    return _private(page(request, "attendance/link.html", context, status_code=status_code))


class AttendanceLinkPages(Controller):
    """The link in the person's e-mails: confirm the sign-up (one button), then its private page (and cancel)."""

    path = "/attendance/{token:str}"
    include_in_schema = False
    opt = {"permission": Permission.ATTENDANCE_SIGN_UP, CSRF_FORM: True}

    @get("/", sync_to_thread=True)
    def mine(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        try:
            attendance, date = services.find_attendance(db_session, token)
        except InvalidInput as error:
            return _link_page(request, _BROKEN, error.errors, None, 404)
        context = {
            "attendance": attendance,
            "date": date,
            "token": token,
            "refusal": services.refusal(date),
            "position": services.waiting_position(db_session, attendance),
            "turnout": services.turnout_of(db_session, date),
            "again": _come_path(date),
        }
        return _private(page(request, "attendance/mine.html", context))

    @get("/confirm", sync_to_thread=True)
    def ask_to_confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        try:
            attendance, date = services.check_confirmable(db_session, token)
        except services.AlreadyConfirmed as done:
            return _link_page(request, _CONFIRMED, done.errors, token, 200)
        except services.UnknownLink as error:
            return _link_page(request, _BROKEN, error.errors, None, 400)
        except InvalidInput as error:
            return _link_page(request, _CLOSED, error.errors, None, 400)
        context = {"attendance": attendance, "date": date, "turnout": services.turnout_of(db_session, date)}
        return _private(page(request, "attendance/confirm.html", context))

    @post("/confirm", sync_to_thread=True)
    def confirm(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template | Redirect:
        try:
            services.confirm(db_session, token)
        except services.AlreadyConfirmed as done:
            return _link_page(request, _CONFIRMED, done.errors, token, 409)
        except services.UnknownLink as error:
            return _link_page(request, _BROKEN, error.errors, None, 400)
        except InvalidInput as error:
            return _link_page(request, _CLOSED, error.errors, None, 400)
        return Redirect(path=f"/attendance/{token}?confirmed=1", status_code=303)

    @post("/cancel", sync_to_thread=True)
    def cancel(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template | Redirect:
        try:
            services.cancel(db_session, token, lambda path: public_url(request, path), _secret(request))
        except services.UnknownLink as error:
            return _link_page(request, _BROKEN, error.errors, None, 400)
        except InvalidInput as error:
            return _link_page(request, _NOTHING_TO_CANCEL, error.errors, token, 409)
        return mail_soon(request, Redirect(path=f"/attendance/{token}?cancelled=1", status_code=303))


class SpaceAttendancePages(Controller):
    """Who comes to a space's activities, date by date, for its builders and admins: names and addresses."""

    path = "/spaces/{slug:str}/attendance"
    include_in_schema = False
    opt = {"permission": Permission.ATTENDANCE_READ}

    @get("/", name="space-attendance", sync_to_thread=True)
    def people(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(get_listing(db_session, slug), slug)
        authorize(request.state.actor, Permission.ATTENDANCE_READ, space)
        dates = services.space_attendance(db_session, request.state.actor, space)
        return _private(page(request, "attendance/builders.html", {"space": space, "dates": dates}))


@pass_context
def attendance_of(context: Any, activity_id: int, key: str = "") -> services.Turnout | None:  # noqa: ANN401 - a Jinja context
    """For an activity's page: how one date fills (coming, capacity, waiting) and whether it takes sign-ups;
    None for no such date. Read through the request's own session."""
    return services.turnout(request_session(context["request"]), activity_id, key or "")
