"""What the exchange keeps: how each partner's spreadsheets name their columns."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class ImportColumnMapping(Base):
    """One column name of a partner's spreadsheets and the field it holds ("" : a column they ignore),
    remembered from the mapping step so their next file of the same shape is read the same way."""

    __tablename__ = "import_column_mappings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The column's name as the file writes it, lower-cased and with single spaces ("Pilsēta", "  GPS lat").
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    target: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)
