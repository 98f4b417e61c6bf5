"""On a phone a search leads with its results: the form folds into "Change search" above a one-line
summary, and the first result shows on the first screen, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.helpers import (
    PHONE,
    ConsoleLog,
    csp_violations,
    describe_violations,
    new_phone_context,
    run_axe,
    screenshot,
)

pytestmark = pytest.mark.browser

NEAR_LIELVARDE = "/spaces?near=Lielv%C4%81rde"
MAP_NEAR_LIELVARDE = "/map?near=Lielv%C4%81rde"
LIELVARDE_SUMMARY = re.compile(r"^Within 50 km of Lielvārde · \d+ spaces?$")


@pytest.fixture()
def no_js_page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = new_phone_context(browser, base_url, java_script_enabled=False)
    yield context.new_page()
    context.close()


def panel(page: Page) -> Locator:
    return page.locator("details.search-panel")


def assert_on_first_screen(page: Page, locator: Locator) -> None:
    """``locator`` shows whole on the first screen: the page is not scrolled, and it starts and ends
    within the viewport's height."""
    expect(locator).to_be_visible()
    assert page.evaluate("window.scrollY") == 0, "the page scrolled"
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{box} is not within the first {height} px"


def assert_leads_with_results(page: Page, summary: re.Pattern[str] | str = LIELVARDE_SUMMARY) -> None:
    """The form is folded, the one-line summary and the first result's name are on the first screen."""
    expect(panel(page)).to_have_js_property("open", False)
    expect(panel(page).locator(":scope > summary")).to_have_text("Change search")
    expect(page.locator("#filters")).to_be_hidden()
    line = page.locator("#results .search-summary")
    expect(line).to_have_text(summary)
    lines = line.evaluate("p => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight)")
    assert lines < 1.5, f"the summary takes {lines:.1f} lines on a {PHONE['width']} px screen"
    first = page.locator("#results .space-card").first
    assert_on_first_screen(page, first.locator("h3"))
    # The card's top edge too: the first result begins on the first screen.
    assert first.bounding_box()["y"] < page.viewport_size["height"]


def test_a_typed_search_folds_the_form_and_shows_the_first_result(page: Page, console: ConsoleLog) -> None:
    page.goto("/spaces")
    # No search yet: the form is open.
    expect(panel(page)).to_have_js_property("open", True)
    expect(page.locator("#near")).to_be_visible()
    page.locator("#near").fill("Lielvarde")
    with page.expect_response(lambda response: "near=Lielvarde" in response.url):
        page.get_by_role("button", name="Show spaces").click()
    expect(page).to_have_url(re.compile(r"/spaces\?.*near=Lielvarde"))
    assert_leads_with_results(page)
    expect(page.locator("#results .space-card").first).to_contain_text("CoLabora Lielvārde")
    # Focus was on the button that folded away: it waits on "Change search", not lost on the page.
    expect(panel(page).locator(":scope > summary")).to_be_focused()
    screenshot(page, "30-phone-typed-near-lielvarde", full_page=False)
    assert console.unexpected() == [], console.unexpected()


@pytest.mark.parametrize("path", [NEAR_LIELVARDE, MAP_NEAR_LIELVARDE], ids=["spaces", "map"])
def test_a_search_link_shows_the_first_result_on_the_first_screen(page: Page, console: ConsoleLog, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    if path.startswith("/map"):
        expect(page.locator(".leaflet-control-zoom")).to_be_visible()
    assert_leads_with_results(page)
    screenshot(page, f"31-phone-{path.split('?')[0].strip('/')}-near-lielvarde", full_page=False)

    problems = console.unexpected() + [f"CSP: {item}" for item in csp_violations(page)]
    assert problems == [], "console errors or CSP violations:\n" + "\n".join(problems)
    violations = run_axe(page)
    assert violations == [], f"axe on {path}:\n" + describe_violations(violations)

    # "Change search" opens the form, with the search as it was typed.
    panel(page).locator(":scope > summary").click()
    expect(panel(page)).to_have_js_property("open", True)
    expect(page.locator("#near")).to_be_visible()
    expect(page.locator("#near")).to_have_value("Lielvārde")
    violations = run_axe(page)
    assert violations == [], f"axe on {path} with the form open:\n" + describe_violations(violations)


@pytest.mark.parametrize("path", [NEAR_LIELVARDE, MAP_NEAR_LIELVARDE], ids=["spaces", "map"])
def test_without_javascript_change_search_opens_the_form_and_searches(no_js_page: Page, path: str) -> None:
    page = no_js_page
    page.goto(path)
    assert_leads_with_results(page)

    page.get_by_text("Change search", exact=True).click()
    expect(panel(page)).to_have_js_property("open", True)
    near = page.locator("#near")
    expect(near).to_be_visible()
    near.fill("Cesis")
    page.locator("#radius_km").select_option("20")
    with page.expect_navigation():
        page.get_by_role("button", name="Show spaces").click()
    expect(page).to_have_url(re.compile(r"near=Cesis"))
    expect(page).to_have_url(re.compile(r"radius_km=20"))
    assert_leads_with_results(page, re.compile(r"^Within 20 km of Cēsis · \d+ spaces?$"))
    expect(page.locator("#results .space-card").first).to_contain_text("SKOLA6")
    screenshot(page, f"32-phone-nojs-{path.split('?')[0].strip('/')}-changed-to-cesis", full_page=False)


def test_before_a_search_and_after_a_mistake_the_form_stays_open(page: Page) -> None:
    page.goto("/spaces")
    expect(panel(page)).to_have_js_property("open", True)
    expect(panel(page).locator(":scope > summary")).to_have_text("Search")
    violations = run_axe(page)
    assert violations == [], "axe on /spaces:\n" + describe_violations(violations)

    # A place that is not found: the form is open, its field marked, and the suggestions still there.
    page.goto("/spaces?near=Lielvade")
    expect(panel(page)).to_have_js_property("open", True)
    expect(panel(page).locator(":scope > summary")).to_have_text("Change search")
    expect(page.locator("#near")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#near-error")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("We could not find “Lielvade”")


def test_a_wide_screen_shows_the_form_beside_the_results(browser: Browser, base_url: str) -> None:
    context: BrowserContext = new_phone_context(
        browser, base_url, viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False
    )
    try:
        page = context.new_page()
        page.goto(NEAR_LIELVARDE)
        # /spaces: the form is a column beside the results, so the script opens it.
        expect(panel(page)).to_have_js_property("open", True)
        expect(page.locator("#near")).to_be_visible()
        assert_on_first_screen(page, page.locator("#results .space-card").first)
        # /map: the form would sit above the list in the side panel, so it stays folded.
        page.goto(MAP_NEAR_LIELVARDE)
        page.wait_for_load_state("networkidle")
        expect(panel(page)).to_have_js_property("open", False)
        expect(page.locator("#results .search-summary")).to_have_text(LIELVARDE_SUMMARY)
        assert_on_first_screen(page, page.locator("#results .space-card").first.locator("h3"))
        screenshot(page, "33-desktop-map-near-lielvarde", full_page=False)
    finally:
        context.close()
