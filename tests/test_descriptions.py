"""A listing's descriptions on its page (spaces/descriptions.py): the visitor's language first, else the
space's own, else English; the other folded; each marked with its language where it is known."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.core.i18n import official_language
from coworking.revisions.models import Revision
from coworking.spaces.descriptions import shown_descriptions
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.test_accounts import fresh, post, register_and_verify  # noqa: F401
from tests.test_listings import builder, edit_form, partner, save  # noqa: F401

ENGLISH = "A coworking house in an old school, with a garden and fibre."
LATVIAN = "Koprades telpa vecajā skolā ar dārzu un optisko internetu."
FRENCH = "Un espace de coworking dans une ancienne ferme, près de Namur."


def listing(english: str | None, local: str | None, country: str = "LV", translations: tuple = ()) -> SimpleNamespace:
    """What the page reads of a space (a SpaceDetail's description fields)."""
    return SimpleNamespace(
        description=english, description_local=local, country_code=country, translations=list(translations)
    )


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
    shown = shown_descriptions(listing(ENGLISH, LATVIAN), page)
    assert [description.text for description in shown][0] == first
    assert {description.text for description in shown} == {ENGLISH, LATVIAN}  # nothing written is dropped


def test_a_missing_or_blank_description_is_not_shown() -> None:
    assert [d.text for d in shown_descriptions(listing(None, LATVIAN), "en")] == [LATVIAN]
    assert [d.text for d in shown_descriptions(listing(ENGLISH, "  "), "lv")] == [ENGLISH]
    assert shown_descriptions(listing(None, None), "en") == []


def _description_block(html: str) -> str:
    return html[html.index('<p class="description"') - 200 : html.index('<div class="space-grid">')]


def test_the_page_marks_each_description_with_its_language(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()

    english = _description_block(client.get("/spaces/skola6?lang=en").text)
    assert english.index(ENGLISH) < english.index("<details")  # English first, the Latvian folded
    assert f'<p class="description" lang="en">{ENGLISH}</p>' in english
    assert re.search(rf'<summary>Also in Latvian</summary>\s*<p class="description" lang="lv">{LATVIAN}</p>', english)
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


# -- translations by builders and partners ---------------------------------------------------------------

GERMAN = "Ein Coworking-Haus in einer alten Schule, mit Garten und Glasfaser."


def version_of(client: TestClient, slug: str) -> str:
    return re.search(r'name="version" value="(\d+)"', client.get(f"/spaces/{slug}/translations").text).group(1)


def translate(client: TestClient, slug: str, language: str, text: str, *, version: str | None = None, editing: str = "", **extra: str):  # noqa: ANN201
    return post(
        client, f"/spaces/{slug}/translations", language=language, description=text, editing=editing,
        version=version or version_of(client, slug), summary="", **extra,
    )  # fmt: skip


def test_a_builder_adds_a_translation_and_visitors_in_that_language_read_it_first(client: TestClient, fresh: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    saved = translate(client, "skola6", "de", GERMAN)
    assert saved.status_code == 303, saved.text[:500]

    german = _description_block(fresh.get("/spaces/skola6?lang=de").text)
    assert german.index(GERMAN) < german.index(LATVIAN) < german.index(ENGLISH)
    assert f'<p class="description" lang="de">{GERMAN}</p>' in german and "Auf Lettisch" not in german.split("<details")[0]
    assert "<summary>Auch auf Lettisch</summary>" in german and "<summary>Auch auf Englisch</summary>" in german
    english = _description_block(fresh.get("/spaces/skola6?lang=en").text)
    assert english.index(ENGLISH) < english.index(GERMAN) and "<summary>Also in German</summary>" in english

    # Each translation is a revision, shown in the history in its language.
    revision = session.scalars(select(Revision).where(Revision.subject_id == space.id).order_by(Revision.id.desc())).first()
    assert revision.changes["translations"] == [{}, {"de": GERMAN}] and revision.author_role == "builder"
    history = fresh.get("/spaces/skola6/history?lang=en").text
    assert "Description (German)" in history and 'lang="de"' in history
    # The API gives it too, with the local text's language.
    detail = fresh.get("/api/v1/spaces/skola6").json()
    assert detail["description_local_language"] == "lv"
    assert detail["translations"] == [{"language": "de", "description": GERMAN, "may_be_out_of_date": False}]


def test_a_translation_is_flagged_once_its_original_changes_until_updated_or_confirmed(client: TestClient, fresh: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    assert translate(client, "skola6", "de", GERMAN).status_code == 303
    flag = "may be out of date"
    assert flag not in fresh.get("/spaces/skola6?lang=en").text

    # The Latvian original is what the German translates: changing it flags the translation.
    assert save(client, "skola6", edit_form(client, "skola6"), description_local=LATVIAN + " Jauns: sanāksmju telpa.").status_code == 303
    assert "This translation may be out of date" in fresh.get("/spaces/skola6?lang=en").text
    assert fresh.get("/api/v1/spaces/skola6").json()["translations"][0]["may_be_out_of_date"] is True
    desk = client.get("/spaces/skola6/translations").text
    assert flag in desk and "mark it up to date" in desk

    # Confirmed as still right: no flag, and no revision (no text changed).
    revisions_before = session.scalar(select(func.count()).select_from(Revision))
    assert post(client, "/spaces/skola6/translations/de/confirm").status_code == 303
    assert "This translation may be out of date" not in fresh.get("/spaces/skola6?lang=en").text
    assert session.scalar(select(func.count()).select_from(Revision)) == revisions_before

    # Changing the English text changes nothing: the German one was made from the Latvian.
    assert save(client, "skola6", edit_form(client, "skola6"), description=ENGLISH + " Now with a sauna.").status_code == 303
    assert "This translation may be out of date" not in fresh.get("/spaces/skola6?lang=en").text


def test_wrong_input_comes_back_with_the_text_and_a_message_and_nothing_is_saved(client: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    for language, text, field, message in [
        ("lv", GERMAN, "language", "Choose a language from the list."),  # the listing's own Latvian text
        ("en", GERMAN, "language", "Choose a language from the list."),
        ("tlh", GERMAN, "language", "Choose a language from the list."),
        ("de", "x" * 5001, "description", "This is too long: shorten it."),
    ]:
        refused = translate(client, "skola6", language, text)
        assert refused.status_code == 400, (language, refused.status_code)
        assert f'id="{field}-error">{message}</small>' in refused.text
        assert text[:100] in refused.text  # what was typed is kept
    session.expire_all()
    assert session.get(Space, space.id).translations == []


def test_a_listing_without_a_description_takes_no_translation(client: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "Bare", "Cēsis", "LV")
    session.commit()
    builder(client, session, space)
    refused = translate(client, "bare", "de", GERMAN)
    assert refused.status_code == 400 and "Write the listing&#39;s own description first" in refused.text


def test_two_people_translating_at_once_see_each_others_text_and_nothing_is_lost(client: TestClient, partner: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    began = version_of(client, "skola6")
    assert translate(partner, "skola6", "de", GERMAN).status_code == 303  # the partner saves first
    mine = "Ein Haus zum Arbeiten in einer früheren Schule."
    clash = translate(client, "skola6", "de", mine, version=began, editing="de")
    assert clash.status_code == 409
    assert mine in clash.text and GERMAN in clash.text  # both texts shown; mine in the field
    session.expire_all()
    assert {t.language: t.description for t in session.get(Space, space.id).translations} == {"de": GERMAN}
    # Another language saved meanwhile needs no merge.
    assert translate(client, "skola6", "fr", "Une maison de coworking dans une ancienne école.", version=began).status_code == 303
    # A form opened to add a language may not replace a translation its writer never saw.
    replaced = translate(client, "skola6", "de", mine, editing="")
    assert replaced.status_code == 400 and "There is already a description in this language" in replaced.text


def test_removing_a_translation_and_reverting_it_are_revisions(client: TestClient, partner: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    assert translate(client, "skola6", "de", GERMAN).status_code == 303
    with_german = session.scalars(select(Revision).where(Revision.subject_id == space.id).order_by(Revision.id.desc())).first()
    assert translate(client, "skola6", "de", "", editing="de").status_code == 303  # emptied: removed
    session.expire_all()
    assert session.get(Space, space.id).translations == []
    assert post(partner, f"/spaces/skola6/history/{with_german.id}/revert").status_code == 303
    session.expire_all()
    assert [(t.language, t.description) for t in session.get(Space, space.id).translations] == [("de", GERMAN)]


def test_only_the_listings_editors_may_translate(client: TestClient, fresh: TestClient, session: Session) -> None:  # noqa: F811
    make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    assert fresh.get("/spaces/skola6/translations").status_code == 401
    register_and_verify(fresh, session, "someone@example.org")
    assert fresh.get("/spaces/skola6/translations").status_code == 403
    assert translate_without_form(fresh).status_code == 403
    assert post(fresh, "/spaces/skola6/translations/de/confirm").status_code == 403


def translate_without_form(client: TestClient):  # noqa: ANN201
    return post(client, "/spaces/skola6/translations", language="de", description=GERMAN, editing="", version="1", summary="")


def test_the_builders_desk_flags_translations_that_may_be_out_of_date(client: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    assert translate(client, "skola6", "de", GERMAN).status_code == 303
    assert translate(client, "skola6", "fi", "Yhteistyötila vanhassa koulussa.").status_code == 303
    flag = "may be out of date, since the text they translate has changed"
    assert flag not in client.get("/desk?lang=en").text
    assert save(client, "skola6", edit_form(client, "skola6"), description_local=LATVIAN + " Jauns.").status_code == 303
    desk = client.get("/desk?lang=en").text
    assert f"{flag}: German, Finnish." in desk and 'href="/spaces/skola6/translations"' in desk
    assert post(client, "/spaces/skola6/translations/de/confirm").status_code == 303
    assert f"{flag}: Finnish." in client.get("/desk?lang=en").text
    assert "Šie apraksta tulkojumi var būt novecojuši" in client.get("/desk?lang=lv").text


def test_confirming_a_translation_that_does_not_exist_is_refused_plainly(client: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    refused = post(client, "/spaces/skola6/translations/de/confirm")
    assert refused.status_code == 400 and "no translation in that language" in refused.text


def test_a_translations_words_find_the_space_until_it_is_removed(client: TestClient, fresh: TestClient, session: Session) -> None:  # noqa: F811
    space = make_space(session, "SKOLA6", "Cēsis", "LV", description=ENGLISH, description_local=LATVIAN)
    session.commit()
    builder(client, session, space)
    assert "skola6" not in fresh.get("/api/v1/spaces?q=glasfaserhaus").text
    assert translate(client, "skola6", "de", "Ein Glasfaserhaus in einer alten Schule.").status_code == 303
    assert [found["slug"] for found in fresh.get("/api/v1/spaces?q=glasfaserhaus").json()["items"]] == ["skola6"]

    # Another write of the listing, with its translations not loaded, keeps their words.
    with Session(session.get_bind()) as other:
        other.get(Space, space.id).name = "SKOLA6 Cēsis"
        other.commit()
    assert [found["slug"] for found in fresh.get("/api/v1/spaces?q=glasfaserhaus").json()["items"]] == ["skola6"]

    assert translate(client, "skola6", "de", "", editing="de").status_code == 303
    assert fresh.get("/api/v1/spaces?q=glasfaserhaus").json()["items"] == []
