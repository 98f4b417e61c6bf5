"""ASVS 1.2.x / 1.3.x: whatever anyone types comes out inert, before any user-entered text exists.

Every text field of a space, its community builder, its activity and a network is filled with script,
``javascript:`` and ``data:`` payloads; every page and API answer that shows them is checked.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from jinja2 import Environment
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.core.assets import Assets
from coworking.core.links import http_url
from coworking.core.models import utcnow
from coworking.core.settings import Settings
from coworking.core.web import install_template_globals
from coworking.networks.models import Network
from coworking.spaces.models import CommunityBuilder
from tests.factories import make_activity, make_space

SCRIPT = '<script>alert("x")</script>'
IMAGE = '<img src=x onerror="alert(1)">'
PAYLOAD = f"{SCRIPT}{IMAGE}\"'><b>bold</b>"
BAD_LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\nscript:alert(1)",
             "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "/relative"]


@pytest.fixture()
def hostile(session: Session) -> None:
    space = make_space(
        session,
        f"Hub {PAYLOAD}",
        f"Town {PAYLOAD}",
        description=f"About {PAYLOAD}",
        street_address=f"Street {PAYLOAD}",
        region=f"Region {PAYLOAD}",
        website="javascript:alert(1)",
        email=f"a{SCRIPT}@example.org",
        phone=f"+371 {SCRIPT}",
        price_notes=f"Price {PAYLOAD}",
        source_url="data:text/html,<script>alert(1)</script>",
        opening_hours={"mon": [["09:00", "17:00"]]},
        activities=[
            make_activity(
                f"Meeting {PAYLOAD}",
                utcnow() + timedelta(days=2),
                description=f"Talk {PAYLOAD}",
                kind="resident_meeting",
            )
        ],
    )
    space.community_builders.append(
        CommunityBuilder(name=f"Builder {PAYLOAD}", bio=f"Bio {PAYLOAD}", public_contact=f"Contact {PAYLOAD}")
    )
    session.add(
        Network(
            slug="hostile",
            name=f"Network {PAYLOAD}",
            scope="national",
            website="javascript:alert(1)",
            description=f"Network text {PAYLOAD}",
            source_url="vbscript:msgbox(1)",
            country_codes=["LV"],
        )
    )
    session.commit()


def assert_inert(html: str, where: str) -> None:
    assert SCRIPT not in html, where
    assert "<img src=x" not in html, where
    assert "<b>bold</b>" not in html, where
    for attribute in re.findall(r'(?:href|src|action)="([^"]*)"', html):
        assert not attribute.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (where, attribute)
    # JSON-LD sits in a script element: nothing in it may close that element.
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        assert "<" not in block, where


def test_every_text_field_comes_out_inert_on_every_page(client: TestClient, hostile: None) -> None:
    slug = client.get("/api/v1/spaces").json()["items"][0]["slug"]
    activity = client.get("/api/v1/activities").json()["items"][0]["id"]
    pages = ["/", f"/spaces/{slug}", "/spaces", "/spaces?q=hub", "/map", "/networks", "/spaces?near=C%C4%93sis",
             "/activities", "/activities?view=month", f"/activities/{activity}"]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.text, path)
    # The text is shown, escaped, not dropped.
    detail = client.get(f"/spaces/{slug}").text
    assert "&lt;script&gt;" in detail and "Builder" in detail and "Talk" in detail
    assert "javascript:alert(1)" in detail  # the website is shown as text, not as a link
    assert "Talk &lt;script&gt;" in client.get(f"/activities/{activity}").text


def test_json_answers_carry_the_text_as_data(client: TestClient, hostile: None) -> None:
    items = client.get("/api/v1/spaces").json()["items"]
    assert items[0]["name"] == f"Hub {PAYLOAD}"
    for path in ("/api/v1/spaces", f"/api/v1/spaces/{items[0]['slug']}", "/api/v1/networks", "/api/v1/overview"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("link", BAD_LINKS)
def test_only_http_links_are_links(link: str) -> None:
    assert http_url(link) is None
    assert http_url("https://coworking.example/a?b=c") == "https://coworking.example/a?b=c"
    assert http_url("HTTP://example.org") == "HTTP://example.org"


def test_the_translation_helper_escapes_what_it_is_given(settings: Settings) -> None:
    """``_()`` once wrapped its argument in Markup unescaped: a variable passed through it was raw HTML."""
    environment = Environment(autoescape=True)
    install_template_globals(environment, settings, {}, static=Assets(settings.static_dir).url)

    class Request:
        scope = {"path": "/", "query_string": b""}
        cookies: dict = {}
        headers: dict = {}
        state = type("State", (), {})()
        app = type("App", (), {"state": type("S", (), {"settings": settings})()})()

    template = environment.from_string("{{ _(text) }}|{{ _('Spaces near %(place)s', place=text) }}")
    html = template.render(request=Request(), text=SCRIPT)
    assert SCRIPT not in html and html.count("&lt;script&gt;") == 2
