"""WCAG 2.1 A/AA checks with axe-core on the main pages, in English and in Latvian, plus a clean console.

axe runs on the page as a phone shows it (390×844). The console check runs first, before axe is
injected, so it covers the page's own scripts, styles and images under its Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.e2e.helpers import (
    csp_violations,
    describe_violations,
    new_phone_context,
    run_axe,
    screenshot,
    wait_until_htmx_is_quiet,
    watch_console,
)
from tests.e2e.test_listing_flow import signed_up

pytestmark = pytest.mark.browser

PAGES = [
    ("home", "/", 200),
    ("results", "/spaces?q=cesis", 200),
    ("detail", "/spaces/skola6", 200),
    ("networks", "/networks", 200),
    ("network", "/network", 200),
    ("about", "/about", 200),
    ("api-reference", "/api", 200),
    ("embed-builder", "/embed?country=LV", 200),
    ("embed-map", "/embed/map?country=LV", 200),
    ("map", "/map?country=LV", 200),
    ("countries", "/countries", 200),
    ("country", "/countries/lv", 200),
    ("country-region", "/countries/lv?region=Ogre", 200),
    ("follow", "/follow?country=LV&region=Ogre", 200),
    ("guides", "/guides", 200),
    ("guide", "/guides/resident-meetings-and-story-evenings", 200),
    ("visit", "/spaces/colabora-lielvarde/visit", 200),
    ("reviews", "/spaces/colabora-lielvarde/reviews", 200),
    ("stories", "/stories", 200),
    ("space-stories", "/spaces/colabora-lielvarde/stories", 200),
    ("activities", "/activities", 200),
    ("activities-month", "/activities?view=month", 200),
    ("activities-search", "/activities?near=Lielv%C4%81rde&kind=resident_meeting", 200),
    ("activity", "/activities/{activity}", 200),
    ("invalid-activities", "/activities?date_from=2026-02-31", 400),
    ("not-found", "/spaces/no-such-space-here", 404),
    ("invalid-search", "/spaces?country=XX", 400),
    ("sign-in", "/account/login", 200),
    ("register", "/account/register", 200),
    ("reset", "/account/reset", 200),
    ("sign-in-required", "/account", 401),
    ("desk-sign-in-required", "/desk", 401),
]


@pytest.fixture(scope="module", autouse=True)
def dated_activity(base_url: str, server_env: dict[str, str]) -> int:
    """The seed's activities have no dates: a weekly meeting at CoLabora (its second date cancelled) and a
    story evening, from tomorrow on, so the calendar's pages have something to show."""
    from coworking.activities.models import Activity
    from coworking.activities.recurrence import last_end
    from coworking.core.db import make_engine
    from coworking.spaces.models import Space

    riga = ZoneInfo("Europe/Riga")
    first = (datetime.now(UTC) + timedelta(days=1)).astimezone(riga).replace(hour=18, minute=0, second=0, microsecond=0)
    engine = make_engine(server_env["COWORKING_DATABASE_URL"])
    with Session(engine) as db:
        space = db.scalar(select(Space).where(Space.slug == "colabora-lielvarde"))
        cancelled = [{"recurrence_id": (first + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"), "status": "cancelled"}]
        meeting = Activity(
            space=space, title="Weekly resident meeting", kind="resident_meeting", language="lv", time_zone="Europe/Riga",
            starts_at=first.astimezone(UTC), ends_at=(first + timedelta(hours=2)).astimezone(UTC), rrule="FREQ=WEEKLY;COUNT=10",
            exceptions=cancelled, description="Tea and the week's plans.", online_url="https://meet.example.org/colabora",
        )  # fmt: skip
        story = Activity(
            space=space, title="Experience-story evening", kind="experience_story", language="en", time_zone="Europe/Riga",
            starts_at=(first + timedelta(days=2, hours=1)).astimezone(UTC), price_note="5 EUR", capacity=20, exceptions=[],
        )  # fmt: skip
        for activity in (meeting, story):
            activity.last_ends_at = last_end(activity)
            db.add(activity)
        db.commit()
        found = meeting.id
    engine.dispose()
    return found


@pytest.fixture(params=["en", "lv"])
def language_context(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = new_phone_context(browser, base_url)
    if request.param == "lv":
        context.add_cookies([{"name": "lang", "value": "lv", "url": base_url}])
    yield context
    context.close()


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[name for name, _, _ in PAGES])
def test_page_is_accessible_and_console_clean(
    language_context: BrowserContext, base_url: str, dated_activity: int, name: str, path: str, status: int
) -> None:
    path = path.replace("{activity}", str(dated_activity))
    language = "lv" if any(c["name"] == "lang" for c in language_context.cookies()) else "en"
    page = language_context.new_page()
    console = watch_console(page)
    response = page.goto(path)
    assert response is not None and response.status == status
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_load_state("networkidle")
    if name in ("detail", "map", "activity"):
        # Leaflet has drawn its controls (tiles fail on purpose: they point at a closed port).
        expect(page.locator(".leaflet-control-zoom")).to_be_visible()
    if name in ("map", "country", "country-region"):
        # The list of spaces in view follows the map's first view through htmx: judge it once it has
        # settled, not while it fades for the swap.
        wait_until_htmx_is_quiet(page)

    problems = console.unexpected(error_document=f"{base_url}{path}" if status >= 400 else None)
    problems += [f"CSP: {item}" for item in csp_violations(page)]
    assert problems == [], "console errors or CSP violations:\n" + "\n".join(problems)

    screenshot(page, f"a11y-{language}-{name}")
    violations = run_axe(page)
    assert violations == [], (
        f"axe found {len(violations)} WCAG violation(s) on {path} ({language}):\n" + describe_violations(violations)
    )


@pytest.mark.parametrize("language", ["en", "lv"])
def test_the_builders_desk_is_accessible(browser: Browser, base_url: str, server_env: dict[str, str], language: str) -> None:
    """/desk as a signed-in community builder (made one in the database, as an approved claim would), with a
    report waiting and page views in some months (this browser is headless: its own views are not counted)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from coworking.accounts.models import BuilderRole, User
    from coworking.core.db import make_engine
    from coworking.core.months import add_months
    from coworking.moderation.models import Submission
    from coworking.pageviews.models import PageView
    from coworking.spaces.models import Space

    email = f"desk-{language}@example.org"
    context, page = signed_up(browser, base_url, server_env, email, language)
    engine = make_engine(server_env["COWORKING_DATABASE_URL"])
    with Session(engine) as db:
        user_id = db.scalar(select(User.id).where(User.email == email))
        space_id = db.scalar(select(Space.id).where(Space.slug == "colabora-lielvarde"))
        db.add(BuilderRole(user_id=user_id, space_id=space_id))
        if db.scalar(select(PageView.space_id).where(PageView.space_id == space_id).limit(1)) is None:
            this_month = add_months(date.today(), 0)
            db.add_all([PageView(space_id=space_id, day=add_months(this_month, -back), count=5 * back + 3) for back in (0, 1, 2, 5)])
        db.add(Submission(kind="report", country_code="LV", space_id=space_id, message="The opening hours changed in spring."))
        db.commit()
    engine.dispose()
    console = watch_console(page)
    response = page.goto("/desk")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("svg[role=img] title")).to_have_count(1)
    page.locator("details summary").first.click()  # the table of numbers, opened: axe judges it too
    problems = console.unexpected() + [f"CSP: {item}" for item in csp_violations(page)]
    assert problems == [], "console errors or CSP violations:\n" + "\n".join(problems)
    screenshot(page, f"a11y-{language}-desk")
    violations = run_axe(page)
    assert violations == [], f"axe found {len(violations)} WCAG violation(s) on /desk ({language}):\n" + describe_violations(violations)
    context.close()
