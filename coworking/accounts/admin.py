"""What administrators see and do: the security log (sign-ins, failures, lock-outs, password and role
changes, deletions; newest first; accounts named by address while they exist, never a secret), and the
partner roles they grant and revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.accounts import roles
from coworking.accounts.models import SecurityEvent, User
from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_
from coworking.core.web import Form, form_text, ip_of, page

EVENTS_PER_PAGE = 100


@dataclass(frozen=True)
class LoggedEvent:
    at: datetime
    kind: str
    account: str | None  # the address, while the account exists
    ip: str | None
    detail: str | None


def security_log(session: Session, page_number: int = 1) -> tuple[list[LoggedEvent], int]:
    """One page of the log, newest first, and how many pages there are."""
    total = session.scalar(select(func.count()).select_from(SecurityEvent)) or 0
    rows = session.execute(
        select(SecurityEvent, User.email)
        .outerjoin(User, User.id == SecurityEvent.user_id)
        .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
        .limit(EVENTS_PER_PAGE)
        .offset((page_number - 1) * EVENTS_PER_PAGE)
    ).all()
    events = [LoggedEvent(event.at, event.kind, email, event.ip, event.detail) for event, email in rows]
    return events, max(1, -(-total // EVENTS_PER_PAGE))


ROLES = {"permission": Permission.ROLES_MANAGE, CSRF_FORM: True}


def _partners_page(request: Request, db_session: DbSession, form: dict[str, str], error: InvalidInput | None = None) -> Template:
    context = {"partners": roles.list_partners(db_session), "form": form, "errors": error.errors if error else {}}
    return page(request, "accounts/partners.html", context, status_code=400 if error else 200)


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    opt = {"permission": Permission.ROLES_MANAGE}

    @get("/security-log", name="security_log", sync_to_thread=True, opt={"permission": Permission.SECURITY_LOG_READ})
    def security_log(self, request: Request, db_session: DbSession, page_number: FromQuery[str] = "1") -> Template:
        events, pages = security_log(db_session, 1)
        number = whole_number(page_number) or 1
        number = min(max(1, number), pages)
        if number > 1:
            events, pages = security_log(db_session, number)
        return page(request, "accounts/security_log.html", {"events": events, "page": number, "pages": pages})

    @get("/partners", name="partners", sync_to_thread=True, opt=ROLES)
    def partners(self, request: Request, db_session: DbSession) -> Template:
        return _partners_page(request, db_session, {"email": "", "country": ""})

    @post("/partners", sync_to_thread=True, opt=ROLES)
    def grant_partner(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        form = {"email": form_text(data, "email"), "country": form_text(data, "country")}
        sessions, admin_id = request.app.state.sessions, request.state.actor.user_id
        try:
            roles.grant_partner(db_session, sessions, admin_id, form["email"], form["country"], ip_of(request))
        except InvalidInput as error:
            return _partners_page(request, db_session, form, error)
        return Redirect(path="/admin/partners", status_code=303)

    @post("/partners/revoke", sync_to_thread=True, opt=ROLES)
    def revoke_partner(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        """The form names whose role ends; who may end it is the route's rule, not anything in the form."""
        sessions, admin_id = request.app.state.sessions, request.state.actor.user_id
        try:
            user_id = int(form_text(data, "user_id"))
            if not 0 < user_id < 2**31:
                raise ValueError(user_id)
            roles.revoke_partner(db_session, sessions, admin_id, user_id, form_text(data, "country"), ip_of(request))
        except (ValueError, InvalidInput):
            error = InvalidInput({"revoke": N_("This role could not be found.")})
            return _partners_page(request, db_session, {"email": "", "country": ""}, error)
        return Redirect(path="/admin/partners", status_code=303)
