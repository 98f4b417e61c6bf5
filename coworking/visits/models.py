"""A resident's request to visit a space, and its answer."""

from __future__ import annotations

from datetime import date, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class VisitRequest(Base):
    """One request to visit a space on a day, from someone without an account, known by their e-mail.

    Only the hash of its link's token is stored: the link confirms the request and then opens its
    private page (the request and the answer). Nobody at the space sees it until it is confirmed.
    A year after the day asked for, the personal parts (address, message, note, link) are erased and
    the rest stays for the partners' counts (``services.forget_visit_requests``).
    """

    __tablename__ = "visit_requests"
    __table_args__ = (
        Index("ix_visit_requests_space", "space_id", "status"),
        Index("ix_visit_requests_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # vocabulary.VISIT_KINDS
    kind: Mapped[str] = mapped_column(String(12))
    # None when the person wrote nothing, or once erased.
    message: Mapped[str | None] = mapped_column(Text)
    # None once erased (a year after the day).
    email: Mapped[str | None] = mapped_column(String(254))
    # The language the person asked in: their e-mails are written in it.
    language: Mapped[str] = mapped_column(String(8))
    # vocabulary.VISIT_STATUSES
    status: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    note: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
