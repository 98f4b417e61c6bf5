"""A listing's descriptions on its page (spaces/descriptions.py): the visitor's language first, else the
space's own, else English; the other folded; each marked with its language where it is known."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.core.i18n import official_language
from coworking.spaces.descriptions import shown_descriptions
from tests.factories import make_space

ENGLISH = "A coworking house in an old school, with a garden and fibre."
LATVIAN = "Koprades telpa vecajā skolā ar dārzu un optisko internetu."
FRENCH = "Un espace de coworking dans une ancienne ferme, près de Namur."


@pytest.mark.parametrize(
    ("country", "language"),
    [("LV", "lv"), ("ES", "es"), ("GR", "el"), ("NO", "no"), ("BE", None), ("FI", None), ("CH", None), ("IE", None)],
)
def test_a_countrys_language_is_known_only_where_it_has_one(country: str, language: str | None) -> None:
    assert official_language(country) == language


@pytest.mark.parametrize(
    ("page", "first"),
    [("en", ENGLISH), ("lv", LATVIAN), ("de", LATVIAN), ("fr", LATVIAN)],  # German: the space's own, then English
)
def test_the_visitors_language_first_else_the_spaces_own_else_english(page: str, first: str) -> None:
    shown = shown_descriptions(ENGLISH, LATVIAN, "LV", page)
    assert [description.text for description in shown][0] == first
    assert {description.text for description in shown} == {ENGLISH, LATVIAN}  # nothing written is dropped


def test_a_missing_or_blank_description_is_not_shown() -> None:
    assert [d.text for d in shown_descriptions(None, LATVIAN, "LV", "en")] == [LATVIAN]
    assert [d.text for d in shown_descriptions(ENGLISH, "  ", "LV", "lv")] == [ENGLISH]
    assert shown_descriptions(None, None, "LV", "en") == []


def _description_block(html: str) -> str:
    return html[html.index('<p class="description"') - 200 : html.index('<div class="space-grid">')]


def test_the_page_marks_each_description_with_its_language(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()

    english = _description_block(client.get("/spaces/skola6?lang=en").text)
    assert english.index(ENGLISH) < english.index("<details")  # English first, the Latvian folded
    assert f'<p class="description" lang="en">{ENGLISH}</p>' in english
    assert f'<summary>Also in Latvian</summary>\n        \n    <p class="description" lang="lv">{LATVIAN}</p>' in english
    assert 'class="text-language"' not in english  # the English one is in the page's language

    latvian = _description_block(client.get("/spaces/skola6?lang=lv").text)
    assert latvian.index(LATVIAN) < latvian.index("<details") < latvian.index(ENGLISH)
    assert "<summary>Arī angļu valodā</summary>" in latvian and "latviešu valodā" not in latvian

    german = _description_block(client.get("/spaces/skola6?lang=de").text)
    assert '<p class="text-language">Auf Lettisch</p>' in german and "<summary>Auch auf Englisch</summary>" in german


def test_a_text_from_a_country_of_several_languages_gets_no_guessed_language(client: TestClient, session: Session) -> None:
    make_space(session, "Ferme Hub", "Namur", "BE", latitude=50.4669, longitude=4.8675, description_local=FRENCH)
    session.commit()
    block = _description_block(client.get("/spaces/ferme-hub?lang=en").text)
    assert f'<p class="description">{FRENCH}</p>' in block  # no lang="nl" on a French text
    assert '<p class="text-language">In the local language</p>' in block and "<details" not in block


def test_a_description_is_escaped_as_any_text(client: TestClient, session: Session) -> None:
    make_space(session, "Tricky", "Cēsis", "LV", description="<script>alert(1)</script> & more")
    session.commit()
    html = client.get("/spaces/tricky?lang=en").text
    assert "<script>alert(1)</script>" not in html
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; more", html)
