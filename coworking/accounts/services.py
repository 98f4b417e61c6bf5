"""The rules of accounts: registering, verifying, signing in, resetting, changing, deleting.

Each public function is one transaction, committed here: the account, its token, its security-log
line and its e-mail (queued in the outbox) are written together or not at all. E-mail text comes in
the account's language (``Mailer.for_user``), never in that of whoever caused it; links are built by the
caller (``link``), from the site's own allowed host.

No answer tells whether an address has an account: registering a known address and asking to reset
an unknown one look exactly like their opposites; only the inbox learns the difference.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, EmailToken, SecurityEvent, User
from coworking.accounts.passwords import dummy_hash, hash_password, needs_rehash, password_problem, verify_password
from coworking.accounts.sessions import SessionStore, token_hash
from coworking.core.errors import InvalidInput
from coworking.core.i18n import Translator, translator
from coworking.core.mail import queue_mail
from coworking.core.models import utcnow
from coworking.core.ratelimit import RateLimited
from coworking.core.vocabulary import N_

VERIFY = "verify"
RESET = "reset"
EMAIL_CHANGE = "email"
# How long a link in an e-mail works: long enough for a slow inbox, short enough to be useless later.
TOKEN_LIFETIMES = {VERIFY: timedelta(days=3), RESET: timedelta(hours=2), EMAIL_CHANGE: timedelta(days=1)}
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class Mailer:
    """What a service needs to write an e-mail: the languages and how to make a link to a path.

    ``translator`` is the language of the request that causes the mail: a resident without an account reads
    their mail in it. An account holder reads theirs in their own (``for_user``), whoever caused it: a
    Latvian builder's visit request is in Latvian, though the resident asked in English.
    """

    translator: Translator
    link: Callable[[str], str]
    # The languages the site offers (Settings.locales), its default first.
    locales: tuple[str, ...]

    def for_user(self, user: User, guess: str | None = None) -> Translator:
        """The language ``user`` reads their mail in: their own; for an account that has none yet, ``guess``
        (the language they last wrote to the site in, where known), else the site's default."""
        chosen = next((code for code in (user.language, guess) if code in self.locales), self.locales[0])
        return translator(chosen)

    def send(self, db: Session, user: User, subject: str, body: str, path: str, to: str | None = None, **variables: object) -> None:
        """Queue ``subject`` and ``body`` (msgids; the body's %(link)s becomes a link to ``path``) in ``db``'s
        transaction, to ``user`` in their language (at ``to`` when not at their address: a new one, an old one)."""
        translate = self.for_user(user).gettext
        queue_mail(db, to or user.email, translate(subject, **variables), translate(body, link=self.link(path), **variables))


def email_key(email: str) -> str:
    """The form an address is compared in: trimmed and case-folded."""
    return email.strip().casefold()


# One plain address: no spaces or control characters, none of the characters that would make it a list
# ("a@x.org,b@y.org"), a display name or a quoted part in a mail header, exactly one "@", a dot in the domain.
_ADDRESS = re.compile(r'^[^\s@,;:<>()"\[\]\\]+@[^\s@,;:<>()"\[\]\\]+\.[^\s@,;:<>()"\[\]\\]+$')


def check_email(email: str) -> str | None:
    """Why this is not one e-mail address (a msgid), or None. Deliverability is the confirm link's job."""
    text = email.strip()
    if not text:
        return N_("Enter your e-mail address.")
    if (
        len(text) > MAX_EMAIL_LENGTH
        or not _ADDRESS.match(text)
        or any(unicodedata.category(ch)[0] in "CZ" for ch in text)  # control, format, separator characters
    ):
        return N_("Enter an e-mail address such as anna@example.org.")
    return None


def _issue_token(db: Session, user: User, purpose: str, now: datetime, new_email: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    expires_at = now + TOKEN_LIFETIMES[purpose]
    db.add(EmailToken(token_hash=token_hash(token), user_id=user.id, purpose=purpose, new_email=new_email, expires_at=expires_at))
    return token


def log_event(db: Session, kind: str, user_id: int | None, ip: str | None, detail: str | None = None) -> None:
    """One line of the security log, in the caller's transaction."""
    db.add(SecurityEvent(kind=kind, user_id=user_id, ip=ip, detail=detail))


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email_key == email_key(email)))


def builders_of(db: Session, space_id: int) -> list[User]:
    """The accounts that are community builders of a space, in the order they joined the site."""
    builders = select(User).join(BuilderRole, BuilderRole.user_id == User.id).where(BuilderRole.space_id == space_id)
    return list(db.scalars(builders.order_by(User.id)))


def register(db: Session, email: str, password: str, password_again: str, mailer: Mailer, ip: str | None) -> None:
    """Create an unverified account and send the verify link; for a known address, send a reminder
    instead. Raises InvalidInput (with the fields) for input that would be refused either way."""
    errors = {}
    if problem := check_email(email):
        errors["email"] = problem
    if problem := password_problem(password):
        errors["password"] = problem
    elif password != password_again:
        errors["password_again"] = N_("The two passwords are not the same.")
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    existing = find_user(db, email)
    password_hash = hash_password(password)  # hashed either way: the answer takes as long
    if existing is not None and existing.email_verified_at is None:
        # Never confirmed: whoever registered it cannot sign in, so this registration replaces theirs
        # (their links stop working); only the one who reads the inbox *and* knows this password confirms it.
        existing.password_hash, existing.language = password_hash, mailer.translator.locale
        _drop_links(db, existing.id, VERIFY)
        _send_confirm_link(db, mailer, existing, now)
        log_event(db, "registered_again", existing.id, ip)
    elif existing is not None:
        mailer.send(
            db,
            existing,
            N_("You already have an account"),
            N_(
                "Someone, perhaps you, tried to register with this address, which already has an account.\n\n"
                "If you have forgotten your password, choose a new one here:\n%(link)s\n\n"
                "If it was not you, you can ignore this message."
            ),
            "/account/reset",
        )
        log_event(db, "register_known_address", existing.id, ip)
    else:
        user = User(email=email.strip(), email_key=email_key(email), password_hash=password_hash, language=mailer.translator.locale)
        db.add(user)
        db.flush()
        _send_confirm_link(db, mailer, user, now)
        log_event(db, "registered", user.id, ip)
    db.commit()


def _send_confirm_link(db: Session, mailer: Mailer, user: User, now: datetime) -> None:
    token = _issue_token(db, user, VERIFY, now)
    mailer.send(
        db,
        user,
        N_("Confirm your e-mail address"),
        N_(
            "Welcome to the Rural Coworking Network.\n\n"
            "Confirm your e-mail address with this link (it works once, for 3 days):\n%(link)s\n\n"
            "If you did not register, you can ignore this message."
        ),
        f"/account/verify/{token}",
    )


_LINK_GONE = N_("This link has expired or has already been used. Ask for a new one.")


def _usable_token(db: Session, token: str, purpose: str) -> EmailToken:
    found = db.get(EmailToken, token_hash(token))
    if found is None or found.purpose != purpose or found.used_at is not None or found.expires_at < utcnow():
        raise InvalidInput({"token": _LINK_GONE})
    return found


def _use_token(db: Session, token: str, purpose: str) -> EmailToken:
    """Mark the link used, in one statement: of two requests racing with the same link, one wins."""
    now = utcnow()
    used = db.execute(
        update(EmailToken)
        .where(
            EmailToken.token_hash == token_hash(token),
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at >= now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.rollback()
        raise InvalidInput({"token": _LINK_GONE})
    return db.get(EmailToken, token_hash(token))


def _drop_links(db: Session, user_id: int, *purposes: str) -> None:
    """Unused links of these kinds stop working (a new password makes a pending reset or change moot)."""
    db.execute(
        delete(EmailToken).where(
            EmailToken.user_id == user_id, EmailToken.purpose.in_(purposes), EmailToken.used_at.is_(None)
        )
    )


def check_token(db: Session, token: str, purpose: str) -> None:
    """Raise InvalidInput unless the link is unused, unexpired and for this purpose (without using it)."""
    _usable_token(db, token, purpose)


def verify_email(db: Session, token: str, password: str, ip: str | None, locale: str) -> User:
    """Confirm the address with the link and the registration's password (both: the inbox alone does not
    make an account someone else registered with that address yours). The link then never works again.
    An account with no language yet keeps ``locale``, the page's (as ``authenticate`` does)."""
    user = db.get(User, _usable_token(db, token, VERIFY).user_id)
    if not verify_password(user.password_hash, password):
        log_event(db, "verify_failed", user.id, ip)
        db.commit()
        raise InvalidInput({"password": N_("This is not the password you registered with.")})
    _use_token(db, token, VERIFY)
    user.email_verified_at = user.email_verified_at or utcnow()
    user.language = user.language or locale
    log_event(db, "email_verified", user.id, ip)
    db.commit()
    return user


# Wrong passwords for one account, from any number of places, before it waits (15 minutes): guessing
# stays slow; the owner's own attempts are also limited per address and IP, more tightly.
FAILURES_PER_ACCOUNT = 30
FAILURE_WINDOW = timedelta(minutes=15)


def authenticate(db: Session, email: str, password: str, ip: str | None, locale: str) -> User | None:
    """The user with this address and password, or None (and a failed sign-in in the security log).
    An account with no language yet (older than the choice) keeps ``locale``, the sign-in page's.

    RateLimited when the account has had too many wrong passwords lately; InvalidInput, only after the
    right password, when the address was never confirmed.
    """
    user = find_user(db, email) if check_email(email) is None else None
    if user is None:
        verify_password(dummy_hash(), password)  # as slow as a real check
        log_event(db, "login_failed", None, ip, detail="unknown address")
        db.commit()
        return None
    since = utcnow() - FAILURE_WINDOW
    failures = db.scalars(
        select(SecurityEvent.at)
        .where(SecurityEvent.user_id == user.id, SecurityEvent.kind == "login_failed", SecurityEvent.at >= since)
        .order_by(SecurityEvent.at)
    ).all()
    if len(failures) >= FAILURES_PER_ACCOUNT:
        log_event(db, "login_locked", user.id, ip)
        db.commit()
        raise RateLimited((failures[0] + FAILURE_WINDOW - utcnow()).total_seconds())
    if not verify_password(user.password_hash, password):
        log_event(db, "login_failed", user.id, ip)
        db.commit()
        return None
    if user.email_verified_at is None:
        raise InvalidInput({"email": N_("Confirm your address first: follow the link we sent, or register again for a new one.")})
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.language = user.language or locale
    log_event(db, "login", user.id, ip)
    db.commit()
    return user


def request_reset(db: Session, email: str, mailer: Mailer, ip: str | None) -> None:
    """Send a reset link to the address if it has an account; answer the same either way."""
    if problem := check_email(email):
        raise InvalidInput({"email": problem})
    user = find_user(db, email)
    if user is None:
        return
    token = _issue_token(db, user, RESET, utcnow())
    mailer.send(
        db,
        user,
        N_("Choose a new password"),
        N_(
            "Someone, perhaps you, asked to reset the password of your account.\n\n"
            "Choose a new password with this link (it works once, for 2 hours):\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays as it is."
        ),
        f"/account/reset/{token}",
    )
    log_event(db, "reset_requested", user.id, ip)
    db.commit()


def _new_password(password: str, password_again: str) -> str:
    if problem := password_problem(password):
        raise InvalidInput({"password": problem})
    if password != password_again:
        raise InvalidInput({"password_again": N_("The two passwords are not the same.")})
    return hash_password(password)


def reset_password(
    db: Session, sessions: SessionStore, token: str, password: str, password_again: str, ip: str | None, locale: str
) -> User:
    """Set a new password from a reset link; every session of the account ends (ASVS 7.4.3), and so does
    every other link it has (a pending change of address included). An account with no language yet keeps
    ``locale``, the page's."""
    _usable_token(db, token, RESET)
    new_hash = _new_password(password, password_again)
    found = _use_token(db, token, RESET)
    user = db.get(User, found.user_id)
    user.password_hash = new_hash
    # The link reached the inbox, so the address is the person's.
    user.email_verified_at = user.email_verified_at or found.used_at
    user.language = user.language or locale
    _drop_links(db, user.id, VERIFY, RESET, EMAIL_CHANGE)
    log_event(db, "password_reset", user.id, ip)
    # Sessions end first: if that fails, nothing has changed; the other way round, old sessions would live on.
    sessions.end_all(user.id, within=db)
    db.commit()
    return user


def _require_password(user: User, current_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput({"current_password": N_("This is not your current password.")})


def change_password(
    db: Session,
    sessions: SessionStore,
    user_id: int,
    current_password: str,
    password: str,
    password_again: str,
    keep_session: str,
    ip: str | None,
) -> None:
    """Needs the current password; ends every other session of the account (ASVS 7.4.3, 7.5.1)."""
    user = db.get(User, user_id)
    _require_password(user, current_password)
    user.password_hash = _new_password(password, password_again)
    _drop_links(db, user.id, RESET, EMAIL_CHANGE)
    log_event(db, "password_changed", user.id, ip)
    sessions.end_all(user.id, keep=keep_session, within=db)
    db.commit()


def request_email_change(
    db: Session, mailer: Mailer, user_id: int, current_password: str, new_email: str, ip: str | None
) -> None:
    """Send a confirm link to ``new_email``; the address changes only when it is followed (ASVS 7.5.1:
    the current password first). An address another account has gets a notice instead, and nothing changes;
    the person asking sees the same "check the inbox" either way."""
    user = db.get(User, user_id)
    _require_password(user, current_password)
    if problem := check_email(new_email):
        raise InvalidInput({"new_email": problem})
    if email_key(new_email) == user.email_key:
        raise InvalidInput({"new_email": N_("This is already your address.")})
    other = find_user(db, new_email)
    if other is not None:
        mailer.send(
            db,
            other,
            N_("Your address was offered for another account"),
            N_(
                "Someone asked to move another account of the Rural Coworking Network to this address, which "
                "already has an account of its own. Nothing has changed.\n\nYour account: %(link)s"
            ),
            "/account",
        )
        log_event(db, "email_change_refused", user.id, ip, detail="the address has an account")
    else:
        token = _issue_token(db, user, EMAIL_CHANGE, utcnow(), new_email=new_email.strip())
        mailer.send(
            db,
            user,
            N_("Confirm your new e-mail address"),
            N_(
                "Confirm that your account of the Rural Coworking Network should use this address from now on "
                "(the link works once, for a day):\n%(link)s\n\nIf you did not ask for this, ignore this message."
            ),
            f"/account/email/{token}",
            to=new_email.strip(),
        )
        log_event(db, "email_change_requested", user.id, ip)
    db.commit()


def confirm_email_change(db: Session, sessions: SessionStore, mailer: Mailer, token: str, ip: str | None) -> User:
    """Move the account to the address the link was sent to; the old address is told, and every session
    of the account ends (whoever follows the link signs in again)."""
    taken = InvalidInput({"token": N_("This address has meanwhile been taken by another account.")})
    if find_user(db, _usable_token(db, token, EMAIL_CHANGE).new_email) is not None:
        raise taken
    found = _use_token(db, token, EMAIL_CHANGE)
    user = db.get(User, found.user_id)
    old_email = user.email
    user.email, user.email_key, user.email_verified_at = found.new_email, email_key(found.new_email), found.used_at
    mailer.send(
        db,
        user,
        N_("Your account has a new e-mail address"),
        N_(
            "Your account of the Rural Coworking Network now uses another e-mail address.\n\n"
            "If you did not ask for this, choose a new password at once: %(link)s"
        ),
        "/account/reset",
        to=old_email,
    )
    log_event(db, "email_changed", user.id, ip)
    sessions.end_all(user.id, within=db)
    try:
        db.commit()
    except IntegrityError as error:  # another account took the address a moment ago
        db.rollback()
        raise taken from error
    return user


def set_language(db: Session, user_id: int, language: str, locales: tuple[str, ...]) -> None:
    """The language the site writes to the account in: one of ``locales``, the site's (InvalidInput otherwise)."""
    if language not in locales:
        raise InvalidInput({"language": N_("Choose a language from the list.")})
    db.get(User, user_id).language = language
    db.commit()


def delete_account(db: Session, sessions: SessionStore, user_id: int, current_password: str, ip: str | None) -> None:
    """Remove the account and its personal data; its sessions end. The log keeps "an account was deleted"."""
    user = db.get(User, user_id)
    _require_password(user, current_password)
    log_event(db, "account_deleted", None, ip)
    db.delete(user)
    sessions.end_all(user_id, within=db)
    db.commit()


def create_admin(db: Session, sessions: SessionStore | None, email: str, password: str) -> User:
    """Make ``email`` an administrator with ``password``, creating the account if there is none.

    An existing account gets this password too, is marked confirmed and loses its sessions: whoever may
    have registered the address before (or knows its old password) holds no administrator's session.
    """
    if problem := check_email(email):
        raise InvalidInput({"email": problem})
    if problem := password_problem(password):
        raise InvalidInput({"password": problem})
    user = find_user(db, email)
    if user is None:
        user = User(email=email.strip(), email_key=email_key(email), password_hash="")
        db.add(user)
    user.password_hash, user.is_admin = hash_password(password), True
    user.email_verified_at = user.email_verified_at or utcnow()
    db.flush()
    _drop_links(db, user.id, VERIFY, RESET, EMAIL_CHANGE)
    log_event(db, "role_granted", user.id, None, detail="admin (coworking createadmin)")
    if sessions is not None:
        sessions.end_all(user.id, within=db)
    db.commit()
    return user
