"""A follow: one address, one area (a search's filters), how often, in which language.

Nothing else about the person is kept, and unsubscribing deletes the row. Its links' tokens are kept as
SHA-256 hashes only (see ``coworking.follows.services`` for how the manage link is made again for each
digest without storing it).
"""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow

FREQUENCIES = ("daily", "weekly")


class Follow(Base):
    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # SHA-256 of the address (case-folded) and the query: one follow per address and area.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The area and its filters as the canonical query string of a validated search ("" = the whole network).
    query: Mapped[str] = mapped_column(Text)
    # What the area is called in the mails, in the follower's language at sign-up ("Vidzeme, Latvia").
    label: Mapped[str] = mapped_column(String(300))
    frequency: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    # The confirm link's token (hashed) while the follow waits for its confirmation; None after it.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The manage/unsubscribe link's token (hashed), and the random part it is derived from.
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # Items created up to this moment have been considered (mailed, or there were none): each goes once.
    # Set at confirmation; it also measures when the next digest is due.
    watermark: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
