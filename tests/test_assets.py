"""Static files named by their content (core.assets): kept a year when asked for by their current hash."""

from __future__ import annotations

import re
from pathlib import Path

from litestar.testing import TestClient

from coworking.core.assets import IMMUTABLE, Assets


def test_pages_name_static_files_by_their_content(client: TestClient) -> None:
    page = client.get("/").text
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert addresses, "the home page links no static file"
    for address in addresses:
        assert re.fullmatch(r"/static/[\w/.-]+\?v=[0-9a-f]{12}", address), address
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert answer.headers["cache-control"] == IMMUTABLE.decode(), address


def test_another_hash_or_none_gets_the_file_with_the_short_cache(client: TestClient) -> None:
    for address in ["/static/css/site.css", "/static/css/site.css?v=000000000000", "/static/css/site.css?v="]:
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert "immutable" not in answer.headers["cache-control"], address
        assert "max-age=3600" in answer.headers["cache-control"], address
    assert client.get("/static/css/nowhere.css?v=000000000000").status_code == 404


def test_a_changed_file_gets_a_new_address(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "site.css"
    style.write_text("body { color: black }")
    assets = Assets(tmp_path)
    first = assets.url("css/site.css")
    assert first == assets.url("css/site.css") and first.startswith("/static/css/site.css?v=")
    style.write_text("body { color: darkgreen }")  # a longer file: a new size, whatever the clock says
    assert assets.url("css/site.css") != first
    # No hash for what is not a file of the folder: the plain address, which the router answers (404).
    assert assets.url("css/nowhere.css") == "/static/css/nowhere.css"
    assert assets.version("../secrets.txt") is None and assets.version("css") is None
