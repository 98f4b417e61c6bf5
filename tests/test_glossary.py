"""Each language's glossary (docs/glossary/<lang>.md) names the words its catalogue must not use: a term the
network's partners replaced with their own stays out of every translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from coworking.core.i18n import TRANSLATIONS_DIR

GLOSSARIES = Path(__file__).resolve().parent.parent / "docs" / "glossary"


def avoided_words(glossary: Path) -> list[str]:
    """The third column of the glossary's table, one entry per comma-separated word."""
    words = []
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("English", "") and not set(cells[0]) <= {"-"}:
            words += [word.strip() for word in cells[2].split(",") if word.strip()]
    return words


def pattern(word: str) -> re.Pattern[str]:
    """``…`` stands for any ending; otherwise the whole word."""
    stem = word.removesuffix("…")
    ending = r"\w*" if word.endswith("…") else r"\b"
    return re.compile(r"\b" + re.escape(stem) + ending, re.IGNORECASE)


LANGUAGES = sorted(path.stem for path in GLOSSARIES.glob("*.md") if path.stem != "README")


def test_every_translated_language_has_a_glossary() -> None:
    translated = sorted(path.name for path in TRANSLATIONS_DIR.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists())
    assert translated and translated == LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_avoids_what_its_glossary_replaced(language: str) -> None:
    words = avoided_words(GLOSSARIES / f"{language}.md")
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for text in texts:
            found += [f"{message.id!r}: {word} in {text!r}" for word in words if text and pattern(word).search(text)]
    assert found == []


def test_the_latvian_glossary_is_read() -> None:
    assert {"kopstrād…", "iemītniek…", "aktivitāt…"} <= set(avoided_words(GLOSSARIES / "lv.md"))


def test_the_pattern_takes_every_ending_only_when_asked() -> None:
    assert pattern("kopstrād…").search("Lauku kopstrādes telpa")
    assert pattern("iemītniek…").search("Iemītnieki uzticas")
    assert not pattern("rezidents").search("rezidentiem")
