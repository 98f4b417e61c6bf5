"""Where a review stands, and what its stars say: codes and translatable labels."""

from __future__ import annotations

from coworking.core.vocabulary import N_

# pending (waits for a partner: not public) → approved (public) or rejected; an edit makes it pending again.
REVIEW_STATUSES = {
    "pending": N_("Waiting for a partner's approval"),
    "approved": N_("Published"),
    "rejected": N_("Not published"),
}
RATING_LABELS = {
    1: N_("1 of 5: poor"),
    2: N_("2 of 5: fair"),
    3: N_("3 of 5: good"),
    4: N_("4 of 5: very good"),
    5: N_("5 of 5: excellent"),
}
