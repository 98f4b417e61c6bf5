"""The HTML pages: what a resident sees, in English and Latvian, with and without htmx."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.core.models import utcnow
from tests.factories import make_activity, make_space

HTMX = {
    "HX-Request": "true",
    "HX-Target": "results",
    "HX-Current-URL": "http://testserver.local/spaces",
}


def test_home_shows_counts_countries_and_upcoming_activities(client: TestClient, session: Session) -> None:
    make_space(
        session,
        "SKOLA6",
        "Cēsis",
        activities=[make_activity("Experience-story evening", utcnow() + timedelta(days=2))],
    )
    make_space(session, "Ludgate Hub", "Skibbereen", "IE")
    page = client.get("/")
    assert page.status_code == 200
    assert "2 spaces in 2 countries" in page.text
    assert 'href="/countries/lv"' in page.text and ">Latvia<" in page.text and ">Ireland<" in page.text
    assert "Experience-story evening" in page.text and 'href="/spaces/skola6"' in page.text


def test_home_says_honestly_when_no_activities_are_dated(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", activities=[make_activity("open days")])
    assert "No dated activities have been announced yet" in client.get("/").text


def test_results_page_and_htmx_fragment(client: TestClient, session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde")
    make_space(session, "SKOLA6", "Cēsis")
    full = client.get("/spaces", params={"q": "Lielvarde"})
    assert full.status_code == 200
    assert "<html" in full.text and 'name="q" value="Lielvarde"' in full.text
    assert "CoLabora Lielvārde" in full.text and "SKOLA6" not in full.text
    fragment = client.get("/spaces", params={"q": "Lielvarde"}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<section id="results"')
    assert "CoLabora Lielvārde" in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    # htmx restoring history wants the whole page.
    restored = client.get(
        "/spaces",
        params={"q": "Lielvarde"},
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restored.text


def test_pagination_links_keep_the_filters(client: TestClient, session: Session) -> None:
    for number in range(23):
        make_space(session, f"Hub {number:02d}", amenities=("desks",))
    page = client.get("/spaces", params={"amenity": "desks"})
    assert '<p class="search-summary">23 spaces</p>' in page.text
    assert 'href="/spaces?amenity=desks&amp;page=2"' in page.text
    second = client.get("/spaces", params={"amenity": "desks", "page": 2})
    assert "Hub 22" in second.text and "Hub 00" not in second.text


def test_bad_filters_rerender_the_form_with_the_message_next_to_the_field(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6")
    page = client.get("/spaces", params={"q": "cesis", "country": "XX", "amenity": "desks"})
    assert page.status_code == 400
    assert 'value="cesis"' in page.text  # nothing the visitor typed is lost
    assert re.search(r'name="amenity" value="desks" checked', page.text)
    assert 'id="country-error"' in page.text and "Unknown country code" in page.text
    assert 'aria-invalid="true"' in page.text
    fragment = client.get("/spaces", params={"page": "999"}, headers=HTMX)
    assert fragment.status_code == 400 and "There is no such page of results" in fragment.text


def test_strange_query_text_never_breaks_the_page(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6")
    for text in [
        "\x00",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "😀" * 50,
        "%_%",
        "ā" * 200,
    ]:
        page = client.get("/spaces", params={"q": text})
        assert page.status_code == 200, text
        assert "<script>alert(1)</script>" not in page.text
    assert client.get("/spaces", params={"q": "x" * 201}).status_code == 400


def test_space_page_shows_everything_and_gaps_honestly(client: TestClient, session: Session) -> None:
    make_space(
        session,
        "SKOLA6",
        "Cēsis",
        amenities=("printer", "fibre"),
        builders=["Anna Example"],
        source_url="https://example.org/skola6",
        internet_download_mbps=300,
        internet_upload_mbps=100,
        opening_hours={"mon": [["09:00", "18:00"]]},
        activities=[
            make_activity(
                "Weekly resident meeting",
                utcnow() - timedelta(days=1),
                kind="resident_meeting",
                rrule="FREQ=WEEKLY",
            ),
            make_activity("open days"),
        ],
    )
    page = client.get("/spaces/skola6")
    assert page.status_code == 200
    text = page.text
    for expected in [
        "SKOLA6",
        "Printer / scanner",
        "300 Mbit/s down, 100 Mbit/s up",
        "Anna Example",
        "09:00–18:00",
        "Weekly resident meeting",
        "every week",  # the series' rule in words
        "schedule is not yet known",
        "open days",
        'href="https://example.org/skola6"',
        "Approximate location",
        'id="space-map"',
    ]:
        assert expected in text, expected
    json_ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1))
    assert json_ld["@type"] == "LocalBusiness" and json_ld["name"] == "SKOLA6"
    assert json_ld["address"]["addressLocality"] == "Cēsis"
    assert "geo" not in json_ld  # town-centre coordinates are not published as the building's
    assert json_ld["event"][0]["name"] == "Weekly resident meeting"


def test_space_without_location_or_amenities(client: TestClient, session: Session) -> None:
    make_space(session, "Sende", "Senderiz", "ES", latitude=None, longitude=None)
    text = client.get("/spaces/sende").text
    assert "Location not yet on the map" in text and 'id="space-map"' not in text
    assert "Not yet known: the public sources do not list" in text
    assert "No community builder has claimed this listing yet" in text


def test_drafts_are_not_found_and_closed_spaces_say_so(client: TestClient, session: Session) -> None:
    make_space(session, "Draft", status="draft")
    make_space(session, "Gone", status="closed")
    missing = client.get("/spaces/draft")
    assert missing.status_code == 404 and "We could not find that page" in missing.text
    assert "This space has closed" in client.get("/spaces/gone").text


def test_friendly_404(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "We could not find that page" in page.text and 'action="/spaces"' in page.text


def test_latvian_from_accept_language_and_from_the_cookie(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6")
    english = client.get("/spaces")
    assert '<html lang="en">' in english.text
    latvian = client.get("/spaces", headers={"Accept-Language": "lv-LV,lv;q=0.9,en;q=0.5"})
    assert '<html lang="lv">' in latvian.text and ">Latvija" in latvian.text
    switch = client.get("/language/lv", params={"next": "/spaces?q=cesis"}, follow_redirects=False)
    assert switch.status_code == 303 and switch.headers["location"] == "/spaces?q=cesis"
    assert "lang=lv" in switch.headers["set-cookie"]
    assert '<html lang="lv">' in client.get("/spaces").text  # the cookie is kept by the client


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        response = client.get("/language/en", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
    assert client.get("/language/xx", follow_redirects=False).status_code == 404


def test_networks_and_about_pages(client: TestClient, session: Session) -> None:
    from coworking.exchange.seed import seed

    seed(session)
    networks = client.get("/networks").text
    assert "Connected Hubs" in networks and "CoLabora" in networks
    about = client.get("/about").text
    assert "GeoNames" in about and "CC BY 4.0" in about
    assert "11 are not yet on the map" in about  # villages the gazetteer does not know (seed of 443 spaces)


def test_unexpected_errors_get_a_friendly_page_and_a_problem_body(settings, engine) -> None:  # noqa: ANN001
    from litestar import get

    from coworking.accounts.permissions import Permission
    from coworking.app import create_app

    @get("/boom", sync_to_thread=False, opt={"permission": Permission.DIRECTORY_READ})
    def boom() -> str:
        raise RuntimeError("database on fire")

    @get("/api/v1/boom", sync_to_thread=False, opt={"permission": Permission.DIRECTORY_READ})
    def api_boom() -> str:
        raise RuntimeError("database on fire")

    app = create_app(settings)
    app.register(boom)
    app.register(api_boom)
    with TestClient(app) as test_client:
        page = test_client.get("/boom")
        assert page.status_code == 500 and "Something went wrong on our side" in page.text
        assert "database on fire" not in page.text and "Traceback" not in page.text
        api = test_client.get("/api/v1/boom")
        assert api.status_code == 500 and api.headers["content-type"].startswith("application/problem+json")
        assert "database on fire" not in api.text
