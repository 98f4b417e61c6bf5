"""The real seed data, loaded as a whole: every row, idempotently, with honest gaps."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.exchange.seed import SEED_DIR, SeedError, guess_activity_kind, seed
from coworking.networks.models import Network
from coworking.spaces.models import Space


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_seed_loads_every_row_and_a_rerun_changes_nothing(session: Session) -> None:
    spaces, networks = _rows("spaces.csv"), _rows("networks.csv")
    first = seed(session)
    assert (first.spaces_added, first.networks_added) == (len(spaces), len(networks))
    snapshot = session.execute(select(Space.slug, Space.updated_at, Space.version).order_by(Space.slug)).all()

    second = seed(session)
    assert (second.spaces_added, second.networks_added) == (0, 0)
    assert (second.spaces_kept, second.networks_kept) == (len(spaces), len(networks))
    assert session.execute(select(Space.slug, Space.updated_at, Space.version).order_by(Space.slug)).all() == snapshot
    assert session.scalar(select(func.count()).select_from(Network)) == len(networks)


def test_seed_keeps_facts_as_the_sources_state_them(session: Session) -> None:
    seed(session)
    skola6 = session.scalar(select(Space).where(Space.name == "SKOLA6"))
    assert skola6.town == "Cēsis" and skola6.country_code == "LV"
    assert skola6.location_precision == "town"
    assert sorted(skola6.amenity_codes) == [
        "event_space",
        "kitchen",
        "meeting_room",
        "printer",
    ]
    assert skola6.source_url.startswith("https://")
    assert skola6.region  # filled from the gazetteer
    assert [activity.title for activity in skola6.activities] == [
        "business idea competition",
        "discussion evenings",
        "open days",
        "fairs in the yard",
    ]
    # A source-mentioned activity has no invented date.
    assert all(activity.starts_at is None for activity in skola6.activities)


def test_villages_without_coordinates_are_listed_without_a_location(
    session: Session,
) -> None:
    seed(session)
    no_location = {row["name"] for row in _rows("spaces.csv") if not row["lat"]}
    assert no_location, "the seed has villages without coordinates"
    stored = session.scalars(select(Space).where(Space.name.in_(no_location))).all()
    assert {space.name for space in stored} == no_location
    assert all(space.latitude is None and space.location_precision is None for space in stored)


def test_a_new_row_in_the_seed_is_added_on_rerun(session: Session, tmp_path: Path) -> None:
    shutil.copy(SEED_DIR / "networks.csv", tmp_path / "networks.csv")
    rows = _rows("spaces.csv")[:3]
    with (tmp_path / "spaces.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:2])
    assert seed(session, tmp_path).spaces_added == 2
    with (tmp_path / "spaces.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerow(rows[2])
    report = seed(session, tmp_path)
    assert (report.spaces_added, report.spaces_kept) == (1, 2)


def test_a_bad_row_leaves_nothing_half_written(session: Session, tmp_path: Path) -> None:
    shutil.copy(SEED_DIR / "networks.csv", tmp_path / "networks.csv")
    rows = _rows("spaces.csv")[:2]
    rows[1] = {**rows[1], "amenities": "desks;jacuzzi"}
    with (tmp_path / "spaces.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(SeedError, match=r"spaces.csv:3: unknown amenity codes jacuzzi"):
        seed(session, tmp_path)
    assert session.scalar(select(func.count()).select_from(Space)) == 0
    assert session.scalar(select(func.count()).select_from(Network)) == 0


def test_same_name_in_two_towns_gets_two_slugs(session: Session, tmp_path: Path) -> None:
    shutil.copy(SEED_DIR / "networks.csv", tmp_path / "networks.csv")
    base = _rows("spaces.csv")[0]
    rows = [
        {**base, "name": "Village Office", "town": "Anras"},
        {**base, "name": "Village Office", "town": "Lienz"},
    ]
    with (tmp_path / "spaces.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base))
        writer.writeheader()
        writer.writerows(rows)
    seed(session, tmp_path)
    assert sorted(session.scalars(select(Space.slug))) == [
        "village-office",
        "village-office-lienz",
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("open days", "open_day"),
        ("weekly resident meetings", "resident_meeting"),
        ("evenings of residents' experience stories", "experience_story"),
        ("collaborative workshops and training seminars", "workshop"),
        ("concerts", "other"),
    ],
)
def test_activity_kind_comes_from_the_sources_own_words(text: str, kind: str) -> None:
    assert guess_activity_kind(text) == kind


def test_seeded_activities_are_stored(session: Session) -> None:
    seed(session)
    expected = sum(len([a for a in row["activities"].split(";") if a.strip()]) for row in _rows("spaces.csv"))
    assert session.scalar(select(func.count()).select_from(Activity)) == expected


def test_a_space_without_coordinates_is_placed_at_its_town_when_the_gazetteer_knows_it(
    session: Session, tmp_path: Path
) -> None:
    shutil.copy(SEED_DIR / "networks.csv", tmp_path / "networks.csv")
    base = _rows("spaces.csv")[0]
    rows = [
        {**base, "name": "Hub in Sigulda", "town": "Sigulda", "country_code": "LV", "lat": "", "lon": ""},
        {**base, "name": "Hub in Nowhere", "town": "Siguldaxx", "country_code": "LV", "lat": "", "lon": ""},
    ]
    with (tmp_path / "spaces.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base))
        writer.writeheader()
        writer.writerows(rows)
    seed(session, tmp_path)
    sigulda = session.scalar(select(Space).where(Space.town == "Sigulda"))
    assert (round(sigulda.latitude, 2), round(sigulda.longitude, 2), sigulda.location_precision) == (
        57.15,
        24.86,
        "town",
    )
    nowhere = session.scalar(select(Space).where(Space.town == "Siguldaxx"))
    assert nowhere.latitude is None and nowhere.location_precision is None
