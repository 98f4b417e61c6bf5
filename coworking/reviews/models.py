"""A resident's review of a space, the builder's answer to it, and the reports about it."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class Review(Base):
    """One person's review of one space (one per account and space: they edit it, never add a second).

    Public only once a partner of the space's country (or an admin) approved it; every edit by its author
    sends it back to them. A report keeps an approved review public until a partner decides
    (``reported_at`` says one waits). The community builder's answer sits on the review: one per review.
    Deleting the account deletes its reviews: they are the person's own words, signed with their name.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("space_id", "user_id", name="uq_reviews_space_user"),
        Index("ix_reviews_space", "space_id", "status", "created_at"),
        Index("ix_reviews_queue", "status", "reported_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The name the author shows (a first name or a nickname: never their address).
    author_name: Mapped[str] = mapped_column(String(60))
    # 1 to 5.
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The language the author wrote in: their e-mails about it are written in it.
    language: Mapped[str] = mapped_column(String(8))
    # vocabulary.REVIEW_STATUSES: pending → approved or rejected; an edit makes it pending again.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # Counts the author's writes: a decision names the one it was made on (an edit meanwhile refuses it).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # When its author last wrote it (the date shown).
    written_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why it was rejected or removed (its author is told).
    reason: Mapped[str | None] = mapped_column(Text)
    # The community builder's public answer, shown as theirs without a name.
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When the first report still waiting for a partner came in; None when none waits.
    reported_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ReviewReport(Base):
    """Someone (an account or not) thinks a review breaks the rules: it waits for a partner, who keeps or
    removes the review; deciding closes every report waiting on it."""

    __tablename__ = "review_reports"
    __table_args__ = (Index("ix_review_reports_review", "review_id", "closed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    # An address to answer, if the person gave one.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
