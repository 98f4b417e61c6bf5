"""A listing's descriptions: which its page shows first, the language each is in, and its translations.

A listing has a description in English and one in its country's language (either may be missing), and
translations into further languages written by its builders or partners. The page shows first the one in
the visitor's language, else the one in the space's own language, else the English one, as Wikipedia and
OpenStreetMap fall back; the others follow, folded, so nothing written is hidden. Each is marked with its
language (``lang``, and "In Latvian" where it is not the page's) when the language is known: the country's
one official language (``official_language``) for the local text. Where a country has several (Belgium,
Finland, Switzerland), the local text's language is not known and is not guessed.

A translation remembers the digest of the text it was translated from (the local description, else the
English one). When that text changes, the translation says it may be out of date until someone updates or
confirms it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from coworking.core.i18n import official_language


@dataclass(frozen=True)
class Description:
    text: str
    language: str | None  # a BCP 47 code; None: written in one of the country's several languages
    # A translation whose original changed after it was written (or last confirmed).
    may_be_out_of_date: bool = False


def shown_descriptions(space: Any, page_language: str) -> list[Description]:  # noqa: ANN401 - a SpaceDetail
    """``space``'s descriptions to show (its own, its English one, its translations), the one to read first
    first: the visitor's language, else the space's own, else English, then the translations by language."""
    texts = [
        *([Description(space.description_local, official_language(space.country_code))] if (space.description_local or "").strip() else []),
        *([Description(space.description, "en")] if (space.description or "").strip() else []),
        *(
            Description(found.description, found.language, found.may_be_out_of_date)
            for found in sorted(space.translations, key=lambda found: found.language)
        ),
    ]
    return sorted(texts, key=lambda description: description.language != page_language)  # stable


# -- translations ------------------------------------------------------------------------------------


def source_text(space: Any) -> str | None:
    """What a translation translates: the space's own description, else its English one."""
    return (space.description_local or "").strip() or (space.description or "").strip() or None


def text_digest(text: str | None) -> str | None:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest() if text and text.strip() else None


def is_outdated(translation: Any, space: Any) -> bool:
    """The text it was translated from has changed since it was saved or confirmed (or that is not known)."""
    return translation.source_digest is None or translation.source_digest != text_digest(source_text(space))


def translation_languages(space: Any, locales: tuple[str, ...]) -> list[str]:
    """The languages a translation of ``space``'s description may be in: the site's, but English and the
    country's one language (the listing's own two descriptions)."""
    own = {"en", official_language(space.country_code)}
    return [code for code in locales if code not in own]
