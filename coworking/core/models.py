"""What every domain's models share: the declarative base (one metadata for the migrations) and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import msgspec
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)


S = TypeVar("S", bound=msgspec.Struct)


def to_struct(struct_type: type[S], model: object, **computed: object) -> S:
    """``struct_type`` filled from ``model``'s attributes of the same names; ``computed`` gives the
    fields the model does not hold as such (the names of its amenities, a distance, …)."""
    values = {
        name: computed[name] if name in computed else getattr(model, name)
        for name in struct_type.__struct_fields__
    }
    return struct_type(**values)
