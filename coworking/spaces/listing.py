"""A listing's editable facts as one plain state: read from a space, parsed from a form, shown in a form
and in the history, applied back to a space. The editing service, the revisions and the merge of a stale
edit all speak this one shape (JSON-able: dates as ISO text, amenities as a sorted list of codes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.services import check_email
from coworking.core.errors import InvalidInput
from coworking.core.links import http_url
from coworking.core.models import utcnow
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_, WEEKDAY_CODES
from coworking.core.web import form_list, form_text
from coworking.spaces.descriptions import source_text, text_digest
from coworking.spaces.models import Amenity, Space, SpaceTranslation
from coworking.spaces.vocabulary import AMENITY_CODES, STATUS_CODES

State = dict[str, Any]
# A form as posted: one text per field, a list for the amenities' checkboxes.
FormValues = Mapping[str, str | list[str]]

# The fields an edit may change, in the order the form and the history show them.
LISTING_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "description": N_("Description in English"),
    "description_local": N_("Description in the local language"),
    "street_address": N_("Street address"),
    "town": N_("Town or village"),
    "region": N_("Region"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "location_precision": N_("Location"),
    "opening_hours": N_("Opening hours"),
    "internet_download_mbps": N_("Internet download (Mbit/s)"),
    "internet_upload_mbps": N_("Internet upload (Mbit/s)"),
    "internet_measured_on": N_("Internet speed measured"),
    "desks": N_("Desks"),
    "price_notes": N_("Prices"),
    "amenities": N_("Amenities"),
    "network_pass_days": N_("Network pass: free days a year"),
    "network_pass_conditions": N_("Network pass: conditions"),
    "website": N_("Website"),
    "email": N_("Public e-mail"),
    "phone": N_("Public phone"),
    "status": N_("Status"),
}
# Kept in the history too, though not edited in the listing's form: each person adds themselves, and
# photos have a page of their own.
HISTORY_FIELDS: dict[str, str] = {
    **LISTING_FIELDS,
    "photos": N_("Photos"),
    "community_builders": N_("Community builders"),
    # A translation of the description: the history names its language beside this.
    "translation": N_("Description"),
}
# What a revert restores: the listing's fields and its photos (roles are granted by moderation, not history).
REVERTIBLE_FIELDS = frozenset({*LISTING_FIELDS, "photos", "translations"})
# The longest translation of a description (as the descriptions themselves).
TRANSLATION_LIMIT = 5000
# Text fields and their longest accepted length.
_TEXT_LIMITS = {
    "name": 200,
    "description": 5000,
    "description_local": 5000,
    "street_address": 300,
    "town": 120,
    "region": 120,
    "price_notes": 2000,
    "phone": 50,
    "network_pass_conditions": 1000,
}
_COUNT_LIMITS = {
    "internet_download_mbps": 100_000,
    "internet_upload_mbps": 100_000,
    "desks": 10_000,
    "network_pass_days": 366,
}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?"
_RANGE = re.compile(rf"^{_TIME}\s*[-–—]\s*{_TIME}$")
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)
_PHONE = re.compile(r"^[0-9+()./\s-]{3,50}$")
MAX_SUMMARY = 300
# A listing no community builder has confirmed for this long is marked on its page as perhaps out of date
# (and flagged to its partner by `coworking remind`); its builders are reminded after a year.
REMIND_AFTER = timedelta(days=365)
STALE_AFTER = timedelta(days=548)


def is_stale(confirmed_at: datetime | None, created_at: datetime, now: datetime) -> bool:
    """Unconfirmed for 18 months: since its last confirmation, or since it was listed if never confirmed."""
    return (confirmed_at or created_at) < now - STALE_AFTER


def listing_state(space: Space) -> State:
    """The editable facts of ``space``, as the revisions keep them."""
    return {
        "name": space.name,
        "description": space.description,
        "description_local": space.description_local,
        "street_address": space.street_address,
        "town": space.town,
        "region": space.region,
        "latitude": space.latitude,
        "longitude": space.longitude,
        "location_precision": space.location_precision,
        "opening_hours": space.opening_hours,
        "internet_download_mbps": space.internet_download_mbps,
        "internet_upload_mbps": space.internet_upload_mbps,
        "internet_measured_on": space.internet_measured_on.isoformat() if space.internet_measured_on else None,
        "desks": space.desks,
        "price_notes": space.price_notes,
        "amenities": sorted(space.amenity_codes),
        "network_pass_days": space.network_pass_days,
        "network_pass_conditions": space.network_pass_conditions,
        "website": space.website,
        "email": space.email,
        "phone": space.phone,
        "status": space.status,
    }


def translation_state(space: Space) -> dict[str, str]:
    """The description's translations, as the revisions keep them: ``{"de": "…", "fr": "…"}``."""
    return {translation.language: translation.description for translation in space.translations}


def _apply_translations(space: Space, wanted: dict[str, str]) -> None:
    """Keep exactly the ``wanted`` translations; a new or changed one is recorded as translated from the
    space's text as it now is (the state applied with it: after a revert, the text restored with it)."""
    digest = text_digest(source_text(space))
    current = {translation.language: translation for translation in space.translations}
    for language, translation in current.items():
        if language not in wanted:
            space.translations.remove(translation)
    for language, text in sorted(wanted.items()):
        translation = current.get(language)
        if translation is None:
            space.translations.append(SpaceTranslation(language=language, description=text, source_digest=digest))
        elif translation.description != text:
            translation.description, translation.source_digest = text, digest


def photo_state(space: Space) -> list[dict[str, Any]]:
    """The photos shown, in order, as the revisions keep them: ``[{"id": 3, "alt": "…"}, …]``."""
    return [{"id": photo.id, "alt": photo.alt_text} for photo in space.photos if photo.removed_at is None]


def _apply_photos(space: Space, wanted: list[dict[str, Any]]) -> None:
    """Show exactly the ``wanted`` photos, in that order and with those alt texts; the others are removed
    (kept, unshown, for a later revert). A photo the list names that no longer exists is skipped."""
    order = {item["id"]: (position, item["alt"]) for position, item in enumerate(wanted or [])}
    for photo in space.photos:
        if photo.id in order:
            photo.position, photo.alt_text = order[photo.id]
            photo.removed_at = None
        elif photo.removed_at is None:
            photo.removed_at = utcnow()


def apply_state(db: Session, space: Space, state: State) -> None:
    """Set ``space``'s editable facts (and its photos, when ``state`` names them) to ``state``; fields it
    lacks stay as they are."""
    # No flush half-way (the amenities' query would write the fields set before it): the row is updated
    # once per save, so its version moves by one, as its revisions do.
    with db.no_autoflush:
        for name, value in state.items():
            if name == "photos":
                _apply_photos(space, value)
            elif name == "amenities":
                codes = set(value or [])
                space.amenities = list(
                    db.scalars(select(Amenity).where(Amenity.code.in_(codes)).order_by(Amenity.position))
                )
            elif name == "internet_measured_on":
                space.internet_measured_on = date.fromisoformat(value) if value else None
            elif name in LISTING_FIELDS:
                setattr(space, name, value)
        if "translations" in state:  # last: a translation is recorded against the text set above
            _apply_translations(space, state["translations"] or {})
    space.refresh_search_text()


# -- from a form -------------------------------------------------------------------------------------


def _text(form: FormValues, name: str) -> str:
    return form_text(form, name).strip()


def _hours(text: str) -> list[list[str]] | None:
    """``"9-13, 14:00–18:00"`` → ``[["09:00", "13:00"], ["14:00", "18:00"]]``; None if it is not such a list."""
    periods = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _RANGE.match(part)
        if not match:
            return None
        oh, om, ch, cm = (int(group or 0) for group in match.groups())
        if oh > 23 or ch > 24 or om > 59 or cm > 59 or (ch == 24 and cm) or (ch * 60 + cm) <= (oh * 60 + om):
            return None
        periods.append([f"{oh:02d}:{om:02d}", f"{ch:02d}:{cm:02d}"])
    return periods


def _measured_on(text: str, today: date) -> date | None:
    """ "2026-05" (a month input) or "2026-05-14"; a month means its first day."""
    try:
        found = date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        raise InvalidInput(
            {"internet_measured_on": N_("Enter the month of the measurement, such as 2026-05.")}
        ) from None
    if found > today or found.year < 2000:
        raise InvalidInput({"internet_measured_on": N_("The measurement cannot be in the future.")})
    return found


def parse_listing(form: FormValues, today: date) -> State:
    """The state a posted edit form asks for; InvalidInput with a message per wrong field (all at once)."""
    errors: dict[str, str] = {}
    state: State = {}
    for name, limit in _TEXT_LIMITS.items():
        value = _text(form, name)
        if len(value) > limit:
            errors[name] = N_("This is too long: shorten it.")
        state[name] = value or None
    for name in ("name", "town"):
        if not state[name]:
            errors[name] = N_("This cannot be empty.")
    for name, limit in _COUNT_LIMITS.items():
        value = _text(form, name)
        state[name] = None
        if value:
            number = whole_number(value)
            if number is None or number > limit:
                errors[name] = N_("Enter a whole number, such as 12.")
            else:
                state[name] = number
    if state["network_pass_days"] == 0:
        state["network_pass_days"] = None  # "0 free days" is not taking part: the pass is off
    if state["network_pass_conditions"] and state["network_pass_days"] is None and "network_pass_days" not in errors:
        errors["network_pass_days"] = N_(
            "Enter how many free days a year members of other network spaces get, or leave the conditions empty."
        )
    try:
        measured = _text(form, "internet_measured_on")
        state["internet_measured_on"] = _measured_on(measured, today).isoformat() if measured else None
    except InvalidInput as error:
        errors.update(error.errors)
    _parse_location(form, state, errors)
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAY_CODES:
        periods = _hours(_text(form, f"hours_{day}"))
        if periods is None:
            errors[f"hours_{day}"] = N_("Write the hours as 9:00-17:00, or 9-13, 14-18; leave empty when closed.")
        elif periods:
            hours[day] = periods
    # No hours on any day: not known (a space closed all week says so with its status).
    state["opening_hours"] = hours or None
    codes = sorted(set(form_list(form, "amenities")))
    if not set(codes) <= AMENITY_CODES:
        errors["amenities"] = N_("Choose amenities from the list.")
    state["amenities"] = [code for code in codes if code in AMENITY_CODES]
    website = _text(form, "website")
    if _BARE_DOMAIN.match(website):
        website = f"https://{website}"  # "colabora.lv/en" is what people type
    if website and not http_url(website):
        errors["website"] = N_("Enter a web address such as https://example.org.")
    state["website"] = website or None
    email = _text(form, "email")
    if email and (problem := check_email(email)):
        errors["email"] = problem
    state["email"] = email or None
    if state["phone"] and not _PHONE.match(state["phone"]):
        errors["phone"] = N_("Enter a phone number with digits, spaces and + only.")
    status = _text(form, "status")
    if status not in STATUS_CODES:
        errors["status"] = N_("Choose whether the space is open, temporarily closed or closed.")
    state["status"] = status
    if errors:
        raise InvalidInput(errors)
    return state


def _parse_location(form: FormValues, state: State, errors: dict[str, str]) -> None:
    latitude, longitude = _text(form, "latitude"), _text(form, "longitude")
    state["latitude"] = state["longitude"] = None
    if not latitude and not longitude:
        return
    try:
        lat, lon = float(latitude.replace(",", ".")), float(longitude.replace(",", "."))
    except ValueError:
        errors["latitude"] = N_(
            "Enter both coordinates as numbers, such as 56.7500 and 24.8600, or place the marker on the map."
        )
        return
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["latitude"] = N_("These coordinates are not on Earth: latitude -90 to 90, longitude -180 to 180.")
        return
    state["latitude"], state["longitude"] = round(lat, 6), round(lon, 6)


def placed_by_hand(before: State, after: State) -> State:
    """``after``, its location marked exact when a person moved it (the "approximate location" note goes)."""
    if after["latitude"] is None:
        return {**after, "location_precision": None}
    moved = (after["latitude"], after["longitude"]) != (before.get("latitude"), before.get("longitude"))
    return {**after, "location_precision": "exact" if moved else before.get("location_precision")}


# -- into a form -------------------------------------------------------------------------------------


def hours_text(periods: list[list[str]] | None) -> str:
    return ", ".join(f"{opens}–{closes}" for opens, closes in periods or [])


def form_values(state: State) -> dict[str, str | list[str]]:
    """What the edit form shows for ``state``: text per field, the amenities as a list."""
    values: dict[str, str | list[str]] = {}
    for name in LISTING_FIELDS:
        value = state.get(name)
        if name == "amenities":
            values[name] = list(value or [])
        elif name == "opening_hours":
            for day in WEEKDAY_CODES:
                values[f"hours_{day}"] = hours_text((value or {}).get(day))
        elif name == "internet_measured_on":
            values[name] = value[:7] if value else ""  # the month input's "2026-05"
        else:
            values[name] = "" if value is None else str(value)
    return values
