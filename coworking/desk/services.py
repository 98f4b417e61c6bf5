"""What the builder's desk shows: for each space the person is a community builder of, one ``SpaceDesk``
with a field per section of the page (templates/desk/: a partial each). Reads only; counts and dates, and
of reports only what they say, never who sent them.

The sections come from the domains below (each asked once for all the person's spaces): the listing's
confirmation (spaces; the yearly rule of moderation.reminders), visit requests waiting (visits), reports
waiting for a partner (moderation), page views per month (pageviews), the next activity dates with their
sign-ups (attendance), requests to remove a story (stories), reviews to answer (reviews), translations of
the description that may be out of date (spaces).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.attendance.services import UpcomingDate, upcoming_dates
from coworking.core.models import utcnow
from coworking.moderation.services import OpenReport, open_reports_about
from coworking.pageviews.services import MonthViews, monthly_views
from coworking.reviews.services import ReviewsWaiting, reviews_waiting_at
from coworking.spaces.descriptions import is_outdated
from coworking.spaces.listing import REMIND_AFTER
from coworking.spaces.models import Space, SpaceTranslation
from coworking.stories.services import removal_requests_waiting
from coworking.visits.services import waiting_counts

# Page views per month: the last 12, this one so far included.
VIEW_MONTHS = 12


@dataclass(frozen=True)
class SpaceDesk:
    """One space on its builder's desk."""

    space: Space
    # The listing: never confirmed, or not for a year (when `coworking remind` e-mails its builders too).
    confirmation_due: bool
    # Visit requests waiting for an answer (their day not yet passed).
    visits_waiting: int
    # Reports about the listing waiting for a partner: how many, and the newest (what they say, when).
    reports_open: int
    reports: list[OpenReport]
    # Views of the space's page, a month each, oldest first.
    views: list[MonthViews]
    # The next dates of its activities with how many come and wait (attendance).
    dates: list[UpcomingDate]
    # Requests to remove a resident's story (stories), reviews to answer or awaiting approval (reviews).
    story_removals: int
    reviews: ReviewsWaiting
    # The languages of its description's translations that may be out of date (their original changed since).
    outdated_translations: list[str] = field(default_factory=list)

    @property
    def views_total(self) -> int:
        return sum(month.views for month in self.views)


@dataclass(frozen=True)
class Desk:
    """The desk of one person: their spaces by name (none: they run no space yet)."""

    spaces: list[SpaceDesk]


def confirmation_due(space: Space, now: datetime) -> bool:
    """Whether to ask the builders to confirm the listing: never confirmed, or last confirmed over a year
    ago (the reminder's rule); never for a closed space."""
    return space.status != "closed" and (space.confirmed_at is None or space.confirmed_at < now - REMIND_AFTER)


def builders_desk(db: Session, actor: Actor, now: datetime | None = None) -> Desk:
    """The desk of ``actor``: only the spaces they are a community builder of (an admin's or a partner's
    other powers add none). 401 for someone not signed in."""
    authorize(actor, Permission.DESK_READ)
    now = now or utcnow()
    if not actor.builder_of:
        return Desk([])
    spaces = db.scalars(
        select(Space).where(Space.id.in_(sorted(actor.builder_of))).order_by(Space.name, Space.id)
    ).all()
    ids = [space.id for space in spaces]
    visits = waiting_counts(db, spaces, now)
    report_counts, reports = open_reports_about(db, ids)
    views = monthly_views(db, ids, now.date(), VIEW_MONTHS)
    dates = upcoming_dates(db, ids, now)
    story_removals = removal_requests_waiting(db, ids)
    reviews = reviews_waiting_at(db, ids)
    by_id = {space.id: space for space in spaces}
    outdated: dict[int, list[str]] = {space_id: [] for space_id in ids}
    for translation in db.scalars(
        select(SpaceTranslation).where(SpaceTranslation.space_id.in_(ids)).order_by(SpaceTranslation.language)
    ):
        if is_outdated(translation, by_id[translation.space_id]):
            outdated[translation.space_id].append(translation.language)
    return Desk(
        [
            SpaceDesk(
                space=space,
                confirmation_due=confirmation_due(space, now),
                visits_waiting=visits[space.id],
                reports_open=report_counts[space.id],
                reports=[report for report in reports if report.space_id == space.id],
                views=views[space.id],
                dates=dates[space.id],
                story_removals=story_removals[space.id],
                reviews=reviews[space.id],
                outdated_translations=outdated[space.id],
            )
            for space in spaces
        ]
    )
