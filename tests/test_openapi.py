"""The OpenAPI document says what the API answers, and schemathesis holds the API to it.

Schemathesis takes the app's own document (the one /schema/openapi.json serves), generates requests for
every /api/ operation (a few each: edge cases, then random values) and sends them in process through its
ASGI transport; each answer must be no server error, with a documented status, content type, headers and
body. A route whose answers drift from its documentation (a 404 without ``responses=NOT_FOUND``, say) fails
here. A failure prints the request as a curl command.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coworking.app import create_app
from coworking.core.errors import PROBLEM_JSON
from coworking.core.models import utcnow
from coworking.core.settings import Settings
from tests.factories import make_activity, make_space

SCHEMA_PATH = "/schema/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# A few examples per operation, not shrunk, no example database: the whole file stays within seconds.
# Valid and invalid data: a slug holding control characters is a 404 at the edge, as documented.
CONFIG = {"generation": {"mode": "all", "max-examples": 20, "no-shrink": True, "database": "none"}}


def _document() -> dict[str, Any]:
    """The app's own OpenAPI document, as it serves it at SCHEMA_PATH; building it needs no database.

    Read when the tests are collected, so that each API operation is a test of its own (schemathesis's
    fixture-loaded schemas run them all in one test, and do not work with pytest 9.2).
    """
    settings = Settings(database_url="sqlite://", secret_key="only-the-openapi-document-" * 2)
    return create_app(settings).openapi_schema.to_schema()


schema = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_dict(CONFIG)).include(
    path_regex="^/api/"
)


@pytest.fixture()
def app(engine: Engine, settings: Settings, session: Session) -> Iterator[Litestar]:
    # Something to find: a space with everything, and two town-placed ones that cluster on the map.
    talk = make_activity("Talk", utcnow() + timedelta(days=2))
    make_space(session, "SKOLA6", "Cēsis", amenities=("fibre",), builders=["Anna"], activities=[talk])
    make_space(session, "Ludgate Hub", "Skibbereen", "IE", latitude=51.55, longitude=-9.27)
    make_space(session, "Ludgate Annex", "Skibbereen", "IE", latitude=51.56, longitude=-9.26)
    # Schemathesis's ASGI client says "Host: testserver".
    settings = dataclasses.replace(settings, allowed_hosts=(*settings.allowed_hosts, asgi.HOST))
    yield create_app(settings)
    # Its client keeps the app's lifespan running until the process ends: end it with the test.
    asgi.shutdown_lifespans()


@schema.parametrize()
# One app for an operation's examples: the API only reads, so nothing one example does changes the next.
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_every_api_answer_is_documented(case: schemathesis.Case, app: Litestar) -> None:
    case.call_and_validate(app=app, checks=CHECKS)
    # Schemathesis's ASGI client cancels the app as soon as the answer is complete and drops it: what the
    # abandoned request still held (its database connection) is freed only by the cyclic garbage collector.
    # Without this, 20 examples per operation could take every pooled connection and the next request waits
    # (a flaky 10 s timeout on PostgreSQL). A real server (uvicorn) and Litestar's test client return it at once.
    # (A collection costs ~0.5 s here: only when a few connections are out.)
    if getattr(app.state.engine.pool, "checkedout", lambda: 0)() >= 4:
        gc.collect()


@pytest.mark.parametrize(
    ("path", "query", "status", "shows"),
    [
        pytest.param("/api/v1/spaces", {"q": "skola"}, 200, "skola6", id="search"),
        pytest.param("/api/v1/spaces", {"near": "Cēsis, LV"}, 200, '"origin":{"start"', id="search-near"),
        pytest.param("/api/v1/spaces", {"near": "Cesiss"}, 400, '"suggestions":[{"label":"Cēsis', id="suggestions"),
        pytest.param("/api/v1/spaces/skola6", {}, 200, '"community_builders":[{', id="detail"),
        pytest.param("/api/v1/spaces/SKOLA6", {}, 404, '"status":404', id="detail-not-a-slug"),
        pytest.param("/api/v1/spaces.geojson", {"bbox": "-20,40,40,70", "zoom": "3"}, 200, '"cluster":true', id="map"),
        pytest.param(
            "/api/v1/spaces.geojson",
            {"bbox": "-9.4,51.5,-9.2,51.6", "zoom": "14"},
            200,
            '"slug":"ludgate-hub"',
            id="map-near",
        ),
        pytest.param("/api/v1/places", {"q": "Cēsis, LV"}, 200, '"name":"Cēsis"', id="places"),
        pytest.param("/api/v1/overview", {}, 200, '"upcoming_activities":[{', id="overview"),
        pytest.param("/api/v1/networks", {}, 200, "[", id="networks"),
        pytest.param("/api/v1/activities", {"country": "LV"}, 200, '"title":"Talk"', id="activities"),
        pytest.param("/api/v1/activities", {"near": "Cēsis, LV", "kind": "other"}, 200, '"distance_km":0.0', id="activities-near"),
        pytest.param("/api/v1/activities", {"date_from": "2026-02-30"}, 400, '"date_from":', id="activities-bad-date"),
    ],
)
def test_known_answers_match_the_document(
    app: Litestar, path: str, query: dict[str, str], status: int, shows: str
) -> None:
    """Answers random input rarely reaches (found spaces, clusters, suggestions), held to the same checks."""
    if path.startswith("/api/v1/spaces/"):
        case = schema["/api/v1/spaces/{slug}"]["GET"].Case(path_parameters={"slug": path.rsplit("/", 1)[1]})
    else:
        case = schema[path]["GET"].Case(query=query)
    response = case.call_and_validate(app=app, checks=CHECKS)
    assert response.status_code == status and shows in response.text


def _api_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        if path.startswith("/api/"):
            for method, operation in item.items():
                yield path, method, operation


def test_every_api_error_is_documented_as_problem_json(client: TestClient) -> None:
    document = client.get(SCHEMA_PATH).json()
    # The generated tests above run against this very document.
    assert document == schema.raw_schema
    operations = list(_api_operations(document))
    assert {path for path, _, _ in operations} >= {"/api/v1/spaces", "/api/v1/spaces/{slug}", "/api/v1/places"}
    for path, method, operation in operations:
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                content = response.get("content", {})
                # Litestar's automatic 400 ("ValidationException") says application/json: it must be replaced.
                assert list(content) == [PROBLEM_JSON], (method, path, status, content)
                assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    detail = document["paths"]["/api/v1/spaces/{slug}"]["get"]["responses"]
    assert PROBLEM_JSON in detail["404"]["content"]
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}


def test_answers_give_what_their_status_promises(client: TestClient) -> None:
    """What the generated tests lean on, said plainly: the 404 and 400 come as problem+json, a 405 says Allow."""
    missing = client.get("/api/v1/spaces/no-such-space")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_JSON)
    invalid = client.get("/api/v1/spaces", params={"per_page": "many"})
    assert (invalid.status_code, invalid.headers["content-type"]) == (400, PROBLEM_JSON)
    assert set(invalid.json()["errors"]) == {"per_page"}
    refused = client.post("/api/v1/networks")
    assert refused.status_code == 405 and "GET" in refused.headers["allow"]
