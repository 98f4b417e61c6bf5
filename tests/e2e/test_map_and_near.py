"""A resident types their village, sees the nearest spaces with distances, and uses the map."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import ConsoleLog, new_phone_context, screenshot

pytestmark = pytest.mark.browser


def test_village_typed_without_diacritics_finds_the_nearest_spaces(page: Page, console: ConsoleLog) -> None:
    page.goto("/")
    field = page.get_by_label("Where do you live or work?")
    # Autocomplete: htmx fills the datalist from /places as the resident types.
    with page.expect_response(lambda response: "/places?near=lielv" in response.url):
        field.press_sequentially("lielv", delay=40)
    expect(page.locator("#home-places option").first).to_have_attribute("value", "Lielvārde, LV")
    field.fill("Lielvarde")
    page.get_by_role("button", name="Find spaces nearby").click()
    expect(page).to_have_url(re.compile(r"/spaces\?near=Lielvarde"))
    expect(page.locator(".search-summary")).to_contain_text("Lielvārde")
    cards = page.locator(".space-card")
    expect(cards.first).to_contain_text("CoLabora Lielvārde")
    expect(cards.first.locator(".distance")).to_contain_text("Less than 1 km away")
    distances = [float(re.sub(r"[^0-9.]", "", text) or 0) for text in cards.locator(".distance").all_inner_texts()]
    assert distances == sorted(distances)
    screenshot(page, "20-near-lielvarde")
    assert console.unexpected() == []


def test_unknown_village_gets_suggestions(page: Page) -> None:
    page.goto("/spaces?near=Lielvade")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("We could not find “Lielvade”")
    alert.get_by_role("link", name=re.compile("Lielvārde")).click()
    expect(page.locator(".search-summary")).to_contain_text("Lielvārde")


def test_along_the_way(page: Page) -> None:
    page.goto("/spaces?from=R%C4%ABga&to=C%C4%93sis&corridor_km=10")
    expect(page.locator(".search-summary")).to_contain_text("Cēsis")
    names = page.locator(".space-card h3").all_inner_texts()
    assert names[-1] == "SKOLA6" and len(names) >= 2
    screenshot(page, "21-along-the-way")


def _map_view(page: Page) -> tuple[float, float, int]:
    query = parse_qs(urlparse(page.url).query)
    latitude, longitude = (float(value) for value in query["center"][0].split(","))
    return latitude, longitude, int(query["zoom"][0])


def test_map_list_follows_the_view_and_the_url_keeps_it(browser: Browser, base_url: str) -> None:
    context = new_phone_context(
        browser, base_url, viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False
    )
    page = context.new_page()
    try:
        with page.expect_response(lambda response: "/api/v1/spaces.geojson" in response.url) as first:
            page.goto("/map")
        collection = first.value.json()
        assert collection["features"] and len(first.value.body()) < 60_000
        # Markers and clusters show although the tiles cannot load.
        expect(page.locator(".leaflet-marker-icon.cluster").first).to_be_visible()
        europe = page.locator(".search-summary").inner_text()

        # Zoom to Latvia: the list is refetched for the view and the URL records it.
        with page.expect_response(lambda response: "/map?" in response.url and "bbox=" in response.url):
            page.goto("/map?center=56.95,24.9&zoom=8")
        expect(page.locator(".search-summary")).not_to_have_text(europe)
        expect(page.locator("#results")).to_contain_text("CoLabora Lielvārde")
        expect(page.locator("#results")).not_to_contain_text("Ludgate")
        latitude, longitude, zoom = _map_view(page)
        assert (round(latitude, 1), round(longitude, 1), zoom) == (57.0, 24.9, 8)

        # Zoom in with the control: the list follows again.
        before = page.locator(".search-summary").inner_text()
        with page.expect_response(lambda response: "/map?" in response.url and "bbox=" in response.url):
            page.get_by_role("button", name="Zoom in", exact=True).click()
        assert _map_view(page)[2] == 9
        # Pan west (drag the map): Rīga's spaces come into view, the list updates.
        box = page.locator("#map").bounding_box()
        with page.expect_response(lambda response: "/map?" in response.url and "bbox=" in response.url):
            page.mouse.move(box["x"] + 200, box["y"] + 300)
            page.mouse.down()
            page.mouse.move(box["x"] + 500, box["y"] + 300, steps=8)
            page.mouse.up()
        assert _map_view(page)[1] < longitude
        expect(page.locator("#results")).to_contain_text("Biznesa vēstniecība")  # Tīraine, by Rīga
        assert page.locator(".search-summary").inner_text() != before or "Biznesa" in before

        # A result's "Show on map" opens its popup.
        page.goto("/map?center=57.31188,25.27456&zoom=13")
        expect(page.locator("#results")).to_contain_text("SKOLA6")
        page.locator(".space-card[data-slug='skola6'] [data-show-on-map]").click()
        expect(page.locator(".leaflet-popup")).to_contain_text("SKOLA6")
        screenshot(page, "22-map-cesis", full_page=False)

        # A cluster zooms in when clicked.
        page.goto("/map?center=54.5,15&zoom=4")
        expect(page.locator(".leaflet-marker-icon.cluster").first).to_be_visible()
        # The cluster nearest the middle of the map: one at an edge may sit under a map control.
        map_box = page.locator("#map").bounding_box()
        middle = (map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
        clusters = page.locator(".leaflet-marker-icon.cluster").all()

        def off_middle(box: dict) -> float:
            return (box["x"] + box["width"] / 2 - middle[0]) ** 2 + (box["y"] + box["height"] / 2 - middle[1]) ** 2

        cluster = min(clusters, key=lambda marker: off_middle(marker.bounding_box()))
        with page.expect_response(lambda response: "/api/v1/spaces.geojson" in response.url):
            cluster.click()
        assert _map_view(page)[2] > 4
        screenshot(page, "23-map-europe-zoomed", full_page=False)
    finally:
        context.close()


def test_map_without_javascript_is_the_list_with_distances(browser: Browser, base_url: str) -> None:
    context = new_phone_context(browser, base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/map?near=Cesis&radius_km=30")
        expect(page.locator("#map")).to_be_hidden()
        expect(page.locator(".space-card").first).to_contain_text("SKOLA6")
        expect(page.locator(".distance").first).to_contain_text("km")
        screenshot(page, "24-map-no-javascript")
    finally:
        context.close()
