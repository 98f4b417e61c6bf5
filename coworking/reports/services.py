"""Partner reports: per month, the figures LEADER groups report to their programme, for a partner's
countries (one, or all of them) and optionally one region as the listings name it.

Counts only: no one's name, address or account is read into a report. Months are calendar months in UTC;
the current month counts what happened so far. Each figure is a count of what the data keeps:

- spaces listed: listings published today that were created by the month's end (a listing closed or
  paused since is not counted in earlier months either: the data keeps no past status);
- new listings: listings created in the month, whatever their status now;
- listings confirmed: listings whose builder (or a moderator) confirmed them in the month: each
  confirmation's event among the revisions, and each listing's latest confirmation (the only one known
  from before confirmations left events);
- listing edits: revisions in the month that changed a listing (edits, reverts, photos, builders shown,
  updates from a data file), not its creation or confirmation;
- activities held: occurrences starting in the month, weekly ones each week (``occurrences_between``);
- new community builders: builder roles granted in the month and still held;
- visit requests: requests a resident confirmed, by the month they were made (never their messages or
  addresses).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from litestar.exceptions import PermissionDeniedException
from sqlalchemy import ColumnElement, FromClause, and_, case, func, join, select
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole
from coworking.accounts.permissions import Actor, Permission, authorize
from coworking.activities.models import Activity
from coworking.activities.services import occurrences_between
from coworking.core.errors import InvalidInput
from coworking.core.i18n import is_country_code
from coworking.core.months import add_months
from coworking.core.text import slugify
from coworking.core.vocabulary import N_
from coworking.revisions import services as revisions
from coworking.revisions.models import Revision
from coworking.spaces.editing import SUBJECT
from coworking.spaces.models import Space
from coworking.visits.models import VisitRequest

MAX_MONTHS = 36
# By default: the last 12 full months and the current one.
DEFAULT_MONTHS = 13
FIRST_YEAR = 2000
MAX_REGION = 120
MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")
# Revisions that are not an edit of the listing: its creation (a new listing), the imported original
# (recorded when it was first edited), and events such as confirmations.
NOT_EDITS = ("created", "imported", *revisions.EVENTS)

# The figures, in the order of the page, the charts and the CSV's columns (whose names these are).
INDICATORS: tuple[tuple[str, str], ...] = (
    ("spaces_listed", N_("Spaces listed at the month's end")),
    ("new_listings", N_("New listings")),
    ("listings_confirmed", N_("Listings confirmed")),
    ("listing_edits", N_("Listing edits")),
    ("activities_held", N_("Activities held")),
    ("new_community_builders", N_("New community builders")),
    ("visit_requests", N_("Visit requests")),
)
CSV_COLUMNS = ("month", *(name for name, _ in INDICATORS))


class NotYourCountry(InvalidInput):
    """A partner asked for a country that is not theirs: refused (403), with the reason by the field."""


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: countries (None: the whole network, for admins), a region, a range of months
    (each month by its first day)."""

    countries: tuple[str, ...] | None
    region: str | None
    first: date
    last: date

    @property
    def months(self) -> list[date]:
        return [add_months(self.first, step) for step in range(month_count(self.first, self.last))]


@dataclass(frozen=True)
class MonthFigures:
    month: date
    spaces_listed: int
    new_listings: int
    listings_confirmed: int
    listing_edits: int
    activities_held: int
    new_community_builders: int
    visit_requests: int

    @property
    def label(self) -> str:
        """``2026-01``: the month as the form and the CSV write it."""
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    months: list[MonthFigures]
    generated: datetime

    def series(self, indicator: str) -> list[tuple[str, int]]:
        return [(month.label, getattr(month, indicator)) for month in self.months]


# -- months ------------------------------------------------------------------------------------------


def month_count(first: date, last: date) -> int:
    """How many months from ``first`` to ``last``, both included (0 or less when they are the wrong way round)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _parse_month(text: str) -> date | None:
    """``2026-01`` → 1 January 2026; None for anything else (a month 13, a year before 2000, words)."""
    found = MONTH_TEXT.fullmatch(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return date(year, month, 1) if year >= FIRST_YEAR and 1 <= month <= 12 else None


# -- the form ----------------------------------------------------------------------------------------


def country_choices(db: Session, actor: Actor) -> list[str]:
    """The countries ``actor`` may report on: a partner's own; for an admin, every country with a listing."""
    if not actor.is_admin:
        return sorted(actor.partner_countries)
    return list(db.scalars(select(Space.country_code).distinct().order_by(Space.country_code)))


def region_choices(db: Session, countries: Iterable[str] | None) -> list[tuple[str, list[str]]]:
    """The regions the listings of ``countries`` (None: all) name, per country: what the region field offers."""
    statement = select(Space.country_code, Space.region).where(Space.region.is_not(None), Space.region != "").distinct()
    if countries is not None:
        statement = statement.where(Space.country_code.in_(sorted(countries)))
    grouped: dict[str, list[str]] = {}
    for country, region in db.execute(statement.order_by(Space.country_code, Space.region)):
        grouped.setdefault(country, []).append(region)
    return list(grouped.items())


def report_scope(
    db: Session, actor: Actor, *, country: str, region: str, start: str, end: str, now: datetime
) -> ReportScope:
    """The report the form asks for, checked: InvalidInput with a message per field for what is wrong,
    NotYourCountry (a 403) for a partner asking for another country than theirs. Empty fields take the
    defaults: all the partner's countries (an admin: the whole network), every region, the last 12 full
    months and the current one."""
    authorize(actor, Permission.REPORTS_READ)
    errors: dict[str, str] = {}
    code = country.strip().upper()
    countries: tuple[str, ...] | None
    if not code:
        countries = None if actor.is_admin else tuple(sorted(actor.partner_countries))
    elif not is_country_code(code):
        errors["country"] = N_("Unknown country: choose one from the list.")
        countries = ()
    elif not actor.is_admin and code not in actor.partner_countries:
        raise NotYourCountry(
            {"country": N_("You see the reports of your own countries only: choose one from the list.")}
        )
    else:
        countries = (code,)

    this_month = now.date().replace(day=1)
    last = _parse_month(end) if end.strip() else this_month
    if last is None:
        errors["to"] = N_("Give a month as year and month, such as 2026-01, from 2000 on.")
    elif last > this_month:
        errors["to"] = N_("Choose this month or an earlier one: later months have no figures yet.")
    first = _parse_month(start) if start.strip() else add_months(last or this_month, 1 - DEFAULT_MONTHS)
    if first is None:
        errors["from"] = N_("Give a month as year and month, such as 2026-01, from 2000 on.")
    elif last is not None and "to" not in errors:
        if first > last:
            errors["from"] = N_("The first month comes after the last one: swap them.")
        elif month_count(first, last) > MAX_MONTHS:
            errors["from"] = N_("Choose at most 36 months at once.")

    wanted = region.strip() or None
    offered = (
        wanted is not None
        and len(wanted) <= MAX_REGION
        and any(wanted in names for _, names in region_choices(db, countries))
    )
    if wanted is not None and "country" not in errors and not offered:
        errors["region"] = N_("No listing of the chosen country names this region: choose one from the list.")
    if errors:
        raise InvalidInput(errors)
    return ReportScope(countries, wanted, first, last)


# -- the figures -------------------------------------------------------------------------------------


def _where_space(scope: ReportScope) -> list[ColumnElement[bool]]:
    """The spaces a report covers: by their country and region today."""
    conditions = []
    if scope.countries is not None:
        conditions.append(Space.country_code.in_(scope.countries))
    if scope.region is not None:
        conditions.append(Space.region == scope.region)
    return conditions


def _per_month(
    db: Session,
    column: ColumnElement[datetime],
    bounds: list[tuple[datetime, datetime]],
    source: FromClause,
    *conditions: ColumnElement[bool],
) -> list[int]:
    """How many rows of ``source`` have ``column`` in each of ``bounds``: one query, a sum per month."""
    sums = [
        func.coalesce(func.sum(case((and_(column >= start, column < end), 1), else_=0)), 0) for start, end in bounds
    ]
    row = db.execute(
        select(*sums).select_from(source).where(column >= bounds[0][0], column < bounds[-1][1], *conditions)
    ).one()
    return [int(value) for value in row]


def monthly_report(db: Session, actor: Actor, scope: ReportScope, now: datetime) -> Report:
    """The figures of ``scope``, month by month. Refuses (403) a partner whose countries it exceeds, whatever
    surface asks."""
    authorize(actor, Permission.REPORTS_READ)
    if not actor.is_admin and (scope.countries is None or not set(scope.countries) <= actor.partner_countries):
        raise PermissionDeniedException("A partner sees the reports of their own countries only.")
    months = scope.months
    # Each month from its first moment to the next month's, the current one only up to now.
    bounds = [(_start(month), min(_start(add_months(month, 1)), now)) for month in months]
    spaces = _where_space(scope)

    listed_sums = [func.coalesce(func.sum(case((Space.created_at < end, 1), else_=0)), 0) for _, end in bounds]
    listed = [
        int(value) for value in db.execute(select(*listed_sums).where(Space.status == "published", *spaces)).one()
    ]
    new = _per_month(db, Space.created_at, bounds, Space.__table__, *spaces)
    changes = join(Revision, Space, Space.id == Revision.subject_id)
    edits = _per_month(
        db, Revision.at, bounds, changes, Revision.subject == SUBJECT, Revision.kind.not_in(NOT_EDITS), *spaces
    )
    roles = join(BuilderRole, Space, Space.id == BuilderRole.space_id)
    builders = _per_month(db, BuilderRole.granted_at, bounds, roles, *spaces)
    asked = join(VisitRequest, Space, Space.id == VisitRequest.space_id)
    visits = _per_month(db, VisitRequest.created_at, bounds, asked, VisitRequest.status != "unconfirmed", *spaces)
    confirmed = _confirmed(db, bounds, spaces)
    held = _held(db, bounds, spaces)

    figures = [
        MonthFigures(month, *values)
        for month, *values in zip(months, listed, new, confirmed, edits, held, builders, visits, strict=True)
    ]
    return Report(scope, figures, now)


def _month_index(bounds: list[tuple[datetime, datetime]], when: datetime) -> int | None:
    for index, (start, end) in enumerate(bounds):
        if start <= when < end:
            return index
    return None


def _confirmed(db: Session, bounds: list[tuple[datetime, datetime]], spaces: list[ColumnElement[bool]]) -> list[int]:
    """Listings confirmed in each month (a listing confirmed twice in a month counts once)."""
    start, end = bounds[0][0], bounds[-1][1]
    events = db.execute(
        select(Revision.subject_id, Revision.at)
        .join(Space, Space.id == Revision.subject_id)
        .where(
            Revision.subject == SUBJECT, Revision.kind == "confirmed", Revision.at >= start, Revision.at < end, *spaces
        )
    )
    latest = db.execute(
        select(Space.id, Space.confirmed_at).where(Space.confirmed_at >= start, Space.confirmed_at < end, *spaces)
    )
    confirmed: list[set[int]] = [set() for _ in bounds]
    for space_id, when in [*events, *latest]:
        index = _month_index(bounds, when)
        if index is not None:
            confirmed[index].add(space_id)
    return [len(found) for found in confirmed]


def _held(db: Session, bounds: list[tuple[datetime, datetime]], spaces: list[ColumnElement[bool]]) -> list[int]:
    """Occurrences of the spaces' activities starting in each month, weekly ones once a week."""
    start, end = bounds[0][0], bounds[-1][1]
    activities = db.scalars(
        select(Activity)
        .join(Space, Space.id == Activity.space_id)
        .where(
            Activity.starts_at.is_not(None),
            Activity.starts_at < end,
            Activity.status != "cancelled",
            # Still going at the months' start; a series without an end (older rows) always is.
            (Activity.last_ends_at >= start) | Activity.last_ends_at.is_(None),
            *spaces,
        )
    ).all()
    return [
        sum(occurrences_between(activity, month_start, month_end) for activity in activities)
        for month_start, month_end in bounds
    ]


# -- the CSV -----------------------------------------------------------------------------------------


def report_csv(report: Report) -> str:
    """One row per month, a header row naming the indicators; nothing else (the licence and date are on
    the page)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for month in report.months:
        writer.writerow([month.label, *(getattr(month, name) for name, _ in INDICATORS)])
    return buffer.getvalue()


def file_name(scope: ReportScope) -> str:
    """``rural-coworking-report-lv-vidzeme-2025-11-to-2026-11.csv``: countries, region, months."""
    where = "-".join(code.lower() for code in scope.countries) if scope.countries else "europe"
    if scope.region:
        where += f"-{slugify(scope.region)}"
    return f"rural-coworking-report-{where}-{scope.first:%Y-%m}-to-{scope.last:%Y-%m}.csv"
