"""One person's place at one date of an activity."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class Attendance(Base):
    """Someone without an account who said "I'll come" to one date (occurrence) of an activity, known by the
    name they chose and their e-mail; it counts once they follow the e-mailed link and press its button.

    Its link's token is made again for each mail from ``token_nonce`` under the site's secret key (see
    ``services.link_token``): every mail carries the same link, and only the token's hash is stored, so the
    database alone cannot open anyone's page. 30 days after the date, the name, the address and the link
    are erased and the row stays as a number (``services.forget_attendances``).
    """

    __tablename__ = "attendances"
    __table_args__ = (
        # One place per address and date: a second sign-up re-sends the link, it adds no row.
        UniqueConstraint("activity_id", "occurrence", "email_key", name="uq_attendances_person"),
        Index("ix_attendances_date", "activity_id", "occurrence", "status"),
        Index("ix_attendances_starts", "starts_at"),
        Index("ix_attendances_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    # The date's key (coworking.activities.recurrence.Occurrence.key): its original local start in a series
    # ("2026-12-01T18:00"), "" for a single event.
    occurrence: Mapped[str] = mapped_column(String(20))
    # When the date starts (UTC), as last seen: kept in step by the daily run when a date is moved; what the
    # reminders and the erasing ask of in SQL.
    starts_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # The name or nickname they gave; None once erased.
    name: Mapped[str | None] = mapped_column(String(80))
    # None once erased (30 days after the date).
    email: Mapped[str | None] = mapped_column(String(254))
    # The address as compared (coworking.accounts.services.email_key); None once erased.
    email_key: Mapped[str | None] = mapped_column(String(254))
    # The language they signed up in: their e-mails are written in it.
    language: Mapped[str] = mapped_column(String(8))
    # vocabulary.ATTENDANCE_STATUSES
    status: Mapped[str] = mapped_column(String(12), default="pending")
    token_nonce: Mapped[str | None] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # When the link's button was pressed: the waiting list's order.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # When the day-before reminder was queued (once).
    reminded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
