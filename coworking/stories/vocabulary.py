"""What a resident may agree to show of their story: codes and translatable labels."""

from __future__ import annotations

from coworking.core.vocabulary import N_

CONSENT_PARTS = {
    "text": N_("the story's text"),
    "name": N_("their name or nickname"),
    "photo": N_("the photo"),
}
