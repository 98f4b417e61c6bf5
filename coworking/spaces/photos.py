"""A listing's photos: add (re-encoded copies in the media store), describe, reorder, remove.

Each change is a revision of the listing, like any edit (``editing._save``): the photos' order and
alt texts are part of its recorded state, so the history shows them and a revert restores them. A
removed photo is only hidden (its files stay) for that reason.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.core.errors import InvalidInput
from coworking.core.images import reencode
from coworking.core.models import utcnow
from coworking.core.storage import MediaStore
from coworking.core.vocabulary import N_
from coworking.revisions.models import Revision
from coworking.spaces.editing import EditConflict, recorded_state, save_change
from coworking.spaces.models import Space, SpacePhoto

logger = logging.getLogger("coworking")

# The long edges of the copies kept: a search result's thumbnail, the page on a phone, a wide screen.
LONG_EDGES = (320, 800, 1600)
MAX_PHOTOS = 20
MAX_ALT = 300


def _alt_text(text: str) -> str:
    alt = " ".join(text.split())
    if not alt:
        raise InvalidInput(
            {"alt_text": N_("Describe the photo for people who cannot see it, such as “Desks by the window”.")}
        )
    if len(alt) > MAX_ALT:
        raise InvalidInput({"alt_text": N_("This is too long: shorten it.")})
    return alt


def _shown(space: Space) -> list[dict[str, Any]]:
    return list(recorded_state(space)["photos"])


def _change(db: Session, actor: Actor, space: Space, photos: list[dict[str, Any]]) -> Revision | None:
    """Record ``photos`` (the list ``listing.photo_state`` gives) as the listing's new photos."""
    before = recorded_state(space)
    after = {**before, "photos": photos}
    if after == before:
        return None
    try:
        return save_change(
            db, actor, space, before, after, kind="photos", summary="", mine=after, base_version=space.version
        )
    except EditConflict:
        # Someone saved the listing at the very same moment: nothing was written; the person tries again.
        raise InvalidInput({"photo": N_("The listing changed at the same moment: please try again.")}) from None


def add_photo(db: Session, store: MediaStore, actor: Actor, space: Space, upload: bytes, alt_text: str) -> SpacePhoto:
    """Re-encode ``upload`` and add it as the listing's last photo. InvalidInput for a missing alt text,
    a file that is not a readable JPEG, PNG or WebP, one over 10 MB or 50 megapixels, or a full album."""
    authorize(actor, Permission.SPACE_EDIT, space)
    errors: dict[str, str] = {}
    try:
        alt = _alt_text(alt_text)
    except InvalidInput as error:
        errors.update(error.errors)
    if not upload:
        errors["photo"] = N_("Choose a photo to upload.")
    elif len(_shown(space)) >= MAX_PHOTOS:
        errors["photo"] = N_("A listing shows at most 20 photos: remove one first.")
    if errors:
        raise InvalidInput(errors)
    renditions = reencode(upload, LONG_EDGES, field="photo")
    photo = SpacePhoto(
        key=secrets.token_hex(16),
        sizes=[[copy.width, copy.height] for copy in renditions],
        alt_text=alt,
        position=len(_shown(space)),
        uploaded_by=actor.user_id,
        # Hidden until the revision that shows it is saved (the state before it has no such photo).
        removed_at=utcnow(),
    )
    # Files first, then the rows: a failed save deletes the files again, so nothing is left half-made.
    for copy in renditions:
        store.save(photo.file_key(copy.width, copy.height), copy.data)
    try:
        space.photos.append(photo)
        db.flush()
        _change(db, actor, space, [*_shown(space), {"id": photo.id, "alt": alt}])
    except BaseException:
        db.rollback()
        for key in photo.file_keys():
            store.delete(key)
        raise
    return photo


def _shown_without(space: Space, photo: SpacePhoto) -> list[dict[str, Any]]:
    return [item for item in _shown(space) if item["id"] != photo.id]


def photo_of(space: Space, photo_id: int) -> SpacePhoto | None:
    """The listing's shown photo with this id; None for another listing's photo or a removed one."""
    return next((photo for photo in space.photos if photo.id == photo_id and photo.removed_at is None), None)


def describe_photo(db: Session, actor: Actor, space: Space, photo: SpacePhoto, alt_text: str) -> Revision | None:
    authorize(actor, Permission.SPACE_EDIT, space)
    alt = _alt_text(alt_text)
    return _change(
        db, actor, space, [{**item, "alt": alt} if item["id"] == photo.id else item for item in _shown(space)]
    )


def move_photo(db: Session, actor: Actor, space: Space, photo: SpacePhoto, step: int) -> Revision | None:
    """Move the photo ``step`` places (-1: earlier, 1: later); the first photo is the listing's thumbnail."""
    authorize(actor, Permission.SPACE_EDIT, space)
    photos = _shown(space)
    index = next(i for i, item in enumerate(photos) if item["id"] == photo.id)
    target = min(max(index + step, 0), len(photos) - 1)
    photos.insert(target, photos.pop(index))
    return _change(db, actor, space, photos)


def remove_photo(db: Session, actor: Actor, space: Space, photo: SpacePhoto) -> Revision | None:
    authorize(actor, Permission.SPACE_EDIT, space)
    return _change(db, actor, space, _shown_without(space, photo))
