"""Near a place and along the way: distances and order against hand-computed cases."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from geopy.distance import geodesic
from litestar.testing import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session

from coworking.core.models import utcnow
from coworking.geo.distance import (
    RouteSamples,
    box_around,
    box_around_route,
    intermediate_point,
    km_within_planar,
    parse_bbox,
    planar_degrees,
    route_position,
)
from coworking.geo.schemas import Origin, PlaceSuggestion
from coworking.spaces import services
from coworking.spaces.schemas import SearchPage
from tests.factories import make_space, space_query

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
    assert body["complete_within_km"] is None  # nothing was cut: the list is all there is within 50 km
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
    assert "Within 30 km of Lielvārde · " in page.text
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


# The cap on what one distance search reads, made small so that a few dozen spaces pass it.
CAP = 20


@pytest.fixture()
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_DISTANCE_CANDIDATES", CAP)


@contextmanager
def rows_per_statement(session: Session) -> Iterator[list[int]]:
    """How many rows each statement the session runs returns (each result is read whole, then handed on)."""
    counts: list[int] = []

    def count(state: ORMExecuteState) -> object:
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen.data))
        return frozen()

    event.listen(session, "do_orm_execute", count)
    try:
        yield counts
    finally:
        event.remove(session, "do_orm_execute", count)


def _place(latitude: float, longitude: float) -> PlaceSuggestion:
    return PlaceSuggestion(label="Here", query="Here", latitude=latitude, longitude=longitude, name="Here")


def _at(origin: tuple[float, float], km: float, bearing: float) -> tuple[float, float]:
    point = geodesic(kilometers=km).destination(origin, bearing)
    return point.latitude, point.longitude


def test_plain_degrees_bound_every_circle() -> None:
    """What the KNN order's plain degrees promise: a circle of km lies within planar_degrees of its centre."""
    for latitude in (0.0, 38.7, 52.5, 60.2, 70.0, -45.0):
        for km in (1, 30, 120, 500):
            bound = planar_degrees(latitude, km)
            for bearing in range(0, 360, 10):
                lat, lon = _at((latitude, 25.0), km, bearing)
                assert math.hypot(lat - latitude, lon - 25.0) < bound, (latitude, km, bearing)
            radius = km_within_planar(latitude, bound)
            assert radius == pytest.approx(km, rel=1e-6)
            assert planar_degrees(latitude, km_within_planar(latitude, 1.0)) < 1.0


def test_route_chunk_boxes_hold_their_stretch_of_the_corridor() -> None:
    rng = random.Random(7)
    for start, end, km in [
        ((38.72, -9.14), (60.17, 24.94), 100),
        ((48.39, -4.49), (50.45, 30.52), 5),
        ((57, 20), (57, 30), 1),
    ]:
        route = RouteSamples(start, end, km)
        for _ in range(400):
            fraction = rng.uniform(-0.02, 1.02)
            base = intermediate_point(start, end, min(1.0, max(0.0, fraction)))
            point = _at(base, rng.uniform(0, km) if 0 <= fraction <= 1 else rng.uniform(0, km / 2), rng.uniform(0, 360))
            position = route_position(start, end, point)
            if position.off_route_km > km:
                continue
            chunk = int(position.along_km / route.step_km) // route.per_chunk * route.per_chunk
            first = min(chunk, route.steps - 1)
            assert route.box(first, min(route.steps, first + route.per_chunk)).contains(*point), (start, point)
        assert route.steps / route.per_chunk <= 40


HERE = (57.0, 25.0)


def _ring_of_spaces(session: Session, count: int = 40) -> dict[str, float]:
    """Spaces 1.05, 2.05, … km from HERE, each on its own bearing: {name: km}."""
    spaces = {}
    for number in range(1, count + 1):
        km = number + 0.05
        latitude, longitude = _at(HERE, km, number * 97 % 360)
        make_space(session, f"Space {number:02d}", "Ringtown", latitude=latitude, longitude=longitude)
        spaces[f"Space {number:02d}"] = km
    return spaces


def _near(session: Session, km: float, **params: object) -> SearchPage:
    query = space_query(near="Here", radius_km=km, per_page=100, **params)
    return services.search_spaces(session, query, utcnow(), Origin(start=_place(*HERE), end=None, km=km))


@pytest.mark.usefixtures("small_cap")
def test_a_crowded_near_search_reads_at_most_the_cap_and_is_complete_within_what_it_says(session: Session) -> None:
    spaces = _ring_of_spaces(session)
    with rows_per_statement(session) as counts:
        page = _near(session, 50)
    assert max(counts) <= CAP + 1, counts  # the whole box (40 rows) before
    assert len(counts) <= 12
    within = page.complete_within_km
    assert within is not None and 5 < within < 50
    # Every space within that radius, none beyond, nearest first, with its true distance.
    assert [item.name for item in page.items] == [name for name, km in spaces.items() if km <= within]
    assert page.total == len(page.items)
    assert [item.distance_km for item in page.items] == [
        pytest.approx(spaces[item.name], abs=0.051) for item in page.items
    ]
    by_name = _near(session, 50, sort="name")
    assert [item.name for item in by_name.items] == sorted(item.name for item in page.items)
    assert by_name.complete_within_km == within


def test_plenty_of_room_under_the_cap_changes_nothing(session: Session) -> None:
    spaces = _ring_of_spaces(session)
    page = _near(session, 30)
    assert page.complete_within_km is None
    assert [item.name for item in page.items] == [name for name, km in spaces.items() if km <= 30]


@pytest.mark.usefixtures("small_cap")
def test_the_crowded_near_search_is_answered_from_the_spatial_index(session: Session) -> None:
    """PostgreSQL walks the GiST index nearest-first (KNN); SQLite has no such order, so its bounded
    probes must at least come from the R*Tree, never from a scan of every space."""
    _ring_of_spaces(session)
    statements: list[tuple[str, object]] = []

    def remember(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        statements.append((statement, parameters))

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", remember)
    try:
        _near(session, 50)
    finally:
        event.remove(bind, "before_cursor_execute", remember)
    if session.get_bind().dialect.name == "postgresql":
        nearest = [(statement, parameters) for statement, parameters in statements if "<->" in statement]
        assert len(nearest) == 1
        statement, parameters = nearest[0]
        assert "LIMIT" in statement and CAP + 1 in parameters.values()
        # Few rows here, so the planner would rather scan and sort: forbid that to see the index can serve it.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(row[0] for row in session.connection().exec_driver_sql("EXPLAIN " + statement, parameters))
        assert "Index Scan using ix_spaces_location" in plan and "Order By" in plan, plan
    else:
        probes = [(statement, parameters) for statement, parameters in statements if "spaces_rtree" in statement]
        assert probes, statements
        for statement, parameters in probes:
            plan = " ".join(
                str(row[-1]) for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "VIRTUAL TABLE INDEX" in plan and "SCAN spaces" not in plan.replace("SCAN spaces_rtree", ""), plan


START, END = (57.0, 20.0), (57.0, 30.0)


def _route(session: Session, km: float) -> SearchPage:
    query = space_query(route_from="Start", route_to="End", corridor_km=km, per_page=100)
    origin = Origin(start=_place(*START), end=_place(*END), km=km)
    return services.search_spaces(session, query, utcnow(), origin)


def _assert_complete_from_the_start(page: SearchPage, spaces: dict[str, tuple[float, float]]) -> None:
    """The page lists, in order along the route, every space within its corridor up to where it says it
    is complete, and nothing that is not in that order from the start."""
    assert page.origin is not None and page.complete_within_km is not None
    positions = {name: route_position(START, END, point) for name, point in spaces.items()}
    in_corridor = sorted(
        (name for name, at in positions.items() if at.off_route_km <= page.origin.km),
        key=lambda name: (positions[name].along_km, positions[name].off_route_km),
    )
    names = [item.name for item in page.items]
    assert names == in_corridor[: len(names)]
    assert {name for name in in_corridor if positions[name].along_km <= page.complete_within_km} <= set(names)
    assert page.total == len(names)


@pytest.mark.usefixtures("small_cap")
def test_a_crowded_route_is_read_from_its_start_and_says_how_far_it_is_complete(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    spaces = {"Behind the start": _at(START, 3, 270)}
    make_space(
        session,
        "Behind the start",
        "Back",
        latitude=spaces["Behind the start"][0],
        longitude=spaces["Behind the start"][1],
    )
    for number in range(60):
        point = _at(intermediate_point(START, END, (number + 0.5) / 60), 1 + number % 4, 0 if number % 2 else 180)
        spaces[f"On the way {number:02d}"] = point
        make_space(session, f"On the way {number:02d}", "Wayside", latitude=point[0], longitude=point[1])
    with rows_per_statement(session) as counts:
        page = _route(session, 10)
    assert max(counts) <= CAP + 1, counts  # all 61 in one box before
    assert len(counts) <= 50
    length = route_position(START, END, END).along_km
    along = page.complete_within_km
    assert along is not None and 50 < along < length
    assert page.origin is not None and page.origin.km == 10
    _assert_complete_from_the_start(page, spaces)
    assert page.items[0].name == "Behind the start" and 10 <= len(page.items) <= CAP
    monkeypatch.setattr(services, "MAX_DISTANCE_CANDIDATES", 1_000)
    everything = _route(session, 10)
    assert everything.complete_within_km is None and everything.total == 61
    assert everything.items[: len(page.items)] == page.items


def test_a_route_under_the_cap_finds_what_one_box_found(session: Session) -> None:
    spaces = {}
    for number in range(30):
        point = _at(intermediate_point(START, END, number / 29), 1 + number % 7 * 2, 0 if number % 2 else 180)
        spaces[f"Space {number:02d}"] = point
        make_space(session, f"Space {number:02d}", "Wayside", latitude=point[0], longitude=point[1])
    page = _route(session, 8)
    assert page.complete_within_km is None
    positions = {name: route_position(START, END, point) for name, point in spaces.items()}
    expected = sorted(
        (name for name, at in positions.items() if at.off_route_km <= 8),
        key=lambda name: (positions[name].along_km, positions[name].off_route_km),
    )
    assert [item.name for item in page.items] == expected and 10 < len(expected) < 30


@pytest.mark.usefixtures("small_cap")
def test_a_route_from_a_crowded_start_narrows_its_corridor_and_says_so(session: Session) -> None:
    spaces = {}
    for number in range(30):  # more than the cap within 1 km of the start
        point = _at(START, 0.05 + number / 30, number * 97 % 360)
        spaces[f"Crowd {number:02d}"] = point
        make_space(session, f"Crowd {number:02d}", "Start", latitude=point[0], longitude=point[1])
    with rows_per_statement(session) as counts:
        page = _route(session, 10)
    assert max(counts) <= CAP + 1, counts
    assert page.origin is not None and page.origin.km < 1
    _assert_complete_from_the_start(page, spaces)
    assert 0 < len(page.items) <= CAP
    assert all(item.distance_km <= page.origin.km for item in page.items)


@pytest.mark.usefixtures("small_cap")
def test_the_api_says_within_what_distance_the_list_is_complete(client: TestClient, session: Session) -> None:
    for number in range(1, 31):
        latitude, longitude = _at((56.72066, 24.80743), number + 0.05, number * 97 % 360)
        make_space(session, f"Near Lielvārde {number:02d}", "Lielvārde", latitude=latitude, longitude=longitude)
    body = client.get("/api/v1/spaces", params={"near": "Lielvarde", "radius_km": 50, "per_page": 100}).json()
    within = body["complete_within_km"]
    assert 0 < within < 50 and body["origin"]["km"] == 50
    assert body["total"] == len(body["items"]) == math.floor(within - 0.05)
    assert all(item["distance_km"] <= within for item in body["items"])
    few = client.get("/api/v1/spaces", params={"near": "Lielvarde", "radius_km": 5}).json()
    assert few["complete_within_km"] is None and few["total"] == 4


@pytest.mark.usefixtures("small_cap")
def test_the_page_says_when_a_crowded_search_lists_only_the_nearest(client: TestClient, session: Session) -> None:
    _ring_of_spaces(session)
    near = f"{HERE[0]:.5f}, {HERE[1]:.5f}"
    page = client.get("/spaces", params={"near": near, "radius_km": 50})
    assert page.status_code == 200
    within = client.get("/api/v1/spaces", params={"near": near, "radius_km": 50}).json()["complete_within_km"]
    assert within is not None and within < 50
    assert "More spaces lie within 50 km than one search can list" in page.text
    assert "Within 50 km of" not in page.text  # the summary states the distance it is complete for
    calm = client.get("/spaces", params={"near": near, "radius_km": 3})
    assert "than one search can list" not in calm.text
