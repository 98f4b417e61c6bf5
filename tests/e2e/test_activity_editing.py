"""A space's keeper writes its activities on a phone, in a real browser: the activities page, the form (a
refused one with its message next to the field, then a weekly series), a series' dates (one cancelled), the
history. These pages need a signed-in keeper, so test_accessibility's anonymous PAGES cannot hold them: axe
runs on each of them here, in English and Latvian, with a screenshot."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import new_phone_context
from tests.e2e.test_accounts_flow import PASSWORD
from tests.e2e.test_listing_flow import SLUG, accessible, coworking, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_keeper_adds_a_weekly_meeting_and_cancels_one_date(
    browser: Browser, base_url: str, server_env: dict[str, str], language: str
) -> None:
    # An administrator keeps every space's activities (a builder or a partner of Latvia would do too).
    email = f"calendar-{language}@example.org"
    coworking(server_env, "createadmin", email, "--password", PASSWORD)
    context = new_phone_context(browser, base_url)
    if language == "lv":
        context.add_cookies([{"name": "lang", "value": "lv", "url": base_url}])
    page = context.new_page()
    sign_in(page, email)

    page.goto(f"/spaces/{SLUG}")
    page.locator(f"a[href='/spaces/{SLUG}/activities']").click()
    expect(page).to_have_url(re.compile(rf"/spaces/{SLUG}/activities$"))
    accessible(page, f"calendar-{language}-activities")
    page.locator(f"a[href='/spaces/{SLUG}/activities/new']").click()
    expect(page.locator("#title")).to_be_visible()
    accessible(page, f"calendar-{language}-new")

    # The first Tuesday at least a week ahead, weekly, ten times; first with its end before its start.
    first = date.today() + timedelta(days=7)
    first += timedelta(days=(1 - first.weekday()) % 7)
    page.fill("#title", "Resident meeting")
    page.fill("#date", first.isoformat())
    page.fill("#start_time", "18:00")
    page.fill("#end_time", "17:00")
    page.check("input[name=repeat][value=weekly]")
    page.check("input[name=ends][value=count]")
    page.fill("#count", "10")
    page.locator("main form.activity-form button[type=submit]").click()
    expect(page.locator("#end_time-error")).to_be_visible()
    expect(page.locator("#title")).to_have_value("Resident meeting")
    accessible(page, f"calendar-{language}-new-error")
    page.fill("#end_time", "20:00")
    page.locator("main form.activity-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/spaces/{SLUG}/activities\?saved=\d+"))
    activity_id = re.search(r"saved=(\d+)", page.url).group(1)
    expect(page.locator(f"#activity-{activity_id} h2")).to_have_text("Resident meeting")
    if language == "en":  # no day ticked: the first date's, a Tuesday
        expect(page.locator(f"#activity-{activity_id} .kind")).to_have_text("Weekly resident meeting, every week on Tuesday, 10 times")
    accessible(page, f"calendar-{language}-saved")

    page.locator(f"#activity-{activity_id} a[href='/activities/{activity_id}/dates']").click()
    expect(page.locator(".series-dates > li")).to_have_count(10)
    accessible(page, f"calendar-{language}-dates")
    page.locator(".series-dates > li").first.locator("form[action$='/dates/cancel'] button").click()
    expect(page).to_have_url(re.compile(r"/dates\?done=cancel"))
    expect(page.locator(".series-dates > li.is-cancelled")).to_have_count(1)

    page.goto(f"/activities/{activity_id}/history")
    expect(page.locator(".revisions > li")).to_have_count(2)
    accessible(page, f"calendar-{language}-history")
    context.close()
