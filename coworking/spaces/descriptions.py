"""Which of a listing's descriptions its page shows first, and the language each is written in.

A listing has a description in English and one in its country's language, either of which may be missing.
The page shows first the one in the visitor's language, else the one in the space's own language, else the
English one, as Wikipedia and OpenStreetMap fall back; the other follows, folded, so nothing written is
hidden. Each is marked with its language (``lang``, and "In Latvian" where it is not the page's) when the
language is known: the country's one official language (``official_language``). Where a country has
several (Belgium, Finland, Switzerland), the local text's language is not known and is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from coworking.core.i18n import official_language


@dataclass(frozen=True)
class Description:
    text: str
    language: str | None  # a BCP 47 code; None: written in one of the country's several languages
    local: bool  # the description in the country's own language (not the English one)


def shown_descriptions(english: str | None, local: str | None, country_code: str, page_language: str) -> list[Description]:
    """The descriptions to show, the one to read first first."""
    texts = [
        *([Description(local, official_language(country_code), local=True)] if local and local.strip() else []),
        *([Description(english, "en", local=False)] if english and english.strip() else []),
    ]
    # Stable: the local one keeps its place before English unless English is the visitor's language.
    return sorted(texts, key=lambda description: description.language != page_language)
