"""Counting views of listings' pages, and reading them back month by month.

A view is one more on its space's row for the day (an upsert, in a short transaction of its own on a
connection of its own): the same statement on SQLite and PostgreSQL, and two views at once both count,
the database's row lock orders them. Nothing about the visitor is read but its User-Agent header, to
leave robots out, and that is kept nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coworking.core.months import add_months
from coworking.pageviews.models import PageView

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}

# A simple check, not an arms race: robots that say what they are. Search engines' crawlers ("Googlebot",
# "bingbot", "YandexBot", "Applebot", "Slurp", "Baiduspider"), link previews of chat apps and social sites
# ("facebookexternalhit", "Slackbot-LinkExpanding", "WhatsApp/", "TelegramBot", "Discordbot"), monitors
# and archivers, headless browsers ("HeadlessChrome", Lighthouse) and HTTP libraries (curl, Wget,
# python-requests, Go-http-client, Java/, okhttp, libwww-perl, Scrapy).
ROBOT = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|facebookexternalhit|whatsapp|monitor|uptime|check|headless"
    r"|lighthouse|curl|wget|python|httpx|aiohttp|go-http|java/|okhttp|libwww|scrapy",
    re.IGNORECASE,
)


def is_robot(user_agent: str | None) -> bool:
    """Whether a request's User-Agent says it is no person's browser (none at all counts as a robot)."""
    return not user_agent or not user_agent.strip() or ROBOT.search(user_agent) is not None


def record_view(engine: Engine, space_id: int, day: date) -> None:
    """One view of ``space_id``'s page on ``day``, committed at once on a connection of its own."""
    table = PageView.__table__
    insert = _INSERTS[engine.dialect.name](table).values(space_id=space_id, day=day, count=1)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.space_id, table.c.day], set_={"count": table.c.count + 1}
    )
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A view lost to a crash matters little: the commit need not wait for the disk (PostgreSQL's
            # own switch for such writes; this transaction only).
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        connection.execute(statement)


@dataclass(frozen=True)
class MonthViews:
    """Views of a space's page in one month (``month``: its first day)."""

    month: date
    views: int


def monthly_views(
    db: Session, space_ids: Collection[int], today: date, months: int = 12
) -> dict[int, list[MonthViews]]:
    """For each of ``space_ids``: its page's views in each of the ``months`` months up to ``today``'s (this
    one so far), oldest first, a month without any as 0. Days and months are UTC's. Asks no access rule:
    the caller does (a builder sees their own spaces')."""
    if not space_ids:
        return {}
    first = add_months(today, -(months - 1))
    firsts = [add_months(first, index) for index in range(months)]
    totals = {space_id: dict.fromkeys(firsts, 0) for space_id in space_ids}
    rows = db.execute(
        select(PageView.space_id, PageView.day, PageView.count).where(
            PageView.space_id.in_(sorted(space_ids)), PageView.day >= first, PageView.day <= today
        )
    )
    for space_id, day, count in rows:
        totals[space_id][add_months(day, 0)] += count
    return {
        space_id: [MonthViews(month, views) for month, views in per_month.items()]
        for space_id, per_month in totals.items()
    }
