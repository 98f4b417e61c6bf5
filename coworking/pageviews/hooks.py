"""Where a page counts its views: its handler notes the space it shows (``note_view``), and the route's
after-response hook (``count_view``) counts it once the answer has been sent.

A view is a page a person's browser got whole: the handler found the space (a 404 raised before), the
page rendered (a failure there skips the hook), and it was a GET, not a HEAD (the edge marks those), not a
part of the page fetched by htmx, and not a robot's (``services.is_robot``). A 304 counts: the browser
shows the page again from its cache. Counting is one upsert after the visitor has the page: they never
wait for it, and a failed count (a locked database, a space deleted meanwhile) is logged, never shown.
"""

from __future__ import annotations

import logging

import anyio.to_thread
from litestar import Request
from litestar.types import Scope
from sqlalchemy.exc import SQLAlchemyError

from coworking.core.edge import asked_head
from coworking.core.models import utcnow
from coworking.pageviews.services import is_robot, record_view

logger = logging.getLogger("coworking")
# The request state's key for the space whose page the answer is (to count now).
_VIEWED = "viewed_space_id"
# The space the page shows, counted or not: the page cache keeps it with the answer, and counts a view
# of it when it sends that answer again (``count_cached_view``).
PAGE_OF_SPACE = "page_of_space_id"


def is_counted(request: Request) -> bool:
    """Whether this request is a view to count (before its answer: the handler asks)."""
    if request.method != "GET" or asked_head(request.scope):
        return False
    htmx = getattr(request, "htmx", None)
    # A boosted link or a history restore is a whole page; any other htmx request is a part of one.
    if htmx and not (htmx.boosted or htmx.history_restore_request):
        return False
    return not is_robot(request.headers.get("user-agent"))


def note_view(request: Request, space_id: int) -> None:
    """The handler has what the page shows: count a view of ``space_id`` once it is sent, if it is one."""
    request.state[PAGE_OF_SPACE] = space_id
    if is_counted(request):
        request.state[_VIEWED] = space_id


async def count_view(request: Request) -> None:
    """A route's ``after_response`` hook: count the view its handler noted, in a worker thread (the
    request's own database session is closed by now: one connection at a time)."""
    space_id = request.scope.get("state", {}).get(_VIEWED)
    if space_id is None:
        return
    try:
        await anyio.to_thread.run_sync(record_view, request.app.state.engine, space_id, utcnow().date())
    except SQLAlchemyError:
        logger.warning("Counting a view of space %s failed", space_id, exc_info=True)


async def count_cached_view(scope: Scope, kept: dict[str, object]) -> None:
    """The page cache's ``on_hit``: the same view, counted for an answer sent from the cache."""
    space_id = kept.get(PAGE_OF_SPACE)
    app = scope.get("litestar_app")
    if not isinstance(space_id, int) or app is None or not is_counted(app.request_class(scope=scope)):
        return
    try:
        await anyio.to_thread.run_sync(record_view, app.state.engine, space_id, utcnow().date())
    except SQLAlchemyError:
        logger.warning("Counting a view of space %s failed", space_id, exc_info=True)
