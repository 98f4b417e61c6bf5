"""A subject's history as people read it: each revision with who made it (by role), why, and its changed
fields, newest first. Each domain says which fields it shows and which of them are long texts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coworking.revisions import services as revisions
from coworking.revisions.models import Revision


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any
    # Long texts: the words removed, kept and added; None for other fields (their old and new value show).
    words: list[tuple[str, str]] | None = None
    # The language of a translated text (a guide's); None for a field in no particular language.
    language: str | None = None


@dataclass(frozen=True)
class RevisionRow:
    id: int
    version: int
    at: datetime
    kind: str
    # "builder", "partner", "admin", "member"; "former" once the author deleted their account; "import" for a
    # file imported from the command line; None for the subject as first imported or seeded.
    author: str | None
    summary: str
    changes: list[FieldChange]
    restores_version: int | None


def field_change(name: str, old: Any, new: Any, long_text: bool, language: str | None = None) -> FieldChange:
    """A changed field; a long text with both versions shows the words that changed."""
    return FieldChange(name, old, new, revisions.word_diff(old, new) if long_text and old and new else None, language)


def revision_row(revision: Revision, changes: list[FieldChange], restores_version: int | None = None) -> RevisionRow:
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


def history_rows(
    db: Session, subject: str, subject_id: int, changes_of: Callable[[Revision], list[FieldChange]]
) -> list[RevisionRow]:
    """The subject's history, newest first; ``changes_of`` reads a revision's changed fields."""
    found = revisions.history(db, subject, subject_id)
    versions = {revision.id: revision.version for revision in found}
    return [revision_row(revision, changes_of(revision), versions.get(revision.restores_id)) for revision in found]
