"""People with an account, their sessions, their e-mail tokens, and the security log."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coworking.core.models import Base, Timestamped, utcnow


class User(Timestamped, Base):
    """A person with an account. Deleting one removes the row: what they did stays, as "former member"."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored as typed but compared folded (``email_key``): "Anna@Example.org" and "anna@example.org" are one.
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the site writes to them in (Mailer.for_user), whatever language the page that caused a mail
    # was in: the one they registered in until they choose. None: an account older than the column that has
    # not signed in since; it gets the site's default language.
    language: Mapped[str | None] = mapped_column(String(8))


class UserSession(Base):
    """A signed-in browser, kept on the server (the database store; Redis keeps the same facts).

    Only a hash of the token is stored: a copy of the table signs nobody in.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class EmailToken(Base):
    """A single-use link sent by e-mail: verify an address, reset a password, confirm a new address.
    Only its hash is stored."""

    __tablename__ = "email_tokens"
    __table_args__ = (Index("ix_email_tokens_user", "user_id"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    # For a change of address: the address the link confirms.
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class SecurityEvent(Base):
    """One line of the security log: sign-ins, failures, password and role changes, deletions.

    It names the account by id (gone with the account) and never holds a password or a token.
    """

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)


class PartnerCountry(Base):
    """A network partner's country: the listings there are theirs to moderate (granted by an admin)."""

    __tablename__ = "partner_countries"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BuilderRole(Base):
    """A community builder's role for one space: granted when a claim or a proposal is approved.

    The role is what lets the person edit the listing; whether they also appear on it, and as whom,
    is their public profile's business (``spaces.CommunityBuilder``), which they choose.
    """

    __tablename__ = "builder_roles"
    __table_args__ = (Index("ix_builder_roles_space", "space_id"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # By name only: accounts sit below spaces and never import them.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
