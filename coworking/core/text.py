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
    # Transliterated here (as ``fold`` does): python-slugify would otherwise try to import its optional
    # backends for every non-ASCII name, a filesystem search each time (a second per 10,000 imported rows).
    return _slugify(text if text.isascii() else anyascii(text), max_length=80, word_boundary=True) or "space"
