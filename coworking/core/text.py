"""Text folding for accent-insensitive search, and slugs."""

from __future__ import annotations

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
    return _slugify(text, max_length=80, word_boundary=True) or "space"
