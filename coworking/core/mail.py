"""Mail the site sends (verify an address, reset a password): queued in the database, delivered by SMTP.

A message is a row in the ``outbox`` table before it is anything else. The service that causes it
queues it in its own transaction, so a rolled-back registration sends nothing and a committed one
always has its mail; nothing talks to an SMTP server while a request holds a transaction open.
``deliver_pending`` sends what is due when ``COWORKING_SMTP_URL`` is set. Without it the mail stays in
the outbox, where ``coworking outbox`` shows it (links included) to a developer with no mail server.

Nothing is dropped: a send that fails stays in the table with its error and is tried again later,
waiting twice as long after each failure (1 min, 2, 4 … at most 6 h). Delivery is at least once: a
message is claimed before it is sent, so two workers never send it together, but a worker that dies
between the server's "250 OK" and its own commit leaves the message to be sent again after the claim
runs out. Its Message-ID stays the same across tries, so mail clients can tell it is a repeat.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Engine, Integer, Row, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from coworking.core.models import Base, utcnow

logger = logging.getLogger("coworking")

RECIPIENT_MAX = 254  # the longest address SMTP can carry (RFC 5321 path limit less the brackets)
SUBJECT_MAX = 300
ERROR_MAX = 2000
SMTP_TIMEOUT = 10.0

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# A claimed message is left alone this long. It must outlast one send (connect, TLS, login, data:
# a few timeouts), or a second worker would take the message while the first is still sending it.
CLAIM = timedelta(minutes=10)

_TRUE = {"1", "true", "yes", "on"}
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class OutboxMessage(Base):
    """One e-mail, from the moment it is queued; ``sent_at`` stays empty until a server accepted it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    # Headers of its own beyond From/To/Subject/Date/Message-ID (a digest's List-Unsubscribe), or None.
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # Tries made so far, the one that succeeded included: 0 means no server has seen it yet.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When it may be tried (again): the queue time at first, later the backoff or a worker's claim.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, index=True)


def _single_line(name: str, value: str, longest: int) -> str:
    value = value.strip()
    if not value or "\r" in value or "\n" in value:
        # A line break in a header would let whoever typed it add headers of their own.
        raise ValueError(f"The mail's {name} must be one non-empty line")
    if len(value) > longest:
        raise ValueError(f"The mail's {name} is longer than {longest} characters")
    if name == "recipient" and "@" not in value:
        raise ValueError(f"The mail's recipient {value!r} is not an e-mail address")
    return value


# Headers a caller may add: list mail's (RFC 2369, RFC 8058). The envelope's own are set by _email alone.
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"})
HEADER_MAX = 2000


def queue_mail(
    session: Session, recipient: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> OutboxMessage:
    """Add a message to the caller's session, unsent; the caller commits it with the change that caused it.

    Not committing here is the point: the mail belongs to the caller's transaction, so it exists
    exactly when the change it announces does. A bad address, subject or header fails now, in that
    transaction, rather than at delivery where nobody would see it. ``headers``: only EXTRA_HEADERS.
    """
    extra = None
    if headers:
        unknown = set(headers) - EXTRA_HEADERS
        if unknown:
            raise ValueError(f"The mail may not set the header(s) {', '.join(sorted(unknown))}")
        extra = {name: _single_line(name, value, HEADER_MAX) for name, value in headers.items()}
    message = OutboxMessage(
        recipient=_single_line("recipient", recipient, RECIPIENT_MAX),
        subject=_single_line("subject", subject, SUBJECT_MAX),
        body=body,
        headers=extra,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over: ``smtp://user:pass@host:port`` (``?starttls=1`` to upgrade the
    connection) or ``smtps://…`` (TLS from the first byte)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    # Not in repr(): settings end up in logs and tracebacks.
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpSettings:
        """Settings for ``url``; ``sender`` is the From address (``Name <address>`` or a bare address)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError("The SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("The SMTP URL names no host")
        query = parse_qs(parts.query, keep_blank_values=True)
        # A misspelt option would otherwise be ignored, and mail would go out less protected than meant.
        unknown = set(query) - {"starttls"}
        if unknown:
            raise ValueError(f"Unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
        starttls = query.get("starttls", [""])[-1].lower() in _TRUE
        if starttls and scheme == "smtps":
            raise ValueError("smtps:// is TLS already: ?starttls=1 belongs to smtp://")
        if "@" not in parseaddr(sender)[1] or "\r" in sender or "\n" in sender:
            raise ValueError(f"The From address {sender!r} is not an e-mail address")
        return cls(
            host=parts.hostname,
            port=parts.port or _DEFAULT_PORTS[scheme],
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            implicit_tls=scheme == "smtps",
            starttls=starttls,
        )


@dataclass(frozen=True)
class DeliveryReport:
    """One ``deliver_pending`` run: ``waiting`` counts the messages still unsent after it (failed ones too)."""

    sent: int
    failed: int
    waiting: int


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _email(
    smtp: SmtpSettings,
    message_id: int,
    created_at: datetime,
    recipient: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    email = EmailMessage()  # the default policy: UTF-8, RFC 2047 headers for a subject like "Cēsis"
    email["From"] = smtp.sender
    email["To"] = recipient
    email["Subject"] = subject
    email["Date"] = format_datetime(utcnow())
    domain = parseaddr(smtp.sender)[1].rpartition("@")[2] or "localhost"
    # The same Message-ID on every try: a message sent twice (see the module's docstring) is one message.
    email["Message-ID"] = f"<outbox.{message_id}.{int(created_at.timestamp())}@{domain}>"
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(body)
    return email


def _error_text(error: Exception, smtp: SmtpSettings) -> str:
    """What went wrong, in words an operator reads in the outbox, and never with the password in it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
    elif isinstance(error, smtplib.SMTPResponseException):
        reply = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        text = f"{error.smtp_code} {reply}"
    else:
        text = str(error) or type(error).__name__
    text = f"{type(error).__name__}: {text}"
    if smtp.password:
        text = text.replace(smtp.password, "***")
    return text[:ERROR_MAX]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1 min, 2, 4 … never more than 6 h."""
    # Capping the exponent first keeps 2**n small however many times a message has failed.
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), LONGEST_RETRY)


def _claim(engine: Engine, message_id: int, now: datetime) -> Row | None:
    """Take a due message for this worker, or None when another took it or it is no longer due.

    The UPDATE is the lock: a second worker's identical UPDATE finds the row no longer due (PostgreSQL
    re-checks the WHERE after waiting for the first; SQLite runs one writer at a time) and changes nothing.
    """
    due = (OutboxMessage.id == message_id) & OutboxMessage.sent_at.is_(None) & (OutboxMessage.next_attempt_at <= now)
    with engine.begin() as connection:
        claimed = connection.execute(update(OutboxMessage).where(due).values(next_attempt_at=now + CLAIM))
        if claimed.rowcount != 1:
            return None
        return connection.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.created_at,
                OutboxMessage.recipient,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.headers,
            ).where(OutboxMessage.id == message_id)
        ).one()


def deliver_pending(
    engine: Engine, smtp: SmtpSettings | None, now: datetime | None = None, limit: int = 50
) -> DeliveryReport:
    """Send the due messages, oldest first, at most ``limit`` of them; each one's outcome is committed alone.

    Without SMTP settings nothing is sent: the messages wait in the outbox for ``coworking outbox``.
    One connection serves the run; after a failure the next message gets a fresh one, since a server
    that refused something may have left the conversation in any state. When the server cannot be
    reached at all the run stops there, rather than waiting out one timeout per message.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("deliver_pending needs an aware datetime (UTC)")
    sent = failed = 0
    if smtp is not None:
        with engine.connect() as connection:
            due_ids = connection.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(limit)
            ).all()
        client: smtplib.SMTP | None = None
        try:
            for message_id in due_ids:
                row = _claim(engine, message_id, now)
                if row is None:
                    continue  # another worker has it, or has sent it
                if client is None:
                    try:
                        client = _connect(smtp)
                    except Exception as error:  # whatever it was, the message must show it and wait
                        _record_failure(engine, message_id, _error_text(error, smtp), now)
                        failed += 1
                        break  # no server to talk to (or it refused our login): the rest stay due for the next run
                try:
                    client.send_message(_email(smtp, *row))
                except Exception as error:  # the same: recorded on the message, never lost
                    client.close()
                    client = None
                    _record_failure(engine, message_id, _error_text(error, smtp), now)
                    failed += 1
                    continue
                with engine.begin() as connection:
                    connection.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == message_id)
                        .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1)
                    )
                sent += 1
        finally:
            if client is not None:
                try:
                    client.quit()
                except (OSError, smtplib.SMTPException):
                    client.close()
    with engine.connect() as connection:
        waiting = connection.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    return DeliveryReport(sent=sent, failed=failed, waiting=waiting or 0)


def _record_failure(engine: Engine, message_id: int, error: str, now: datetime) -> None:
    with engine.begin() as connection:
        attempts = connection.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)) + 1
        connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=attempts, last_error=error, next_attempt_at=now + retry_delay(attempts))
        )
    # The id, not the address: the log need not hold who registered; the outbox row says it.
    logger.warning(
        "Mail %s not sent (try %s), tried again in %s: %s", message_id, attempts, retry_delay(attempts), error
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def outbox_lines(engine: Engine, include_sent: bool = False) -> list[str]:
    """The outbox as lines to print, oldest first: each message's envelope, its state, then its body.

    The body is shown whole because the verify and reset links are in it: a developer without a mail
    server follows them from here. An empty outbox gives no lines (the command says so in its own words).
    """
    query = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
    if not include_sent:
        query = query.where(OutboxMessage.sent_at.is_(None))
    with Session(engine) as session:
        messages = session.scalars(query).all()
    lines: list[str] = []
    for message in messages:
        if lines:
            lines.append("")
        state = (
            f"sent {_when(message.sent_at)}"
            if message.sent_at
            else f"unsent, next try {_when(message.next_attempt_at)}"
        )
        lines += [
            f"#{message.id}  To: {message.recipient}",
            f"Subject: {message.subject}",
            *(f"{name}: {value}" for name, value in (message.headers or {}).items()),
            f"Queued: {_when(message.created_at)}  Attempts: {message.attempts}  State: {state}",
        ]
        if message.last_error:
            lines.append(f"Last error: {message.last_error}")
        lines.append("")
        lines += message.body.splitlines()
    return lines


def clear_outbox(engine: Engine) -> int:
    """Delete every message, sent or not, and say how many went."""
    with engine.begin() as connection:
        return connection.execute(delete(OutboxMessage)).rowcount
