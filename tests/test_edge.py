"""What every request passes before routing: host checks, control characters, HEAD, and log lines that
cannot be forged. Each test here reproduces a fault found against a running site (issue "ready for writes").

The whole suite runs on SQLite and again on PostgreSQL, so every route below is tried on both.
"""

from __future__ import annotations

import logging
import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from coworking.core.edge import clean_query_string, host_allowed
from coworking.core.logs import escape_controls, install_log_escaping
from tests.factories import make_space

# A concrete value for every path parameter a route may have.
PATH_VALUES = {
    "slug": "skola6", "code": "lv", "file_path": "css/site.css", "path": "openapi.json", "token": "not-a-token",
    "name": "0123-320.webp", "photo_id": "1", "answer": "confirmed", "guide_slug": "the-community-builder", "language": "lv",
    "review_id": "1",
    "story_id": "1",
    "ref": "1", "activity_id": "1",
}  # fmt: skip


def get_routes(app: Litestar) -> list[str]:
    """Every path the app answers GET on, with its parameters filled in."""
    paths = []
    for route in app.routes:
        if any("GET" in handler.http_methods for handler in getattr(route, "route_handlers", [])):
            paths.append(re.sub(r"{(\w+):\w+}", lambda match: PATH_VALUES[match.group(1)], route.path))
    return sorted(paths)


@pytest.fixture()
def seeded(session) -> None:  # noqa: ANN001
    make_space(session, "SKOLA6", "Cēsis", latitude=57.31, longitude=25.27)


def assert_headers(response, where: str) -> None:  # noqa: ANN001
    media_type = response.headers.get("content-type", "").split(";")[0]
    # A script or a style sheet is never a document: it carries no document's policy (core.security).
    if media_type not in ("text/css", "text/javascript", "application/javascript"):
        assert "content-security-policy" in response.headers, where
    assert response.headers["x-content-type-options"] == "nosniff", where


@pytest.mark.parametrize("host", ["x:abc", "x:-1", "x:99999999", "testserver.local:abc", "evil.example", ""])
def test_a_forged_or_malformed_host_gets_a_400_with_headers_on_every_route(
    client: TestClient, seeded: None, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad Host once gave a bare 500 (the error handler built request.url from it) with no headers."""
    for path in [*get_routes(client.app), "/nowhere", "/api/v1/nowhere"]:
        response = client.get(path, headers={"host": host})
        assert response.status_code == 400, (host, path)
        assert_headers(response, path)
        if path.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
        else:
            assert "This request could not be handled" in response.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_allowed_hosts_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = ("coworking.example.eu", "*.rural.example")
    assert host_allowed("coworking.example.eu", allowed)
    assert host_allowed("COWORKING.example.eu:8443", allowed)
    assert host_allowed("lv.rural.example", allowed)
    assert not host_allowed("rural.example.evil.com", allowed)
    assert not host_allowed("coworking.example.eu.evil.com", allowed)
    assert not host_allowed("coworkingXexample.eu", allowed)  # a dot is a dot, not "any character"
    assert not host_allowed("coworking.example.eu:0", allowed)
    assert host_allowed("[::1]:8000", ("[::1]",))
    from coworking.core.settings import Settings

    settings = Settings.from_env({"COWORKING_SECRET_KEY": "k", "COWORKING_ALLOWED_HOSTS": " A.example , b.example "})
    assert settings.allowed_hosts == ("a.example", "b.example")
    assert Settings.from_env({"COWORKING_SECRET_KEY": "k"}).allowed_hosts == ("localhost", "127.0.0.1", "[::1]")


def test_links_carry_only_an_allowed_host(client: TestClient, session) -> None:  # noqa: ANN001
    for number in range(3):
        make_space(session, f"Hub {number}", "Ogre")
    page = client.get("/api/v1/spaces", params={"per_page": 1})
    assert page.json()["next"].startswith("http://testserver.local/api/v1/spaces?")
    json_ld = client.get("/spaces/hub-0").text
    assert '"url": "http://testserver.local/spaces/hub-0"' in json_ld or "http://testserver.local/spaces/hub-0" in json_ld
    forged = client.get("/api/v1/spaces", params={"per_page": 1}, headers={"host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/spaces/a%00b", 404),
        ("/api/v1/spaces/a%00b", 404),
        ("/places?near=ri%00ga", 200),
        ("/places?q=%00ab", 200),
        ("/api/v1/places?q=ri%00", 200),
        ("/static/css/site.css%00.png", 404),
        ("/spaces?q=%00&near=%0d%0aC%C4%93sis", 200),
        ("/api/v1/spaces?near=C%00%C4%93sis&radius_km=3%000", 200),
        ("/api/v1/spaces.geojson?bbox=20%00,55,28,58&zoom=6", 200),
    ],
)
def test_control_characters_never_reach_the_database(client: TestClient, seeded: None, path: str, status: int) -> None:
    """NUL made PostgreSQL answer 500: the edge removes control characters from paths and query values."""
    response = client.get(path)
    assert response.status_code == status, response.text
    assert_headers(response, path)


def test_every_route_survives_control_characters_in_every_place(client: TestClient, seeded: None) -> None:
    """Each GET route, with NUL, CR, LF and DEL in its path and in every parameter it documents: no 500."""
    nasty = "%00%0a%0d%7f%c2%85"
    names = ["q", "near", "from", "to", "country", "amenity", "sort", "page", "per_page", "bbox", "zoom", "next"]
    for path in get_routes(client.app):
        for target in (path + nasty, path + "?" + "&".join(f"{name}=a{nasty}b" for name in names)):
            response = client.get(target, follow_redirects=False)
            assert response.status_code < 500, (target, response.status_code, response.text[:300])


def test_query_strings_without_control_characters_are_left_alone() -> None:
    raw = b"q=caf%C3%A9+bar&country=LV&country=EE&x="
    assert clean_query_string(raw) is raw
    assert clean_query_string(b"q=a%00b&near=%0a") == b"q=ab&near="
    # Raw UTF-8, as some clients send it: "ē" is C4 93, whose 0x93 is no control character (review finding).
    raw_utf8 = "q=Cēsis&near=Ērgļi".encode()
    assert clean_query_string(raw_utf8) is raw_utf8
    assert clean_query_string("q=Cēsis%00".encode()) == b"q=C%C4%93sis"


def test_log_lines_cannot_be_forged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """A path with %0a once wrote a fake access-log line."""
    install_log_escaping()
    logging.getLogger("coworking").warning("request for %s", "/spaces/x\n127.0.0.1 - GET /admin 200")
    logging.getLogger("uvicorn.access").info("%s", {"path": "/x\r\nFAKE"})
    logging.getLogger("litestar").warning("/x\u2028\u0085fake")
    for record in caplog.records:
        assert "\n" not in record.getMessage() and "\r" not in record.getMessage()
        assert "\x85" not in record.getMessage()
    assert "/spaces/x\\n127.0.0.1" in caplog.records[0].getMessage()
    assert escape_controls("a\x00b\tc") == "a\\x00b\\tc"


def test_head_is_answered_wherever_get_is(client: TestClient, seeded: None) -> None:
    """Monitors and link checkers use HEAD: it once answered 405 on every page, /healthz and the API."""
    for path in get_routes(client.app):
        got = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert_headers(head, path)
    assert client.head("/nowhere").status_code == 404
