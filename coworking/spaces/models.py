"""Spaces, their amenities and their community builders."""

from __future__ import annotations

from datetime import date, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    event,
    inspect,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coworking.activities.models import Activity
from coworking.core.images import EXTENSION as PHOTO_EXTENSION
from coworking.core.models import Base, Timestamped, utcnow
from coworking.core.text import search_words

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
    """One entry of the fixed vocabulary in coworking.spaces.vocabulary; rows are added by migrations."""

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
    # In English, for the whole network; ``description_local`` in the country's own language. Either may be missing.
    description: Mapped[str | None] = mapped_column(Text)
    description_local: Mapped[str | None] = mapped_column(Text)
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
    # When the speeds were measured: a speed without a date says little after a year.
    internet_measured_on: Mapped[date | None] = mapped_column(Date)
    desks: Mapped[int | None]
    price_notes: Mapped[str | None] = mapped_column(Text)
    # The network pass: members of other network spaces work here free for this many days a year, under
    # these conditions (like the Coworking Visa or a rural pass). None: the space does not take part.
    network_pass_days: Mapped[int | None]
    network_pass_conditions: Mapped[str | None] = mapped_column(Text)
    # published, paused (temporarily closed) or closed (vocabulary.STATUSES).
    status: Mapped[str] = mapped_column(String(12), default="published")
    # When a community builder last said the listing is right ("confirmed by its community builder on …").
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    # Whether residents may ask for a visit from the space's page (its builders switch it; not a listing
    # fact: not in its revisions).
    visit_requests_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The words of name, town, region and descriptions, folded (core.text.search_words), one space between:
    # what full-text search indexes (SQLite FTS5 and PostgreSQL GIN, migration 0023, kept in step by the
    # database itself). The name's and the place's words alone rank the results (spaces.services).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Byte order ("C") on PostgreSQL, as SQLite compares: ties are ordered by it the same way on both.
    search_name: Mapped[str] = mapped_column(
        Text().with_variant(Text(collation="C"), "postgresql"), default="", server_default=""
    )
    search_place: Mapped[str] = mapped_column(Text, default="", server_default="")
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
    # Every photo, removed ones too (a revert may bring one back); ``shown_photos`` are those on the page.
    photos: Mapped[list[SpacePhoto]] = relationship(
        back_populates="space", cascade="all, delete-orphan", order_by="(SpacePhoto.position, SpacePhoto.id)"
    )
    shown_photos: Mapped[list[SpacePhoto]] = relationship(
        primaryjoin=lambda: and_(SpacePhoto.space_id == Space.id, SpacePhoto.removed_at.is_(None)),
        order_by="(SpacePhoto.position, SpacePhoto.id)",
        viewonly=True,
    )

    # The description in further languages (beyond English and the country's own), by language code.
    translations: Mapped[list[SpaceTranslation]] = relationship(
        back_populates="space", cascade="all, delete-orphan", order_by="SpaceTranslation.language"
    )

    # Optimistic locking: a stale edit raises StaleDataError instead of overwriting a newer one.
    __mapper_args__ = {"version_id_col": version}

    def refresh_search_text(self, connection: Connection | None = None) -> None:
        """Set the search columns from the listing's texts, its description's translations included: every
        write of those texts calls this (or ``search_fields`` for rows written without objects) before it
        flushes. Inside a flush the translations, when not loaded, are read from ``connection`` (a flush may
        not load them through the session)."""
        fields = Space.search_fields(
            self.name, self.town, self.region, self.description, self.description_local, *self._translated(connection)
        )
        self.search_text, self.search_name, self.search_place = fields["search_text"], fields["search_name"], fields["search_place"]

    def _translated(self, connection: Connection | None) -> list[str]:
        if "translations" not in inspect(self).unloaded:
            return [translation.description for translation in self.translations]
        if connection is None or self.id is None:
            # A new listing has none. Outside a flush, unloaded ones are not loaded here (a lazy load would
            # autoflush half-way through an edit): the flush's hook below reads them from its connection.
            return []
        return list(connection.scalars(select(SpaceTranslation.description).where(SpaceTranslation.space_id == self.id)))

    @staticmethod
    def search_fields(
        name: str | None,
        town: str | None,
        region: str | None,
        description: str | None,
        description_local: str | None,
        *translations: str | None,
    ) -> dict[str, str]:
        """The search columns of a listing with these texts: its words (name, then place, then descriptions
        and their translations), the name's words and the place's (town and region)."""
        name_words = search_words(name)
        place_words = search_words(town) + search_words(region)
        other_words = [word for text in (description, description_local, *translations) for word in search_words(text)]
        return {
            "search_text": " ".join(name_words + place_words + other_words),
            "search_name": " ".join(name_words),
            "search_place": " ".join(place_words),
        }

    @property
    def amenity_codes(self) -> list[str]:
        return [amenity.code for amenity in self.amenities]


def fibre_among(amenity_codes: list[str]) -> bool | None:
    """Fibre is one amenity; None while nothing is known about the space's amenities."""
    return ("fibre" in amenity_codes) if amenity_codes else None


@event.listens_for(Space, "before_insert")
@event.listens_for(Space, "before_update")
def _keep_search_columns(mapper, connection, space: Space) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
    """Whatever ORM write changes a listing's texts also changes its search columns (and so, through the
    database, its full-text index): no caller can forget. Writes without objects use ``search_fields``."""
    space.refresh_search_text(connection)


class SpaceTranslation(Base):
    """A listing's description in one more language, written by its community builders or partners.

    ``source_digest`` is the digest (``listing.text_digest``) of the text it was translated from, the space's
    own description or else the English one, as that text was when the translation was saved or last
    confirmed: once that text changes, the translation may be out of date, and says so until someone updates
    or confirms it. None: not known (a translation brought back by a revert).
    """

    __tablename__ = "space_translations"
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    source_digest: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)
    space: Mapped[Space] = relationship(back_populates="translations")


class CommunityBuilder(Timestamped, Base):
    """The person who hosts a space and runs its resident activities."""

    __tablename__ = "community_builders"
    __table_args__ = (Index("ix_community_builders_user", "user_id", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str | None] = mapped_column(Text)
    # The account whose public profile this is (None for a builder named by a public source). One profile
    # per person, shown on each space they choose; it goes with their account.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    public_contact: Mapped[str | None] = mapped_column(String(300))
    spaces: Mapped[list[Space]] = relationship(secondary=space_community_builders, back_populates="community_builders")


class SpacePhoto(Base):
    """A photo of a space, as re-encoded copies in the media store (core.images, core.storage).

    A removed photo keeps its row and files, unshown and unserved, so that reverting the listing to a
    revision from before the removal brings it back.
    """

    __tablename__ = "space_photos"
    __table_args__ = (Index("ix_space_photos_space", "space_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    # Random, made here: the copies are stored as "{key}-{long edge}.webp".
    key: Mapped[str] = mapped_column(String(40), unique=True)
    # The copies' sizes, smallest first: [[width, height], ...].
    sizes: Mapped[list] = mapped_column(JSON)
    alt_text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    space: Mapped[Space] = relationship(back_populates="photos")

    def file_key(self, width: int, height: int) -> str:
        return f"{self.key}-{max(width, height)}.{PHOTO_EXTENSION}"

    def file_keys(self) -> list[str]:
        return [self.file_key(width, height) for width, height in self.sizes]
