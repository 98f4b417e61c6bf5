"""The outbox: mail is queued in the caller's transaction and delivered by a real (local) SMTP server.

Each test that sends starts aiosmtpd on 127.0.0.1 and a free port; what it receives is parsed back
with the standard library, so a subject in Latvian is checked as the recipient would read it.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coworking.core.mail import (
    CLAIM,
    DeliveryReport,
    OutboxMessage,
    SmtpSettings,
    _claim,
    _error_text,
    clear_outbox,
    deliver_pending,
    outbox_lines,
    queue_mail,
    retry_delay,
)
from coworking.core.models import utcnow
from tests.server import free_port

SUBJECT = "Apstipriniet e-pastu — Cēsis"
BODY = "Labdien!\n\nApstipriniet adresi: https://cowork.example.lv/verify/abc123\n"
SENDER = "Lauku koprades telpas <noreply@cowork.example.lv>"


class Mailbox:
    """An SMTP handler that keeps what it accepts, and refuses recipients while ``refuse`` holds a reply."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: ANN001, N802
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        with self.lock:
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, mailbox: Mailbox, controller: Controller, port: int) -> None:
        self.mailbox = mailbox
        self.controller = controller
        self.port = port

    def settings(self, credentials: str = "") -> SmtpSettings:
        return SmtpSettings.from_url(f"smtp://{credentials}127.0.0.1:{self.port}", sender=SENDER)


def _start(**smtp_options) -> SmtpServer:  # noqa: ANN003
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    return SmtpServer(mailbox, controller, port)


@pytest.fixture()
def smtp_server() -> Iterator[SmtpServer]:
    server = _start()
    yield server
    server.controller.stop()


PASSWORD = "s3cr:t@p/ss"


def _only_ana(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    accepted = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"ana",
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd then answers a refusal with its own 535 (handled=True would leave it to us).
    return AuthResult(success=accepted, handled=False)


@pytest.fixture()
def smtp_server_with_login() -> Iterator[SmtpServer]:
    server = _start(authenticator=_only_ana, auth_required=True, auth_require_tls=False)
    yield server
    server.controller.stop()


def _queue(engine: Engine, recipient: str = "ana@example.lv", subject: str = SUBJECT, body: str = BODY) -> int:
    with Session(engine) as session:
        message = queue_mail(session, recipient, subject, body)
        session.commit()
        return message.id


def _message(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        return session.get(OutboxMessage, message_id)


def test_queued_mail_waits_for_the_callers_commit(engine: Engine, smtp_server: SmtpServer) -> None:
    with Session(engine) as session:
        queue_mail(session, "ana@example.lv", SUBJECT, BODY)
        session.flush()  # written in the caller's open transaction, not yet committed
        assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=0, failed=0, waiting=0)
        session.rollback()  # the change that caused it failed: its mail goes with it
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=0, failed=0, waiting=0)
    assert smtp_server.mailbox.received == []

    with Session(engine) as session:
        queue_mail(session, "ana@example.lv", SUBJECT, BODY)
        session.commit()
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=1, failed=0, waiting=0)
    assert len(smtp_server.mailbox.received) == 1


def test_without_smtp_nothing_is_sent_and_the_outbox_shows_it(engine: Engine) -> None:
    message_id = _queue(engine)
    assert deliver_pending(engine, None) == DeliveryReport(sent=0, failed=0, waiting=1)
    message = _message(engine, message_id)
    assert message.sent_at is None
    assert message.attempts == 0

    lines = outbox_lines(engine)
    assert f"#{message_id}  To: ana@example.lv" in lines
    assert f"Subject: {SUBJECT}" in lines
    assert any(line.startswith("Queued: ") and "Attempts: 0" in line for line in lines)
    # The link is there to follow without a mail server.
    assert "Apstipriniet adresi: https://cowork.example.lv/verify/abc123" in lines


def test_smtp_delivers_once_in_utf8(engine: Engine, smtp_server: SmtpServer) -> None:
    message_id = _queue(engine)
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=1, failed=0, waiting=0)
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=0, failed=0, waiting=0)

    [received] = smtp_server.mailbox.received
    assert received["Subject"] == SUBJECT
    assert received["To"] == "ana@example.lv"
    assert received["From"] == SENDER
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().replace("\r\n", "\n") == BODY  # lines end in CRLF on the wire
    assert received["Message-ID"].startswith(f"<outbox.{message_id}.")

    message = _message(engine, message_id)
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.last_error is None
    # Sent mail leaves the default listing; it is still there on request.
    assert outbox_lines(engine) == []
    assert f"#{message_id}  To: ana@example.lv" in outbox_lines(engine, include_sent=True)


def test_oldest_first_and_at_most_limit(engine: Engine, smtp_server: SmtpServer) -> None:
    for number in range(3):
        _queue(engine, recipient=f"person{number}@example.lv")
    assert deliver_pending(engine, smtp_server.settings(), limit=2) == DeliveryReport(sent=2, failed=0, waiting=1)
    assert [received["To"] for received in smtp_server.mailbox.received] == ["person0@example.lv", "person1@example.lv"]


def test_a_refused_message_stays_visible_and_is_retried_later(engine: Engine, smtp_server: SmtpServer) -> None:
    message_id = _queue(engine)
    smtp_server.mailbox.refuse = "450 4.2.1 Mailbox busy, try later"
    before = utcnow()
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=0, failed=1, waiting=1)

    failed = _message(engine, message_id)
    assert failed.sent_at is None
    assert failed.attempts == 1
    assert "450" in failed.last_error
    assert "Mailbox busy" in failed.last_error
    assert failed.next_attempt_at >= before + timedelta(minutes=1)
    assert any(line.startswith("Last error: ") and "450" in line for line in outbox_lines(engine))

    # Not due yet: a run now leaves it alone, even with the server willing again.
    smtp_server.mailbox.refuse = None
    assert deliver_pending(engine, smtp_server.settings()) == DeliveryReport(sent=0, failed=0, waiting=1)
    assert smtp_server.mailbox.received == []

    later = failed.next_attempt_at + timedelta(seconds=1)
    assert deliver_pending(engine, smtp_server.settings(), now=later) == DeliveryReport(sent=1, failed=0, waiting=0)
    assert len(smtp_server.mailbox.received) == 1
    sent = _message(engine, message_id)
    assert sent.sent_at is not None
    assert sent.attempts == 2


def test_failures_wait_twice_as_long_each_time_up_to_six_hours() -> None:
    assert [retry_delay(attempts) for attempts in (1, 2, 3, 4)] == [
        timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)
    ]
    assert retry_delay(9) == timedelta(minutes=256)
    assert retry_delay(10) == timedelta(hours=6)
    assert retry_delay(10_000) == timedelta(hours=6)


def test_a_second_failure_backs_off_further(engine: Engine, smtp_server: SmtpServer) -> None:
    message_id = _queue(engine)
    smtp_server.mailbox.refuse = "550 5.1.1 No such user"
    now = utcnow()
    deliver_pending(engine, smtp_server.settings(), now=now)
    first = _message(engine, message_id)
    assert first.next_attempt_at == now + timedelta(minutes=1)
    deliver_pending(engine, smtp_server.settings(), now=first.next_attempt_at)
    second = _message(engine, message_id)
    assert second.attempts == 2
    assert second.next_attempt_at == first.next_attempt_at + timedelta(minutes=2)
    assert "550 5.1.1 No such user" in second.last_error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_works_and_a_refused_login_keeps_the_password_out_of_the_error(
    engine: Engine, smtp_server_with_login: SmtpServer
) -> None:
    quoted = "s3cr%3At%40p%2Fss"  # the password, percent-encoded as a URL needs it
    settings = smtp_server_with_login.settings(f"ana:{quoted}@")
    assert settings.password == PASSWORD
    _queue(engine)
    assert deliver_pending(engine, settings).sent == 1

    wrong = smtp_server_with_login.settings("ana:not-the-s3cr:t@")
    message_id = _queue(engine)
    assert deliver_pending(engine, wrong) == DeliveryReport(sent=0, failed=1, waiting=1)
    error = _message(engine, message_id).last_error
    assert "535" in error
    assert "not-the-s3cr:t" not in error
    assert len(smtp_server_with_login.mailbox.received) == 1


def test_an_error_that_quotes_the_password_is_stored_without_it() -> None:
    settings = SmtpSettings.from_url("smtp://ana:hunter2@127.0.0.1:2525", sender=SENDER)
    error = smtplib.SMTPAuthenticationError(535, b"5.7.8 hunter2 is not ana's password")
    assert _error_text(error, settings) == "SMTPAuthenticationError: 535 5.7.8 *** is not ana's password"


def test_an_unreachable_server_stops_the_run_instead_of_timing_out_per_message(engine: Engine) -> None:
    first = _queue(engine, recipient="first@example.lv")
    second = _queue(engine, recipient="second@example.lv")
    nobody = SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}", sender=SENDER)
    assert deliver_pending(engine, nobody) == DeliveryReport(sent=0, failed=1, waiting=2)
    assert _message(engine, first).attempts == 1
    assert "Connection refused" in _message(engine, first).last_error or "Errno" in _message(engine, first).last_error
    untouched = _message(engine, second)
    assert (untouched.attempts, untouched.last_error) == (0, None)


def test_a_message_is_claimed_by_one_worker_only(engine: Engine) -> None:
    message_id = _queue(engine)
    now = utcnow()
    assert _claim(engine, message_id, now) is not None
    assert _claim(engine, message_id, now) is None
    # A claim runs out, so a worker that died holding it does not keep the message forever.
    assert _claim(engine, message_id, now + CLAIM) is not None


def test_two_workers_at_once_send_each_message_once(engine: Engine, smtp_server: SmtpServer) -> None:
    recipients = [f"person{number}@example.lv" for number in range(6)]
    for recipient in recipients:
        _queue(engine, recipient=recipient)
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def worker() -> None:
        start.wait()
        reports.append(deliver_pending(engine, smtp_server.settings()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(reports) == 2
    assert sum(report.sent for report in reports) == len(recipients)
    assert sum(report.failed for report in reports) == 0
    assert sorted(received["To"] for received in smtp_server.mailbox.received) == recipients
    with Session(engine) as session:
        assert set(session.scalars(select(OutboxMessage.attempts))) == {1}


def test_clear_outbox_deletes_sent_and_unsent(engine: Engine, smtp_server: SmtpServer) -> None:
    _queue(engine)
    deliver_pending(engine, smtp_server.settings())
    _queue(engine, recipient="later@example.lv")
    assert clear_outbox(engine) == 2
    assert outbox_lines(engine, include_sent=True) == []
    assert clear_outbox(engine) == 0


@pytest.mark.parametrize(
    ("recipient", "subject"),
    [
        ("ana@example.lv\r\nBcc: everyone@example.lv", SUBJECT),
        ("ana@example.lv", "Hello\nBcc: everyone@example.lv"),
        ("not-an-address", SUBJECT),
        ("ana@example.lv", " "),
        ("a" * 250 + "@example.lv", SUBJECT),
        ("ana@example.lv", "x" * 301),
    ],
)
def test_a_header_that_would_break_the_mail_is_refused_when_queued(
    engine: Engine, recipient: str, subject: str
) -> None:
    with Session(engine) as session, pytest.raises(ValueError):
        queue_mail(session, recipient, subject, BODY)


def test_smtp_urls() -> None:
    plain = SmtpSettings.from_url("smtp://mail.example.lv", sender=SENDER)
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == (
        "mail.example.lv",
        25,
        False,
        False,
        None,
    )
    assert plain.timeout == 10

    upgraded = SmtpSettings.from_url("smtp://ana:pa%40ss@mail.example.lv:587?starttls=1", sender=SENDER)
    assert (upgraded.port, upgraded.starttls, upgraded.username, upgraded.password) == (587, True, "ana", "pa@ss")
    assert "pa@ss" not in repr(upgraded)

    implicit = SmtpSettings.from_url("smtps://ana:secret@mail.example.lv", sender=SENDER)
    assert (implicit.port, implicit.implicit_tls, implicit.starttls) == (465, True, False)

    for bad in (
        "http://mail.example.lv",
        "smtp://",
        "smtps://mail.example.lv?starttls=1",
        "smtp://mail.example.lv?starttsl=1",
    ):
        with pytest.raises(ValueError):
            SmtpSettings.from_url(bad, sender=SENDER)
    with pytest.raises(ValueError):
        SmtpSettings.from_url("smtp://mail.example.lv", sender="noreply")
