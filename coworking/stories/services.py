"""The rules of residents' stories: publishing one with the resident's consent, editing it, withdrawing it
(its words and photo deleted for good), showing them, and a resident's request to remove one. Each public
function that writes is one transaction, committed here.

A story's photo takes the listing photos' path: re-encoded by ``core.images`` (never served as sent), kept
in the media store under server-made names. Its files are written before the row and deleted again if the
row is not saved; a replaced or withdrawn story's files are deleted once the change is committed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from litestar.exceptions import PermissionDeniedException
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import Mailer, builders_of, check_email
from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.images import Rendition, reencode
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.storage import MediaStore
from coworking.core.vocabulary import N_
from coworking.moderation.models import Submission
from coworking.spaces.models import Space
from coworking.spaces.photos import LONG_EDGES
from coworking.spaces.schemas import PhotoCopy, PhotoOut
from coworking.spaces.services import space_today
from coworking.stories.models import Story, StoryRemovalRequest
from coworking.stories.vocabulary import CONSENT_PARTS

MAX_TEXT = 3000
MAX_TITLE = 120
MAX_NAME = 80
MAX_CONSENT_NAME = 200
MAX_ALT = 300
MAX_REASON = 2000
# Where the photos' copies are served (the controller checks each name against a shown story).
PHOTO_PATH = "/stories/photos/"
PER_PAGE = 10
# The fields of the story form, as text (the "shows" boxes come as a list).
FORM_FIELDS = (
    "title",
    "text",
    "resident_name",
    "consent_given_by",
    "consent_date",
    "consent",
    "alt_text",
    "remove_photo",
)


# -- what pages show ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryView:
    """A published story as the public pages show it: ``name`` is None when the resident did not agree to
    show it (the pages say "a resident")."""

    id: int
    title: str | None
    text: str
    name: str | None
    photo: PhotoOut | None
    published_at: datetime
    space_slug: str
    space_name: str
    town: str
    country_code: str


@dataclass(frozen=True)
class StoryPage:
    """One page of stories, newest first."""

    stories: list[StoryView]
    page: int
    pages: int
    total: int


def story_photo(story: Story) -> PhotoOut | None:
    if not story.photo_key or not story.photo_sizes:
        return None
    copies = [
        PhotoCopy(url=PHOTO_PATH + story.photo_file_key(width, height), width=width, height=height)
        for width, height in story.photo_sizes
    ]
    return PhotoOut(alt=story.photo_alt or "", copies=copies)


def to_view(story: Story, space: Space) -> StoryView:
    shows = set(story.consent_shows or ())
    return StoryView(
        id=story.id,
        title=story.title,
        text=story.text or "",
        name=story.resident_name if "name" in shows else None,
        photo=story_photo(story) if "photo" in shows else None,
        published_at=story.published_at,
        space_slug=space.slug,
        space_name=space.name,
        town=space.town,
        country_code=space.country_code,
    )


_SHOWN = Story.removed_at.is_(None)
_NEWEST = (Story.published_at.desc(), Story.id.desc())


def _page(db: Session, condition, page: int, per_page: int) -> StoryPage:  # noqa: ANN001 - a SQL condition
    total = (
        db.scalar(
            select(func.count()).select_from(Story).join(Space, Space.id == Story.space_id).where(_SHOWN, condition)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    if not total:  # most spaces: no second query (a space page asks on every view)
        return StoryPage([], number, pages, total)
    rows = db.execute(
        select(Story, Space).join(Space, Space.id == Story.space_id).where(_SHOWN, condition).order_by(*_NEWEST)
        .offset((number - 1) * per_page).limit(per_page)
    )  # fmt: skip
    return StoryPage([to_view(story, space) for story, space in rows], number, pages, total)


def recent_stories(db: Session, country: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> StoryPage:
    """The network's published stories, newest first (of ``country``'s spaces, when given); a page past the
    last is the last."""
    return _page(db, Space.country_code == country.upper() if country else True, page, per_page)


def space_stories(db: Session, space_id: int, page: int = 1, per_page: int = PER_PAGE) -> StoryPage:
    """A space's published stories, newest first."""
    return _page(db, Story.space_id == space_id, page, per_page)


def countries_with_stories(db: Session) -> list[str]:
    """The countries whose spaces have published stories: the choices of /stories' filter."""
    statement = select(Space.country_code).join(Story, Story.space_id == Space.id).where(_SHOWN).distinct()
    return sorted(db.scalars(statement))


def check_country(country: str) -> str:
    """A country filter as typed: its code, upper-case; InvalidInput for anything but a real country."""
    code = country.strip().upper()
    if not is_country_code(code):
        raise InvalidInput({"country": N_("Enter a country's two-letter code, such as LV.")})
    return code


def story_of(db: Session, space: Space, story_id: int) -> Story | None:
    """``space``'s published story with this number; None for another space's, a withdrawn one or none."""
    story = db.get(Story, story_id)
    if story is None or story.space_id != space.id or story.removed_at is not None:
        return None
    return story


# -- writing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagedStory:
    """A story on its builders' page: the row (for the consent), as the public sees it, and the open
    requests to remove it."""

    story: Story
    view: StoryView
    removal_requests: list[Submission]


@dataclass(frozen=True)
class ManagedStories:
    published: list[ManagedStory]
    withdrawn: list[Story]


def managed_stories(db: Session, actor: Actor, space: Space) -> ManagedStories:
    """Every story of ``space`` for the people who keep them (403 for anyone else): published ones newest
    first, each with its open removal requests; then the tombstones of withdrawn ones."""
    authorize(actor, Permission.STORY_WRITE, space)
    stories = db.scalars(select(Story).where(Story.space_id == space.id).order_by(*_NEWEST).limit(500)).all()
    requests: dict[int, list[Submission]] = {}
    open_requests = db.execute(
        select(StoryRemovalRequest.story_id, Submission)
        .join(Submission, Submission.id == StoryRemovalRequest.submission_id)
        .where(Submission.space_id == space.id, Submission.status == "open")
        .order_by(Submission.created_at, Submission.id)
    )
    for story_id, submission in open_requests:
        requests.setdefault(story_id, []).append(submission)
    published = [
        ManagedStory(story, to_view(story, space), requests.get(story.id, []))
        for story in stories
        if story.removed_at is None
    ]
    return ManagedStories(published, [story for story in stories if story.removed_at is not None])


def _text(
    value: str, field: str, limit: int, errors: dict[str, str], message: str, *, required: bool = True
) -> str | None:
    text = value.strip()
    if required and not text:
        errors[field] = message
    elif len(text) > limit:
        errors[field] = (
            N_("This is too long: shorten it to 3000 characters.")
            if field == "text"
            else N_("This is too long: shorten it.")
        )
    return text or None


def _checked(
    space: Space, typed: dict[str, str], shows: list[str], has_photo: bool, now: datetime
) -> tuple[dict, dict[str, str]]:
    """The form's values as the row keeps them, and a message per field that is wrong."""
    errors: dict[str, str] = {}
    values = {
        "text": _text(typed["text"], "text", MAX_TEXT, errors, N_("Write the resident's story.")),
        "title": _text(typed["title"], "title", MAX_TITLE, errors, "", required=False),
        "resident_name": _text(typed["resident_name"], "resident_name", MAX_NAME, errors, N_("Write the first name or nickname the resident chose.")),
        "consent_given_by": _text(typed["consent_given_by"], "consent_given_by", MAX_CONSENT_NAME, errors, N_("Write who gave their consent: the resident's name as they told it.")),
    }  # fmt: skip
    day_text = typed["consent_date"].strip()
    try:
        values["consent_date"] = date.fromisoformat(day_text) if day_text else None
    except ValueError:
        values["consent_date"] = None
        errors["consent_date"] = N_("Enter a date such as 2026-06-15.")
    if not day_text:
        errors["consent_date"] = N_("Enter the day the resident gave their consent.")
    elif values["consent_date"] is not None and values["consent_date"] > space_today(space, now):
        errors["consent_date"] = N_("This day is still to come: enter the day the resident gave their consent.")
    chosen = [code for code in CONSENT_PARTS if code in shows]
    values["consent_shows"] = chosen
    if "text" not in chosen:
        errors["consent_shows"] = N_(
            "The story's text is what is published: publish it only if the resident agreed to show it."
        )
    if has_photo and "photo" not in chosen:
        errors["photo"] = N_(
            "The resident did not agree to show a photo: tick “the photo” above, or leave the photo out."
        )
    if typed["consent"] != "yes":
        errors["consent"] = N_(
            "Tick this only when the resident agreed to publish this story: without their consent it cannot be published."
        )
    return values, errors


def _alt(text: str, errors: dict[str, str]) -> str | None:
    alt = " ".join(text.split())
    if not alt:
        errors["alt_text"] = N_(
            "Describe the photo for people who cannot see it, such as “Anna at her desk by the window”."
        )
    elif len(alt) > MAX_ALT:
        errors["alt_text"] = N_("This is too long: shorten it.")
    return alt or None


def _renditions(upload: bytes, errors: dict[str, str]) -> list[Rendition]:
    """The upload's re-encoded copies; none (and a message on "photo") for a file that is not a photo."""
    if "photo" in errors:
        return []
    try:
        return reencode(upload, LONG_EDGES, field="photo")
    except InvalidInput as error:
        errors.update(error.errors)
        return []


def _save_files(store: MediaStore, story: Story, renditions: list[Rendition]) -> list[str]:
    story.photo_key = secrets.token_hex(16)
    story.photo_sizes = [[copy.width, copy.height] for copy in renditions]
    keys = []
    for copy in renditions:
        key = story.photo_file_key(copy.width, copy.height)
        store.save(key, copy.data)
        keys.append(key)
    return keys


def _delete_files(store: MediaStore, keys: list[str]) -> None:
    for key in keys:
        store.delete(key)


def publish_story(
    db: Session,
    store: MediaStore,
    actor: Actor,
    space: Space,
    typed: dict[str, str],
    shows: list[str],
    upload: bytes = b"",
    now: datetime | None = None,
) -> Story:
    """Publish a resident's story on ``space`` with its recorded consent (``typed``: the form's fields as
    text; ``shows``: the codes of what the resident agreed to show; ``upload``: a photo's bytes or nothing).
    InvalidInput with a message per field, and nothing written."""
    authorize(actor, Permission.STORY_WRITE, space)
    now = now or utcnow()
    values, errors = _checked(space, typed, shows, bool(upload), now)
    alt = _alt(typed["alt_text"], errors) if upload else None
    renditions = _renditions(upload, errors) if upload else []
    if errors:
        raise InvalidInput(errors)
    story = Story(
        space_id=space.id, **values, photo_alt=alt, consent_recorded_by=actor.user_id, consent_recorded_at=now,
        published_at=now, published_by=actor.user_id,
    )  # fmt: skip
    keys = _save_files(store, story, renditions) if renditions else []
    try:
        db.add(story)
        db.commit()
    except BaseException:
        db.rollback()
        _delete_files(store, keys)
        raise
    return story


def _authorize_story(actor: Actor, space: Space, story: Story) -> None:
    """The keepers of ``space`` may change its stories, and only its own: a story of another space named under
    this one is refused here too, whatever the page checked before."""
    authorize(actor, Permission.STORY_WRITE, space)
    if story.space_id != space.id:
        raise PermissionDeniedException()


def edit_story(
    db: Session, store: MediaStore, actor: Actor, space: Space, story: Story, typed: dict[str, str], shows: list[str], upload: bytes = b"",
    now: datetime | None = None,
) -> Story:  # fmt: skip
    """Change a published story: its words, its photo (a new one replaces it; ``typed["remove_photo"]``
    removes it) and its consent, which the person saving records again (the box is ticked anew). The old
    photo's files are deleted once the change is saved. InvalidInput with a message per field."""
    _authorize_story(actor, space, story)
    now = now or utcnow()
    removing = typed["remove_photo"] == "yes" and not upload
    keeps_photo = bool(story.photo_key) and not removing
    values, errors = _checked(space, typed, shows, bool(upload) or keeps_photo, now)
    alt = _alt(typed["alt_text"], errors) if upload or keeps_photo else None
    renditions = _renditions(upload, errors) if upload else []
    if errors:
        raise InvalidInput(errors)
    old_keys = story.photo_file_keys() if upload or removing else []
    new_keys: list[str] = []
    try:
        for name, value in values.items():
            setattr(story, name, value)
        story.photo_alt = alt
        if renditions:
            new_keys = _save_files(store, story, renditions)
        elif removing:
            story.photo_key, story.photo_sizes = None, None
        story.consent_recorded_by, story.consent_recorded_at = actor.user_id, now
        story.updated_at, story.updated_by = now, actor.user_id
        db.commit()
    except BaseException:
        db.rollback()
        _delete_files(store, new_keys)
        raise
    _delete_files(store, old_keys)
    return story


def withdraw_story(
    db: Session, store: MediaStore, actor: Actor, space: Space, story: Story, now: datetime | None = None
) -> None:
    """Take a story off the site at once and for good: its text, title, name, the consent's name and the
    photo (its files too) are deleted; a tombstone keeps who withdrew it and when. Open requests to remove
    it are closed as dealt with."""
    _authorize_story(actor, space, story)
    now = now or utcnow()
    keys = story.photo_file_keys()
    story.title = story.text = story.resident_name = story.consent_given_by = None
    story.photo_key = story.photo_sizes = story.photo_alt = None
    story.removed_at, story.removed_by = now, actor.user_id
    requests = select(StoryRemovalRequest.submission_id).where(StoryRemovalRequest.story_id == story.id)
    db.execute(
        update(Submission)
        .where(Submission.id.in_(requests), Submission.status == "open")
        .values(status="approved", decided_at=now, decided_by=actor.user_id)
    )
    db.commit()
    # After the commit: a failed save keeps the story and its photo; a failed delete leaves a file no page
    # names and the media route no longer serves.
    _delete_files(store, keys)


# -- a resident asks for removal -------------------------------------------------------------------------


def ask_removal(
    db: Session, space: Space, story: Story, reason: str, contact_email: str, mailer: Mailer
) -> Submission:
    """Anyone (the resident, someone for them) asks for a story to be removed: the request waits in the
    moderation queue of the space's country, beside the story on its builders' page, and each builder is
    e-mailed, in their own language. ``reason`` and ``contact_email`` are optional. InvalidInput with a message per field."""
    errors: dict[str, str] = {}
    text = reason.strip()
    if len(text) > MAX_REASON:
        errors["reason"] = N_("This is too long: shorten it to 2000 characters.")
    email = contact_email.strip()
    if email and (problem := check_email(email)):
        errors["contact_email"] = problem
    if errors:
        raise InvalidInput(errors)
    submission = Submission(
        kind="story",
        country_code=space.country_code,
        space_id=space.id,
        message=text or None,
        contact_email=email or None,
    )
    db.add(submission)
    db.flush()
    db.add(StoryRemovalRequest(submission_id=submission.id, story_id=story.id))
    for builder in builders_of(db, space.id):
        translate = mailer.for_user(builder)
        queue_mail(
            db,
            builder.email,
            translate.gettext(N_("A request to remove a story from %(name)s"), name=space.name),
            translate.gettext(
                N_(
                    "Someone asks for a resident's story on %(name)s to be removed.\n\n"
                    "Read the request beside the story, and withdraw the story if it should go (sign in first):\n%(link)s\n\n"
                    "A partner of the network sees the request too."
                ),
                name=space.name,
                link=mailer.link(f"/spaces/{space.slug}/stories/manage#story-{story.id}"),
            ),
        )
    db.commit()
    return submission


def removal_requests_waiting(db: Session, space_ids: list[int]) -> dict[int, int]:
    """How many requests to remove a story wait at each space (for its builders' desk)."""
    rows = db.execute(
        select(Submission.space_id, func.count())
        .join(StoryRemovalRequest, StoryRemovalRequest.submission_id == Submission.id)
        .where(Submission.space_id.in_(space_ids), Submission.status == "open")
        .group_by(Submission.space_id)
    )
    return {space_id: 0 for space_id in space_ids} | dict(rows.tuples().all())
