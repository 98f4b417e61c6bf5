"""A resident looks for the coworking space in their town, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import ConsoleLog, new_phone_context, screenshot

pytestmark = pytest.mark.browser

SPACE = "CoLabora Lielvārde"
SOURCE = "http://www.ziedzeme.lv/lv/sadarbibas_projekti/CoLabora/article.php?id=16935"


def assert_lielvarde_detail(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/spaces/colabora-lielvarde$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SPACE)
    expect(page.locator("article.space header .place")).to_contain_text("Lielvārde")
    expect(page.get_by_text("Approximate location", exact=False)).to_be_visible()
    amenities = page.locator("section[aria-labelledby='amenities-heading']")
    expect(amenities.get_by_role("listitem").filter(has_text="Event space")).to_be_visible()
    source = page.locator("footer.provenance a").first
    expect(source).to_have_attribute("href", SOURCE)
    expect(source).to_be_visible()


def test_search_without_diacritics_swaps_results_and_opens_the_space(page: Page, console: ConsoleLog) -> None:
    page.goto("/spaces")
    expect(page.locator(".search-summary")).to_have_text(re.compile(r"^\d+ spaces$"))
    # Marks that a full page load would wipe out: only #results may change.
    page.evaluate("window.__sameDocument = true")
    page.locator("h1").evaluate("h1 => h1.dataset.marker = 'kept'")

    search = page.locator("#q")  # the words box of the search form
    with page.expect_response(
        lambda response: "q=Lielvarde" in response.url and response.request.headers.get("hx-request") == "true"
    ) as answer:
        search.press_sequentially("Lielvarde", delay=30)
    fragment = answer.value
    assert fragment.status == 200
    assert fragment.request.headers.get("hx-target") == "results"
    assert "<html" not in fragment.text().lower(), "an htmx search must answer with the results fragment only"

    results = page.locator("#results")
    expect(results.get_by_role("link", name=SPACE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=Lielvarde(&|$)"))
    expect(results.locator(".search-summary")).to_have_text("“Lielvarde” · 1 space")
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the whole page"
    expect(page.locator("h1")).to_have_attribute("data-marker", "kept")
    expect(search).to_have_value("Lielvarde")
    screenshot(page, "01-search-lielvarde-results")

    # Straight from the field to the result, as on a phone. Leaving the field must not re-run the
    # search: a second swap (and its "Searching…" line pushing the list down) used to eat this tap.
    results.get_by_role("link", name=SPACE).tap()
    assert_lielvarde_detail(page)
    screenshot(page, "02-detail-colabora-lielvarde")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/spaces\?.*q=Lielvarde"))
    expect(page.locator("#results").get_by_role("link", name=SPACE)).to_be_visible()
    expect(page.locator("#q")).to_have_value("Lielvarde")
    screenshot(page, "03-search-lielvarde-after-back")
    assert console.unexpected() == [], console.unexpected()


def test_search_works_without_javascript(browser: Browser, base_url: str) -> None:
    context = new_phone_context(browser, base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/spaces")
        page.locator("#q").fill("Lielvarde")
        with page.expect_navigation():
            page.get_by_role("button", name="Show spaces").click()
        expect(page).to_have_url(re.compile(r"/spaces\?.*q=Lielvarde"))
        expect(page.locator(".search-summary")).to_have_text("“Lielvarde” · 1 space")
        link = page.locator("#results").get_by_role("link", name=SPACE)
        expect(link).to_be_visible()
        screenshot(page, "04-nojs-search-results")

        link.click()
        assert_lielvarde_detail(page)
        # No script ran: the map placeholder stays empty, the address and OSM link carry the location.
        expect(page.get_by_role("link", name="Open in OpenStreetMap")).to_be_visible()
        screenshot(page, "05-nojs-detail")
    finally:
        context.close()
