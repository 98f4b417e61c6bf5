"""Partner roles, granted and revoked by administrators (ASVS 8.2.1 matrix, 7.2.4 new session at a change
of privilege, 16 logged)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.accounts.models import PartnerCountry, SecurityEvent
from coworking.accounts.permissions import Actor, Permission, can
from coworking.accounts.services import create_admin
from tests.test_accounts import EMAIL, PASSWORD, csrf, fresh, post, register_and_verify, sign_in  # noqa: F401

ADMIN = "admin@example.org"


@pytest.fixture()
def admin(fresh: TestClient, session: Session) -> TestClient:  # noqa: F811
    create_admin(session, None, ADMIN, PASSWORD)
    assert sign_in(fresh, email=ADMIN).status_code == 303
    return fresh


def test_8_2_1_only_administrators_manage_roles(client: TestClient, session: Session) -> None:
    grant = {"email": EMAIL, "country": "LV"}
    assert client.get("/admin/partners").status_code == 401
    assert post(client, "/admin/partners", **grant).status_code == 401
    register_and_verify(client, session)  # a verified user, not an admin
    assert client.get("/admin/partners").status_code == 403
    assert post(client, "/admin/partners", **grant).status_code == 403
    assert post(client, "/admin/partners/revoke", user_id="1", country="LV").status_code == 403
    assert session.scalars(select(PartnerCountry)).all() == []


def test_an_admin_grants_and_revokes_a_partner_role(client: TestClient, admin: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    assert client.get("/account").status_code == 200
    granted = post(admin, "/admin/partners", email=EMAIL.upper(), country="lv")
    assert granted.status_code == 303
    role = session.scalar(select(PartnerCountry))
    assert role.country_code == "LV"
    assert client.get("/account").status_code == 401  # the role changed: the person signs in anew
    assert sign_in(client).status_code == 303
    page = admin.get("/admin/partners")
    assert page.status_code == 200, page.status_code
    assert "Latvia" in page.text and EMAIL in page.text
    assert post(admin, "/admin/partners", email=EMAIL, country="LV").status_code == 303  # twice: one role
    assert len(session.scalars(select(PartnerCountry)).all()) == 1
    assert post(admin, "/admin/partners/revoke", user_id=str(role.user_id), country="LV").status_code == 303
    session.expire_all()
    assert session.scalars(select(PartnerCountry)).all() == []
    assert client.get("/account").status_code == 401
    kinds = session.scalars(select(SecurityEvent.kind)).all()
    assert "role_granted" in kinds and "role_revoked" in kinds


def test_bad_grants_come_back_with_the_input_and_change_nothing(client: TestClient, admin: TestClient, session: Session) -> None:
    refused = post(admin, "/admin/partners", email="nobody@example.org", country="XX")
    assert refused.status_code == 400
    assert 'value="nobody@example.org"' in refused.text and 'value="XX"' in refused.text
    assert 'id="email-error"' in refused.text and 'id="country-error"' in refused.text
    client.cookies.clear()
    post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD)  # not confirmed
    unconfirmed = post(admin, "/admin/partners", email=EMAIL, country="LV")
    assert unconfirmed.status_code == 400 and "No confirmed account" in unconfirmed.text
    forged = post(admin, "/admin/partners/revoke", user_id="not-a-number", country="LV")
    assert forged.status_code == 400
    assert session.scalars(select(PartnerCountry)).all() == []
    assert admin.post("/admin/partners", data={"email": EMAIL, "country": "LV"}).status_code == 403  # no token


def test_the_rules_in_can() -> None:
    anonymous, person = Actor(), Actor(user_id=1)
    partner, administrator = Actor(user_id=2, partner_countries=frozenset({"LV"})), Actor(user_id=3, is_admin=True)
    for permission in (Permission.ROLES_MANAGE, Permission.SECURITY_LOG_READ, Permission.GUIDES_EDIT):
        assert [can(actor, permission) for actor in (anonymous, person, partner, administrator)] == [False, False, False, True]
    assert [can(actor, Permission.ACCOUNT_MANAGE) for actor in (anonymous, person)] == [False, True]
