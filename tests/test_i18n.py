"""Translations: every string the code and templates ask for has a complete Latvian translation, with
the same placeholders, and the visitor's language is chosen as documented. No database needed.
"""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from coworking.core.i18n import TRANSLATIONS_DIR, Translator, catalogue_locales, choose_locale

ROOT = Path(__file__).parent.parent
LOCALES = ("en", "lv")
# Every catalogue the site ships: each must be complete (a language is offered once its catalogue exists).
TRANSLATED_LOCALES = catalogue_locales()[1:]

# %(name)s, %(num)d, %(price).2f … ; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%\((?P<name>[^)]+)\)[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa])")


def placeholders(text: str) -> set[tuple[str, str]]:
    return {(match["name"], match["type"]) for match in PLACEHOLDER.finditer(text.replace("%%", ""))}


def as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction of the source, made the way scripts/i18n makes it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "ngettext:1,2", "--no-wrap", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    assert len([message for message in catalog if message.id]) > 50, "the extraction found suspiciously few strings"
    return catalog


def read_catalog(locale: str) -> Catalog:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def where(message: Message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations) or "?"


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_source_string_is_translated(template: Catalog, locale: str) -> None:
    catalog = read_catalog(locale)
    problems = []
    for source in template:
        if not source.id:
            continue
        translated = catalog.get(source.id)
        if translated is None:
            problems.append(f"missing (run bash scripts/i18n): {source.id!r} at {where(source)}")
            continue
        if translated.fuzzy:
            problems.append(f"fuzzy: {source.id!r} at {where(source)}")
        if source.pluralizable != translated.pluralizable:
            problems.append(f"singular/plural mismatch (run bash scripts/i18n): {source.id!r}")
            continue
        forms = as_tuple(translated.string)
        expected = catalog.num_plurals if source.pluralizable else 1
        if len(forms) != expected or not all(form.strip() for form in forms):
            problems.append(f"untranslated: {source.id!r} at {where(source)}")
    assert not problems, f"{locale}: {len(problems)} problem(s):\n" + "\n".join(problems)


def forms_for_one_alone(catalog: Catalog) -> set[int]:
    """The plural forms the language's rule chooses for n = 1 and no other count (German's, Italian's form 0;
    not Latvian's, which also says 21, 31, …, nor French's, which also says 0)."""
    choose = gettext.c2py(catalog.plural_expr)
    counts: dict[int, set[int]] = {}
    for n in range(0, 1001):
        counts.setdefault(choose(n), set()).add(n)
    return {form for form, ns in counts.items() if ns == {1}}


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    """Every form has the message's placeholders; a form said of exactly one may leave out the count
    ("Der nächste Termin."), as the English singular does."""
    catalog = read_catalog(locale)
    one_alone = forms_for_one_alone(catalog)
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        expected = set().union(*(placeholders(text) for text in as_tuple(message.id)))
        for index, form in enumerate(as_tuple(message.string)):
            found = placeholders(form)
            if index in one_alone and not isinstance(message.id, str):
                found |= {("num", kind) for name, kind in expected if name == "num"}
            if form and found != expected:
                problems.append(
                    f"{as_tuple(message.id)[0]!r} form {index}: {sorted(placeholders(form))} != {sorted(expected)}"
                )
    assert not problems, "\n".join(problems)


def test_latvian_has_its_three_plural_forms() -> None:
    catalog = read_catalog("lv")
    assert catalog.plural_expr == "(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2)"
    assert catalog.num_plurals == 3


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_the_catalogue_has_no_errors(locale: str) -> None:
    """Babel's checks (placeholders, plural forms filled) and the plural rule of the language's CLDR data."""
    catalog = read_catalog(locale)
    expected = get_plural(locale)
    assert (catalog.num_plurals, catalog.plural_expr) == (expected.num_plurals, expected.plural_expr)
    errors = [(message.id, [str(error) for error in errs]) for message, errs in catalog.check()]
    assert not errors


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("lv", "en-GB,en;q=0.9", "lv"),  # the visitor's explicit choice wins
        ("en", "lv-LV,lv;q=0.9", "en"),
        ("fr", "lv-LV,lv;q=0.9", "lv"),  # an unknown cookie is ignored
        (None, "lv-LV,lv;q=0.9,en;q=0.8", "lv"),
        (None, "de-DE,de;q=0.9", "en"),  # nothing we speak: the default
        (None, "en;q=0.1, lv;q=0.5", "lv"),  # quality, not order, decides
        (None, "lv;q=0, en;q=0.5", "en"),  # q=0 means "not this one"
        (None, "lv;q=0", "en"),
        (None, "LV_lv", "lv"),
        (None, "", "en"),
        (None, None, "en"),
        (None, "lv;q=abc, en", "en"),
    ],
)
def test_choose_locale(cookie: str | None, header: str | None, expected: str) -> None:
    assert choose_locale(cookie, header, LOCALES) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 koprades telpa"),
        (2, "2 koprades telpas"),
        (11, "11 koprades telpas"),
        (21, "21 koprades telpa"),
        (0, "0 koprades telpu"),
    ],
)
def test_latvian_plural_forms(count: int, expected: str) -> None:
    assert Translator("lv").ngettext("%(num)d space", "%(num)d spaces", count) == expected


def test_english_is_the_source_text() -> None:
    english = Translator("en")
    assert english.ngettext("%(num)d space", "%(num)d spaces", 1) == "1 space"
    assert english.ngettext("%(num)d space", "%(num)d spaces", 0) == "0 spaces"
    assert english.gettext("Page %(page)s of %(pages)s", page=2, pages=3) == "Page 2 of 3"
    assert Translator("lv").gettext("Page %(page)s of %(pages)s", page=2, pages=3) == "2. lapa no 3"
