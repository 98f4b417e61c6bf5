"""Partner networks and programmes."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, Timestamped


class Network(Timestamped, Base):
    """A partner network or programme: a LEADER project, a national hub network, a regional agency."""

    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scope: Mapped[str] = mapped_column(String(12))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    # A handful of codes per network, only ever read whole: a JSON list is enough.
    country_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


