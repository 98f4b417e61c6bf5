"""Pages stay light and still on a slow phone link (issue #13): nothing shifts as the map, its list and
the scripts arrive, and the home page stays under 40 KB transferred.

On a phone's slow link the page paints before its scripts have arrived; on a local link they could run
before the first paint and hide a shift. So the layout-shift test holds the site's own scripts back
until the page has painted, as a slow link does. ``python benchmarks/lighthouse.py`` gives the
Lighthouse scores themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Response, Route

from tests.e2e.helpers import new_phone_context, wait_until_htmx_is_quiet

pytestmark = pytest.mark.browser

HOME_BUDGET_BYTES = 40 * 1024
# The site's own scripts, named by their content (/static/js/map.js?v=…).
SITE_SCRIPTS = re.compile(r"/static/js/[\w-]+\.js(\?|$)")
CLS_LIMIT = 0.1  # Lighthouse's and Web Vitals' "good"

# Every layout shift not caused by input, from the start of the page (buffered: before this ran too).
LAYOUT_SHIFTS = """
window.__layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__layoutShifts.push({
      value: entry.value,
      nodes: (entry.sources || []).map((s) => s.node ? (s.node.id ? '#' + s.node.id : s.node.nodeName + '.' + (s.node.className || '')) : '?'),
    });
  }
}).observe({ type: 'layout-shift', buffered: true });
"""


@pytest.fixture()
def phone(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = new_phone_context(browser, base_url)
    context.add_init_script(LAYOUT_SHIFTS)
    yield context
    context.close()


# Boxes that must be where they will stay from the first paint: (selector, what of its box).
RESERVED = {
    "/map": [("#map", "top"), ("#map", "height"), ("#results", "top")],
    "/map?country=LV": [("#map", "top"), ("#map", "height"), ("#results", "top")],
    "/spaces/skola6": [("#space-map", "top"), ("#space-map", "height")],
}
BOXES = "(watched) => watched.map(([selector, side]) => { const e = document.querySelector(selector); return e ? Math.round(e.getBoundingClientRect()[side]) : null; })"


@pytest.mark.parametrize("path", ["/", "/spaces?q=cesis", "/spaces/skola6", "/map", "/map?country=LV"])
def test_nothing_shifts_while_the_page_loads(phone: BrowserContext, path: str) -> None:
    page = phone.new_page()
    held: list[Route] = []
    # The request waits, unanswered, until the page has painted (deferred scripts do not hold up the
    # first paint; they do hold up DOMContentLoaded, as on a slow link).
    page.route(SITE_SCRIPTS, lambda route: held.append(route))
    page.goto(path, wait_until="commit")
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
    page.wait_for_timeout(100)  # a frame or two of the page as painted, before the scripts come
    watched = [list(item) for item in RESERVED.get(path, [])]
    painted = page.evaluate(BOXES, watched)
    for route in list(held):
        route.continue_()
    page.unroute(SITE_SCRIPTS)  # lets through, too, any request held since
    page.wait_for_load_state("load")
    if path.startswith("/map"):
        page.locator("#map .leaflet-interactive, #map .cluster").first.wait_for()
    wait_until_htmx_is_quiet(page, quiet_ms=500)
    assert held, "the page loaded none of the site's scripts"
    # The boxes the scripts fill were there, at their size, before the scripts ran. (Checked directly:
    # the browser's layout-shift entries below also depend on when it happened to paint.)
    assert page.evaluate(BOXES, watched) == painted, f"{path}: {watched} moved from {painted}"
    shifts = page.evaluate("window.__layoutShifts")
    total = sum(shift["value"] for shift in shifts)
    assert total < CLS_LIMIT, f"{path}: layout shifts add up to {total:.3f}: {shifts}"
    page.close()


def test_home_page_is_under_40_kb_transferred(phone: BrowserContext) -> None:
    page = phone.new_page()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/", wait_until="load")
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in responses:
        measured = response.request.sizes()
        # What crossed the wire: the headers and the body as sent (compressed).
        sizes[response.url] = measured["responseHeadersSize"] + measured["responseBodySize"]
    total = sum(sizes.values())
    listing = "\n".join(f"  {size:>7,} {url}" for url, size in sorted(sizes.items(), key=lambda item: -item[1]))
    assert total <= HOME_BUDGET_BYTES, f"the home page transferred {total:,} bytes:\n{listing}"
    # Every script is deferred: none holds up the first paint.
    blocking = page.evaluate("[...document.scripts].filter((s) => s.src && !s.defer && !s.async).map((s) => s.src)")
    assert blocking == []
    page.close()
