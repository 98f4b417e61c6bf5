"""Revisions: every change to a listing, kept as who, when, why, what changed and what it became."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class Revision(Base):
    """One version of a subject (a space, …), as OpenStreetMap keeps one per element.

    ``snapshot`` is the subject's public state after the change, so any revision can be restored;
    ``changes`` is what differed from the one before, ``{field: [old, new]}``, which the history shows.
    The subject is named, not linked: revisions know no domain, and outlive nothing they describe.
    """

    __tablename__ = "revisions"
    __table_args__ = (
        Index("ix_revisions_subject", "subject", "subject_id", "version"),
        Index("ix_revisions_country_at", "country_code", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    # The subject's version number once this change was made.
    version: Mapped[int] = mapped_column(Integer)
    # Where the subject is: partners moderate by country. None for a subject of the whole network (a guide),
    # which belongs to no country and so to no partner's queue.
    country_code: Mapped[str | None] = mapped_column(String(2))
    # Who made it; None for the imported original, or once the person deleted their account ("former member").
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # In what role they made it ("builder", "partner", "admin", "member"): what the public history shows
    # of them (no name or address: those are theirs to publish, not the history's).
    author_role: Mapped[str | None] = mapped_column(String(20))
    # "imported" (the listing as it was before its first edit), "edit", "revert", "created", "builders",
    # "import", "photos"; "confirmed" is an event, not a version (services.EVENTS).
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    # For a revert: the revision whose state it restored.
    restores_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
