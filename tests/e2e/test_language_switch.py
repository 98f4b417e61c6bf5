"""Switching the site to Latvian from the header, and keeping that choice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.helpers import ConsoleLog, screenshot

pytestmark = pytest.mark.browser


def interface_text(page: Page) -> list[str]:
    """Long-standing interface strings of /spaces: the main navigation, the heading, the submit button.
    (Newer strings may still be waiting for their translation; these must not be.)"""
    return [
        *(page.locator(f"header a[href='{href}']").inner_text() for href in ("/", "/spaces", "/network", "/about")),
        page.get_by_role("heading", level=1).inner_text(),
        # The form is folded under "Change search" after a search: its text, rendered or not.
        (page.locator("form#filters button[type=submit]").text_content() or "").strip(),
    ]


def language_menu(page: Page) -> Locator:
    """The header's language navigation, opened when it is folded into a menu (many languages)."""
    navigation = page.get_by_role("navigation", name=re.compile(r"^(Language|Valoda)$"))
    folded = navigation.locator("details")
    if folded.count() and folded.get_attribute("open") is None:
        folded.locator("summary").click()
    return navigation


def test_latvian_from_the_header_persists(page: Page, context: BrowserContext, console: ConsoleLog) -> None:
    page.goto("/spaces?q=cesis")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english = interface_text(page)
    english_title = page.title()

    language_menu(page).get_by_role("link", name="Latviešu").click()
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    # Back on the page the visitor was on, with their search.
    expect(page).to_have_url(re.compile(r"/spaces\?q=cesis$"))
    expect(page.locator("#q")).to_have_value("cesis")
    latvian = interface_text(page)
    pairs = list(zip(english, latvian, strict=True))
    assert all(en != lv for en, lv in pairs), f"left in English: {[en for en, lv in pairs if en == lv]}"
    assert page.title() != english_title
    language_nav = language_menu(page)
    expect(language_nav.locator("[aria-current]")).to_have_text("Latviešu")
    expect(language_nav.get_by_role("link", name="English")).to_be_visible()
    screenshot(page, "08-latvian-search-results")

    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies.get("lang", {}).get("value") == "lv", cookies

    # The next page, reached by a plain link, is still in Latvian.
    page.locator("header a[href='/network']").click()
    expect(page).to_have_url(re.compile(r"/network$"))
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("The European network of rural coworking spaces")
    screenshot(page, "09-latvian-network", full_page=False)

    # And back to English.
    language_menu(page).get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("The European network of rural coworking spaces")
    assert console.unexpected() == [], console.unexpected()
