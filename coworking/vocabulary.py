"""Fixed, translatable vocabularies: amenities, activity kinds, space statuses.

Labels are marked with ``N_`` so Babel extracts them; they are translated when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return message


@dataclass(frozen=True)
class Term:
    code: str
    label: str


AMENITIES: tuple[Term, ...] = (
    Term("fast_internet", N_("Fast internet")),
    Term("fibre", N_("Fibre connection")),
    Term("desks", N_("Desks")),
    Term("private_office", N_("Private office")),
    Term("meeting_room", N_("Meeting room")),
    Term("printer", N_("Printer / scanner")),
    Term("kitchen", N_("Kitchen")),
    Term("coffee", N_("Coffee")),
    Term("parking", N_("Parking")),
    Term("bike_parking", N_("Bike parking")),
    Term("accessible", N_("Step-free access")),
    Term("childcare", N_("Childcare")),
    Term("event_space", N_("Event space")),
    Term("phone_booth", N_("Phone booth")),
    Term("24h_access", N_("24 h access")),
    Term("accommodation", N_("Accommodation")),
    Term("garden", N_("Garden")),
    Term("podcast_studio", N_("Podcast studio")),
    Term("workshop", N_("Workshop")),
)
AMENITY_CODES = frozenset(term.code for term in AMENITIES)
AMENITY_LABELS = {term.code: term.label for term in AMENITIES}

ACTIVITY_KINDS: tuple[Term, ...] = (
    Term("resident_meeting", N_("Weekly resident meeting")),
    Term("experience_story", N_("Experience-story evening")),
    Term("workshop", N_("Workshop")),
    Term("open_day", N_("Open day")),
    Term("other", N_("Activity")),
)
ACTIVITY_KIND_LABELS = {term.code: term.label for term in ACTIVITY_KINDS}

WEEKDAYS: tuple[Term, ...] = (
    Term("mon", N_("Monday")),
    Term("tue", N_("Tuesday")),
    Term("wed", N_("Wednesday")),
    Term("thu", N_("Thursday")),
    Term("fri", N_("Friday")),
    Term("sat", N_("Saturday")),
    Term("sun", N_("Sunday")),
)

NETWORK_SCOPES: tuple[Term, ...] = (
    Term("european", N_("European")),
    Term("national", N_("National")),
    Term("regional", N_("Regional")),
)
NETWORK_SCOPE_LABELS = {term.code: term.label for term in NETWORK_SCOPES}
