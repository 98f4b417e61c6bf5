"""Logs for operators: each request with its duration, and one JSON object per line when asked."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

import pytest
from litestar.testing import TestClient

from coworking.core.logs import JsonFormatter
from tests.server import serving, site_env


def test_each_request_is_logged_with_its_status_and_duration(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="coworking.requests"):
        client.get("/spaces?q=secret+words")
        client.get("/no/such/page")
        client.get("/account/reset/a-secret-reset-token")
        client.get("/attendance/a-secret-sign-up-token")
    records = [record for record in caplog.records if record.name == "coworking.requests"]
    assert [(record.method, record.path, record.status) for record in records] == [
        ("GET", "/spaces", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/account/reset/{token}", 400),
        ("GET", "/attendance/{token}", 404),
    ]
    assert not any("secret" in record.getMessage() for record in records), "no query string, no token"
    assert all(isinstance(record.duration_ms, float) and record.duration_ms >= 0 for record in records)


def test_a_json_line_holds_the_record_and_its_fields() -> None:
    record = logging.LogRecord("coworking.requests", logging.INFO, __file__, 1, "%s %s", ("GET", "/a\nb"), None)
    record.status, record.duration_ms = 200, 3.5
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "info" and entry["logger"] == "coworking.requests" and entry["message"] == "GET /a\nb"
    assert entry["status"] == 200 and entry["duration_ms"] == 3.5 and entry["time"].endswith("Z")


def test_the_server_writes_json_lines_when_asked(own_database: str, tmp_path: Path) -> None:
    env = site_env(own_database, tmp_path, LOG_FORMAT="json")
    log = tmp_path / "server.log"
    with serving(env, log) as base, urllib.request.urlopen(f"{base}/spaces?q=cesis", timeout=10) as response:  # noqa: S310 - local
        assert response.status == 200
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    requests = [entry for entry in entries if entry["logger"] == "coworking.requests"]
    assert {"method": "GET", "path": "/spaces", "status": 200} in [{key: entry[key] for key in ("method", "path", "status")} for entry in requests]
    # Every line the server wrote after starting is JSON (the command's own "Serving on" comes first).
    after_start = log.read_text().split("\n", 1)[1].splitlines()
    assert all(line.startswith("{") for line in after_start if line.strip()), after_start
