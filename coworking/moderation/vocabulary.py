"""The kinds of items in a partner's queue."""

from __future__ import annotations

from coworking.core.vocabulary import N_

KINDS = {
    "claim": N_("Claims"),
    "proposal": N_("Proposals"),
    "report": N_("Reports"),
    "stale": N_("Unconfirmed listings"),
    # A request to remove a resident's story (coworking.stories files it; withdrawing the story closes it).
    "story": N_("Story removal requests"),
}
