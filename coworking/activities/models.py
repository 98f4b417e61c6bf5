"""Resident activities: weekly resident meetings, experience-story evenings, workshops, open days.

An activity is one event or a series. Its times are kept twice over, on purpose: ``starts_at``/``ends_at``
in UTC (what SQL filters and sorts by) and ``time_zone`` (the space's zone when the activity was written),
so that a series repeats at the same *local* time across daylight-saving changes. A series is an RFC 5545
RRULE (``rrule``); one cancelled occurrence (EXDATE) or one moved occurrence (RECURRENCE-ID) is an entry
of ``exceptions``, named by the occurrence's original local start. ``coworking.activities.recurrence``
expands them; nothing else does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coworking.core.models import Base, Timestamped

# An activity that is on: "cancelled" (the whole activity or series) stays listed as cancelled so people
# who planned to come learn it, and feeds send it out with STATUS:CANCELLED.
ACTIVITY_STATUSES = ("scheduled", "cancelled")


class Activity(Timestamped, Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_space_starts", "space_id", "starts_at"),
        Index("ix_activities_last_ends", "last_ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    description: Mapped[str | None] = mapped_column(Text)
    # Both empty for activities a public source mentions without a date: "schedule not yet known".
    # For a series: the first occurrence.
    starts_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The tz database zone the local times are in (the space's, when the activity was written).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # RFC 5545 RRULE value without "RRULE:" ("FREQ=WEEKLY;BYDAY=TU;COUNT=10"); None: a single event.
    rrule: Mapped[str | None] = mapped_column(String(300))
    # [{"recurrence_id": "2026-12-01T18:00:00", "status": "cancelled"}
    #  | {"recurrence_id": …, "status": "moved", "starts": local ISO, "ends": local ISO or None}]
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the last occurrence ends (UTC): what "still ahead" is asked of in SQL. None for an undated
    # activity, or a series without an end (only rows from before series had to end).
    last_ends_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    # A paused series has no occurrences from this moment on until it is resumed (its rule and exceptions are
    # kept; the dates before the pause did take place).
    paused_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    language: Mapped[str | None] = mapped_column(String(8))
    # Where: at the space (the default), online (a link), or both.
    at_space: Mapped[bool] = mapped_column(Boolean, default=True)
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # None: free. Otherwise what it costs, as the builder writes it ("5 EUR, coffee included").
    price_note: Mapped[str | None] = mapped_column(String(200))
    # Bumped by every edit: a form carries the version it started from, and a stale save is merged.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # By name: spaces is the domain above this one (it imports activities, never the reverse).
    space: Mapped[Space] = relationship("Space", back_populates="activities")  # noqa: F821

    # Optimistic locking, as for a listing: two saves racing past the form's version check cannot both win
    # (the second raises StaleDataError, and the editing service merges it).
    __mapper_args__ = {"version_id_col": version}

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)
