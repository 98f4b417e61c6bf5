"""Partner networks: LEADER projects, national hub networks and regional programmes."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.core.models import to_struct
from coworking.networks.models import Network

_SCOPE_ORDER = {"european": 0, "national": 1, "regional": 2}


class NetworkOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    scope: str
    country_codes: list[str]
    website: str | None
    description: str | None
    source_url: str | None


def list_networks(session: Session) -> list[NetworkOut]:
    """All networks: European first, then national, then regional."""
    networks = session.scalars(select(Network).order_by(Network.name)).all()
    found = [to_struct(NetworkOut, network) for network in networks]
    return sorted(found, key=lambda network: _SCOPE_ORDER.get(network.scope, 9))
