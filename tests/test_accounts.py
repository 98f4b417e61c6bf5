"""Accounts and sessions: register, confirm, sign in and out, reset, change, delete — and the attacks
on them (ASVS numbers in the test names). Mail is read back from the outbox, as a developer would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import SecurityEvent, User, UserSession
from coworking.accounts.sessions import DatabaseSessions
from coworking.app import create_app
from coworking.core.mail import OutboxMessage
from coworking.core.settings import Settings

PASSWORD = "seven rural hubs by the river"
EMAIL = "anna.builder@example.org"


def csrf(client: TestClient, form_page: str = "/account/login") -> str:
    """The CSRF token, as a browser gets it: from the cookie a form page sets."""
    if "csrftoken" not in client.cookies:
        client.get(form_page)
    return client.cookies["csrftoken"]


def post(client: TestClient, path: str, **fields: str):  # noqa: ANN201
    return client.post(path, data={**fields, "_csrf_token": csrf(client)}, follow_redirects=False)


def last_mail(session: Session, to: str = EMAIL) -> OutboxMessage:
    session.expire_all()
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id.desc())
    ).first()


def link_in(message: OutboxMessage) -> str:
    return re.search(r"https?://testserver\.local(/account/\S+)", message.body).group(1)


def register_and_verify(client: TestClient, session: Session, email: str = EMAIL) -> None:
    assert post(client, "/account/register", email=email, password=PASSWORD, password_again=PASSWORD).status_code == 303
    verify = link_in(last_mail(session, email))
    assert "Confirm" in client.get(verify).text
    assert post(client, verify, password=PASSWORD).status_code == 303


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD):  # noqa: ANN201
    return post(client, "/account/login", email=email, password=password, next="/account")


@pytest.fixture()
def fresh(settings: Settings, engine) -> Iterator[TestClient]:  # noqa: ANN001
    """A second browser on the same site."""
    with TestClient(app=create_app(settings)) as other:
        yield other


def test_register_confirm_and_sign_in(client: TestClient, session: Session) -> None:
    response = post(client, "/account/register", email=f"  {EMAIL.upper()} ", password=PASSWORD, password_again=PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/account/check-email"
    user = session.scalar(select(User))
    assert user.email_verified_at is None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    message = last_mail(session, EMAIL.upper())
    verify = link_in(message)
    assert post(client, verify, password="not the registration's").status_code == 400  # the link alone is not enough
    assert post(client, verify, password=PASSWORD).status_code == 303
    page = client.get("/account")
    assert page.status_code == 200 and "(confirmed)" in page.text
    assert "Your account" in client.get("/").text  # the navigation knows
    # The link worked once.
    again = client.get(verify)
    assert again.status_code == 400 and "already been used" in again.text


def test_no_account_enumeration(client: TestClient, session: Session) -> None:
    """Registering a known address and resetting an unknown one answer exactly like their opposites."""
    register_and_verify(client, session)
    client.cookies.clear()
    known = post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD)
    new = post(client, "/account/register", email="new.person@example.org", password=PASSWORD, password_again=PASSWORD)
    assert (known.status_code, known.headers["location"]) == (new.status_code, new.headers["location"])
    assert session.scalar(select(func.count()).select_from(User)) == 2
    assert "already has an account" in last_mail(session).body
    unknown_reset = post(client, "/account/reset", email="nobody@example.org")
    known_reset = post(client, "/account/reset", email=EMAIL)
    assert (unknown_reset.status_code, unknown_reset.headers["location"]) == (
        known_reset.status_code,
        known_reset.headers["location"],
    )
    assert last_mail(session, "nobody@example.org") is None


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("short", "short", "password", "at least 10 characters"),
        ("1234567890", "1234567890", "password", "most common"),
        ("Password123", "Password123", "password", "most common"),
        (PASSWORD, PASSWORD + "x", "password_again", "not the same"),
    ],
)
def test_6_2_password_rules_and_the_form_keeps_what_was_typed(
    client: TestClient, session: Session, password: str, again: str, field: str, message: str
) -> None:
    response = post(client, "/account/register", email=EMAIL, password=password, password_again=again)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert f'value="{EMAIL}"' in response.text and password not in response.text
    assert 'aria-invalid="true"' in response.text and f'id="{field}-error"' in response.text
    assert session.scalar(select(func.count()).select_from(User)) == 0
    bad_address = post(client, "/account/register", email="not an address", password=PASSWORD, password_again=PASSWORD)
    assert bad_address.status_code == 400 and "such as anna@example.org" in bad_address.text


def test_7_2_a_new_session_id_at_sign_in_and_the_old_one_is_dead(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    first = client.cookies["session"]
    assert sign_in(client).status_code == 303
    second = client.cookies["session"]
    assert second != first and len(second) >= 32
    with TestClient(app=client.app, cookies={"session": first}) as replay:
        assert replay.get("/account").status_code == 401


def test_sign_in_refuses_wrong_passwords_without_saying_which_part(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    client.cookies.clear()
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.org")
    assert wrong.status_code == unknown.status_code == 400
    assert "The e-mail address or the password is not right." in wrong.text
    assert wrong.text.replace("anna.builder@example.org", "X") == unknown.text.replace("nobody@example.org", "X")
    kinds = session.scalars(select(SecurityEvent.kind)).all()
    assert kinds.count("login_failed") == 2


def test_7_4_1_logout_kills_the_session_on_the_server(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    token = client.cookies["session"]
    response = client.post("/account/logout", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and 'session=""' in response.headers["set-cookie"]
    with TestClient(app=client.app, cookies={"session": token}) as replay:
        assert replay.get("/account").status_code == 401
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_reset_ends_every_session_and_the_link_works_once(client: TestClient, fresh: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    assert sign_in(fresh).status_code == 303  # signed in elsewhere too
    assert post(client, "/account/reset", email=EMAIL).status_code == 303
    reset = link_in(last_mail(session))
    assert client.get(reset).status_code == 200
    new_password = "a brand new password for the hub"
    assert post(client, reset, password=new_password, password_again=new_password).status_code == 303
    assert fresh.get("/account").status_code == 401
    assert client.get("/account").status_code == 200  # the reset signs this browser in, anew
    assert post(client, reset, password=new_password, password_again=new_password).status_code == 400
    fresh.cookies.clear()
    assert sign_in(fresh).status_code == 400
    assert sign_in(fresh, password=new_password).status_code == 303


def test_7_4_3_changing_the_password_needs_the_current_one_and_ends_the_others(
    client: TestClient, fresh: TestClient, session: Session
) -> None:
    register_and_verify(client, session)
    assert sign_in(fresh).status_code == 303
    new_password = "another long password for me"
    refused = post(client, "/account/password", current_password="wrong one here", password=new_password, password_again=new_password)
    assert refused.status_code == 400 and "not your current password" in refused.text
    changed = post(client, "/account/password", current_password=PASSWORD, password=new_password, password_again=new_password)
    assert changed.status_code == 303
    assert client.get("/account").status_code == 200
    assert fresh.get("/account").status_code == 401
    assert "password_changed" in session.scalars(select(SecurityEvent.kind)).all()


def test_7_4_2_deleting_the_account_removes_it_and_ends_its_sessions(
    client: TestClient, fresh: TestClient, session: Session
) -> None:
    register_and_verify(client, session)
    assert sign_in(fresh).status_code == 303
    assert post(client, "/account/delete", current_password="not it at all").status_code == 400
    assert post(client, "/account/delete", current_password=PASSWORD).status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    assert fresh.get("/account").status_code == 401
    events = session.scalars(select(SecurityEvent)).all()
    assert "account_deleted" in [event.kind for event in events]
    assert all(event.user_id is None for event in events)  # nothing points at the person any more


def test_6_3_1_the_eleventh_guess_gets_a_429_page(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    client.cookies.pop("session")
    for _ in range(10):
        assert sign_in(client, password="guessing again and again").status_code == 400
    blocked = sign_in(client)  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many attempts" in blocked.text and "try again in" in blocked.text


def test_3_5_1_every_account_post_needs_the_csrf_token(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    for path in ("/account/register", "/account/login", "/account/logout", "/account/reset", "/account/password", "/account/delete"):
        response = client.post(path, data={"email": EMAIL, "current_password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 403, path
    assert client.get("/account").status_code == 200  # nothing was changed


def test_8_2_1_own_account_pages_need_a_session(client: TestClient) -> None:
    page = client.get("/account")
    assert page.status_code == 401 and 'href="/account/login?next=%2Faccount"' in page.text
    assert post(client, "/account/password", current_password="x", password="y", password_again="y").status_code == 401
    assert post(client, "/account/delete", current_password="x").status_code == 401


def test_3_3_session_cookie_flags(client: TestClient, session: Session, settings: Settings, engine) -> None:  # noqa: ANN001
    register_and_verify(client, session)
    assert sign_in(client).status_code == 303
    cookie = sign_in(client).headers["set-cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    with TestClient(app=create_app(replace(settings, https=True)), base_url="https://testserver.local") as secure:
        response = sign_in(secure)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Domain" not in cookie


def test_7_3_sessions_end_after_idleness_and_after_their_lifetime(engine) -> None:  # noqa: ANN001
    with Session(engine) as db:
        db.add(User(email=EMAIL, email_key=EMAIL, password_hash="x"))
        db.commit()
        user_id = db.scalar(select(User.id))
    store = DatabaseSessions(engine, idle=timedelta(minutes=30), lifetime=timedelta(days=1))
    token = store.create(user_id)
    assert store.user_for(token) == user_id
    with Session(engine) as db:
        row = db.scalar(select(UserSession))
        row.last_seen_at -= timedelta(minutes=31)
        db.commit()
    assert store.user_for(token) is None
    token = store.create(user_id)
    with Session(engine) as db:
        row = db.scalar(select(UserSession))
        row.created_at -= timedelta(days=2)
        db.commit()
    assert store.user_for(token) is None
    # Sessions gone idle leave the table when their person signs in again.
    idle = store.create(user_id)
    with Session(engine) as db:
        db.scalar(select(UserSession)).last_seen_at -= timedelta(hours=1)
        db.commit()
    store.create(user_id)
    with Session(engine) as db:
        assert len(db.scalars(select(UserSession)).all()) == 1
    assert store.user_for(idle) is None


def test_with_smtp_the_verify_mail_is_delivered(settings: Settings, engine, session: Session) -> None:  # noqa: ANN001
    """COWORKING_SMTP_URL set: the message goes to the server after the answer, and is marked sent."""
    from tests.test_mail import _start

    server = _start()
    try:
        smtp_settings = replace(settings, smtp_url=f"smtp://127.0.0.1:{server.port}", mail_from="Network <noreply@example.org>")
        with TestClient(app=create_app(smtp_settings)) as client:
            assert post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD).status_code == 303
        assert [message["To"] for message in server.mailbox.received] == [EMAIL]
        assert "/account/verify/" in server.mailbox.received[0].get_content()
        assert last_mail(session).sent_at is not None
    finally:
        server.controller.stop()


def test_outbox_and_createadmin_commands(client: TestClient, session: Session, settings: Settings) -> None:
    from click.testing import CliRunner

    from coworking.cli import main

    env = {
        "COWORKING_DATABASE_URL": settings.database_url,
        "COWORKING_SECRET_KEY": settings.secret_key,
        "COWORKING_SMTP_URL": "",
    }
    runner = CliRunner()
    assert "The outbox is empty." in runner.invoke(main, ["outbox"], env=env).output
    post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD)
    shown = runner.invoke(main, ["outbox"], env=env).output
    assert f"To: {EMAIL}" in shown and "http://testserver.local/account/verify/" in shown
    assert "1 message(s) deleted" in runner.invoke(main, ["outbox", "--clear"], env=env).output
    assert runner.invoke(main, ["outbox", "--send"], env=env).exit_code != 0  # no SMTP: says so
    made = runner.invoke(main, ["createadmin", "admin@example.org", "--password", PASSWORD], env=env)
    assert made.exit_code == 0 and "is an administrator" in made.output
    weak = runner.invoke(main, ["createadmin", "other@example.org", "--password", "short"], env=env)
    assert weak.exit_code != 0 and "10 characters" in weak.output
    admin = session.scalar(select(User).where(User.email_key == "admin@example.org"))
    assert admin.is_admin and admin.email_verified_at is not None
    assert "role_granted" in session.scalars(select(SecurityEvent.kind)).all()


def test_two_workers_share_sessions_and_limits_through_redis(settings: Settings, engine, session: Session) -> None:  # noqa: ANN001
    """COWORKING_REDIS_URL set: a sign-in on one app instance holds on another, and so does a limit."""
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    client.ping()  # Redis runs on every machine of this project: no Redis fails the test
    shared = replace(settings, redis_url="redis://127.0.0.1:6379/0")
    try:
        with TestClient(app=create_app(shared)) as first, TestClient(app=create_app(shared)) as second:
            register_and_verify(first, session)
            token = first.cookies["session"]
            assert session.scalar(select(func.count()).select_from(UserSession)) == 0  # not in the database
            second.cookies.set("session", token)
            assert second.get("/account").status_code == 200
            assert post(first, "/account/logout").status_code == 303
            assert second.get("/account").status_code == 401
            for attempt in range(10):
                worker = first if attempt % 2 else second
                assert sign_in(worker, password="a wrong guess, again").status_code == 400
            assert sign_in(first).status_code == 429
            assert sign_in(second).status_code == 429
    finally:
        for key in client.scan_iter("coworking:*"):
            client.delete(key)


def test_16_the_security_log_is_for_administrators_only(client: TestClient, fresh: TestClient, session: Session, settings: Settings) -> None:
    """ASVS 16: sign-ins and failures are logged, without secrets; only an administrator reads the log."""
    from coworking.accounts.services import create_admin

    assert client.get("/admin/security-log").status_code == 401
    register_and_verify(client, session)
    assert client.get("/admin/security-log").status_code == 403
    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    sign_in(fresh, email=EMAIL, password="not the password")  # a failure, logged
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    log = fresh.get("/admin/security-log")
    assert log.status_code == 200
    assert "login_failed" in log.text and "role_granted" in log.text and EMAIL in log.text
    assert PASSWORD not in log.text and "not the password" not in log.text
    assert "Security log" in fresh.get("/account").text


def test_7_5_1_changing_the_address_needs_the_password_and_the_new_inbox(client: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    new = "anna.new@example.org"
    refused = post(client, "/account/email", new_email=new, current_password="not the password")
    assert refused.status_code == 400 and "not your current password" in refused.text
    assert post(client, "/account/email", new_email=new, current_password=PASSWORD).status_code == 303
    session.expire_all()
    assert session.scalar(select(User)).email == EMAIL  # nothing changes before the link is followed
    confirm = link_in(last_mail(session, new))
    assert "Use this address" in client.get(confirm).text
    assert post(client, confirm).status_code == 303
    session.expire_all()
    assert session.scalar(select(User)).email == new
    assert "new e-mail address" in last_mail(session, EMAIL).subject  # the old inbox is told
    assert post(client, confirm).status_code == 400  # once only
    client.cookies.clear()
    assert sign_in(client, email=new).status_code == 303
    assert sign_in(client, email=EMAIL).status_code == 400


def test_an_address_with_an_account_is_never_taken_over(client: TestClient, fresh: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    register_and_verify(fresh, session, "other@example.org")
    answer = post(client, "/account/email", new_email="OTHER@example.org", current_password=PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/account?email=sent"  # as for any address
    assert "offered for another account" in last_mail(session, "other@example.org").subject
    assert "/account/email/" not in last_mail(session, "other@example.org").body
    session.expire_all()
    assert sorted(session.scalars(select(User.email)).all()) == [EMAIL, "other@example.org"]


def test_an_address_registered_by_someone_else_never_becomes_theirs(
    client: TestClient, fresh: TestClient, session: Session, settings: Settings, engine  # noqa: ANN001
) -> None:
    """Review finding: an attacker registering the boss's address first could sign in with it, and keep it
    through `coworking createadmin`. Unconfirmed accounts cannot sign in; confirming needs the link *and* the
    registration's password; registering the address again replaces the password; createadmin sets its own."""
    attacker_password = "the attacker chose this one"
    assert post(fresh, "/account/register", email=EMAIL, password=attacker_password, password_again=attacker_password).status_code == 303
    first_link = link_in(last_mail(session))
    refused = sign_in(fresh, password=attacker_password)
    assert refused.status_code == 400 and "Confirm your address first" in refused.text
    # The owner registers too: the attacker's password and link stop working.
    assert post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD).status_code == 303
    assert post(client, first_link, password=attacker_password).status_code == 400
    owner_link = link_in(last_mail(session))
    assert post(fresh, owner_link, password=attacker_password).status_code == 400  # the inbox's link, the wrong password
    assert post(client, owner_link, password=PASSWORD).status_code == 303
    fresh.cookies.clear()
    assert sign_in(fresh, password=attacker_password).status_code == 400
    # createadmin on an account someone may know the password of: its own password, and every session ends.
    from coworking.accounts.services import create_admin
    from coworking.accounts.sessions import DatabaseSessions

    create_admin(session, DatabaseSessions(engine, timedelta(hours=1), timedelta(days=1)), EMAIL, "the operator's new password")
    assert client.get("/account").status_code == 401
    assert sign_in(fresh).status_code == 400
    assert sign_in(fresh, password="the operator's new password").status_code == 303


def test_a_reset_ends_a_pending_change_of_address(client: TestClient, session: Session) -> None:
    """Review finding: someone who knew the password asked to move the account to their address; after the
    owner's reset, that link still worked."""
    register_and_verify(client, session)
    assert post(client, "/account/email", new_email="thief@example.org", current_password=PASSWORD).status_code == 303
    stolen = link_in(last_mail(session, "thief@example.org"))
    assert post(client, "/account/reset", email=EMAIL).status_code == 303
    reset = link_in(last_mail(session))
    new_password = "the owner's fresh password"
    assert post(client, reset, password=new_password, password_again=new_password).status_code == 303
    assert post(client, stolen).status_code == 400
    session.expire_all()
    assert session.scalar(select(User)).email == EMAIL


@pytest.mark.parametrize("typed", ["a\nb@example.org", "att@evil.org,victim@example.org", "victim@example.org,", "a\x0bb@example.org", "a\u2028b@example.org", "Anna <anna@example.org>", "a@b@example.org", "nul\x00@example.org"])
def test_only_one_plain_address_is_an_address(client: TestClient, session: Session, typed: str) -> None:
    """Review finding: lists, line breaks and control characters passed, and one gave a 500."""
    register = post(client, "/account/register", email=typed, password=PASSWORD, password_again=PASSWORD)
    assert register.status_code == 400 and "such as anna@example.org" in register.text
    assert post(client, "/account/reset", email=typed).status_code == 400
    assert sign_in(client, email=typed).status_code == 400
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_a_csrf_cookie_signed_with_another_key_is_renewed(client: TestClient, session: Session) -> None:
    """Review finding: after a change of secret key, every form failed until the browser was closed."""
    stale = "0" * 64 + "f" * 64
    client.cookies.set("csrftoken", stale, domain="testserver.local")
    form = client.get("/account/login")
    assert "csrftoken=" in form.headers.get("set-cookie", "")
    fresh_token = client.cookies["csrftoken"]
    assert fresh_token != stale
    response = client.post("/account/login", data={"email": EMAIL, "password": "x", "_csrf_token": fresh_token})
    assert response.status_code == 400  # the form was taken (and refused on its merits), not a 403


def test_sign_out_expires_the_cookie_with_its_own_flags(settings: Settings, engine, session: Session) -> None:  # noqa: ANN001
    with TestClient(app=create_app(replace(settings, https=True)), base_url="https://testserver.local") as secure:
        register_and_verify(secure, session)
        gone = post(secure, "/account/logout")
        cookie = gone.headers["set-cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Max-Age=0" in cookie


def test_admin_pages_take_odd_numbers_without_a_500(client: TestClient, session: Session, fresh: TestClient) -> None:
    from coworking.accounts.services import create_admin

    create_admin(session, None, "admin@example.org", PASSWORD)
    assert sign_in(fresh, email="admin@example.org").status_code == 303
    for number in ("99999999999999999999999", "-3", "x", "0"):
        assert fresh.get("/admin/security-log", params={"page_number": number}).status_code == 200
    assert post(fresh, "/admin/partners/revoke", user_id="99999999999999999999", country="LV").status_code == 400


def account(session: Session, email: str = EMAIL) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.email_key == email.casefold()))


def test_an_account_is_written_to_in_its_own_language(client: TestClient, fresh: TestClient, session: Session) -> None:
    """Registered from a Latvian page, the account's mail is Latvian; once it chooses German, German, whatever
    the language of the page that causes the mail."""
    client.cookies.set("lang", "lv")
    assert post(client, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD).status_code == 303
    assert account(session).language == "lv"
    assert last_mail(session).subject == "Apstipriniet savu e-pasta adresi"
    assert post(client, link_in(last_mail(session)), password=PASSWORD).status_code == 303
    page = client.get("/account").text
    # Every language of the site, each named in itself; the account's own is chosen.
    assert '<option value="lv" lang="lv" selected>Latviešu</option>' in page
    assert '<option value="de" lang="de">Deutsch</option>' in page and '<option value="el" lang="el">Ελληνικά</option>' in page
    client.cookies.set("lang", "en")
    chosen = post(client, "/account/language", language="de")
    assert chosen.status_code == 303 and account(session).language == "de"
    assert "Saved." in client.get(chosen.headers["location"]).text
    # A reset asked for from a Latvian page, a registration of the address from a Polish one: German mail.
    fresh.cookies.set("lang", "lv")
    assert post(fresh, "/account/reset", email=EMAIL).status_code == 303
    assert last_mail(session).subject == "Neues Passwort wählen"
    fresh.cookies.set("lang", "pl")
    assert post(fresh, "/account/register", email=EMAIL, password=PASSWORD, password_again=PASSWORD).status_code == 303
    assert last_mail(session).subject == "Sie haben bereits ein Konto"


def test_an_account_with_no_language_gets_the_default_until_it_signs_in(client: TestClient, fresh: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    session.execute(update(User).values(language=None))  # as every account from before the choice
    session.commit()
    assert '<option value="en" lang="en" selected>English</option>' in client.get("/account").text
    fresh.cookies.set("lang", "lv")
    assert post(fresh, "/account/reset", email=EMAIL).status_code == 303
    assert last_mail(session).subject == "Choose a new password"  # the site's default, not the asker's Latvian
    # Its next sign-in, from a Latvian page, gives it that language; a later one changes nothing.
    assert sign_in(fresh).status_code == 303 and account(session).language == "lv"
    fresh.cookies.set("lang", "de")
    assert sign_in(fresh).status_code == 303 and account(session).language == "lv"


def test_a_sign_in_by_link_gives_an_account_with_no_language_the_pages(client: TestClient, fresh: TestClient, session: Session) -> None:
    register_and_verify(client, session)
    session.execute(update(User).values(language=None))
    session.commit()
    assert post(fresh, "/account/reset", email=EMAIL).status_code == 303
    reset = link_in(last_mail(session))
    fresh.cookies.set("lang", "lv")
    new_password = "a brand new password for the hub"
    assert post(fresh, reset, password=new_password, password_again=new_password).status_code == 303
    assert account(session).language == "lv"  # the reset page's language, as a password sign-in would
    assert post(client, "/account/reset", email=EMAIL).status_code == 303
    fresh.cookies.set("lang", "de")
    again = link_in(last_mail(session))
    assert post(fresh, again, password=PASSWORD, password_again=PASSWORD).status_code == 303
    assert account(session).language == "lv"  # a language once set is the account's


@pytest.mark.parametrize("typed", ["tlh", "en-GB", ""])
def test_the_language_form_takes_only_the_site_languages(client: TestClient, session: Session, typed: str) -> None:
    register_and_verify(client, session)
    refused = post(client, "/account/language", language=typed)
    assert refused.status_code == 400
    assert 'id="language-error"' in refused.text and "Choose a language from the list." in refused.text
    assert 'aria-invalid="true" aria-describedby="language-hint language-error"' in refused.text
    if typed:  # what was sent stays in view, chosen, beside the message
        assert f'<option value="{typed}" selected>{typed}</option>' in refused.text
    assert account(session).language == "en"
