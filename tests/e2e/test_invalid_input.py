"""A mistyped filter in the address bar gets a clear message next to the field, not a crash."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import screenshot

pytestmark = pytest.mark.browser


def test_unknown_country_shows_the_error_next_to_the_field(page: Page) -> None:
    response = page.goto("/spaces?country=XX")
    assert response is not None and response.status == 400

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Please check your search")
    expect(summary).to_contain_text("country code")

    country = page.locator("select#country")
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(country).to_have_attribute("aria-describedby", "country-error")
    # The message sits right after the field it is about, and is its accessible description.
    message = page.locator("select#country + #country-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Unknown country code")
    expect(country).to_have_accessible_description(message.inner_text())

    body = page.content()
    for leak in ("Traceback", 'File "', "InvalidQuery", "litestar", "sqlalchemy"):
        assert leak not in body, f"the error page leaks {leak!r}"
    # The form is still there to correct the search.
    expect(page.get_by_role("button", name="Show spaces")).to_be_visible()
    screenshot(page, "10-invalid-country")


def test_head_through_the_real_server(base_url: str) -> None:
    """HEAD on pages, the API, /healthz and static files, through uvicorn (which checks what is sent)."""
    import urllib.request

    for path in ("/", "/spaces?q=cesis", "/api/v1/spaces", "/healthz", "/static/css/site.css", "/account/login"):
        with urllib.request.urlopen(urllib.request.Request(base_url + path, method="HEAD"), timeout=10) as answer:  # noqa: S310
            assert answer.status == 200, path
            assert answer.read() == b"", path
