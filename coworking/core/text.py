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


# A word of search: a run of letters and digits in the folded text (what SQLite FTS5's unicode61 tokenizer
# finds in ASCII text). Capped: PostgreSQL refuses a lexeme over 2 KB, and nobody types 60 letters.
_WORD = re.compile(r"[a-z0-9]+")
MAX_WORD_LENGTH = 60


def search_words(text: str | None) -> list[str]:
    """The words search indexes and looks for, in order: ``"Cēsis, Vidzeme-2"`` → ``["cesis", "vidzeme", "2"]``.

    Everything else (punctuation, quotes, ``*``, ``-``, ``:``) separates words, so nothing a visitor types
    reaches a full-text query as an operator. Built on ``fold``: the one normaliser for stored text and queries.
    """
    return [word[:MAX_WORD_LENGTH] for word in _WORD.findall(fold(text))]


def slugify(text: str) -> str:
    # Transliterated here (as ``fold`` does): python-slugify would otherwise try to import its optional
    # backends for every non-ASCII name, a filesystem search each time (a second per 10,000 imported rows).
    return _slugify(text if text.isascii() else anyascii(text), max_length=80, word_boundary=True) or "space"


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number of at most nine ASCII digits, else None. (``str.isdigit`` also takes
    "²" and other digits ``int`` refuses, and any length: a 5,000-digit number is not a count.)"""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None
