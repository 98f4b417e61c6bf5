"""/desk: a community builder's spaces, each with what waits there and its page views per month (a small
chart drawn on the server, its numbers in a table too). Signed-in only; private to the person."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.charts import BarChart, bar_chart
from coworking.core.db import DbSession
from coworking.core.security import CSRF_FORM
from coworking.core.web import page
from coworking.desk import services

# A person's own desk: kept by no shared cache, named to no other site.
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def views_chart(item: services.SpaceDesk) -> BarChart:
    """A bar per month ("2026-01", as the partner reports label theirs), its length the month's views."""
    return bar_chart([(f"{month.month:%Y-%m}", month.views) for month in item.views], label_width=64)


class DeskPages(Controller):
    path = "/desk"
    include_in_schema = False
    # The page holds a form per space that asks for confirmation (posted to the listing's own route).
    opt = {"permission": Permission.DESK_READ, CSRF_FORM: True}

    @get("/", name="desk", sync_to_thread=True)
    def desk(self, request: Request, db_session: DbSession) -> Template:
        desk = services.builders_desk(db_session, request.state.actor)
        charts = {item.space.id: views_chart(item) for item in desk.spaces}
        response = page(request, "desk/desk.html", {"desk": desk, "charts": charts})
        response.headers.update(PRIVATE)
        return response


@pass_context
def desk_offered(context: Any) -> bool:  # noqa: ANN401 - a Jinja context
    """For the navigation: whether the person asking is a community builder of a space (no query: the
    actor knows its spaces)."""
    actor = context["request"].scope.get("state", {}).get("actor")
    return bool(actor is not None and actor.builder_of)
