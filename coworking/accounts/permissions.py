"""Who may do what: one list of permissions and one question, ``can(actor, permission, resource)``.

Every route names its permission next to its path (``opt={"permission": ...}`` on the controller or
handler); one guard asks ``can()`` for it, and a test fails for any route that names none. Services ask
the same question before they change anything, so a rule holds whichever surface calls them.

Roles (community builders of spaces, network partners of countries) add their rules here, in
``can()``, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, PartnerCountry, User
from coworking.core.settings import Settings


class Permission(StrEnum):
    """``scope:action``, as Warehouse names them."""

    # Read the public directory: spaces, the map, places, networks, pages about the site.
    DIRECTORY_READ = "directory:read"
    # Machine and monitoring endpoints (health checks, the API's own description).
    SITE_STATUS = "site:status"
    # Register, sign in, reset a forgotten password: the forms for people not signed in.
    ACCOUNT_SIGN_IN = "account:sign-in"
    # One's own account: its settings, password, deletion.
    ACCOUNT_MANAGE = "account:manage"
    # The security log: administrators only.
    SECURITY_LOG_READ = "security-log:read"
    # Grant and revoke partner roles: administrators only.
    ROLES_MANAGE = "roles:manage"
    # Claim an existing listing, propose a new space: any signed-in person.
    SPACE_CLAIM = "space:claim"
    SPACE_PROPOSE = "space:propose"
    # Report wrong or outdated facts of a listing: anyone, account or not.
    SPACE_REPORT = "space:report"
    # Answer a yearly reminder ("still correct", "closed") by its link: whoever holds the link, which names
    # the builder and the listing it was sent for (moderation.reminders checks it).
    LISTING_CHECK_ANSWER = "listing-check:answer"
    # Follow an area by e-mail (no account), and confirm or end it by the e-mailed links: anyone; the link's
    # token names the follow it acts on (coworking.follows.services checks it).
    AREA_FOLLOW = "area:follow"
    # Edit a listing (and confirm it is right): its community builders, its country's partners, admins.
    SPACE_EDIT = "space:edit"
    # Restore an earlier revision of a listing: its country's partners, admins.
    SPACE_REVERT = "space:revert"
    # Write a space's resident activities (create, edit, cancel or move a date, pause, cancel, delete): its
    # community builders, its country's partners, admins.
    ACTIVITY_EDIT = "activity:edit"
    # Restore an earlier revision of an activity: partners of its space's country, admins (as SPACE_REVERT).
    ACTIVITY_REVERT = "activity:revert"
    # See the moderation queue, and decide its claims, proposals and reports: partners (of the item's
    # country), admins.
    MODERATION_READ = "moderation:read"
    MODERATION_DECIDE = "moderation:decide"
    # Import a file of spaces into a country's listings: its partners, admins.
    DATA_IMPORT = "data:import"
    # Monthly figures of a country's listings (counts, no one's personal data): its partners, admins.
    REPORTS_READ = "reports:read"
    # Write, translate and restore the guides for people who run a space, and read their history: admins only.
    GUIDES_EDIT = "guides:edit"
    # Ask a space for a visit, confirm the request by its link, read its thread by the link: anyone (the
    # link's token names the one request; visits.services checks it).
    VISIT_REQUEST = "visit:request"
    # See a space's visit requests, answer them, switch requests on or off: its community builders and
    # admins (its partners see counts only: VISIT_COUNTS_READ).
    VISIT_ANSWER = "visit:answer"
    # Counts of visit requests per space and month (never their messages or addresses): partners of the
    # country, admins.
    VISIT_COUNTS_READ = "visit-counts:read"
    # Write a review of a space (one per space) and edit one's own: anyone signed in; reviews.services also
    # asks for a confirmed address and refuses the space's own community builders.
    REVIEW_WRITE = "review:write"
    # Answer a space's public reviews (once each) and edit that answer: its community builders and admins.
    REVIEW_ANSWER = "review:answer"
    # Report a public review to the partners: anyone, account or not. (Partners decide reviews with
    # MODERATION_READ and MODERATION_DECIDE, for the review's space's country.)
    REVIEW_REPORT = "review:report"
    # Publish, edit and withdraw residents' stories of a space (with the resident's recorded consent): its
    # community builders, its country's partners, admins.
    STORY_WRITE = "story:write"
    # Ask for a resident's story to be removed (no account): anyone; the request goes to the space's
    # builders and its country's partners.
    STORY_REMOVAL_ASK = "story:ask-removal"
    # Sign up for one date of an activity ("I'll come"), confirm by the e-mailed link, see or cancel one's place
    # by that link: anyone, no account (the link's token names the one sign-up; attendance.services checks it).
    ATTENDANCE_SIGN_UP = "attendance:sign-up"
    # See who signed up for a space's activities, with their names and addresses: its community builders and
    # admins (partners do not see people's names: sign-ups are between residents and the space).
    ATTENDANCE_READ = "attendance:read"
    # The builder's desk (/desk): anyone signed in may open it; it only ever shows the spaces the person is a
    # community builder of (their own), and to someone of none, how to claim or propose one.
    DESK_READ = "desk:read"


@dataclass(frozen=True)
class Actor:
    """Who is asking: anonymous, or a signed-in person (with the session they asked through)."""

    user_id: int | None = None
    is_admin: bool = False
    # The countries whose listings this person moderates as a network partner.
    partner_countries: frozenset[str] = frozenset()
    # The spaces this person is a community builder of (ids).
    builder_of: frozenset[int] = frozenset()
    session_token: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Actor()

class Listing(Protocol):
    """What the rules need to know of a listing, or of a queue item about one: which, and where."""

    country_code: str


# Granted to everyone, signed in or not.
PUBLIC = frozenset(
    {
        Permission.DIRECTORY_READ,
        Permission.SITE_STATUS,
        Permission.ACCOUNT_SIGN_IN,
        Permission.SPACE_REPORT,
        Permission.LISTING_CHECK_ANSWER,
        Permission.AREA_FOLLOW,
        Permission.VISIT_REQUEST,
        Permission.REVIEW_REPORT,
        Permission.STORY_REMOVAL_ASK,
        Permission.ATTENDANCE_SIGN_UP,
    }
)
SIGNED_IN = frozenset(
    {Permission.ACCOUNT_MANAGE, Permission.SPACE_CLAIM, Permission.SPACE_PROPOSE, Permission.REVIEW_WRITE, Permission.DESK_READ}
)
ADMINS_ONLY = frozenset({Permission.SECURITY_LOG_READ, Permission.ROLES_MANAGE, Permission.GUIDES_EDIT})
# A partner of the listing's country, or an admin.
MODERATORS = frozenset(
    {
        Permission.SPACE_REVERT,
        Permission.ACTIVITY_REVERT,
        Permission.MODERATION_READ,
        Permission.MODERATION_DECIDE,
        Permission.VISIT_COUNTS_READ,
    }
)
# The listing's community builders, its country's partners, admins.
LISTING_KEEPERS = frozenset({Permission.SPACE_EDIT, Permission.STORY_WRITE, Permission.ACTIVITY_EDIT})
# The listing's community builders and admins only: residents write to the people who run the space, and
# partners see counts of it, never the messages; a review's answer is the space's own word. Who comes to an
# activity (names, addresses) is the same: the space's builders see it to welcome and reach them, nobody else.
SPACE_BUILDERS = frozenset({Permission.VISIT_ANSWER, Permission.REVIEW_ANSWER, Permission.ATTENDANCE_READ})
# A partner of any country, or an admin, whatever listing is named: an import checks each row's country,
# a report the countries it covers.
PARTNERS = frozenset({Permission.DATA_IMPORT, Permission.REPORTS_READ})


def can(actor: Actor, permission: Permission, resource: Listing | None = None) -> bool:
    """Whether ``actor`` may do ``permission`` (to ``resource``, when the rule depends on which one).

    Without a resource, a rule that depends on one answers whether the actor could do it to some
    listing: the route guard asks that (who may open an edit form at all), the service asks again with
    the listing itself.
    """
    if permission in PUBLIC:
        return True
    if actor.is_anonymous:
        return False
    if permission in SIGNED_IN:
        return True
    if actor.is_admin:
        return True
    if permission in PARTNERS:
        return bool(actor.partner_countries)
    if permission in MODERATORS:
        return bool(actor.partner_countries) if resource is None else resource.country_code in actor.partner_countries
    if permission in LISTING_KEEPERS:
        if resource is None:
            return True  # anyone signed in may be a builder of some space; which one, the service asks
        return resource.country_code in actor.partner_countries or getattr(resource, "id", None) in actor.builder_of
    if permission in SPACE_BUILDERS:
        return resource is None or getattr(resource, "id", None) in actor.builder_of
    return False


def authorize(actor: Actor, permission: Permission, resource: Listing | None = None) -> None:
    """``can()``, or the refusal: 401 for someone not signed in, 403 for someone who is."""
    if not can(actor, permission, resource):
        raise NotAuthorizedException() if actor.is_anonymous else PermissionDeniedException()


def session_cookie(settings: Settings) -> str:
    """The session cookie's name: with the ``__Host-`` prefix on HTTPS (Secure, Path=/, no Domain: ASVS 3.3.3)."""
    return "__Host-session" if settings.https else "session"


def _load_actor(state, token: str) -> Actor:  # noqa: ANN001 - the app's State
    user_id = state.sessions.user_for(token)
    if user_id is None:
        return ANONYMOUS
    with Session(state.engine) as session:
        user = session.get(User, user_id)
        if user is None:
            return ANONYMOUS
        countries = session.scalars(select(PartnerCountry.country_code).where(PartnerCountry.user_id == user_id))
        spaces = session.scalars(select(BuilderRole.space_id).where(BuilderRole.user_id == user_id))
        return Actor(
            user_id=user.id,
            is_admin=user.is_admin,
            partner_countries=frozenset(countries),
            builder_of=frozenset(spaces),
            session_token=token,
        )


async def current_actor(connection: ASGIConnection) -> Actor:
    """The actor behind a request, looked up once (in a worker thread: the store may be a database)."""
    state = connection.scope.setdefault("state", {})
    if "actor" in state:
        return state["actor"]
    token = connection.cookies.get(session_cookie(connection.app.state.settings))
    # Static files never need to know who asks: no lookup for them.
    if token and not connection.scope["path"].startswith("/static/"):
        actor = await anyio.to_thread.run_sync(_load_actor, connection.app.state, token)
    else:
        actor = ANONYMOUS
    state["actor"] = actor
    return actor


async def require_permission(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The one guard: the route's named permission, asked of ``can()``. A route naming none is refused."""
    permission = handler.opt.get("permission")
    if permission is None and handler.http_methods == {"OPTIONS"}:
        return  # Litestar's own answer naming a route's methods (Allow): it shows and changes nothing
    if not isinstance(permission, Permission):
        raise PermissionDeniedException("This route names no access rule.")
    authorize(await current_actor(connection), permission)
