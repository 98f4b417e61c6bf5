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
    # "claim", "proposal", "report", "stale" (a listing unconfirmed for 18 months, flagged by `coworking remind`),
    # or "story" (a request to remove a resident's story: coworking.stories links it to the story).
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


class ListingCheck(Base):
    """A reminder sent to a community builder whose listing is unconfirmed for a year: its one-click
    answers ("still correct", "edit", "closed") carry a token valid for 30 days, of which only the hash
    is stored. One reminder per builder and unconfirmed period: ``coworking remind`` may run daily."""

    __tablename__ = "listing_checks"
    __table_args__ = (Index("ix_listing_checks_space", "space_id", "sent_at"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # "confirmed" or "closed" once answered by its links ("edit" leads to the form, which answers nothing).
    answer: Mapped[str | None] = mapped_column(String(10))
