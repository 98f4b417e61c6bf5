"""Changing a listing: edit, revert, confirm. Each is one transaction, committed here: the space, its
amenities and its revision are written together or not at all.

No lost updates (optimistic locking, as OpenStreetMap does it): an edit names the version it started
from. When someone else saved in between, nothing is written; the editor gets back a merge: the other
person's changes taken into the fields the editor left alone, and, where both changed a field, the other
value shown beside the editor's own. The database checks the version again as it writes (the space's
``version_id_col``), so two saves racing past the first check cannot both win either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from coworking.accounts.models import BuilderRole
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.core.vocabulary import N_
from coworking.revisions import services as revisions
from coworking.revisions.models import Revision
from coworking.spaces.descriptions import source_text, text_digest, translation_languages
from coworking.spaces.listing import (
    MAX_SUMMARY,
    REVERTIBLE_FIELDS,
    TRANSLATION_LIMIT,
    State,
    apply_state,
    listing_state,
    photo_state,
    placed_by_hand,
    translation_state,
)
from coworking.spaces.models import CommunityBuilder, Space
from coworking.spaces.services import unique_space_slug

SUBJECT = "space"


@dataclass
class EditConflict(Exception):
    """Someone saved the listing after this edit began: the merge to show (nothing was written).

    ``merged``: the editor's state with the others' changes taken into the fields the editor did not
    change; ``theirs``: for each field both changed differently, the value saved meanwhile (beside the
    editor's own in ``merged``); ``taken``: the fields that took the others' value.
    """

    version: int
    merged: State
    theirs: dict[str, Any] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)


def get_listing(db: Session, slug: str) -> Space | None:
    return db.scalar(select(Space).where(Space.slug == slug).options(selectinload(Space.amenities)))


def author_role(actor: Actor, space: Space) -> str:
    """In what role ``actor`` changes ``space``: what the public history says of them."""
    if space.id in actor.builder_of:
        return "builder"
    if space.country_code in actor.partner_countries:
        return "partner"
    return "admin" if actor.is_admin else "member"


def listing_for_edit(db: Session, actor: Actor, slug: str) -> Space | None:
    """The space to edit, if there is one and ``actor`` may edit it (else 401/403)."""
    space = get_listing(db, slug)
    if space is not None:
        authorize(actor, Permission.SPACE_EDIT, space)
    return space


def recorded_state(space: Space) -> State:
    """What each revision keeps of a listing: its fields, its photos, its builders' public names and the
    translations of its description."""
    return {
        **listing_state(space),
        "photos": photo_state(space),
        "community_builders": builder_names(space),
        "translations": translation_state(space),
    }


def _merge(db: Session, space: Space, base_version: int, mine: State) -> EditConflict:
    base, current = revisions.state_at(db, SUBJECT, space.id, base_version, space.version), listing_state(space)
    merged, theirs, taken = dict(mine), {}, []
    for name, now in current.items():
        if now == base.get(name) or now == mine.get(name):
            continue  # nobody else changed it, or both made the same change
        if mine.get(name) == base.get(name):
            merged[name] = now
            taken.append(name)
        else:
            theirs[name] = now
    return EditConflict(version=space.version, merged=merged, theirs=theirs, taken=taken)


def edit_listing(
    db: Session, actor: Actor, space: Space, base_version: int, wanted: State, summary: str
) -> Revision | None:
    """Save ``wanted`` (parsed by ``listing.parse_listing``) over ``space``, which the edit began at
    ``base_version``. Returns the revision, or None when nothing changed. Raises EditConflict when the
    listing changed meanwhile, InvalidInput for a summary too long; refuses (403) whoever may not edit it.
    """
    authorize(actor, Permission.SPACE_EDIT, space)
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput({"summary": N_("This is too long: shorten it.")})
    if base_version != space.version:
        conflict = _merge(db, space, base_version, wanted)
        if conflict.theirs or conflict.taken:
            raise conflict
        # Only the photos, the builders or nothing of the form's fields changed meanwhile: no merge to make.
        base_version = space.version
    before = recorded_state(space)
    after = {**before, **placed_by_hand(before, wanted)}
    if after == before:
        return None
    return save_change(
        db, actor, space, before, after, kind="edit", summary=summary, mine=wanted, base_version=base_version
    )


def revert_listing(db: Session, actor: Actor, space: Space, revision_id: int) -> Revision | None:
    """Restore ``space`` to the state a revision made; the restoring is itself a revision (partners of
    the country and admins only). None when the listing is already in that state."""
    authorize(actor, Permission.SPACE_REVERT, space)
    target = db.get(Revision, revision_id)
    if target is None or target.subject != SUBJECT or target.subject_id != space.id or target.kind in revisions.EVENTS:
        raise InvalidInput({"revision": N_("This listing has no such revision.")})
    before = recorded_state(space)
    after = {**before, **{name: value for name, value in target.snapshot.items() if name in REVERTIBLE_FIELDS}}
    after["translations"] = target.snapshot.get("translations") or {}  # a revision from before any had none
    if after == before:
        return None
    return save_change(
        db,
        actor,
        space,
        before,
        after,
        kind="revert",
        summary="",
        mine=after,
        base_version=space.version,
        restores_id=target.id,
    )


def save_change(
    db: Session,
    actor: Actor,
    space: Space,
    before: State,
    after: State,
    *,
    kind: str,
    summary: str,
    mine: State,
    base_version: int,
    restores_id: int | None = None,
) -> Revision:
    """Apply ``after`` to ``space`` and record the revision from ``before``, in one committed transaction.
    A save that loses the race to another raises the merge (EditConflict) against what that one wrote."""
    try:
        apply_state(db, space, after)
        # The row is written even when only its amenities or photos changed: its version moves with every revision.
        space.updated_at = utcnow()
        db.flush()
        revision = revisions.record(
            db,
            subject=SUBJECT,
            subject_id=space.id,
            country_code=space.country_code,
            base_version=base_version,
            before=before,
            after=recorded_state(space),
            author_id=actor.user_id,
            author_role=author_role(actor, space),
            kind=kind,
            summary=summary.strip(),
            restores_id=restores_id,
        )
        db.commit()
    except StaleDataError:
        # Another save won the race between our check and our write: merge against what it wrote.
        db.rollback()
        db.refresh(space)
        raise _merge(db, space, base_version, mine) from None
    except BaseException:
        db.rollback()
        raise
    return revision


def confirm_listing(db: Session, actor: Actor, space: Space) -> None:
    """A community builder (or a moderator) says the listing is right as it is: "confirmed on …".

    No version (nothing changed): it leaves the version alone, so an edit under way stays valid. The space
    keeps only its latest confirmation; each one also leaves a dated event among its revisions (kind
    "confirmed", in the same transaction), which the partners' reports count per month.
    """
    authorize(actor, Permission.SPACE_EDIT, space)
    now = utcnow()
    db.execute(update(Space.__table__).where(Space.__table__.c.id == space.id).values(confirmed_at=now))
    revisions.record_event(
        db, subject=SUBJECT, subject_id=space.id, country_code=space.country_code, version=space.version,
        author_id=actor.user_id, author_role=author_role(actor, space), kind="confirmed", at=now,
    )  # fmt: skip
    db.commit()


@dataclass
class TranslationConflict(Exception):
    """Someone saved this translation after the edit began: their text, to show beside the editor's own
    (nothing was written). Saving again from the page, at ``version``, keeps what the editor then sends."""

    version: int
    theirs: str | None


def save_translation(
    db: Session,
    actor: Actor,
    space: Space,
    language: str,
    base_version: int,
    text: str,
    summary: str,
    locales: tuple[str, ...],
    *,
    shown: str,
) -> Revision | None:
    """Save the description in ``language`` (an empty text removes it), a revision like any edit of the
    listing. ``shown`` is the language whose text the form was opened with ("" to add one): a form opened
    for another language may not replace a text its writer never saw. None when nothing changed. Raises
    InvalidInput (each message by its field), or TranslationConflict when someone changed this language's
    text since ``base_version``."""
    authorize(actor, Permission.SPACE_EDIT, space)
    text, errors = text.strip(), {}
    current = translation_state(space)
    if language not in translation_languages(space, locales):
        errors["language"] = N_("Choose a language from the list.")
    elif language in current and shown != language:
        errors["language"] = N_("There is already a description in this language: edit it from the list.")
    if len(text) > TRANSLATION_LIMIT:
        errors["description"] = N_("This is too long: shorten it.")
    elif text and source_text(space) is None:
        errors["description"] = N_("Write the listing's own description first: a translation needs a text to translate.")
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = N_("This is too long: shorten it.")
    if errors:
        raise InvalidInput(errors)
    if base_version != space.version:
        base = (revisions.state_at(db, SUBJECT, space.id, base_version, space.version).get("translations")) or {}
        theirs = current.get(language)
        if theirs != base.get(language) and theirs != (text or None):
            raise TranslationConflict(version=space.version, theirs=theirs)
        base_version = space.version  # another language or another field changed meanwhile: nothing to merge
    wanted = {code: value for code, value in current.items() if code != language}
    if text:
        wanted[language] = text
    before = recorded_state(space)
    after = {**before, "translations": wanted}
    if after == before:
        return None
    try:
        return save_change(
            db, actor, space, before, after, kind="edit", summary=summary, mine=listing_state(space),
            base_version=base_version,
        )  # fmt: skip
    except EditConflict as conflict:  # another save won the race after the check above
        raise TranslationConflict(version=conflict.version, theirs=translation_state(space).get(language)) from None


def confirm_translation(db: Session, actor: Actor, space: Space, language: str) -> None:
    """A builder or partner says the translation still says what the text it translates now says: it is
    no longer flagged as perhaps out of date. No revision (no text changed), like ``confirm_listing``."""
    authorize(actor, Permission.SPACE_EDIT, space)
    translation = next((found for found in space.translations if found.language == language), None)
    if translation is None:
        raise InvalidInput({"language": N_("This listing has no translation in that language.")})
    translation.source_digest = text_digest(source_text(space))
    db.commit()


def builder_names(space: Space) -> list[str]:
    return sorted(person.name for person in space.community_builders)


def create_listing(db: Session, author_id: int | None, country_code: str, state: State) -> Space:
    """A new space from an approved proposal, with its first revision, in the caller's transaction."""
    space = Space(
        slug=unique_space_slug(db, state["name"], state["town"]),
        name=state["name"],
        town=state["town"],
        country_code=country_code,
    )
    apply_state(db, space, placed_by_hand({}, state))
    db.add(space)
    db.flush()
    revisions.record(
        db, subject=SUBJECT, subject_id=space.id, country_code=country_code, base_version=0, before={},
        after=recorded_state(space), author_id=author_id, author_role="builder", kind="created",
    )  # fmt: skip
    return space


def add_builder(db: Session, space: Space, user_id: int, public_name: str | None, granted_by: int | None, granted_as: str) -> None:
    """Make ``user_id`` a community builder of ``space`` (their public profile shown on it when they gave a
    name): the role, the profile and a revision, in the caller's transaction."""
    if db.get(BuilderRole, (user_id, space.id)) is None:
        db.add(BuilderRole(user_id=user_id, space_id=space.id, granted_by=granted_by))
    if not public_name:
        return
    profile = db.scalar(select(CommunityBuilder).where(CommunityBuilder.user_id == user_id))
    if profile is None:
        profile = CommunityBuilder(user_id=user_id, name=public_name)
        db.add(profile)
    if profile in space.community_builders:
        return
    before = (space.version, recorded_state(space))
    space.community_builders.append(profile)
    record_builders(db, space, before, granted_by, granted_as)


def record_builders(db: Session, space: Space, before: tuple[int, State], author_id: int | None, author_role: str) -> None:
    """The revision for a change of the builders shown on ``space`` (made after ``before``, its version and
    recorded state were taken), if the change shows; in the caller's transaction."""
    base_version, state = before
    after = recorded_state(space)
    if after == state:
        return
    space.updated_at = utcnow()
    db.flush()
    revisions.record(
        db, subject=SUBJECT, subject_id=space.id, country_code=space.country_code, base_version=base_version,
        before=state, after=after, author_id=author_id, author_role=author_role, kind="builders",
    )  # fmt: skip
