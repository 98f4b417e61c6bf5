"""The kinds of resident activity."""

from __future__ import annotations

from coworking.core.vocabulary import N_, Term

ACTIVITY_KINDS: tuple[Term, ...] = (
    Term("resident_meeting", N_("Weekly resident meeting")),
    Term("experience_story", N_("Experience-story evening")),
    Term("workshop", N_("Workshop")),
    Term("open_day", N_("Open day")),
    Term("other", N_("Activity")),
)
ACTIVITY_KIND_LABELS = {term.code: term.label for term in ACTIVITY_KINDS}
