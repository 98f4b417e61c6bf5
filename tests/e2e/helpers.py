"""Helpers shared by the browser tests: phone-sized contexts, console watching, screenshots, axe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.server import CHROMIUM_FLAGS, REPO_ROOT

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", *CHROMIUM_FLAGS]
# Tiles come from a port nothing listens on: they fail fast, and never from the internet.
TILE_HOST = "127.0.0.1:9"
TILE_URL = f"http://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"
PHONE = {"width": 390, "height": 844}
LOCALE = "en-GB"


def new_phone_context(browser: Browser, base_url: str, **options: object) -> BrowserContext:
    """A phone: 390×844, touch screen, British English; pages resolve against ``base_url``."""
    settings: dict[str, object] = {
        "viewport": PHONE,
        "locale": LOCALE,
        "has_touch": True,
        "is_mobile": True,
    }
    settings.update(options)
    context = browser.new_context(base_url=base_url, **settings)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


@dataclass
class ConsoleLog:
    """Console errors, uncaught page errors and CSP violations ("Refused to …") seen by one page."""

    entries: list[tuple[str, str]] = field(default_factory=list)  # (text, source URL)

    def clear(self) -> None:
        self.entries.clear()

    def unexpected(self, *, error_document: str | None = None) -> list[str]:
        """Everything but failed tile loads (tiles point at a closed port on purpose) and, for an
        error page reached on purpose, the browser's note that ``error_document`` answered 4xx."""
        found = []
        for text, source in self.entries:
            if TILE_HOST in source or TILE_HOST in text:
                continue
            if source.endswith("/favicon.ico"):
                # Chromium asks for /favicon.ico on its own; the site has none yet (a known gap,
                # not a page error). Any other missing resource still fails.
                continue
            if (
                error_document
                and source == error_document
                and text.startswith("Failed to load resource: the server responded with a status of 4")
            ):
                continue
            found.append(f"{text} [{source}]" if source else text)
        return found


# Records CSP violations in the page itself. Playwright injects it over DevTools, so the page's
# own CSP does not block it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const target = event.target instanceof Element
    ? `<${event.target.tagName.toLowerCase()}${event.target.id ? "#" + event.target.id : ""}>` : "document";
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${target} ` +
    `(${event.sourceFile}:${event.lineNumber}) ${event.sample || ""}`.trim()
  );
});
"""


def watch_console(page: Page) -> ConsoleLog:
    log = ConsoleLog()

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" or text.startswith("Refused to"):
            log.entries.append((text, (message.location or {}).get("url", "")))

    page.on("console", on_console)
    page.on(
        "pageerror",
        lambda error: log.entries.append((f"uncaught exception: {error}", "")),
    )
    page.add_init_script(CSP_LISTENER)
    return log


def csp_violations(page: Page) -> list[str]:
    """Violations the page reported, except blocked tile images (allowed to fail here)."""
    found = page.evaluate("window.__cspViolations || []")
    return [item for item in found if TILE_HOST not in item]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def run_axe(page: Page) -> list[dict]:
    """Inject axe-core and return its WCAG 2.1 A/AA violations for the whole document.

    ``page.add_script_tag(path=…)`` inserts an inline <script>, which the site's CSP
    (``script-src 'self'``) rightly blocks; evaluating the source over DevTools is not subject to it.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        assert page.evaluate("typeof window.axe !== 'undefined'"), "axe-core did not load"
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def reveal(page: Page, selector: str) -> None:
    """Open, as a visitor would by tapping their summaries, the closed <details> around ``selector``
    (outermost first)."""
    closed = page.locator(f"details:not([open]):has({selector})")
    for _ in range(5):
        if closed.count() == 0:
            return
        closed.first.locator(":scope > summary").click()
    raise AssertionError(f"could not open the <details> around {selector}")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = SCREENSHOTS / f"{safe}.png"
    # caret="initial": Playwright's default caret hiding leaves style="" on inputs, which htmx later
    # copies while settling a swap, and the site's CSP (rightly) reports that as an inline style.
    page.screenshot(path=str(path), full_page=full_page, caret="initial")
    return path


def wait_until_htmx_is_quiet(page: Page, quiet_ms: int = 800, timeout_s: float = 15.0) -> None:
    """Wait until no htmx request has been in flight for ``quiet_ms`` (the map may fetch its list twice:
    once for its first view, once after fitting the results), so a check sees the settled page. The map
    says it is still drawing or fitting its view with aria-busy."""
    page.evaluate(
        """() => {
            window.__htmxLastBusy = Date.now();
            for (const name of ['htmx:beforeRequest', 'htmx:afterSettle', 'htmx:afterRequest']) {
                document.body.addEventListener(name, () => { window.__htmxLastBusy = Date.now(); });
            }
        }"""
    )
    page.wait_for_function(
        f"""() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, [aria-busy="true"]')
                 && Date.now() - window.__htmxLastBusy > {quiet_ms}""",
        timeout=timeout_s * 1000,
    )
