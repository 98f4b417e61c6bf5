"""A community builder's public profile, which they alone keep: the name and short bio they choose to
publish, the listings it appears on, and leaving a space. (A partner or admin edits listings, never a
person's profile.) Each save is one transaction with a revision for every listing whose builders changed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coworking.accounts.models import BuilderRole
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.accounts.services import log_event
from coworking.core.errors import InvalidInput
from coworking.core.vocabulary import N_
from coworking.spaces.editing import record_builders, recorded_state
from coworking.spaces.models import CommunityBuilder, Space

LIMITS = {"name": 200, "bio": 500, "public_contact": 300}


@dataclass(frozen=True)
class BuilderSpace:
    space: Space
    shown: bool


def profile_of(db: Session, actor: Actor) -> CommunityBuilder | None:
    return db.scalar(select(CommunityBuilder).where(CommunityBuilder.user_id == actor.user_id))


def builder_spaces(db: Session, actor: Actor) -> list[BuilderSpace]:
    """The spaces ``actor`` is a community builder of, and whether their profile shows on each."""
    authorize(actor, Permission.ACCOUNT_MANAGE)
    spaces = db.scalars(
        select(Space)
        .join(BuilderRole, BuilderRole.space_id == Space.id)
        .where(BuilderRole.user_id == actor.user_id)
        .options(selectinload(Space.community_builders))
        .order_by(Space.name)
    ).all()
    profile = profile_of(db, actor)
    return [BuilderSpace(space, profile is not None and profile in space.community_builders) for space in spaces]


def save_profile(db: Session, actor: Actor, fields: dict[str, str], shown_on: set[int]) -> None:
    """Publish ``fields`` (name, bio, public contact) on the listings of ``shown_on`` among the actor's own
    spaces (ids of others are ignored). With no name and no listing, the profile is deleted."""
    authorize(actor, Permission.ACCOUNT_MANAGE)
    values = {name: " ".join(fields.get(name, "").split()) if name == "name" else fields.get(name, "").strip() for name in LIMITS}
    errors = {name: N_("This is too long: shorten it.") for name, limit in LIMITS.items() if len(values[name]) > limit}
    mine = builder_spaces(db, actor)
    shown = {item.space.id for item in mine} & shown_on
    if shown and not values["name"]:
        errors["name"] = N_("Give the name to show on your listings, or show your profile on none.")
    if errors:
        raise InvalidInput(errors)
    before = {item.space.id: (item.space.version, recorded_state(item.space)) for item in mine}
    profile = profile_of(db, actor)
    try:
        if profile is None and values["name"]:
            profile = CommunityBuilder(user_id=actor.user_id, name=values["name"])
            db.add(profile)
        if profile is not None:
            for item in mine:
                if item.space.id in shown and profile not in item.space.community_builders:
                    item.space.community_builders.append(profile)
                elif item.space.id not in shown and profile in item.space.community_builders:
                    item.space.community_builders.remove(profile)
            if not values["name"]:
                db.delete(profile)  # nothing to publish: nothing kept
            else:
                profile.name, profile.bio, profile.public_contact = values["name"], values["bio"] or None, values["public_contact"] or None
        db.flush()
        for item in mine:
            record_builders(db, item.space, before[item.space.id], actor.user_id, "builder")
        db.commit()
    except BaseException:
        db.rollback()
        raise


def leave_space(db: Session, actor: Actor, space_id: int, ip: str | None) -> Space | None:
    """Give up being a community builder of a space: the role goes, and the profile from its listing.
    None when ``actor`` is not a builder of it (someone else's space id in a URL changes nothing)."""
    authorize(actor, Permission.ACCOUNT_MANAGE)
    role = db.get(BuilderRole, (actor.user_id, space_id))
    if role is None:
        return None
    space = db.get(Space, space_id)
    try:
        before = (space.version, recorded_state(space))
        profile = profile_of(db, actor)
        if profile is not None and profile in space.community_builders:
            space.community_builders.remove(profile)
        db.delete(role)
        db.flush()
        record_builders(db, space, before, actor.user_id, "builder")
        log_event(db, "role_left", actor.user_id, ip, detail=f"community builder of space {space.id}")
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return space
