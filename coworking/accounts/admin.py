"""What administrators see: the security log (sign-ins, failures, lock-outs, password and role changes,
deletions), newest first. It names accounts by address while they exist, and never holds a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.accounts.models import SecurityEvent, User
from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.core.web import page

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


@get(
    "/admin/security-log",
    name="security_log",
    sync_to_thread=True,
    include_in_schema=False,
    opt={"permission": Permission.SECURITY_LOG_READ},
)
def security_log_page(request: Request, db_session: DbSession, page_number: FromQuery[int] = 1) -> Template:
    events, pages = security_log(db_session, max(1, page_number))
    return page(request, "accounts/security_log.html", {"events": events, "page": page_number, "pages": pages})
