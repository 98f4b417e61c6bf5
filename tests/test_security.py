"""The security baseline: headers on every response, CSRF on forms, no secrets in the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from litestar import post
from litestar.testing import TestClient

from coworking.app import create_app
from coworking.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_pages_api_static_and_errors(client: TestClient) -> None:
    for path in [
        "/",
        "/api/v1/spaces",
        "/static/css/site.css",
        "/nowhere",
        "/api/v1/nowhere",
    ]:
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert "https://tile.openstreetmap.org" in csp  # the configured tile server, and only it
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_in_pages(client: TestClient) -> None:
    for path in ["/", "/spaces", "/about", "/networks", "/nowhere"]:
        for tag in re.findall(r"<script\b[^>]*>", client.get(path).text):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)


def test_csrf_protects_form_posts(settings: Settings, engine) -> None:  # noqa: ANN001
    @post("/echo", sync_to_thread=False)
    def echo() -> str:
        return "ok"

    app = create_app(settings)
    app.register(echo)
    with TestClient(app) as test_client:
        assert test_client.post("/echo").status_code == 403
        token = test_client.get("/").cookies.get("csrftoken")
        assert token
        assert test_client.post("/echo", headers={"x-csrftoken": token}).status_code == 201


def test_secret_key_comes_from_the_environment_or_a_generated_local_file(
    tmp_path: Path,
) -> None:
    from_env = Settings.from_env({"COWORKING_SECRET_KEY": "from-env", "COWORKING_VAR_DIR": str(tmp_path)})
    assert from_env.secret_key == "from-env"
    generated = Settings.from_env({"COWORKING_VAR_DIR": str(tmp_path)})
    assert len(generated.secret_key) >= 40
    assert Settings.from_env({"COWORKING_VAR_DIR": str(tmp_path)}).secret_key == generated.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_no_secret_or_database_is_tracked_by_git() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not [name for name in tracked if name.startswith("var/") or name.endswith((".db", "secret_key", ".env"))]
