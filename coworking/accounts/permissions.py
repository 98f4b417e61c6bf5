"""Who may do what: one list of permissions and one question, ``can(actor, permission, resource)``.

Every route names its permission next to its path (``opt={"permission": ...}`` on the controller or
handler); one guard asks ``can()`` for it, and a test fails for any route that names none. Services ask
the same question before they change anything, so a rule holds whichever surface calls them.

Today the directory is read-only and public: every permission below is granted to everyone. Accounts
(community builders, network partners, admins) add their rules here, in ``can()``, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler


class Permission(StrEnum):
    """``scope:action``, as Warehouse names them."""

    # Read the public directory: spaces, the map, places, networks, pages about the site.
    DIRECTORY_READ = "directory:read"
    # Machine and monitoring endpoints (health checks, the API's own description).
    SITE_STATUS = "site:status"


@dataclass(frozen=True)
class Actor:
    """Who is asking. Anonymous until accounts exist; then a signed-in person with their roles."""

    user_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Actor()

# Granted to everyone, signed in or not.
PUBLIC = frozenset({Permission.DIRECTORY_READ, Permission.SITE_STATUS})


def can(actor: Actor, permission: Permission, resource: object | None = None) -> bool:
    """Whether ``actor`` may do ``permission`` (to ``resource``, when the rule depends on which one)."""
    return permission in PUBLIC


def current_actor(connection: ASGIConnection) -> Actor:
    """The actor behind a request (anonymous until sign-in exists)."""
    return ANONYMOUS


def require_permission(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The one guard: the route's named permission, asked of ``can()``. A route naming none is refused."""
    permission = handler.opt.get("permission")
    if not isinstance(permission, Permission):
        raise PermissionDeniedException("This route names no access rule.")
    actor = current_actor(connection)
    if not can(actor, permission):
        raise NotAuthorizedException() if actor.is_anonymous else PermissionDeniedException()
