"""A guide and its text in each language (English is the original; the others are translations)."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coworking.core.models import Base, Timestamped, utcnow

# The language every guide is written in first; the site's other languages are translations of it.
ORIGINAL = "en"


class Guide(Timestamped, Base):
    """One guide. Its ``version`` moves with every saved change of any of its texts (optimistic locking, as
    ``Space`` does): an edit names the version it began at, and a stale one is merged, not saved over."""

    __tablename__ = "guides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # The order of the list: lower first.
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    texts: Mapped[list[GuideText]] = relationship(
        back_populates="guide", cascade="all, delete-orphan", lazy="selectin", order_by="GuideText.language"
    )

    __mapper_args__ = {"version_id_col": version}

    def text_in(self, language: str) -> GuideText | None:
        return next((text for text in self.texts if text.language == language), None)


class GuideText(Base):
    """A guide's title, summary and Markdown body in one language."""

    __tablename__ = "guide_texts"
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)
    guide: Mapped[Guide] = relationship(back_populates="texts")
