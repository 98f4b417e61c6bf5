"""Where a sign-up stands: codes and translatable labels."""

from __future__ import annotations

from coworking.core.vocabulary import N_

# pending (its e-mail link not yet followed: it does not count) → coming, or waiting when the date is full
# (moved up to coming, first confirmed first, when a place frees) → cancelled by the person.
ATTENDANCE_STATUSES = {
    "pending": N_("Not yet confirmed"),
    "coming": N_("Coming"),
    "waiting": N_("On the waiting list"),
    "cancelled": N_("Cancelled"),
}
# The ones that hold a place or a place in line.
HOLDING = ("coming", "waiting")
