"""No English left on a page rendered in another language (issue #14): every page the app answers GET on is
rendered in each language it offers, and no text of the page (nor a label a screen reader or a tooltip shows)
may be an English message whose translation differs. A message printed without going through the
translation (a label kept as a constant, a template that forgot ``_()``) shows up here."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from litestar.testing import TestClient

from coworking.core.i18n import TRANSLATIONS_DIR, catalogue_locales
from tests.test_edge import get_routes, seeded  # noqa: F401 - the fixture

SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class ShownText(HTMLParser):
    """The texts a visitor sees or hears: text nodes (not scripts' or styles') and the shown attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        self.texts.update(" ".join(value.split()) for name, value in attrs if name in SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.add(" ".join(data.split()))


def english_left(locale: str) -> dict[str, str]:
    """English messages of ``locale``'s catalogue whose translation differs, as they would show on a page
    (whole messages without placeholders, of at least two words: a single word may be a name)."""
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str) and message.string and message.string != message.id
        and "%(" not in message.id and len(message.id.split()) >= 2
    }  # fmt: skip


@pytest.mark.parametrize("locale", [code for code in catalogue_locales() if code != "en"])
def test_no_english_is_left_on_any_page(client: TestClient, seeded: None, locale: str) -> None:  # noqa: F811
    english = english_left(locale)
    found = []
    pages = 0
    for path in get_routes(client.app):
        response = client.get(path, params={"lang": locale}, follow_redirects=False)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        pages += 1
        parser = ShownText()
        parser.feed(response.text)
        found += [f"{path}: {text!r}" for text in sorted(parser.texts) if text in english]
    assert pages > 40, "the routes were walked"
    assert found == []
