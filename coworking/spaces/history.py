"""A listing's history as its page shows it: each revision with readable changes, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coworking.revisions import services as revisions
from coworking.revisions.models import Revision
from coworking.spaces.editing import SUBJECT
from coworking.spaces.listing import HISTORY_FIELDS
from coworking.spaces.models import Space

# Long texts show which words changed; other fields show the old and the new value.
_WORD_DIFFED = {"description", "description_local", "price_notes"}


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any
    words: list[tuple[str, str]] | None = None


@dataclass(frozen=True)
class RevisionRow:
    id: int
    version: int
    at: datetime
    kind: str
    # "builder", "partner", "admin", "member"; "former" once the author deleted their account; "import" for a
    # file imported from the command line; None for the listing as first imported.
    author: str | None
    summary: str
    changes: list[FieldChange]
    restores_version: int | None


def revision_row(revision: Revision, restores_version: int | None = None) -> RevisionRow:
    """One revision as people read it: who (by role), why, and each changed field's before and after."""
    changes = [
        FieldChange(name, old, new, revisions.word_diff(old, new) if name in _WORD_DIFFED and old and new else None)
        for name, (old, new) in revision.changes.items()
        if name in HISTORY_FIELDS
    ]
    if revision.kind == "imported":
        author = None
    elif revision.author_role == "import":  # a file imported from the command line: no one's account
        author = "import"
    else:
        author = revision.author_role if revision.author_id else "former"
    return RevisionRow(
        id=revision.id,
        version=revision.version,
        at=revision.at,
        kind=revision.kind,
        author=author,
        summary=revision.summary,
        changes=changes,
        restores_version=restores_version,
    )


def revision_rows(db: Session, space: Space) -> list[RevisionRow]:
    """The listing's history, newest first."""
    found = revisions.history(db, SUBJECT, space.id)
    versions = {revision.id: revision.version for revision in found}
    return [revision_row(revision, versions.get(revision.restores_id)) for revision in found]
