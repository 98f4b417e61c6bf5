"""What a visit request can ask for, and where it stands: codes and translatable labels."""

from __future__ import annotations

from coworking.core.vocabulary import N_

VISIT_KINDS = {
    "look_around": N_("Look around"),
    "day_pass": N_("A day pass"),
    "desk_week": N_("A desk for a week"),
    "desk_month": N_("A desk for a month"),
}
# unconfirmed (its e-mail link not yet followed: nobody sees it) → waiting → accepted or declined.
VISIT_STATUSES = {
    "unconfirmed": N_("Not yet confirmed"),
    "waiting": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
}
