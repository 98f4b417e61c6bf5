"""The JSON API twin: same filters and pages as the HTML, problem+json for every error."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coworking.app import create_app
from coworking.core.settings import Settings
from tests.factories import make_space


def test_search_mirrors_the_html_filters(client: TestClient, session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", amenities=("event_space",))
    make_space(session, "SKOLA6", "Cēsis", amenities=("printer", "kitchen"))
    make_space(session, "Ludgate Hub", "Skibbereen", "IE", amenities=("printer",))
    body = client.get("/api/v1/spaces", params={"q": "Lielvarde"}).json()
    assert [item["name"] for item in body["items"]] == ["CoLabora Lielvārde"]
    body = client.get(
        "/api/v1/spaces",
        params=[("country", "LV"), ("country", "IE"), ("amenity", "printer")],
    ).json()
    assert [item["name"] for item in body["items"]] == ["Ludgate Hub", "SKOLA6"]
    card = body["items"][1]
    assert card["amenities"] == ["printer", "kitchen"] and card["location_precision"] == "town"


def test_pagination_links(client: TestClient, session: Session) -> None:
    for number in range(5):
        make_space(session, f"Hub {number}")
    first = client.get("/api/v1/spaces", params={"per_page": 2, "country": "LV"}).json()
    assert (first["total"], first["pages"], first["previous"]) == (5, 3, None)
    assert first["next"].endswith("/api/v1/spaces?country=LV&page=2&per_page=2")
    last = client.get(first["next"]).json()
    second_page = client.get("/api/v1/spaces", params={"per_page": 2, "country": "LV", "page": 3}).json()
    assert [item["name"] for item in last["items"]] == ["Hub 2", "Hub 3"]
    assert second_page["next"] is None and [item["name"] for item in second_page["items"]] == ["Hub 4"]


def test_detail(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", amenities=("fibre",), builders=["Anna Example"])
    body = client.get("/api/v1/spaces/skola6").json()
    assert body["name"] == "SKOLA6" and body["fibre"] is True
    assert body["community_builders"] == [{"name": "Anna Example", "bio": None, "public_contact": None}]
    assert body["version"] == 1


def _problem(response) -> dict:  # noqa: ANN001
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    return body


def test_bad_parameters_answer_400_with_a_problem_body(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6")
    cases = {
        "country=XX": "country",
        "amenity=jacuzzi": "amenity",
        "page=0": "page",
        "page=abc": "page",
        "page=9": "page",
        "per_page=101": "per_page",
        "sort=price": "sort",
        "upcoming=perhaps": "upcoming",
        "q=" + "x" * 201: "q",
    }
    for query, field in cases.items():
        response = client.get(f"/api/v1/spaces?{query}")
        assert response.status_code == 400, query
        assert field in _problem(response).get("errors", {}), query


def test_unknown_space_and_route_are_404_problems(client: TestClient) -> None:
    assert _problem(client.get("/api/v1/spaces/nowhere"))["status"] == 404
    assert _problem(client.get("/api/v1/nothing"))["status"] == 404


def test_overview_and_networks(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6")
    overview = client.get("/api/v1/overview").json()
    assert overview["spaces"] == 1 and overview["countries"] == [{"code": "LV", "spaces": 1}]
    assert client.get("/api/v1/networks").json() == []


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    document = client.get("/schema/openapi.json").json()
    assert {
        "/api/v1/spaces",
        "/api/v1/spaces/{slug}",
        "/api/v1/overview",
        "/api/v1/networks",
    } <= set(document["paths"])
    assert not any(path.startswith("/spaces") for path in document["paths"])  # HTML pages are not API


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {
        "status": "ok",
        "database": "ok",
    }


def test_readyz_asks_redis_only_when_one_is_configured(client: TestClient, engine: Engine, settings: Settings) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "database": "ok"}
    assert ready.headers["cache-control"] == "no-store"
    with TestClient(app=create_app(replace(settings, redis_url="redis://127.0.0.1:6379/0"))) as shared:
        assert shared.get("/readyz").json() == {"status": "ok", "database": "ok", "redis": "ok"}
    # A Redis that does not answer (nothing listens on port 9): not ready, and says which part.
    with TestClient(app=create_app(replace(settings, redis_url="redis://127.0.0.1:9/0"))) as broken:
        answer = broken.get("/readyz")
        assert answer.status_code == 503 and answer.json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_pages_and_api_check_a_search_with_one_path_and_one_wording(client: TestClient, session: Session) -> None:
    """The API once validated with Litestar's parameters ("Expected `int` >= 1") and again by hand, the
    pages by hand only: now both ask build_space_query, and answer in the visitor's language."""
    make_space(session, "SKOLA6")
    for query, field, english, latvian in [
        ("page=0", "page", "The page number must be a whole number from 1.", "Lapas numuram jābūt veselam skaitlim"),
        ("per_page=abc", "per_page", "Results per page must be between 1 and 100.", "Rezultātu skaitam lapā"),
        ("radius_km=-5&near=Cesis", "radius_km", "The distance must be a number of kilometres from 1 to 500.", "Attālumam"),
    ]:
        api = client.get(f"/api/v1/spaces?{query}")
        assert api.status_code == 400 and _problem(api)["errors"] == {field: english}, query
        assert _problem(api)["detail"] == "Some parameters are not valid."
        page = client.get(f"/spaces?{query}")
        assert page.status_code == 400 and english in page.text, query
        in_latvian = client.get(f"/api/v1/spaces?{query}", headers={"accept-language": "lv"})
        assert _problem(in_latvian)["errors"][field].startswith(latvian), in_latvian.text
        assert _problem(in_latvian)["detail"] == "Daži parametri nav derīgi."
    not_found = client.get("/api/v1/spaces?near=Xyzzyville")
    assert _problem(not_found)["detail"] == "We could not find 'Xyzzyville'."
    assert _problem(not_found)["errors"] == {"near": "We could not find this place."}
    map_answer = client.get("/api/v1/spaces.geojson?bbox=1,2,3&zoom=x")
    assert map_answer.status_code == 400
