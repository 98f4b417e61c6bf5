"""Place suggestions as you type: the ``<option>``s of a place field's ``<datalist>`` (htmx)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.web import page
from coworking.geo.services import suggest_places


class PlacePages(Controller):
    path = "/places"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", sync_to_thread=True)
    def options(self, request: Request) -> Template:
        """The field's own name is the query (``near``, ``from``, ``to``), as htmx sends the field."""
        typed = next(
            (request.query_params.get(name) for name in ("near", "from", "to", "q") if request.query_params.get(name)),
            "",
        )
        return page(request, "places/_options.html", {"places": suggest_places(request.app.state.geocoder, typed)})
