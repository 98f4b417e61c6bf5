"""The JSON twin of the networks page."""

from __future__ import annotations

from litestar import Controller, get

from coworking.accounts.permissions import Permission
from coworking.core.db import DbSession
from coworking.networks.services import NetworkOut, list_networks


class NetworksApi(Controller):
    path = "/api/v1/networks"
    tags = ["network"]
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", sync_to_thread=True, summary="Partner networks and programmes")
    def networks(self, db_session: DbSession) -> list[NetworkOut]:
        return list_networks(db_session)
