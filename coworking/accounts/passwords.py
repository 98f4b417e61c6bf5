"""Passwords: argon2id hashes, a minimum length, and no password from the list everyone tries first.

No other composition rules (NIST SP 800-63B, ASVS 6.2): length and rarity make a password strong,
rules about digits and symbols make it "Password1!".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coworking.core.vocabulary import N_

MIN_LENGTH = 10
# Long passphrases are welcome; the cap only keeps one login from hashing megabytes.
MAX_LENGTH = 1024
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

# argon2-cffi's defaults are RFC 9106's second recommendation (argon2id, 64 MiB, 3 passes).
_hasher = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why this password will not do (a msgid), or None."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 10 characters; a few words in a row are easy to remember.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 1,024 characters.")
    if password.casefold() in common_passwords():
        return N_("This password is one of the most common ones: choose another.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at the next login)."""
    return _hasher.check_needs_rehash(password_hash)


# Hashed once, verified against when an address is unknown: a login then takes as long whether or not
# the account exists, so timing tells nothing either.
@cache
def dummy_hash() -> str:
    return _hasher.hash("no account has this password")
