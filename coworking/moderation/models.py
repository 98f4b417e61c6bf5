"""What waits for a network partner: claims of listings, proposals of new spaces, reports of wrong facts."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class Submission(Base):
    """One item of a partner's queue: a claim, a proposal or a report, open until someone decides.

    ``country_code`` says whose queue it is in (the space's country, or the proposed space's).
    """

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_queue", "status", "country_code", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "claim", "proposal" or "report".
    kind: Mapped[str] = mapped_column(String(10))
    # "open", "approved" or "rejected" (a report is "approved" when it was acted on).
    status: Mapped[str] = mapped_column(String(10), default="open")
    country_code: Mapped[str] = mapped_column(String(2))
    # The space claimed or reported; for a proposal, the space made when it was approved.
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    # Who sent it (None for a report sent without an account, or once the account is deleted).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # A claim: the person's role at the space; a report or claim: their message.
    role: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    # A claim or proposal: the name the person shows on the listing (their public profile); may be empty.
    public_name: Mapped[str | None] = mapped_column(String(200))
    # A report without an account: an address to answer, if the person gave one.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # A proposal: the listing's fields as proposed.
    proposal: Mapped[dict | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class DigestSent(Base):
    """When a partner was last sent the daily digest of their queue: at most one a day."""

    __tablename__ = "digests_sent"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
