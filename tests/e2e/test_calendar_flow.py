"""A builder runs CoLabora's calendar and its visitors from a phone, in a real browser: they claim the
listing (an admin approves), add a weekly resident meeting and an experience-story evening; a resident
finds both on /activities near Lielvārde, says "I'll come" to the evening (confirmed by the mailed link)
and asks for a visit; the builder sees the sign-up and the request on the desk and answers the request;
the resident reads the answer on their private page. Axe on every page, in English and Latvian, with a
screenshot of each."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import REPO_ROOT, new_phone_context
from tests.e2e.test_accounts_flow import PASSWORD
from tests.e2e.test_listing_flow import SLUG, accessible, coworking, sign_in, signed_up

pytestmark = pytest.mark.browser


def mailed_link(server_env: dict[str, str], email: str, path: str) -> str:
    """The newest link to ``path…`` in the outbox's mail to ``email`` (the site's own path, host dropped)."""
    shown = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "coworking"), "outbox"],
        env=server_env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    message = shown[shown.rindex(f"To: {email}") :]
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", message).group(1)


def next_weekday(weekday: int, at_least: int) -> date:
    """The first ``weekday`` (Monday 0) at least ``at_least`` days ahead."""
    day = date.today() + timedelta(days=at_least)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def add_activity(page: Page, fields: dict[str, str], repeat: str, **series: str) -> None:
    page.goto(f"/spaces/{SLUG}/activities/new")
    for name, value in fields.items():
        if name == "kind":
            page.select_option("#kind", value)
        else:
            page.fill(f"#{name}", value)
    page.check(f"input[name=repeat][value={repeat}]")
    if repeat != "once":
        page.check(f"input[name=ends][value={series['ends']}]")
        page.fill(f"#{series['ends']}", series["value"])
    page.locator("main form.activity-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/spaces/{SLUG}/activities\?saved=\d+"))


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_builder_runs_the_calendar_and_visits_of_colabora(browser: Browser, base_url: str, server_env: dict[str, str], language: str) -> None:
    builder_email, admin_email, resident_email = (f"{who}-calendar-{language}@example.org" for who in ("builder", "admin", "resident"))
    meeting_title, evening_title = f"Resident meeting ({language})", f"Experience-story evening ({language})"
    coworking(server_env, "createadmin", admin_email, "--password", PASSWORD)

    # The builder claims CoLabora; an admin approves the claim.
    builder_context, builder = signed_up(browser, base_url, server_env, builder_email, language)
    builder.goto(f"/spaces/{SLUG}/claim")
    builder.fill("#role", "community builder")
    builder.locator("main form button[type=submit]").click()
    expect(builder).to_have_url(re.compile(rf"/spaces/{SLUG}\?claimed=1$"))
    admin_context = new_phone_context(browser, base_url)
    admin = admin_context.new_page()
    sign_in(admin, admin_email)
    admin.goto("/moderation")
    admin.locator("li.queue-item", has_text=builder_email).locator("form[action$='/approve'] button").click()
    admin_context.close()
    sign_in(builder, builder_email)  # the new role comes with a new session

    # A weekly resident meeting (Tuesdays 18:00–20:00, ten times) and an experience-story evening for two.
    tuesday, friday = next_weekday(1, 2), next_weekday(4, 2)
    add_activity(builder, {"title": meeting_title, "kind": "resident_meeting", "date": tuesday.isoformat(), "start_time": "18:00", "end_time": "20:00"},
                 "weekly", ends="count", value="10")  # fmt: skip
    add_activity(builder, {"title": evening_title, "kind": "experience_story", "date": friday.isoformat(), "start_time": "19:00", "end_time": "21:00", "capacity": "2"},
                 "once")  # fmt: skip
    expect(builder.locator("main")).to_contain_text(meeting_title)
    accessible(builder, f"calendar-flow-{language}-builder-activities")

    # A resident finds both near Lielvārde, opens the evening and says "I'll come".
    resident_context = new_phone_context(browser, base_url)
    if language == "lv":
        resident_context.add_cookies([{"name": "lang", "value": "lv", "url": base_url}])
    resident = resident_context.new_page()
    resident.goto("/activities?near=Lielv%C4%81rde&radius_km=30")
    expect(resident.locator("main")).to_contain_text(meeting_title)
    expect(resident.locator("main")).to_contain_text(evening_title)
    expect(resident.locator("main")).to_contain_text("18:00")
    accessible(resident, f"calendar-flow-{language}-near")
    resident.get_by_role("link", name=evening_title).first.click()
    expect(resident).to_have_url(re.compile(r"/activities/\d+"))
    accessible(resident, f"calendar-flow-{language}-activity")
    resident.locator("main a[href*='/come']").click()
    resident.fill("#name", "Maija")
    resident.fill("#email", resident_email)
    accessible(resident, f"calendar-flow-{language}-come")
    resident.locator("main form button[type=submit]").click()
    expect(resident).to_have_url(re.compile(r"/come/sent"))
    resident.goto(mailed_link(server_env, resident_email, "/attendance/"))
    accessible(resident, f"calendar-flow-{language}-come-confirm")
    resident.locator("main form button[type=submit]").click()
    expect(resident.locator("main")).to_contain_text(evening_title)
    accessible(resident, f"calendar-flow-{language}-come-mine")

    # The same resident asks to visit the space (a look around, in ten days), confirmed by its link.
    resident.goto(f"/spaces/{SLUG}/visit")
    resident.fill("#day", (date.today() + timedelta(days=10)).isoformat())
    message = f"I work remotely and would like to see the desks ({language})."
    resident.fill("#message", message)
    resident.fill("#email", resident_email)
    resident.locator("main form button[type=submit]").click()
    expect(resident).to_have_url(re.compile(rf"/spaces/{SLUG}/visit/sent$"))
    resident.goto(mailed_link(server_env, resident_email, "/visits/"))
    resident.locator("main form button[type=submit]").click()
    expect(resident).to_have_url(re.compile(r"/visits/[^/]+$"))

    # The builder's desk shows the sign-up and the request; the builder sees who comes and answers.
    # (The desk lists a space's next five dates: other tests' activities at CoLabora may come first.)
    builder.goto("/desk")
    expect(builder.locator(f"main a[href='/spaces/{SLUG}/visits']")).to_be_visible()
    accessible(builder, f"calendar-flow-{language}-desk")
    builder.locator(f"main a[href='/spaces/{SLUG}/attendance']").first.click()
    expect(builder.locator("main")).to_contain_text(evening_title)
    expect(builder.locator("main")).to_contain_text("Maija")
    accessible(builder, f"calendar-flow-{language}-attendance")
    builder.goto(f"/spaces/{SLUG}/visits")
    request = builder.locator("li", has_text=message).last
    request.locator("textarea[name=note]").fill("Welcome! Ring the bell at the side door.")
    request.locator("button[name=answer][value=accept]").click()
    expect(builder).to_have_url(re.compile(rf"/spaces/{SLUG}/visits\?answered=\d+"))
    accessible(builder, f"calendar-flow-{language}-visits-answered")

    # The resident is told by e-mail; its link opens the thread with the answer.
    resident.goto(mailed_link(server_env, resident_email, "/visits/"))
    expect(resident.locator("main")).to_contain_text("Ring the bell at the side door.")
    accessible(resident, f"calendar-flow-{language}-visit-thread")
    resident_context.close()
    builder_context.close()
