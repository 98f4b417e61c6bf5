"""Recording and reading revisions. Callers hand in plain states (JSON-able dicts of public fields)."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.revisions.models import Revision

State = dict[str, Any]

# Revisions that change nothing but say something happened on a date (a listing confirmed as right): a dated
# trace for reports, not a version. They hold the subject's version at the time, and every reading of
# versions here (the latest, a state as of, the history, recent changes, undo) leaves them out.
EVENTS = ("confirmed",)


def changed_fields(before: State, after: State) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs (fields in either state)."""
    return {
        name: [before.get(name), after.get(name)]
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    }


def record(
    db: Session,
    *,
    subject: str,
    subject_id: int,
    country_code: str | None,
    base_version: int,
    before: State,
    after: State,
    author_id: int | None,
    author_role: str | None,
    kind: str,
    summary: str = "",
    restores_id: int | None = None,
) -> Revision:
    """Add the revision that took the subject from ``base_version`` (state ``before``) to ``base_version + 1``.

    The first change of a subject that was imported, not created here, first records the imported
    state as it was: the history starts where the listing did, and can be restored to it. (A subject
    created here starts with its "created" revision, from ``base_version`` 0.)
    In the caller's transaction; the caller commits.
    """
    if kind != "created" and latest(db, subject, subject_id) is None:
        db.add(
            Revision(
                subject=subject, subject_id=subject_id, version=base_version, country_code=country_code,
                author_id=None, author_role=None, kind="imported", summary="", changes={}, snapshot=before,
            )
        )
    revision = Revision(
        subject=subject,
        subject_id=subject_id,
        version=base_version + 1,
        country_code=country_code,
        author_id=author_id,
        author_role=author_role,
        kind=kind,
        summary=summary,
        changes=changed_fields(before, after),
        snapshot=after,
        restores_id=restores_id,
    )
    db.add(revision)
    return revision


def record_event(
    db: Session, *, subject: str, subject_id: int, country_code: str, version: int, author_id: int | None,
    author_role: str | None, kind: str, at: datetime,
) -> Revision:
    """Add an event (one of ``EVENTS``): no changes, no snapshot, the subject's ``version`` as it stands.
    In the caller's transaction; the caller commits."""
    if kind not in EVENTS:
        raise ValueError(f"not an event: {kind!r}")
    event = Revision(
        subject=subject, subject_id=subject_id, version=version, country_code=country_code, author_id=author_id,
        author_role=author_role, kind=kind, at=at, summary="", changes={}, snapshot={},
    )  # fmt: skip
    db.add(event)
    return event


def latest(db: Session, subject: str, subject_id: int) -> Revision | None:
    return db.scalar(
        select(Revision)
        .where(Revision.subject == subject, Revision.subject_id == subject_id, Revision.kind.not_in(EVENTS))
        .order_by(Revision.version.desc(), Revision.id.desc())
        .limit(1)
    )


def as_of(db: Session, subject: str, subject_id: int, version: int) -> Revision | None:
    """The latest revision at or before ``version``: its snapshot is the subject's state then (a change
    that is not a revision, such as a confirmation, may have moved the version since)."""
    return db.scalar(
        select(Revision)
        .where(Revision.subject == subject, Revision.subject_id == subject_id, Revision.version <= version, Revision.kind.not_in(EVENTS))
        .order_by(Revision.version.desc(), Revision.id.desc())
        .limit(1)
    )


def state_at(db: Session, subject: str, subject_id: int, version: int, current_version: int) -> dict:
    """The subject's state as it was at ``version``; empty when no revision holds it (a form without its
    version, or with a number no version has, 0 or past ``current_version``): then nothing is assumed
    unchanged, and every field the other side holds differently is shown to merge, never saved over."""
    found = as_of(db, subject, subject_id, version) if 1 <= version <= current_version else None
    return dict(found.snapshot) if found is not None else {}


def history(db: Session, subject: str, subject_id: int) -> list[Revision]:
    """Every revision of the subject, newest first."""
    return list(
        db.scalars(
            select(Revision)
            .where(Revision.subject == subject, Revision.subject_id == subject_id, Revision.kind.not_in(EVENTS))
            .order_by(Revision.version.desc(), Revision.id.desc())
        )
    )


def recent(db: Session, subject: str, countries: frozenset[str] | None, limit: int = 50) -> list[Revision]:
    """The latest changes of ``subject``s (not the imported originals), in ``countries`` (None: everywhere), newest first."""
    statement = select(Revision).where(Revision.subject == subject, Revision.kind.not_in(("imported", *EVENTS)))
    if countries is not None:
        statement = statement.where(Revision.country_code.in_(sorted(countries)))
    return list(db.scalars(statement.order_by(Revision.at.desc(), Revision.id.desc()).limit(limit)))


def versions_before(db: Session, subject: str, found: list[Revision]) -> dict[int, int]:
    """For each of ``found`` (revisions of ``subject``s), the id of the revision just before it: the
    state that undoing it restores. Revisions with nothing before them (a creation) are left out."""
    wanted = {(revision.subject_id, revision.version - 1) for revision in found}
    rows = db.execute(
        select(Revision.id, Revision.subject_id, Revision.version)
        .where(Revision.subject == subject, Revision.subject_id.in_({subject_id for subject_id, _ in wanted}), Revision.kind.not_in(EVENTS))
        .order_by(Revision.id)
    )
    by_version = {(subject_id, version): revision_id for revision_id, subject_id, version in rows if (subject_id, version) in wanted}
    return {
        revision.id: by_version[(revision.subject_id, revision.version - 1)]
        for revision in found
        if (revision.subject_id, revision.version - 1) in by_version
    }


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """``old`` → ``new`` as runs of words: ("same", …), ("removed", …), ("added", …), for a readable diff."""
    before, after = (old or "").split(" "), (new or "").split(" ")
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", " ".join(before[i1:i2])))
        if j2 > j1:
            runs.append(("added", " ".join(after[j1:j2])))
    return runs
