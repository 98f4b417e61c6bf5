"""Searching spaces: text without accents, countries, amenities, activities, sorting, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from coworking.core.errors import InvalidInput
from coworking.core.models import utcnow
from coworking.spaces.services import search_spaces
from tests.factories import make_activity, make_space, space_query


def names(session: Session, **params: object) -> list[str]:
    page = search_spaces(session, space_query(**params), utcnow())
    return [card.name for card in page.items]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Lielvarde", "CoLabora Lielvārde"),
        ("lielvārde", "CoLabora Lielvārde"),
        ("CESIS", "SKOLA6"),
        ("klitmoller", "Cowork Klitmøller"),
    ],
)
def test_text_search_ignores_accents_and_case(session: Session, typed: str, found: str) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde")
    make_space(session, "SKOLA6", "Cēsis")
    make_space(session, "Cowork Klitmøller", "Klitmøller", "DK")
    assert names(session, q=typed) == [found]


def test_text_search_looks_in_region_and_description_and_needs_every_word(
    session: Session,
) -> None:
    make_space(session, "Hub A", "Skujene", region="Cēsis Municipality")
    make_space(
        session,
        "Hub B",
        "Ogre",
        description="Fibre, a quiet garden and weekly resident meetings",
    )
    assert names(session, q="cesis") == ["Hub A"]
    assert names(session, q="garden weekly") == ["Hub B"]
    assert names(session, q="garden cesis") == []


def test_punctuation_is_not_a_word(session: Session) -> None:
    """Search looks for words (letters and digits): ``%`` and ``_`` are neither wildcards nor words, and
    a query of nothing else filters nothing."""
    make_space(session, "Space 100%", "Ogre")
    make_space(session, "Other", "Ogre")
    assert names(session, q="100%") == ["Space 100%"]
    assert names(session, q="%") == ["Other", "Space 100%"]
    assert names(session, q="_") == ["Other", "Space 100%"]


def test_country_and_amenities_filter(session: Session) -> None:
    make_space(session, "Latvian printer", amenities=("printer", "kitchen"))
    make_space(session, "Latvian kitchen", amenities=("kitchen",))
    make_space(session, "Irish printer", "Skibbereen", "IE", amenities=("printer", "kitchen"))
    assert names(session, countries=["lv"]) == ["Latvian kitchen", "Latvian printer"]
    assert names(session, amenities=["printer", "kitchen"]) == [
        "Irish printer",
        "Latvian printer",
    ]
    assert names(session, countries=["LV"], amenities=["printer"]) == ["Latvian printer"]
    assert names(session, countries=["LV", "IE"], amenities=["printer"]) == [
        "Irish printer",
        "Latvian printer",
    ]


def test_upcoming_activities_filter_and_counts(session: Session) -> None:
    now = utcnow()
    make_space(
        session,
        "Future",
        activities=[make_activity("Open day", now + timedelta(days=3))],
    )
    make_space(session, "Past", activities=[make_activity("Old", now - timedelta(days=3))])
    make_space(
        session,
        "Weekly",
        activities=[make_activity("Resident meeting", now - timedelta(days=30), rrule="FREQ=WEEKLY")],
    )
    make_space(
        session,
        "Ended series",
        activities=[
            make_activity(
                "Series",
                now - timedelta(days=60),
                rrule="FREQ=WEEKLY",
                until=now - timedelta(days=1),
            )
        ],
    )
    make_space(session, "Undated", activities=[make_activity("Concerts")])
    assert names(session, upcoming=True) == ["Future", "Weekly"]
    page = search_spaces(session, space_query(), utcnow())
    counts = {card.name: card.upcoming_activities for card in page.items}
    assert counts == {
        "Ended series": 0,
        "Future": 1,
        "Past": 0,
        "Undated": 0,
        "Weekly": 1,
    }


def test_drafts_and_closed_spaces_are_not_in_results(session: Session) -> None:
    make_space(session, "Open")
    make_space(session, "Draft", status="draft")
    make_space(session, "Closed", status="closed")
    assert names(session) == ["Open"]


def test_sorting(session: Session) -> None:
    make_space(session, "B space", "Alūksne", "LV")
    make_space(session, "A space", "Zilupe", "EE")
    assert names(session, sort="name") == ["A space", "B space"]
    assert names(session, sort="town") == ["B space", "A space"]
    assert names(session, sort="country") == ["A space", "B space"]
    assert names(session, sort="updated") == ["A space", "B space"]


def test_pagination(session: Session) -> None:
    for number in range(25):
        make_space(session, f"Space {number:02d}")
    first = search_spaces(session, space_query(per_page=10), utcnow())
    third = search_spaces(session, space_query(per_page=10, page=3), utcnow())
    assert (first.total, first.pages, len(first.items), len(third.items)) == (
        25,
        3,
        10,
        5,
    )
    assert third.items[0].name == "Space 20"
    with pytest.raises(InvalidInput) as raised:
        search_spaces(session, space_query(per_page=10, page=4), utcnow())
    assert "page" in raised.value.errors


def test_an_empty_directory_has_one_empty_page(session: Session) -> None:
    page = search_spaces(session, space_query(), utcnow())
    assert (page.total, page.pages, page.items) == (0, 1, [])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"countries": ["XX"]}, "country"),
        ({"countries": ["Latvia"]}, "country"),
        ({"amenities": ["jacuzzi"]}, "amenity"),
        ({"sort": "price"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "-1"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"upcoming": "perhaps"}, "upcoming"),
    ],
)
def test_bad_parameters_are_named(params: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        space_query(**params)
    assert field in raised.value.errors


def test_control_characters_are_dropped_from_the_query(session: Session, client) -> None:  # noqa: ANN001
    make_space(session, "Ogre hub", "Ogre")
    session.commit()
    assert "Ogre hub" in client.get("/spaces?q=og%00re%09").text
    assert [item["name"] for item in client.get("/api/v1/spaces?q=og%00re").json()["items"]] == ["Ogre hub"]
