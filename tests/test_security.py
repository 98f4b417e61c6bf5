"""The security baseline: headers on every response, CSRF on forms, no secrets in the repository."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

from litestar import get, post
from litestar.testing import TestClient

from coworking.accounts.permissions import Permission
from coworking.app import create_app
from coworking.core.security import CSRF_FORM
from coworking.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_pages_api_static_and_errors(client: TestClient) -> None:
    for path in [
        "/",
        "/api/v1/spaces",
        "/static/favicon.svg",  # an SVG is a document when opened on its own
        "/static/css/nowhere.css",  # a 404 is an HTML page
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
        assert headers["x-frame-options"] == "DENY"


def test_scripts_and_style_sheets_carry_only_what_they_obey(client: TestClient) -> None:
    # Each header a document obeys would be ~100 bytes more per file on a phone's first visit, for nothing.
    for path in ["/static/css/site.css", "/static/js/site.js", "/static/vendor/htmx/htmx.min.js"]:
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path  # a style sheet's own fetches
        for document_only in ["content-security-policy", "x-frame-options", "permissions-policy"]:
            assert document_only not in headers, (path, document_only)


def test_no_inline_script_in_pages(client: TestClient) -> None:
    for path in ["/", "/spaces", "/about", "/networks", "/nowhere"]:
        for tag in re.findall(r"<script\b[^>]*>", client.get(path).text):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)


def _app_with_form_routes(settings: Settings):  # noqa: ANN202
    """The app plus a page that shows a form, and POST routes inside and outside /api/."""
    read = {"permission": Permission.DIRECTORY_READ}

    @get("/form", sync_to_thread=False, opt={**read, CSRF_FORM: True})
    def form() -> str:
        return "a page with a form"

    @post("/echo", sync_to_thread=False, opt=read)
    def echo() -> str:
        return "ok"

    @post("/account/api/echo", sync_to_thread=False, opt=read)
    def account_echo() -> str:
        return "ok"

    @post("/api/v1/echo", sync_to_thread=False, opt=read)
    def api_echo() -> str:
        return "ok"

    app = create_app(settings)
    for handler in (form, echo, account_echo, api_echo):
        app.register(handler)
    return app


def test_csrf_3_5_1_every_form_post_needs_the_token_whatever_its_path(settings: Settings, engine) -> None:  # noqa: ANN001
    """ASVS 3.5.1. No path is excluded: an exclusion of "/api/" once matched "/account/api/…" too."""
    with TestClient(_app_with_form_routes(settings)) as test_client:
        for path in ("/echo", "/account/api/echo", "/api/v1/echo"):
            assert test_client.post(path, data={"a": "b"}).status_code == 403, path
            assert test_client.post(path, content=b"a", headers={"content-type": "text/plain"}).status_code == 403
        token = test_client.get("/form").cookies.get("csrftoken")
        assert token
        assert test_client.post("/echo", headers={"x-csrftoken": token}).status_code == 201
        assert test_client.post("/echo", data={"_csrf_token": token}).status_code == 201
        # One character changed (always a change: a token ending in "00" once made "[:-2] + '00'" the same token).
        forged = token[:-1] + ("1" if token[-1] == "0" else "0")
        assert test_client.post("/echo", headers={"x-csrftoken": forged}).status_code == 403


def test_csrf_json_writes_need_no_token(settings: Settings, engine) -> None:  # noqa: ANN001
    """A browser sends JSON across sites only after a CORS preflight, which this site never grants."""
    with TestClient(_app_with_form_routes(settings)) as test_client:
        assert test_client.post("/api/v1/echo", json={"a": 1}).status_code == 201
        problem = {"content-type": "application/merge-patch+json"}
        assert test_client.post("/api/v1/echo", content=b"{}", headers=problem).status_code == 201
        preflight = test_client.options("/api/v1/echo", headers={"origin": "https://evil.example", "access-control-request-method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers


def test_csrf_cookie_only_where_a_form_needs_it(settings: Settings, engine) -> None:  # noqa: ANN001
    """Never on static files or other cacheable answers: a shared cache could hand one token to everyone."""
    with TestClient(_app_with_form_routes(settings)) as test_client:
        for path in ("/", "/spaces", "/map", "/static/css/site.css", "/api/v1/spaces", "/nowhere", "/healthz"):
            assert "csrftoken" not in test_client.get(path).headers.get("set-cookie", ""), path
        form = test_client.get("/form")
        cookie = form.headers["set-cookie"]
        assert "csrftoken=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie
        assert form.headers["cache-control"] == "private, no-store"


def test_https_setting_makes_cookies_secure_and_sends_hsts(settings: Settings, engine) -> None:  # noqa: ANN001
    """ASVS 3.3.1, 3.4.1: Secure cookies and HSTS for a year on HTTPS deployments, on every answer."""
    secure = replace(settings, https=True)
    with TestClient(_app_with_form_routes(secure)) as test_client:
        assert "Secure" in test_client.get("/form").headers["set-cookie"]
        language = test_client.get("/language/lv", follow_redirects=False)
        assert "Secure" in language.headers["set-cookie"] and "HttpOnly" in language.headers["set-cookie"]
        for path in ("/", "/static/css/site.css", "/nowhere", "/api/v1/nowhere"):
            assert test_client.get(path).headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    with TestClient(_app_with_form_routes(settings)) as test_client:
        assert "strict-transport-security" not in test_client.get("/").headers
        assert "Secure" not in test_client.get("/language/lv", follow_redirects=False).headers["set-cookie"]


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
