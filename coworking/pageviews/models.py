"""How often a listing's page was viewed: a number per space and day, nothing about who viewed it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base


class PageView(Base):
    """Views of a space's page on one day (UTC). The key is (space, day): each view adds one to its
    day's row (an upsert), so the table grows by at most one row per listing and day viewed. No address,
    no browser, no cookie: nothing here tells one visitor from another."""

    __tablename__ = "page_views"
    # Only the space's id (a foreign key by name): this package sits below the spaces and knows no listing.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
