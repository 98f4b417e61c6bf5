"""The network as a whole, in figures: what /network shows (and its charts are drawn from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.activities.services import occurrences_between
from coworking.spaces.models import Amenity, Space, space_amenities
from coworking.spaces.schemas import CountryCount
from coworking.spaces.services import directory_stats

# A connection counts as fast from this download speed, or when the listing says "fast internet" or fibre.
FAST_MBPS = 100
FAST_AMENITIES = ("fast_internet", "fibre")
NEWEST = 6
# The dot map of Europe: spaces rounded to this many degrees (a dot per place, not per space).
DOT_DEGREES = 0.25


@dataclass(frozen=True)
class NetworkFigures:
    spaces: int
    countries: list[CountryCount]
    fast: int
    activities_this_month: int
    confirmed_last_year: int
    newest: list[Space] = field(default_factory=list)
    # Distinct (longitude, latitude) points, rounded: the server-drawn map of all spaces.
    dots: list[tuple[float, float]] = field(default_factory=list)

    @property
    def fast_percent(self) -> int:
        return round(100 * self.fast / self.spaces) if self.spaces else 0


def _month(now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + timedelta(days=32)).replace(day=1)


def network_figures(db: Session, now: datetime) -> NetworkFigures:
    stats = directory_stats(db)
    published = Space.status == "published"
    fast_amenity = (
        select(space_amenities.c.space_id)
        .join(Amenity, Amenity.code == space_amenities.c.amenity_code)
        .where(Amenity.code.in_(FAST_AMENITIES))
    )
    fast = db.scalar(
        select(func.count()).select_from(Space).where(published, or_(Space.internet_download_mbps >= FAST_MBPS, Space.id.in_(fast_amenity)))
    )
    confirmed = db.scalar(select(func.count()).select_from(Space).where(published, Space.confirmed_at >= now - timedelta(days=365)))
    month_start, month_end = _month(now)
    dated = db.scalars(
        select(Activity).join(Activity.space).where(published, Activity.starts_at.is_not(None), Activity.starts_at < month_end)
    )
    held = sum(occurrences_between(activity, month_start, month_end) for activity in dated)
    newest = list(db.scalars(select(Space).where(published).order_by(Space.created_at.desc(), Space.id.desc()).limit(NEWEST)))
    points = db.execute(select(Space.longitude, Space.latitude).where(published, Space.latitude.is_not(None)))
    dots = sorted({(round(lon / DOT_DEGREES) * DOT_DEGREES, round(lat / DOT_DEGREES) * DOT_DEGREES) for lon, lat in points})
    return NetworkFigures(
        spaces=stats.spaces,
        countries=stats.countries,
        fast=fast or 0,
        activities_this_month=held,
        confirmed_last_year=confirmed or 0,
        newest=newest,
        dots=dots,
    )
