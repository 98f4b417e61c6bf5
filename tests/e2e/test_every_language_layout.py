"""The layout holds in every offered language on a 360 px phone (issue #14): long German words, French
typography, the language menu folded and opened. No sideways scroll, no button or link wider than the
screen, on the pages a visitor meets first; a screenshot of each page in each language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from coworking.core.i18n import catalogue_locales
from tests.e2e.helpers import new_phone_context, screenshot

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 780}
PAGES = ["/", "/spaces?q=cesis", "/spaces/skola6", "/activities", "/account/register"]

# Anything a visitor reads or taps whose right edge passes the screen's.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    for (const element of document.querySelectorAll('main button, main a, main h1, main h2, main label, header a, header summary')) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1) found.push(`${element.tagName} "${element.textContent.trim().slice(0, 40)}" ends at ${Math.round(box.right)}`);
    }
    return {scroll: document.documentElement.scrollWidth, width, found};
}"""


@pytest.mark.parametrize("language", [code for code in catalogue_locales() if code != "en"])
def test_every_language_fits_a_360_px_phone(browser: Browser, base_url: str, language: str) -> None:
    context = new_phone_context(browser, base_url, viewport=NARROW)
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto(path + ("&" if "?" in path else "?") + f"lang={language}")
            assert page.locator("html").get_attribute("lang") == language
            menu = page.locator("nav.languages details summary")
            if menu.count():
                menu.click()  # opened, the menu must fit too
            measured = page.evaluate(OVERFLOWING)
            assert measured["scroll"] <= measured["width"], f"{path} in {language} scrolls sideways: {measured}"
            assert measured["found"] == [], f"{path} in {language}: {measured['found']}"
            if path in ("/", "/spaces/skola6"):
                screenshot(page, f"layout-{language}-{path.strip('/').replace('/', '-') or 'home'}", full_page=False)
    finally:
        context.close()
