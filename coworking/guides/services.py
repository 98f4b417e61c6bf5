"""Guides: reading them in the visitor's language, and the administrators' writes (create, edit a language,
revert), each one transaction, committed here, with its revision.

A guide's recorded state is flat: ``position`` and ``"<language>.<field>"`` for each text it has
(``"en.title"``, ``"lv.body"``, …). Every save is a revision of the subject "guide" (coworking.revisions);
guides belong to no country, so their revisions have none. No lost updates: an edit names the version it
began at; when someone saved meanwhile, the editor gets back a merge of the language they edit (as a
listing's edit does), and nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.core.text import slugify, whole_number
from coworking.core.vocabulary import N_
from coworking.guides.markdown import bad_links, render
from coworking.guides.models import ORIGINAL, Guide, GuideText
from coworking.revisions import history
from coworking.revisions import services as revisions
from coworking.revisions.history import FieldChange, RevisionRow, field_change
from coworking.revisions.models import Revision

SUBJECT = "guide"
FIELDS = ("title", "summary", "body")
LIMITS = {"title": 200, "summary": 500, "body": 20_000}
MAX_NOTE = 300
MAX_POSITION = 1000
# Paths of the guides' own pages that a slug must not take.
RESERVED_SLUGS = frozenset({"new"})
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# What the history and the merge call each field (the language is named beside it).
FIELD_LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "body": N_("Text (Markdown)"),
    "position": N_("Position in the list"),
}

State = dict[str, Any]


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideCard:
    """A guide in a list: its title and summary in the language shown (``language``: the visitor's, or English)."""

    slug: str
    title: str
    summary: str
    language: str
    translated: bool


@dataclass(frozen=True)
class GuidePage:
    slug: str
    title: str
    summary: str
    # The body as HTML, made safe by guides.markdown.render: the template marks it safe, nothing else.
    html: str
    # The language the text is in: the visitor's, or English when it is not translated yet.
    language: str
    translated: bool
    updated_at: datetime
    version: int


def shown_text(guide: Guide, locale: str) -> tuple[GuideText, bool]:
    """The text in ``locale`` when there is one, else the English original (and whether it is a translation
    the visitor asked for: False means "not yet translated")."""
    wanted = guide.text_in(locale)
    if wanted is not None:
        return wanted, True
    original = guide.text_in(ORIGINAL)
    if original is None:  # a guide is always created with its English text; a broken row shows its first one
        original = guide.texts[0]
    return original, locale == original.language


def _ordered(db: Session) -> list[Guide]:
    return list(db.scalars(select(Guide).order_by(Guide.position, Guide.id)))


def list_guides(db: Session, locale: str) -> list[GuideCard]:
    """Every guide, in their order, in ``locale`` where translated (else in English)."""
    cards = []
    for guide in _ordered(db):
        if not guide.texts:
            continue
        text, translated = shown_text(guide, locale)
        cards.append(GuideCard(guide.slug, text.title, text.summary, text.language, translated))
    return cards


def guides_named(db: Session, slugs: tuple[str, ...], locale: str) -> list[GuideCard]:
    """The guides of ``slugs`` that exist, in the order named (for the links on builders' pages)."""
    found = {card.slug: card for card in list_guides(db, locale) if card.slug in slugs}
    return [found[slug] for slug in slugs if slug in found]


def get_guide(db: Session, slug: str) -> Guide | None:
    return db.scalar(select(Guide).where(Guide.slug == slug))


def guide_page(db: Session, slug: str, locale: str) -> GuidePage | None:
    """The guide ``slug`` as a visitor reads it: their language, or English with ``translated`` False."""
    guide = get_guide(db, slug)
    if guide is None or not guide.texts:
        return None
    text, translated = shown_text(guide, locale)
    return GuidePage(
        slug=guide.slug,
        title=text.title,
        summary=text.summary,
        html=render(text.body),
        language=text.language,
        translated=translated,
        updated_at=max(guide.updated_at, text.updated_at),
        version=guide.version,
    )


# State -------------------------------------------------------------------------------------------


def guide_state(guide: Guide) -> State:
    """What each revision keeps of a guide: its position and every text, flat."""
    state: State = {"position": guide.position}
    for text in guide.texts:
        for name in FIELDS:
            state[f"{text.language}.{name}"] = getattr(text, name)
    return state


def text_values(guide: Guide, language: str) -> dict[str, str]:
    """The form's fields for ``language`` as stored (empty for a translation not written yet)."""
    text = guide.text_in(language)
    values = {name: (getattr(text, name) if text else "") for name in FIELDS}
    values["position"] = str(guide.position)
    return values


def _languages_in(state: State) -> set[str]:
    return {key.split(".", 1)[0] for key in state if "." in key}


def _apply_state(guide: Guide, state: State) -> None:
    """Make ``guide`` hold exactly ``state``: its position, and the texts of the languages it names."""
    guide.position = int(state.get("position", guide.position))
    languages = _languages_in(state)
    for text in list(guide.texts):
        if text.language not in languages:
            guide.texts.remove(text)
    for language in sorted(languages):
        text = guide.text_in(language)
        if text is None:
            text = GuideText(language=language, title="", summary="", body="")
            guide.texts.append(text)
        for name in FIELDS:
            value = state.get(f"{language}.{name}", "")
            if getattr(text, name) != value:
                setattr(text, name, value)
                text.updated_at = utcnow()


# Checking input ----------------------------------------------------------------------------------


def parse_text(values: dict[str, Any], *, with_position: bool) -> dict[str, Any]:
    """A language's title, summary and body (and the position, on the English form) from a form, checked.

    Raises InvalidInput naming each field's problem; a link that is not allowed is named in ``link``.
    """
    cleaned = {name: str(values.get(name, "")).replace("\r\n", "\n").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    variables: dict[str, object] = {}
    if not cleaned["title"]:
        errors["title"] = N_("Give the guide a title.")
    for name, limit in LIMITS.items():
        if len(cleaned[name]) > limit:
            errors[name] = N_("This is too long: shorten it.")
    if "body" not in errors:
        refused = bad_links(cleaned["body"])
        if refused:
            errors["body"] = N_(
                "The link “%(link)s” is not allowed: links must start with https://, http://, mailto: or / (a page of this site)."
            )
            variables["link"] = refused[0]
    if with_position:
        typed = str(values.get("position", "0")).strip() or "0"
        position = whole_number(typed)
        if position is None or position > MAX_POSITION:
            errors["position"] = N_("Give a whole number from 0 to 1000.")
        else:
            cleaned["position"] = position
    if errors:
        raise InvalidInput(errors, **variables)
    return cleaned


def _check_note(note: str) -> str:
    if len(note) > MAX_NOTE:
        raise InvalidInput({"note": N_("This is too long: shorten it.")})
    return note.strip()


def _new_slug(db: Session, typed: str, title: str) -> str:
    slug = typed.strip().lower() or slugify(title)
    if not _SLUG.match(slug) or len(slug) > 100 or slug in RESERVED_SLUGS:
        raise InvalidInput({"slug": N_("Use small letters, digits and hyphens only, such as “resident-meetings”.")})
    if get_guide(db, slug) is not None:
        raise InvalidInput({"slug": N_("Another guide has this address already: choose another.")})
    return slug


# Writing -----------------------------------------------------------------------------------------


@dataclass
class GuideConflict(Exception):
    """Someone saved the guide after this edit began: the merge to show (nothing was written).

    ``merged``: the editor's fields with the others' changes taken into the fields the editor left alone;
    ``theirs``: for each field both changed differently, the value saved meanwhile (shown beside the
    editor's own); ``taken``: the fields that took the others' value. Field names without the language.
    """

    version: int
    merged: dict[str, Any]
    theirs: dict[str, Any] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)


def _keys(language: str) -> dict[str, str]:
    """The form's field names → the state's keys, for an edit of ``language``."""
    keys = {name: f"{language}.{name}" for name in FIELDS}
    if language == ORIGINAL:
        keys["position"] = "position"
    return keys


def _merge(db: Session, guide: Guide, base_version: int, language: str, mine: dict[str, Any]) -> GuideConflict:
    base, current = revisions.state_at(db, SUBJECT, guide.id, base_version, guide.version), guide_state(guide)
    merged, theirs, taken = dict(mine), {}, []
    for name, key in _keys(language).items():
        now, before = current.get(key), base.get(key)
        if now == before or now == mine.get(name):
            continue
        if mine.get(name) == before:
            merged[name] = now
            taken.append(name)
        else:
            theirs[name] = now
    return GuideConflict(version=guide.version, merged=merged, theirs=theirs, taken=taken)


def _save(
    db: Session,
    actor: Actor,
    guide: Guide,
    before: State,
    after: State,
    *,
    kind: str,
    note: str,
    base_version: int,
    on_stale,  # noqa: ANN001 - () -> the exception to raise when another save won the race
    restores_id: int | None = None,
) -> Revision:
    """Apply ``after`` and record the revision from ``before``: one committed transaction."""
    try:
        _apply_state(guide, after)
        # The row is written even when only a text changed: the guide's version moves with every revision.
        guide.updated_at = utcnow()
        db.flush()
        revision = revisions.record(
            db, subject=SUBJECT, subject_id=guide.id, country_code=None, base_version=base_version, before=before,
            after=guide_state(guide), author_id=actor.user_id, author_role="admin", kind=kind, summary=note,
            restores_id=restores_id,
        )  # fmt: skip
        db.commit()
    except StaleDataError:
        db.rollback()
        db.refresh(guide)
        raise on_stale() from None
    except BaseException:
        db.rollback()
        raise
    return revision


def create_guide(db: Session, actor: Actor, values: dict[str, Any], note: str = "") -> Guide:
    """A new guide from its English text (and its address, or one made from the title); its first revision."""
    authorize(actor, Permission.GUIDES_EDIT)
    errors: dict[str, str] = {}
    variables: dict[str, object] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = parse_text(values, with_position=True)
    except InvalidInput as error:
        errors.update(error.errors)
        variables.update(error.variables)
    try:
        slug = _new_slug(db, str(values.get("slug", "")), str(values.get("title", "")).strip())
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        note = _check_note(note)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors, **variables)
    guide = Guide(slug=slug, position=cleaned["position"])
    guide.texts.append(GuideText(language=ORIGINAL, **{name: cleaned[name] for name in FIELDS}))
    try:
        db.add(guide)
        db.flush()
        revisions.record(
            db, subject=SUBJECT, subject_id=guide.id, country_code=None, base_version=0, before={},
            after=guide_state(guide), author_id=actor.user_id, author_role="admin", kind="created", summary=note,
        )  # fmt: skip
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return guide


def save_text(
    db: Session, actor: Actor, guide: Guide, language: str, base_version: int, values: dict[str, Any], note: str = ""
) -> Revision | None:
    """Save the text of ``language`` (and the position, for English) that an edit begun at ``base_version``
    sends. None when nothing changed. Raises InvalidInput, or GuideConflict when someone changed the same
    language meanwhile (an edit of another language merges silently: it touched none of these fields)."""
    authorize(actor, Permission.GUIDES_EDIT)
    if language != ORIGINAL and guide.text_in(ORIGINAL) is None:
        raise InvalidInput({"title": N_("Write the English original first.")})
    errors: dict[str, str] = {}
    variables: dict[str, object] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = parse_text(values, with_position=language == ORIGINAL)
    except InvalidInput as error:
        errors, variables = dict(error.errors), dict(error.variables)
    try:
        note = _check_note(note)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors, **variables)
    if base_version != guide.version:
        conflict = _merge(db, guide, base_version, language, cleaned)
        if conflict.theirs or conflict.taken:
            raise conflict
        base_version = guide.version
    before = guide_state(guide)
    after = {**before, **{key: cleaned[name] for name, key in _keys(language).items()}}
    if after == before:
        return None
    return _save(
        db, actor, guide, before, after, kind="edit", note=note, base_version=base_version,
        on_stale=lambda: _merge(db, guide, base_version, language, cleaned),
    )  # fmt: skip


def revert_guide(db: Session, actor: Actor, guide: Guide, revision_id: int) -> Revision | None:
    """Restore the guide (every language and its position) to the state a revision made; the restoring is
    itself a revision. None when the guide is already in that state."""
    authorize(actor, Permission.GUIDES_EDIT)
    target = db.get(Revision, revision_id)
    if target is None or target.subject != SUBJECT or target.subject_id != guide.id:
        raise InvalidInput({"revision": N_("This guide has no such revision.")})
    before = guide_state(guide)
    after = dict(target.snapshot)
    if after == before or not after.get(f"{ORIGINAL}.title"):
        return None
    base_version = guide.version
    return _save(
        db, actor, guide, before, after, kind="revert", note="", base_version=base_version, restores_id=target.id,
        on_stale=lambda: InvalidInput({"revision": N_("Someone changed the guide meanwhile: look at its history again.")}),
    )  # fmt: skip


# History -----------------------------------------------------------------------------------------


def _guide_changes(revision: Revision) -> list[FieldChange]:
    """A guide revision's changed fields ("lv.title" → the title in Latvian); long texts by the words changed."""
    changes = []
    for key, (old, new) in sorted(revision.changes.items()):
        language, _, name = key.rpartition(".")
        changes.append(field_change(name, old, new, name in ("body", "summary"), language or None))
    return changes


def history_rows(db: Session, guide: Guide) -> list[RevisionRow]:
    """Every revision of the guide, newest first, with each changed field (long texts: the words changed)."""
    return history.history_rows(db, SUBJECT, guide.id, _guide_changes)
