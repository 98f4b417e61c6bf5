"""The partner networks page."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.core.web import page
from coworking.networks.services import list_networks


class NetworkPages(Controller):
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/networks", name="networks", sync_to_thread=True)
    def networks(self, request: Request, db_session: DbSession) -> Template:
        return page(request, "networks/list.html", {"networks": list_networks(db_session)})
