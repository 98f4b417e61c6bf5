"""Near a place and along the way: distances and order against hand-computed cases."""

from __future__ import annotations

import re

import pytest
from geopy.distance import geodesic
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from coworking.geo.distance import box_around, box_around_route, intermediate_point, parse_bbox, route_position
from tests.factories import make_space

# One degree of a great circle on geopy's mean Earth radius (6371.009 km): 2πR/360.
DEGREE_KM = 111.19508


def test_cross_track_on_the_equator() -> None:
    start, end = (0.0, 0.0), (0.0, 10.0)
    beside = route_position(start, end, (1.0, 5.0))
    assert beside.off_route_km == pytest.approx(DEGREE_KM, rel=1e-4)
    assert beside.along_km == pytest.approx(5 * DEGREE_KM, rel=1e-3)
    behind = route_position(start, end, (0.0, -1.0))
    assert (behind.off_route_km, behind.along_km) == (pytest.approx(DEGREE_KM, rel=1e-4), 0.0)
    beyond = route_position(start, end, (0.0, 12.0))
    assert beyond.off_route_km == pytest.approx(2 * DEGREE_KM, rel=1e-4)
    assert beyond.along_km == pytest.approx(10 * DEGREE_KM, rel=1e-4)
    on = route_position(start, end, (0.0, 3.0))
    assert on.off_route_km == pytest.approx(0.0, abs=1e-6)


def test_box_around_holds_the_whole_circle() -> None:
    box = box_around(60.0, 25.0, 30)
    for bearing in range(0, 360, 15):
        point = geodesic(kilometers=30).destination((60.0, 25.0), bearing)
        assert box.contains(point.latitude, point.longitude), bearing


@pytest.mark.parametrize(
    "bad", ["", "1,2,3", "a,b,c,d", "10,50,5,60", "0,60,10,50", "-181,0,0,10", "0,-91,10,0", "nan,0,1,1", "inf,0,1,1"]
)
def test_malformed_boxes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_bbox(bad)


def _lielvarde_area(session: Session) -> None:
    make_space(session, "In Lielvārde", "Lielvārde", latitude=56.72066, longitude=24.80743)
    make_space(session, "In Ogre", "Ogre", latitude=56.8162, longitude=24.61401)
    make_space(session, "In Riga", "Rīga", latitude=56.946, longitude=24.10589)
    make_space(session, "In Cēsis", "Cēsis", latitude=57.31188, longitude=25.27456)
    make_space(session, "Nowhere yet", "Senderiz", "ES", latitude=None, longitude=None)


def test_near_search_orders_by_geodesic_distance_within_the_radius(client: TestClient, session: Session) -> None:
    _lielvarde_area(session)
    body = client.get("/api/v1/spaces", params={"near": "Lielvarde", "radius_km": 50}).json()
    names = [item["name"] for item in body["items"]]
    assert names == ["In Lielvārde", "In Ogre", "In Riga"]
    origin = (56.72066, 24.80743)
    expected = [round(geodesic(origin, (item["latitude"], item["longitude"])).km, 1) for item in body["items"]]
    assert [item["distance_km"] for item in body["items"]] == expected
    assert body["origin"]["start"]["name"] == "Lielvārde" and body["origin"]["km"] == 50
    assert client.get("/api/v1/spaces", params={"near": "Lielvarde", "radius_km": 200}).json()["total"] == 4


def test_near_search_combines_with_filters_and_other_orders(client: TestClient, session: Session) -> None:
    make_space(session, "B printer", "Ogre", latitude=56.8162, longitude=24.61401, amenities=("printer",))
    make_space(session, "A printer", "Rīga", latitude=56.946, longitude=24.10589, amenities=("printer",))
    make_space(session, "No printer", "Lielvārde", latitude=56.72066, longitude=24.80743)
    params = {"near": "Lielvārde, LV", "radius_km": 60, "amenity": "printer"}
    assert [item["name"] for item in client.get("/api/v1/spaces", params=params).json()["items"]] == [
        "B printer",
        "A printer",
    ]
    by_name = client.get("/api/v1/spaces", params={**params, "sort": "name"}).json()["items"]
    assert [item["name"] for item in by_name] == ["A printer", "B printer"]
    assert by_name[0]["distance_km"] == pytest.approx(geodesic((56.72066, 24.80743), (56.946, 24.10589)).km, abs=0.1)


def test_along_the_way_lists_spaces_near_the_route_in_order(client: TestClient, session: Session) -> None:
    make_space(session, "Cēsis hub", "Cēsis", latitude=57.31188, longitude=25.27456)
    make_space(session, "Sigulda hub", "Sigulda", latitude=57.15375, longitude=24.85953)  # 3 km off the line
    make_space(session, "Riga hub", "Rīga", latitude=56.946, longitude=24.10589)
    make_space(session, "Lielvārde hub", "Lielvārde", latitude=56.72066, longitude=24.80743)  # 43 km off
    body = client.get("/api/v1/spaces", params={"from": "Rīga", "to": "Cēsis", "corridor_km": 10}).json()
    assert [item["name"] for item in body["items"]] == ["Riga hub", "Sigulda hub", "Cēsis hub"]
    sigulda = body["items"][1]["distance_km"]
    assert 2 < sigulda < 4
    assert body["origin"]["end"]["name"] == "Cēsis"


def test_unknown_places_get_suggestions_not_errors(client: TestClient, session: Session) -> None:
    make_space(session, "Hub")
    api = client.get("/api/v1/spaces", params={"near": "Lielvade"})
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")
    problem = api.json()
    assert problem["errors"] == {"near": "We could not find this place."}
    assert problem["suggestions"][0]["name"] == "Lielvārde"
    page = client.get("/spaces", params={"near": "Lielvade", "q": "hub"})
    assert page.status_code == 400
    assert "We could not find “Lielvade”" in page.text
    assert 'href="/spaces?q=hub&amp;near=Lielv%C4%81rde%2C+LV"' in page.text
    route = client.get("/api/v1/spaces", params={"from": "Riga", "to": "Cesiss"}).json()
    assert "to" in route["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"near": "Ogre", "radius_km": "0"},
        {"near": "Ogre", "radius_km": "501"},
        {"near": "Ogre", "radius_km": "far"},
        {"from": "Riga"},
        {"to": "Riga"},
        {"from": "Riga", "to": "Ogre", "corridor_km": "101"},
        {"near": "Ogre", "from": "Riga", "to": "Cesis"},
        {"sort": "distance"},
        {"bbox": "1,2,3"},
        {"near": "x" * 121},
    ],
)
def test_bad_distance_parameters_answer_400(client: TestClient, params: dict) -> None:
    response = client.get("/api/v1/spaces", params=params)
    assert response.status_code == 400, params
    assert response.json()["errors"]
    assert client.get("/spaces", params=params).status_code == 400


def test_html_results_show_distances(client: TestClient, session: Session) -> None:
    _lielvarde_area(session)
    page = client.get("/spaces", params={"near": "Lielvarde", "radius_km": 30})
    assert "Within 30 km of Lielvārde, Ogre, Latvia" in page.text
    assert "Less than 1 km away" in page.text and "16 km away" in page.text
    route = client.get("/spaces", params={"from": "Riga", "to": "Cesis", "corridor_km": 5})
    assert "km from the route" in route.text


def test_places_autocomplete_html_and_json(client: TestClient) -> None:
    options = client.get("/places", params={"near": "lielv"}, headers={"HX-Request": "true"})
    assert '<option value="Lielvārde, LV">Lielvārde, Ogre, Latvia</option>' in options.text
    assert client.get("/api/v1/places", params={"q": "lielv"}).json()[0]["query"] == "Lielvārde, LV"
    missing = client.get("/api/v1/places")
    assert missing.status_code == 400 and "q" in missing.json()["errors"]


def test_spatial_index_follows_every_write(session: Session) -> None:
    space = make_space(session, "Moving", latitude=56.0, longitude=24.0)
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":

        def indexed() -> list:
            return session.execute(text("SELECT id, min_lat, min_lon FROM spaces_rtree")).all()

        assert indexed() == [(space.id, pytest.approx(56.0), pytest.approx(24.0))]
        space.latitude = 57.0
        session.commit()
        assert indexed() == [(space.id, pytest.approx(57.0), pytest.approx(24.0))]
        space.latitude = None
        session.commit()
        assert indexed() == []
        space.latitude = 56.5
        session.commit()
        session.delete(space)
        session.commit()
        assert indexed() == []
    else:
        assert session.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_spaces_location'")) == 1
        # Few rows here, so the planner would rather scan: forbid that to see the index can serve the query.
        session.execute(text("SET enable_seqscan = off"))
        plan = (
            session.execute(
                text(
                    "EXPLAIN SELECT id FROM spaces WHERE latitude IS NOT NULL AND longitude IS NOT NULL "
                    "AND point(longitude, latitude) <@ box(point(20, 50), point(30, 60))"
                )
            )
            .scalars()
            .all()
        )
        assert any("ix_spaces_location" in line for line in plan), plan


def test_near_search_inside_a_map_view(client: TestClient, session: Session) -> None:
    _lielvarde_area(session)
    # The map's list: spaces near Lielvārde, but only those in the view around Rīga.
    body = client.get(
        "/api/v1/spaces", params={"near": "Lielvarde", "radius_km": 100, "bbox": "23.9,56.85,24.3,57.1"}
    ).json()
    assert [item["name"] for item in body["items"]] == ["In Riga"]


def test_a_long_route_box_holds_the_great_circles_bulge() -> None:
    brest, kyiv = (48.39, -4.49), (50.45, 30.52)
    box = box_around_route(brest, kyiv, 5)
    for step in range(0, 101, 5):
        point = intermediate_point(brest, kyiv, step / 100)
        assert box.contains(*point), point
        assert route_position(brest, kyiv, point).off_route_km == pytest.approx(0, abs=0.01)
    # The middle of the route lies north of both ends: the ends' boxes alone would miss it.
    assert intermediate_point(brest, kyiv, 0.5)[0] > 50.45 + 5 / 111


def test_route_search_finds_a_space_on_the_bulge(client: TestClient, session: Session) -> None:
    latitude, longitude = intermediate_point((48.39, -4.49), (50.45, 30.52), 0.55)
    make_space(session, "On the way", "Somewhere", "DE", latitude=latitude, longitude=longitude)
    body = client.get("/api/v1/spaces", params={"from": "48.39, -4.49", "to": "50.45, 30.52", "corridor_km": 5}).json()
    assert [item["name"] for item in body["items"]] == ["On the way"]


def test_the_search_form_as_sent_sorts_a_near_search_by_distance(client: TestClient, session: Session) -> None:
    """The form always sends every field; an empty sort means nearest first when a place is given."""
    _lielvarde_area(session)
    form = {"q": "", "near": "Lielvarde", "radius_km": "100", "from": "", "to": "", "corridor_km": "10", "sort": ""}
    page = client.get("/spaces", params=form)
    names = re.findall(r'<h3><a href="/spaces/[^"]+">([^<]+)</a></h3>', page.text)
    assert names == ["In Lielvārde", "In Ogre", "In Riga", "In Cēsis"]
    assert '<option value="" selected>' in page.text


def test_place_names_are_escaped_once(client: TestClient, session: Session) -> None:
    page = client.get("/spaces", params={"near": "L'Aquila", "radius_km": 5})
    assert "L&#39;Aquila" in page.text and "&amp;#39;" not in page.text
