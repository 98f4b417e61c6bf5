"""Every state-changing route, walked from the route table (so a new one is checked without being listed):
ASVS 3.5.1 no CSRF token → 403 and nothing written; 8.2.1 the roles its permission refuses are refused
and nothing is written; and a refused form keeps what was typed (never a password) and writes nothing.
"""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from coworking.accounts.permissions import Actor, Permission, can
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from tests.test_accounts import EMAIL, PASSWORD, csrf, fresh, post, register_and_verify, sign_in  # noqa: F401

# Tables a refused request must leave as they were. (The security log and the rate-limit counters are
# meant to record refusals; the sessions table changes only by signing in, which these tests do first.)
GUARDED = ("users", "user_sessions", "email_tokens", "partner_countries", "outbox", "spaces")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {"token": "not-a-real-link-token"}


def state_changing_routes(client: TestClient) -> list[tuple[str, Permission]]:
    routes = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods & WRITES:
                path = re.sub(r"{(\w+):\w+}", lambda match: PATH_VALUES[match.group(1)], route.path)
                routes.append((path, handler.opt["permission"]))
    return sorted(routes)


def snapshot(engine: Engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}")))) for table in GUARDED}  # noqa: S608 - fixed names


def test_the_walk_finds_every_form(client: TestClient) -> None:
    paths = [path for path, _ in state_changing_routes(client)]
    for expected in ("/account/register", "/account/login", "/account/email", "/admin/partners", "/admin/partners/revoke"):
        assert expected in paths


def test_3_5_1_no_token_no_change_on_any_state_changing_route(client: TestClient, fresh: TestClient, session: Session, engine: Engine) -> None:  # noqa: F811
    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    before = snapshot(engine)
    form = {"email": EMAIL, "password": PASSWORD, "password_again": PASSWORD, "current_password": PASSWORD,
            "new_email": "x@example.org", "country": "LV", "user_id": "1"}  # fmt: skip
    for who in (client, fresh):  # anonymous, and an administrator (who may do everything else)
        for path, _ in state_changing_routes(client):
            response = who.post(path, data=form, follow_redirects=False)
            assert response.status_code == 403, (path, response.status_code)
    assert snapshot(engine) == before


# Who each permission must refuse, from the one place the rules are stated.
ACTORS = {
    "anonymous": Actor(),
    "signed in": Actor(user_id=1),
    "partner of LV": Actor(user_id=2, partner_countries=frozenset({"LV"})),
    "administrator": Actor(user_id=3, is_admin=True),
}


def test_8_2_1_every_refused_role_is_refused_and_nothing_is_written(
    client: TestClient, fresh: TestClient, session: Session, engine: Engine  # noqa: F811
) -> None:
    register_and_verify(client, session)  # a signed-in person with no role
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    register_and_verify(fresh, session, "partner@example.org")
    grant_partner(session, client.app.state.sessions, admin.id, "partner@example.org", "LV", None)
    assert sign_in(fresh, email="partner@example.org").status_code == 303
    with TestClient(app=client.app) as anonymous:
        browsers = {"anonymous": anonymous, "signed in": client, "partner of LV": fresh}
        before = snapshot(engine)
        checked = 0
        for path, permission in state_changing_routes(client):
            for role, browser in browsers.items():
                if can(ACTORS[role], permission):
                    continue
                response = post(browser, path, email=EMAIL, country="LV", user_id="1", current_password=PASSWORD)
                assert response.status_code == (401 if role == "anonymous" else 403), (path, role, response.status_code)
                checked += 1
        assert snapshot(engine) == before
    assert checked >= 9  # 3 own-account forms × anonymous, 2 admin forms × three roles


@pytest.mark.parametrize(
    ("path", "fields", "kept"),
    [
        ("/account/register", {"email": "anna@", "password": "long enough password", "password_again": "x"}, {"email": "anna@"}),
        ("/account/login", {"email": "nobody@example.org", "password": "wrong wrong wrong"}, {"email": "nobody@example.org"}),
        ("/account/reset", {"email": "not an address"}, {"email": "not an address"}),
        ("/account/password", {"current_password": "not it", "password": "a new long password", "password_again": "a new long password"}, {}),
        ("/account/email", {"current_password": "not it", "new_email": "anna.new@example.org"}, {"new_email": "anna.new@example.org"}),
        ("/account/email", {"current_password": PASSWORD, "new_email": "two@example.org,three@example.org"}, {"new_email": "two@example.org,three@example.org"}),
        ("/account/delete", {"current_password": "not it"}, {}),
    ],
)
def test_a_refused_form_keeps_what_was_typed_and_writes_nothing(
    client: TestClient, session: Session, engine: Engine, path: str, fields: dict, kept: dict
) -> None:
    register_and_verify(client, session)
    before = snapshot(engine)
    response = post(client, path, **fields)
    assert response.status_code == 400, response.text[:300]
    for name, value in kept.items():
        assert f'name="{name}" value="{value}"' in response.text or f'value="{value}"' in response.text, name
    for name, value in fields.items():
        if "password" in name:
            assert f'value="{value}"' not in response.text  # passwords are never sent back
    assert 'aria-invalid="true"' in response.text
    assert snapshot(engine) == before


def test_refused_links_and_partner_forms_write_nothing(client: TestClient, fresh: TestClient, session: Session, engine: Engine) -> None:  # noqa: F811
    register_and_verify(client, session)
    assert post(client, "/account/reset", email=EMAIL).status_code == 303
    reset = re.search(r"(/account/reset/\S+)", session.scalars(select(text("body")).select_from(text("outbox")).order_by(text("id DESC"))).first()).group(1)
    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    before = snapshot(engine)
    short = post(client, reset, password="short", password_again="short")
    assert short.status_code == 400 and 'id="password-error"' in short.text
    assert post(client, "/account/verify/not-a-link", password=PASSWORD).status_code == 400
    assert post(client, "/account/email/not-a-link").status_code == 400
    refused = post(fresh, "/admin/partners", email="nobody@example.org", country="XX")
    assert refused.status_code == 400 and 'value="nobody@example.org"' in refused.text
    assert snapshot(engine) == before
