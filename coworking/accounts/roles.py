"""Roles granted by administrators: network partners of countries. (Community builders of a space come
with an approved claim or proposal, in the spaces domain.)

A change of role is a security event, and ends every session of the person whose role changed: they
sign in again and get a new session id with their new rights (ASVS 7.2.4 asks for a new id at a change of
privilege).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.models import PartnerCountry, User
from coworking.accounts.services import find_user, log_event
from coworking.accounts.sessions import SessionStore
from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.vocabulary import N_


@dataclass(frozen=True)
class Partner:
    user_id: int
    email: str
    country_code: str


def list_partners(db: Session) -> list[Partner]:
    """Every partner role, by country then address."""
    rows = db.execute(
        select(PartnerCountry.user_id, User.email, PartnerCountry.country_code)
        .join(User, User.id == PartnerCountry.user_id)
        .order_by(PartnerCountry.country_code, User.email_key)
    )
    return [Partner(user_id, email, country) for user_id, email, country in rows]


def _country(code: str) -> str:
    code = code.strip().upper()
    if not is_country_code(code):
        raise InvalidInput({"country": N_("Unknown country code: use two letters such as LV or IE.")})
    return code


def grant_partner(
    db: Session, sessions: SessionStore, admin_id: int, email: str, country: str, ip: str | None
) -> Partner:
    """Make the confirmed account ``email`` a partner for ``country`` (nothing changes if it already is)."""
    errors = {}
    user = find_user(db, email)
    if user is None or user.email_verified_at is None:
        errors["email"] = N_("No confirmed account has this address: the person registers and confirms it first.")
    try:
        code = _country(country)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    if db.get(PartnerCountry, (user.id, code)) is None:
        db.add(PartnerCountry(user_id=user.id, country_code=code, granted_by=admin_id))
        log_event(db, "role_granted", user.id, ip, detail=f"partner for {code} (by account {admin_id})")
        sessions.end_all(user.id, within=db)
        db.commit()
    return Partner(user.id, user.email, code)


def revoke_partner(
    db: Session, sessions: SessionStore, admin_id: int, user_id: int, country: str, ip: str | None
) -> None:
    """End ``user_id``'s partner role for ``country`` (nothing happens if there is none)."""
    role = db.get(PartnerCountry, (user_id, _country(country)))
    if role is None:
        return
    db.delete(role)
    log_event(db, "role_revoked", user_id, ip, detail=f"partner for {role.country_code} (by account {admin_id})")
    sessions.end_all(user_id, within=db)
    db.commit()
