"""What a country's page shows besides its search: its regions, its partner networks, its next activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from coworking.activities.schemas import ActivityOccurrence
from coworking.networks.services import NetworkOut, list_networks
from coworking.spaces.services import region_counts, upcoming_activities


@dataclass(frozen=True)
class CountryOverview:
    code: str
    regions: list[tuple[str, int]] = field(default_factory=list)
    networks: list[NetworkOut] = field(default_factory=list)
    activities: list[ActivityOccurrence] = field(default_factory=list)


def country_overview(db: Session, code: str, now: datetime) -> CountryOverview:
    """``code`` (upper-case ISO 3166-1): its regions with counts, the networks active there (European ones
    included when they name it), its next activities."""
    return CountryOverview(
        code=code,
        regions=region_counts(db, code),
        networks=[network for network in list_networks(db) if code in network.country_codes],
        activities=upcoming_activities(db, now, limit=5, country=code),
    )
