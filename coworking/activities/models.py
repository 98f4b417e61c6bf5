"""Resident activities: weekly resident meetings, experience-story evenings, workshops, open days."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coworking.core.models import Base, Timestamped


class Activity(Timestamped, Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_space_starts", "space_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    description: Mapped[str | None] = mapped_column(Text)
    # Both empty for activities a public source mentions without a date: "schedule not yet known".
    starts_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # "weekly" repeats on the weekday and time of starts_at until recurrence_until (or forever).
    recurrence: Mapped[str | None] = mapped_column(String(10))
    recurrence_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    language: Mapped[str | None] = mapped_column(String(8))

    # By name: spaces is the domain above this one (it imports activities, never the reverse).
    space: Mapped[Space] = relationship("Space", back_populates="activities")  # noqa: F821


