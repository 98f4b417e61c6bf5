"""A listing's history as its page shows it: each revision with readable changes, newest first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from coworking.revisions import history
from coworking.revisions.history import FieldChange, RevisionRow, field_change
from coworking.revisions.models import Revision
from coworking.spaces.editing import SUBJECT
from coworking.spaces.listing import HISTORY_FIELDS
from coworking.spaces.models import Space

# Long texts show which words changed; other fields show the old and the new value.
_WORD_DIFFED = {"description", "description_local", "price_notes"}


def listing_changes(revision: Revision) -> list[FieldChange]:
    """A listing revision's changed fields that the history shows; a translation of the description shows
    as that language's description."""
    changes = [
        field_change(name, old, new, name in _WORD_DIFFED)
        for name, (old, new) in revision.changes.items()
        if name in HISTORY_FIELDS
    ]
    old_texts, new_texts = (revision.changes.get("translations") or [None, None])
    for language in sorted({*(old_texts or {}), *(new_texts or {})}):
        old, new = (old_texts or {}).get(language), (new_texts or {}).get(language)
        if old != new:
            changes.append(field_change("translation", old, new, True, language))
    return changes


def revision_row(revision: Revision, restores_version: int | None = None) -> RevisionRow:
    """One listing revision as people read it (the moderation page lists recent ones across listings)."""
    return history.revision_row(revision, listing_changes(revision), restores_version)


def revision_rows(db: Session, space: Space) -> list[RevisionRow]:
    """The listing's history, newest first."""
    return history.history_rows(db, SUBJECT, space.id, listing_changes)
