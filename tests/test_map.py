"""The clustered GeoJSON for the map and the /map page."""

from __future__ import annotations

import json
import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.exchange.seed import seed
from coworking.geo.distance import parse_bbox
from coworking.map.services import MAX_CELLS, choose_level, snap
from coworking.spaces.models import Space
from tests.factories import make_space

VIEWS = [
    ("-25,34,45,72", 4),  # Europe
    ("20.5,55.5,28.5,58.2", 7),  # the Baltics
    ("-10.7,51.3,-5.9,55.5", 7),  # Ireland
    ("24.5,56.6,25.5,57.4", 10),  # Lielvārde to Cēsis
    ("25.2,57.28,25.3,57.34", 15),  # Cēsis town
    ("-180,-90,180,90", 0),  # the world
    ("-180,-90,180,90", 18),  # the world at street zoom: still a few hundred features at most
]


def _count_in(session: Session, box: list[float]) -> int:
    west, south, east, north = box
    located = session.scalars(
        select(Space).where(
            Space.status == "published",
            Space.latitude.between(south, north),
            Space.longitude.between(west, east),
        )
    ).all()
    return len(located)


@pytest.mark.parametrize(("bbox", "zoom"), VIEWS)
def test_cluster_counts_add_up_to_the_spaces_in_the_box(
    client: TestClient, session: Session, bbox: str, zoom: int
) -> None:
    seed(session)
    response = client.get("/api/v1/spaces.geojson", params={"bbox": bbox, "zoom": zoom})
    assert response.status_code == 200
    collection = response.json()
    counts = [feature["properties"].get("count", 1) for feature in collection["features"]]
    assert sum(counts) == collection["total"] == _count_in(session, collection["bbox"])
    assert len(collection["features"]) <= MAX_CELLS
    assert len(response.content) < 60_000
    # The stated box holds the requested one.
    asked = parse_bbox(bbox)
    west, south, east, north = collection["bbox"]
    assert west <= asked.west and south <= asked.south and east >= asked.east and north >= asked.north


def test_single_spaces_are_points_and_groups_are_clusters(client: TestClient, session: Session) -> None:
    make_space(session, "Alone", "Cēsis", latitude=57.31188, longitude=25.27456)
    make_space(session, "Twin A", "Ogre", latitude=56.8162, longitude=24.61401)
    make_space(session, "Twin B", "Ogre", latitude=56.8170, longitude=24.6150)
    features = client.get("/api/v1/spaces.geojson", params={"bbox": "20,55,28,58", "zoom": 8}).json()["features"]
    single = next(feature for feature in features if not feature["properties"].get("cluster"))
    cluster = next(feature for feature in features if feature["properties"].get("cluster"))
    assert single["properties"] == {"slug": "alone", "name": "Alone", "approximate": True}
    assert single["geometry"]["coordinates"] == [25.27456, 57.31188]
    assert cluster["properties"]["count"] == 2
    assert cluster["properties"]["bounds"] == [24.61401, 56.8162, 24.615, 56.817]
    # Zoomed in far enough, the twins come apart.
    close = client.get("/api/v1/spaces.geojson", params={"bbox": "24.6,56.81,24.62,56.82", "zoom": 17}).json()
    assert sorted(feature["properties"]["name"] for feature in close["features"]) == ["Twin A", "Twin B"]


def test_filters_apply_to_the_map(client: TestClient, session: Session) -> None:
    make_space(session, "Printer", latitude=57.0, longitude=25.0, amenities=("printer",))
    make_space(session, "Plain", latitude=57.5, longitude=25.5)
    answer = client.get(
        "/api/v1/spaces.geojson", params={"bbox": "20,55,28,58", "zoom": 12, "amenity": "printer"}
    ).json()
    assert [feature["properties"]["name"] for feature in answer["features"]] == ["Printer"]


def test_a_new_space_shows_after_the_grid_cache_is_cleared(client: TestClient, session: Session) -> None:
    params = {"bbox": "20,55,28,58", "zoom": 5}
    assert client.get("/api/v1/spaces.geojson", params=params).json()["total"] == 0
    make_space(session, "New", latitude=57.0, longitude=25.0)
    client.app.state.map_grids.clear()
    assert client.get("/api/v1/spaces.geojson", params=params).json()["total"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zoom": 5}, "bbox"),
        ({"bbox": "20,55,28", "zoom": 5}, "bbox"),
        ({"bbox": "28,55,20,58", "zoom": 5}, "bbox"),
        ({"bbox": "20,55,28,95", "zoom": 5}, "bbox"),
        ({"bbox": "20,55,28,58"}, "zoom"),
        ({"bbox": "20,55,28,58", "zoom": 23}, "zoom"),
        ({"bbox": "20,55,28,58", "zoom": -1}, "zoom"),
        ({"bbox": "20,55,28,58", "zoom": "near"}, "zoom"),
        ({"bbox": "20,55,28,58", "zoom": 5, "country": "XX"}, "country"),
    ],
)
def test_bad_map_parameters_answer_400_with_a_problem(client: TestClient, params: dict, field: str) -> None:
    response = client.get("/api/v1/spaces.geojson", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert field in json.dumps(problem), problem


def test_levels_and_snapping() -> None:
    box = parse_bbox("20.5,55.5,28.5,58.2")
    level = choose_level(box, 8)
    snapped = snap(box, level)
    assert level <= 10
    assert snapped.west <= 20.5 and snapped.east >= 28.5 and snapped.south <= 55.5 and snapped.north >= 58.2


def test_map_page_works_without_javascript(client: TestClient, session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", latitude=56.72066, longitude=24.80743)
    page = client.get("/map", params={"near": "Lielvarde", "radius_km": 30})
    assert page.status_code == 200
    # The map's box is in the page from the first paint (nothing shifts when the script fills it); without
    # JavaScript a <noscript> stylesheet hides it, and the list is the page.
    assert 'id="map"' in page.text and 'class="directory-map' in page.text
    assert re.search(r'<noscript><link rel="stylesheet" href="/static/css/noscript\.css\?v=\w+"></noscript>', page.text)
    assert ".directory-map," in client.get("/static/css/noscript.css").text
    assert "CoLabora Lielvārde" in page.text and "Less than 1 km away" in page.text
    assert 'data-origin="56.72066,24.80743"' in page.text
    assert re.search(r'src="/static/js/map\.js\?v=\w+"', page.text)
    fragment = client.get("/map", params={"bbox": "20,55,28,58"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "CoLabora Lielvārde" in fragment.text


def test_panning_and_moving_keep_the_counts_right(client: TestClient, session: Session) -> None:
    """The cached whole-directory grid must not remember the first request's box."""
    seed(session)
    for bbox in ["20.5,55.5,28.5,58.2", "5.5,47.0,15.5,55.0", "19.5,55.5,27.5,58.2", "-10.7,51.3,-5.9,55.5"]:
        collection = client.get("/api/v1/spaces.geojson", params={"bbox": bbox, "zoom": 7}).json()
        assert collection["total"] == _count_in(session, collection["bbox"]) > 0, bbox


def test_free_text_never_fills_the_grid_cache(client: TestClient, session: Session) -> None:
    """Every new ``q`` at a low zoom once built and kept a whole-directory grid (~1 s at 100,000 spaces)."""
    make_space(session, "Ogre hub", "Ogre", latitude=56.82, longitude=24.60)
    make_space(session, "Cēsis hub", "Cēsis", latitude=57.31, longitude=25.27)
    grids = client.app.state.map_grids
    grids.clear()
    for word in ("ogre", "hub", "cesis", "zzz", "ogre hub"):
        answer = client.get("/api/v1/spaces.geojson", params={"bbox": "-25,34,45,72", "zoom": 4, "q": word})
        assert answer.status_code == 200
    assert len(grids) == 0
    assert client.get("/api/v1/spaces.geojson", params={"bbox": "-25,34,45,72", "zoom": 4, "q": "hub"}).json()["total"] == 2
    for country in ("LV", "EE"):
        client.get("/api/v1/spaces.geojson", params={"bbox": "-25,34,45,72", "zoom": 4, "country": country})
    assert len(grids) == 2


def test_binning_here_and_in_the_database_agree(session: Session) -> None:
    """Small boxes are binned in Python, large ones by the database: the same spaces, the same cells."""
    from sqlalchemy import select

    from coworking.map.services import _bin_in_database, _bin_in_python

    for number, (latitude, longitude) in enumerate([(57.31, 25.27), (57.311, 25.272), (56.95, 24.1), (-33.9, 151.2), (0.0, 0.0)]):
        make_space(session, f"Hub {number}", f"Town {number}", latitude=latitude, longitude=longitude)
    statement = select(Space).where(Space.latitude.is_not(None))
    for level in (0, 4, 10, 14, 20):
        here, there = _bin_in_python(session, statement, level), _bin_in_database(session, statement, level)
        assert here.cells.keys() == there.cells.keys(), level
        for key, cell in here.cells.items():
            other = there.cells[key]
            assert (cell.count, cell.south, cell.west, cell.north, cell.east) == (
                other.count, other.south, other.west, other.north, other.east
            )
            assert cell.latitude_sum == pytest.approx(other.latitude_sum) and cell.longitude_sum == pytest.approx(other.longitude_sum)
            if cell.count == 1:
                assert (cell.slug, cell.name, cell.approximate) == (other.slug, other.name, other.approximate)
