"""Text folding for accent-insensitive search, slugs, and whole numbers as people type them."""

from __future__ import annotations

import re

from anyascii import anyascii
from slugify import slugify as _slugify


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text``: ``Cēsis`` → ``cesis``, ``Klitmøller`` → ``klitmoller``.

    Stored beside every searchable text and applied to queries, so the same rule holds on SQLite
    and PostgreSQL without database extensions.
    """
    if not text:
        return ""
    if not text.isascii():
        text = anyascii(text)
    return " ".join(text.casefold().split())


def slugify(text: str) -> str:
    # Transliterated here (as ``fold`` does): python-slugify would otherwise try to import its optional
    # backends for every non-ASCII name, a filesystem search each time (a second per 10,000 imported rows).
    return _slugify(text if text.isascii() else anyascii(text), max_length=80, word_boundary=True) or "space"


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number of at most nine ASCII digits, else None. (``str.isdigit`` also takes
    "²" and other digits ``int`` refuses, and any length: a 5,000-digit number is not a count.)"""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None
