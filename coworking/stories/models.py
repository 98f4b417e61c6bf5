"""A resident's story, published by a space's community builders with the resident's consent, and the
link between a request to remove one and the moderation queue's item that carries it."""

from __future__ import annotations

from datetime import date, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.images import EXTENSION
from coworking.core.models import Base, utcnow


class Story(Base):
    """One story of a resident of a space: its text, an optional title and photo, the name the resident
    chose, and the consent the builder recorded (who gave it, on which day, what may be shown, who wrote it
    down).

    Withdrawing a story deletes what the resident said and showed (text, title, name, photo and its files,
    the consent's name) and keeps the row as a tombstone: who withdrew it and when. Stories have no
    revisions for that reason: a history would keep the text that removal must delete.
    """

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_space", "space_id", "published_at"),
        Index("ix_stories_published", "published_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    # None once withdrawn (as are all the resident's own words and pictures below).
    title: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    # The first name or nickname the resident chose; shown only if they agreed to it ("name" below).
    resident_name: Mapped[str | None] = mapped_column(String(80))
    # Random, made here: the copies are stored as "story-{key}-{long edge}.webp".
    photo_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The copies' sizes, smallest first: [[width, height], ...].
    photo_sizes: Mapped[list | None] = mapped_column(JSON)
    photo_alt: Mapped[str | None] = mapped_column(String(300))
    # The consent: who gave it (the resident's name as they told it), on which day, what may be shown
    # (codes of vocabulary.CONSENT_PARTS), who recorded it and when (the last save that ticked the box).
    consent_given_by: Mapped[str | None] = mapped_column(String(200))
    consent_date: Mapped[date] = mapped_column(Date)
    consent_shows: Mapped[list] = mapped_column(JSON)
    consent_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consent_recorded_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    published_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def photo_file_key(self, width: int, height: int) -> str:
        return f"story-{self.photo_key}-{max(width, height)}.{EXTENSION}"

    def photo_file_keys(self) -> list[str]:
        return (
            [self.photo_file_key(width, height) for width, height in self.photo_sizes or []] if self.photo_key else []
        )


class StoryRemovalRequest(Base):
    """A request to remove a story: the queue item (``submissions``, kind "story") that carries the reason
    and the address, and the story it is about. The space's builders see it beside the story; the
    country's partners in their moderation queue. Withdrawing the story closes it."""

    __tablename__ = "story_removal_requests"
    __table_args__ = (Index("ix_story_removal_requests_story", "story_id"),)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
