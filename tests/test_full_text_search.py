"""Full-text search (issue #13): words found by their start, without accents, ranked the same way on SQLite
(FTS5) and PostgreSQL (GIN over the words), whatever the visitor types, and in step with every write."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from litestar.testing import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from coworking.core.db import make_engine
from coworking.core.models import utcnow
from coworking.core.text import search_words
from coworking.migrations import alembic_config
from coworking.revisions.models import Revision
from coworking.spaces.models import Space
from coworking.spaces.services import search_spaces
from tests.factories import make_space, space_query
from tests.test_accounts import fresh, post  # noqa: F401 - the fixture the partner fixture needs
from tests.test_listings import edit_form, partner, save  # noqa: F401 - the partner fixture


def slugs(session: Session, **params: object) -> list[str]:
    page = search_spaces(session, space_query(per_page=100, **params), utcnow())
    return [card.slug for card in page.items]


def test_words_are_folded_letters_and_digits() -> None:
    assert search_words('Cēsis, "Vidzeme"-2 (NEAR) *x* ÆRØ: ß') == ["cesis", "vidzeme", "2", "near", "x", "aero", "ss"]
    assert search_words("%_*-:()\"'") == []
    assert search_words("a" * 100) == ["a" * 60]


@pytest.mark.parametrize("typed", ["cesis", "Cēsis", "CĒSIS", "Cesi", "cē", "  cesis  "])
def test_accents_case_and_the_start_of_a_word(session: Session, typed: str) -> None:
    make_space(session, "SKOLA6", "Cēsis")
    make_space(session, "Other", "Ogre")
    assert slugs(session, q=typed) == ["skola6"]


def test_a_word_is_found_by_its_start_not_its_middle(session: Session) -> None:
    make_space(session, "Heidelberg Hub", "Heidelberg", "DE")
    make_space(session, "Bergen Hub", "Bergen", "NO")
    assert slugs(session, q="berg") == ["bergen-hub"]
    assert slugs(session, q="heidelb") == ["heidelberg-hub"]


def test_two_words_must_both_be_found_anywhere(session: Session) -> None:
    make_space(session, "Hub A", "Skujene", region="Cēsis Municipality")
    make_space(session, "Hub B", "Ogre", description="A quiet garden and weekly resident meetings")
    assert slugs(session, q="hub cesis") == ["hub-a"]
    assert slugs(session, q="garden week") == ["hub-b"]
    assert slugs(session, q="gard cesis") == []


# The corpus of the ranking tests and of the comparison of the two databases (name, town, region, description).
CORPUS = [
    ("Cēsis", "Cēsis", None, None),  # the name is the words typed
    ("Cēsis Coworking", "Valmiera", None, None),  # the name starts with them
    ("Old School Cēsis", "Riga", None, None),  # a word of the name
    ("Alpha Hub", "Cēsis", None, None),  # the town: ties by name
    ("Beta Hub", "Cēsis", None, None),
    ("Gamma Hub", "Skujene", "Cēsis Municipality", None),  # the region
    ("Zeta Hub", "Ogre", None, "Twenty minutes from Cēsis by train"),  # the description only
    ("Unrelated", "Ogre", None, "Nothing to do with it"),
    ("Cesu Darbnica", "Cēsis", None, "Crafts and co-working"),  # name starts with "ces", town too
    ("Ogre Hub", "Ogre", "Ogre Municipality", "Fibre; 24/7 access; C++ meetups"),
]
RANKED = {
    "cesis": ["cesis", "cesis-coworking", "old-school-cesis", "alpha-hub", "beta-hub", "cesu-darbnica", "gamma-hub", "zeta-hub"],
    "Cēs": ["cesis", "cesis-coworking", "cesu-darbnica", "old-school-cesis", "alpha-hub", "beta-hub", "gamma-hub", "zeta-hub"],
    "hub cesis": ["alpha-hub", "beta-hub", "gamma-hub", "zeta-hub"],
    "ogre hub": ["ogre-hub", "zeta-hub"],
    "co": ["cesis-coworking", "cesu-darbnica"],
    "24 7": ["ogre-hub"],
}


def make_corpus(session: Session) -> None:
    for name, town, region, description in CORPUS:
        make_space(session, name, town, region=region, description=description)


def ranked(session: Session) -> dict[str, list[str]]:
    return {typed: slugs(session, q=typed) for typed in RANKED}


def test_results_are_ranked_name_first_then_place_then_the_rest(session: Session) -> None:
    make_corpus(session)
    assert ranked(session) == RANKED
    # The order chosen explicitly still wins over relevance.
    assert slugs(session, q="cesis", sort="name")[:2] == ["alpha-hub", "beta-hub"]


@pytest.mark.parametrize(
    "typed",
    ['"cesis', "cesis*", "-cesis", "cesis -ogre", "name:cesis", "(cesis)", "cesis)", "cesis AND", "NOT cesis",
     "cesis OR", "NEAR(cesis ogre)", "^cesis", "{cesis}", "cesis'", "c%s_s", "\\cesis", "cesis; DROP TABLE spaces"],
)  # fmt: skip
def test_operators_typed_are_only_separators_or_words(client: TestClient, session: Session, typed: str) -> None:
    make_space(session, "SKOLA6", "Cēsis")
    for path in ("/spaces", "/api/v1/spaces"):
        assert client.get(path, params={"q": typed}).status_code == 200, (path, typed)
    found = slugs(session, q=typed)
    words = search_words(typed)
    # Words found in the listing find it; any other word (drop, table, and, or…) finds nothing.
    assert found == (["skola6"] if set(words) <= {"cesis", "c", "s"} else [])


def test_a_query_without_words_filters_nothing(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis")
    make_space(session, "Other", "Ogre")
    for typed in ("***", '"', "-", "( )", ":"):
        assert slugs(session, q=typed) == ["other", "skola6"]
        assert client.get("/api/v1/spaces", params={"q": typed}).json()["total"] == 2


def test_text_combines_with_the_other_filters_and_the_count(client: TestClient, session: Session) -> None:
    make_space(session, "Hub Cēsis", "Cēsis", amenities=("printer",))
    make_space(session, "Hub Valmiera", "Valmiera", latitude=57.54, longitude=25.42)
    make_space(session, "Hub Skibbereen", "Skibbereen", "IE", latitude=51.55, longitude=-9.26, amenities=("printer",))
    for number in range(5):
        make_space(session, f"Hub Riga {number}", "Rīga", latitude=56.95, longitude=24.1)
    assert slugs(session, q="hub", countries=["LV"], amenities=["printer"]) == ["hub-cesis"]
    assert slugs(session, q="hub", countries=["IE"]) == ["hub-skibbereen"]
    assert slugs(session, q="hub", bbox="25,57,26,58") == ["hub-cesis", "hub-valmiera"]
    page = client.get("/api/v1/spaces", params={"q": "hub riga", "per_page": "2", "page": "3"}).json()
    assert (page["total"], [item["slug"] for item in page["items"]]) == (5, ["hub-riga-4"])
    assert client.get("/spaces", params={"q": "hub", "country": "IE"}).text.count("Hub Skibbereen") >= 1
    # Nearest first with a place; by relevance when asked.
    near = client.get("/api/v1/spaces", params={"q": "hub", "near": "57.31, 25.27", "radius_km": "40"}).json()
    assert [item["slug"] for item in near["items"]] == ["hub-cesis", "hub-valmiera"]
    near = client.get(
        "/api/v1/spaces", params={"q": "valmiera", "near": "57.31, 25.27", "radius_km": "40", "sort": "relevance"}
    ).json()
    assert [item["slug"] for item in near["items"]] == ["hub-valmiera"]


def test_an_edit_moves_a_listing_to_its_new_words(
    client: TestClient,
    partner: TestClient,  # noqa: F811
    session: Session,
) -> None:
    space = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103)
    response = save(partner, space.slug, edit_form(partner, space.slug), name="Kalnabeites Darbnica", summary="New name")
    assert response.status_code == 303, response.text[:500]
    assert slugs(session, q="kalnabeit") == [space.slug]
    assert slugs(session, q="colabora") == []
    assert slugs(session, q="lielvarde") == [space.slug]  # the town did not change
    # Restored: found by its old name again, and no longer by the new one.
    first = session.scalar(select(Revision).where(Revision.subject_id == space.id).order_by(Revision.version))
    assert post(partner, f"/spaces/{space.slug}/history/{first.id}/revert").status_code == 303
    assert slugs(session, q="colabora") == [space.slug]
    assert slugs(session, q="kalnabeit") == []


def test_any_orm_write_keeps_the_index_and_a_deletion_leaves_it(session: Session) -> None:
    space = make_space(session, "Old Name", "Ogre")
    space.name = "Brand New"  # no refresh_search_text(): the model's flush hook does it
    session.commit()
    assert slugs(session, q="brand new") == [space.slug]
    assert slugs(session, q="old") == []
    session.delete(space)
    session.commit()
    assert slugs(session, q="brand") == []
    # Nothing of it left in the index either (on SQLite an external-content FTS5 table must be told).
    if session.get_bind().dialect.name == "sqlite":
        assert session.scalar(text("SELECT count(*) FROM spaces_fts WHERE spaces_fts MATCH 'brand*'")) == 0


def test_rows_written_without_objects_are_indexed(session: Session) -> None:
    """Imports and the synthetic generator write plain rows with Space.search_fields."""
    from sqlalchemy import insert

    now = utcnow()
    session.execute(
        insert(Space.__table__),
        [{"slug": "plain-row", "name": "Plain Row Hub", "town": "Tukums", "country_code": "LV", "status": "published",
          "version": 1, "created_at": now, "updated_at": now, "visit_requests_open": True,
          **Space.search_fields("Plain Row Hub", "Tukums", None, "Near the sea", None)}],
    )  # fmt: skip
    session.commit()
    assert slugs(session, q="tukum") == ["plain-row"]
    assert slugs(session, q="sea plain") == ["plain-row"]


# -- the same answers on both databases ------------------------------------------------------------------


def _postgres_server() -> str | None:
    """The PostgreSQL server of the test run (scripts/test runs the suite on both)."""
    for name in ("COWORKING_TEST_DATABASE_URL", "COWORKING_TEST_POSTGRES_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgres"):
            return url
    return "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture()
def other_database(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database of the other kind than the suite's, migrated (without the gazetteer: not needed here)."""
    if database_url.startswith("postgres"):
        url = f"sqlite:///{tmp_path / 'other.db'}"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    server = _postgres_server()
    name = f"coworking_fts_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    # PostgreSQL runs wherever the tests do (README): its absence fails the comparison, never skips it.
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_and_postgresql_give_the_same_slugs_in_the_same_order(session: Session, other_database: Engine) -> None:
    make_corpus(session)
    with Session(other_database, expire_on_commit=False) as other:
        make_corpus(other)
        queries = [*RANKED, "hub", "h", "c", "o", "ogre", "cesis hub", "fibre 24", "nothing", "cesu darb", "twenty"]
        for typed in queries:
            mine, theirs = slugs(session, q=typed), slugs(other, q=typed)
            assert mine == theirs, typed
        assert {session.get_bind().dialect.name, other.get_bind().dialect.name} == {"sqlite", "postgresql"}


# Real spaces of the seed (seed/spaces.csv), typed in another script or without their letters (issue #14).
@pytest.mark.parametrize(
    ("name", "town", "country", "typed"),
    [
        ("Coworking Bansko", "Bansko", "BG", "Банско"),
        ("Office in the Woods", "Chepelare", "BG", "Чепеларе"),
        ("Greek Escape coliving", "Plakias", "GR", "Πλακιάς"),
        ("Hraðið nýsköpunarmiðstöð", "Húsavík", "IS", "Husavik"),
        ("Atwork skrifstofusetur Egilsstaðir", "Egilsstaðir", "IS", "egilsstadir"),
        ("Þekkingarsetur Vestmannaeyja", "Vestmannaeyjar", "IS", "thekkingarsetur"),
    ],
)
def test_a_name_is_found_in_any_script_or_spelling(session: Session, name: str, town: str, country: str, typed: str) -> None:
    make_space(session, name, town, country)
    make_space(session, "Unrelated", "Ogre")
    assert slugs(session, q=typed) == [slugs(session, q=name)[0]]
