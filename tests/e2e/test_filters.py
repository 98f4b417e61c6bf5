"""Narrowing the list with the filters, and paging through it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import ConsoleLog, reveal, screenshot

pytestmark = pytest.mark.browser


def result_count(page: Page) -> int:
    text = page.locator("#results .search-summary").inner_text()
    match = re.search(r"(\d+) spaces?\b", text)
    assert match, f"no count in {text!r}"
    return int(match.group(1))


def test_country_and_amenity_filters(page: Page, console: ConsoleLog) -> None:
    page.goto("/spaces")
    everything = result_count(page)

    reveal(page, "select#country")
    page.locator("select#country").select_option("LV")
    reveal(page, "input[name=amenity][value=printer]")  # the "Amenities" <details>
    printer = page.get_by_label("Printer / scanner")
    expect(printer).to_be_visible()
    printer.check()
    page.get_by_role("button", name="Show spaces").click()

    expect(page).to_have_url(re.compile(r"country=LV"))
    expect(page).to_have_url(re.compile(r"amenity=printer"))
    page.wait_for_load_state("networkidle")

    cards = page.locator("#results .space-card")
    places = cards.locator(".place").all_inner_texts()
    count = result_count(page)
    assert 0 < count < everything
    assert count == len(places), f"the count says {count}, the page lists {len(places)}"
    assert all(place.strip().endswith(", Latvia") for place in places), places
    names = cards.locator("h3").all_inner_texts()
    assert "SKOLA6" in names, names  # Cēsis: kitchen, meeting room, event space, printer
    screenshot(page, "06-filter-latvia-printer")
    assert console.unexpected() == [], console.unexpected()


def test_pagination_next_page(page: Page, console: ConsoleLog) -> None:
    page.goto("/spaces")
    first_page_names = page.locator("#results .space-card h3").all_inner_texts()
    pagination = page.get_by_role("navigation", name="Pages of results")
    expect(pagination).to_contain_text(re.compile(r"Page 1 of \d+"))

    pagination.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    pagination = page.get_by_role("navigation", name="Pages of results")
    expect(pagination).to_contain_text(re.compile(r"Page 2 of \d+"))
    expect(pagination.get_by_role("link", name="← Previous")).to_be_visible()
    second_page_names = page.locator("#results .space-card h3").all_inner_texts()
    assert second_page_names, "page 2 lists no spaces"
    assert not set(second_page_names) & set(first_page_names), "page 2 repeats spaces of page 1"
    # The list numbering continues from page 1.
    start = page.locator("#results ol.space-list").get_attribute("start")
    assert start == str(len(first_page_names) + 1)
    screenshot(page, "07-pagination-page-2", full_page=False)

    # Back restores page 1 (htmx keeps no history cache: it asks the server for the whole page).
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect(page.get_by_role("navigation", name="Pages of results")).to_contain_text(re.compile(r"Page 1 of \d+"))
    assert page.locator("#results .space-card h3").all_inner_texts() == first_page_names
    expect(page.locator("header")).to_have_count(1)  # a whole page was not swapped into #results
    assert console.unexpected() == [], console.unexpected()
