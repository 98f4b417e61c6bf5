"""The amenities a space can offer: a fixed, translatable vocabulary (rows added by migrations)."""

from __future__ import annotations

from coworking.core.vocabulary import N_, Term

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

# What a listing says of its opening: published (open), closed for a while, closed for good.
STATUSES: tuple[Term, ...] = (
    Term("published", N_("Open")),
    Term("paused", N_("Temporarily closed")),
    Term("closed", N_("Closed for good")),
)
STATUS_CODES = frozenset(term.code for term in STATUSES)
STATUS_LABELS = {term.code: term.label for term in STATUSES}
