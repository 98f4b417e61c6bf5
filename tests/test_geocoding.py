"""The offline geocoder: real towns found within 5 km, with or without diacritics, by country."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime, timedelta

import pytest
from geopy.distance import geodesic
from geopy.exc import GeocoderUnavailable
from geopy.location import Location
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from coworking.exchange.seed import SEED_DIR, seed
from coworking.geo.geocoders import CachedGeocoder, GazetteerGeocoder, build_geocoder, parse_place_query
from coworking.geo.models import GeocodeCacheEntry

# Known town-centre coordinates (Wikipedia / OpenStreetMap), typed as residents type them.
KNOWN_TOWNS = [
    ("Riga", 56.9496, 24.1052),
    ("Rīga, LV", 56.9496, 24.1052),
    ("Tallinn", 59.4370, 24.7536),
    ("Vilnius", 54.6872, 25.2797),
    ("Helsinki", 60.1699, 24.9384),
    ("Dublin", 53.3498, -6.2603),
    ("Lisboa", 38.7223, -9.1393),
    ("Madrid", 40.4168, -3.7038),
    ("Wien", 48.2082, 16.3738),
    ("Praha", 50.0755, 14.4378),
    ("Berlin", 52.5200, 13.4050),
    ("Valmiera", 57.5411, 25.4275),
    ("Sigulda", 57.1537, 24.8596),
    ("Jelgava", 56.6511, 23.7214),
    ("Liepaja", 56.5047, 21.0108),
    ("Daugavpils", 55.8747, 26.5362),
    ("Kuldiga", 56.9677, 21.9614),
    ("Tartu", 58.3780, 26.7290),
    ("Parnu", 58.3859, 24.4971),
    ("Kaunas", 54.8985, 23.9036),
    ("Skibbereen", 51.5500, -9.2667),
    ("Westport, IE", 53.8000, -9.5167),
    ("Bad Belzig", 52.1418, 12.5927),
    ("Eberswalde", 52.8333, 13.8167),
    ("Kokkola", 63.8385, 23.1307),
    ("Tromso", 69.6492, 18.9553),
    ("Bansko", 41.8383, 23.4886),
    ("Fundao, PT", 40.1405, -7.5014),
    ("Ostersund", 63.1792, 14.6357),
]


def _seed_towns(country: str | None = None) -> list[tuple[str, float, float]]:
    with (SEED_DIR / "spaces.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["lat"]]
    chosen = [row for row in rows if row["country_code"] == country] if country else rows
    return sorted({(f"{row['town']}, {row['country_code']}", float(row["lat"]), float(row["lon"])) for row in chosen})


@pytest.fixture()
def gazetteer(engine: Engine) -> GazetteerGeocoder:
    return GazetteerGeocoder(engine)


def _not_within_5_km(gazetteer: GazetteerGeocoder, cases: list[tuple[str, float, float]]) -> list[tuple]:
    """The typed places the geocoder misses or puts more than 5 km from their known coordinates."""
    misses = []
    for typed, latitude, longitude in cases:
        found = gazetteer.geocode(typed)
        if found is None or geodesic((found.latitude, found.longitude), (latitude, longitude)).km > 5:
            misses.append((typed, found and found.address))
    return misses


def test_at_least_40_real_towns_within_5_km(gazetteer: GazetteerGeocoder, session: Session) -> None:
    seed(session)  # adds the seed's villages the gazetteer lacks (Skujene, Tīraine)
    latvian = _seed_towns("LV")
    assert {town.split(",")[0] for town, _, _ in latvian} >= {"Cēsis", "Lielvārde", "Ogre", "Skujene", "Tīraine"}
    # Every Latvian town of the seed, in its own spelling and typed without diacritics.
    from coworking.core.text import fold

    cases = KNOWN_TOWNS + latvian + [(fold(town).title(), lat, lon) for town, lat, lon in latvian]
    assert len(cases) >= 40
    assert _not_within_5_km(gazetteer, cases) == []


def test_every_seed_town_with_coordinates_is_found_where_the_seed_puts_it(
    gazetteer: GazetteerGeocoder, session: Session
) -> None:
    seed(session)
    # A town name can stand for two places in one country; the seed's are all resolved to theirs.
    assert _not_within_5_km(gazetteer, _seed_towns()) == []


@pytest.mark.parametrize(
    ("typed", "name", "country"),
    [
        ("Cesis", "Cēsis", "LV"),
        ("lielvarde", "Lielvārde", "LV"),
        ("OGRE, lv", "Ogre", "LV"),
        ("Ogre, Latvija", "Ogre", "LV"),
        # Typed in the place's own script or in Latin letters, with or without its accents (issue #14): the
        # gazetteer's alternate names (GeoNames) and the one folding of core.text find the same place.
        ("Пловдив", "Plovdiv", "BG"),
        ("Plovdiv", "Plovdiv", "BG"),
        ("София", "Sofia", "BG"),
        ("Μέτσοβο", "Metsovo", "GR"),
        ("Μετσοβο", "Metsovo", "GR"),
        ("Σκόπελος", "Skópelos", "GR"),
        ("Skopelos", "Skópelos", "GR"),
        ("Θεσσαλονίκη", "Thessaloníki", "GR"),
        ("Lodz", "Łódź", "PL"),
        ("Łódź", "Łódź", "PL"),
        ("Reykjavik", "Reykjavík", "IS"),
        ("Goettingen", "Göttingen", "DE"),
    ],
)
def test_accents_case_script_and_country(gazetteer: GazetteerGeocoder, typed: str, name: str, country: str) -> None:
    found = gazetteer.geocode(typed)
    assert (found.raw["name"], found.raw["country_code"]) == (name, country)


def test_husavik_however_it_is_typed(gazetteer: GazetteerGeocoder) -> None:
    # GeoNames lists Húsavík under its municipality (Norðurþing), whose point is the town's.
    for typed in ("Husavik", "Húsavík", "HÚSAVÍK"):
        found = gazetteer.geocode(typed)
        assert geodesic((found.latitude, found.longitude), (66.0449, -17.3389)).km < 5, typed


def test_population_ranks_and_country_disambiguates(gazetteer: GazetteerGeocoder) -> None:
    assert gazetteer.geocode("Paris").raw["country_code"] == "FR"
    assert gazetteer.geocode("Bergen").raw["country_code"] == "NO"  # the largest Bergen first
    assert gazetteer.geocode("Bergen, NL").raw["country_code"] == "NL"
    assert gazetteer.geocode("Bergen, Germany").raw["country_code"] == "DE"
    several = gazetteer.geocode("Bergen", exactly_one=False, limit=5)
    assert len({place.raw["country_code"] for place in several}) >= 2


def test_coordinates_are_understood(gazetteer: GazetteerGeocoder) -> None:
    found = gazetteer.geocode("56.72066, 24.80743")
    assert (found.latitude, found.longitude) == (56.72066, 24.80743)
    assert parse_place_query("95, 24") == ("95, 24", None, None)  # not a latitude: a (strange) name


def test_suggestions_start_with_what_was_typed(gazetteer: GazetteerGeocoder) -> None:
    names = [place.raw["name"] for place in gazetteer.suggest("lielv")]
    assert names[0] == "Lielvārde"
    assert gazetteer.suggest("l") == []  # too short to mean anything
    assert all(place.raw["country_code"] == "LV" for place in gazetteer.suggest("ce, LV"))


def test_unknown_place_offers_the_closest_spellings(gazetteer: GazetteerGeocoder) -> None:
    assert gazetteer.geocode("Lielvade") is None
    assert [place.raw["name"] for place in gazetteer.closest("Lielvade")][0] == "Lielvārde"
    assert gazetteer.closest("Qqqqqqq") == []


def test_exact_lookup_never_takes_a_lookalike(gazetteer: GazetteerGeocoder) -> None:
    assert gazetteer.geocode("Lielvar, LV") is not None  # a prefix is fine for people typing
    assert gazetteer.geocode("Lielvar, LV", exact=True) is None  # not for importing data


class FakeOnlineGeocoder:
    """Stands in for Nominatim (no internet here): counts calls, answers or fails as told."""

    def __init__(self, answer: Location | None = None, fail: bool = False) -> None:
        self.calls, self.answer, self.fail = 0, answer, fail

    def geocode(self, query: str, exactly_one: bool = True) -> Location | None:
        self.calls += 1
        if self.fail:
            raise GeocoderUnavailable("no network")
        return self.answer


def test_online_answers_are_cached_in_the_database(engine: Engine, gazetteer: GazetteerGeocoder) -> None:
    online = FakeOnlineGeocoder(Location("Rīgas iela 1, Cēsis", (57.3121, 25.2712), {}))
    geocoder = CachedGeocoder(online, "nominatim", engine, gazetteer, min_delay_seconds=0)
    first = geocoder.geocode("Rīgas iela 1, Cēsis")
    second = geocoder.geocode("  rīgas iela 1,   cēsis ")
    assert online.calls == 1
    assert (first.latitude, second.latitude) == (57.3121, 57.3121)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(GeocodeCacheEntry)) == 1


def test_online_failure_falls_back_to_the_gazetteer(engine: Engine, gazetteer: GazetteerGeocoder) -> None:
    geocoder = CachedGeocoder(FakeOnlineGeocoder(fail=True), "nominatim", engine, gazetteer, min_delay_seconds=0)
    assert geocoder.geocode("Lielvarde").raw["name"] == "Lielvārde"
    nothing = CachedGeocoder(FakeOnlineGeocoder(None), "nominatim", engine, gazetteer, min_delay_seconds=0)
    assert nothing.geocode("Cesis").raw["name"] == "Cēsis"


def test_nominatim_is_built_with_the_usage_policy(engine: Engine) -> None:
    geocoder = build_geocoder("nominatim", engine, "rural-coworking-directory/test (ops@example.org)")
    assert isinstance(geocoder, CachedGeocoder)
    assert geocoder.budget.seconds == 1.0  # ≤ 1 request per second
    assert geocoder.online.headers["User-Agent"] == "rural-coworking-directory/test (ops@example.org)"
    with pytest.raises(ValueError, match="Unknown geocoder"):
        build_geocoder("google", engine, "x")


def test_distinct_places_never_wait_for_the_online_limit(engine: Engine, gazetteer: GazetteerGeocoder) -> None:
    """The process-wide 1 request/s limit once made every distinct ``near=`` wait its turn in a server
    thread: twenty at once held twenty threads for twenty seconds. Now only one goes online; the rest
    are answered offline at once, and nothing offline is stored as the online answer."""
    online = FakeOnlineGeocoder(Location("Somewhere", (57.0, 25.0), {}))
    geocoder = CachedGeocoder(online, "nominatim", engine, gazetteer, min_delay_seconds=60)
    started = time.monotonic()
    answers = [geocoder.geocode(town) for town in ("Cēsis", "Ogre", "Sigulda", "Valmiera", "Tukums")]
    assert time.monotonic() - started < 2
    assert online.calls == 1
    assert answers[0].latitude == 57.0
    assert [answer.raw["name"] for answer in answers[1:]] == ["Ogre", "Sigulda", "Valmiera", "Tukums"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(GeocodeCacheEntry)) == 1


def test_the_online_answer_cache_is_bounded_by_age_and_size(engine: Engine, gazetteer: GazetteerGeocoder) -> None:
    """One row per distinct query once grew forever."""
    online = FakeOnlineGeocoder(Location("Somewhere", (57.0, 25.0), {}))
    geocoder = CachedGeocoder(online, "nominatim", engine, gazetteer, min_delay_seconds=0, max_rows=3)
    for number in range(6):
        geocoder.geocode(f"Street {number}, Cēsis")
    with Session(engine) as session:
        kept = session.scalars(select(GeocodeCacheEntry.query).order_by(GeocodeCacheEntry.query)).all()
    assert kept == ["street 3, cēsis", "street 4, cēsis", "street 5, cēsis"]
    # Old answers are neither used nor kept.
    with Session(engine) as session:
        session.execute(
            update(GeocodeCacheEntry).values(created_at=datetime.now(UTC) - timedelta(days=91))
        )
        session.commit()
    geocoder.geocode("Street 5, Cēsis")
    assert online.calls == 7
    with Session(engine) as session:
        assert session.scalars(select(GeocodeCacheEntry.query)).all() == ["street 5, cēsis"]


def test_loading_another_gazetteer_version_makes_cached_pages_stale(engine: Engine) -> None:
    """The gazetteer goes in by Core statements, not a Session: it bumps the content version itself."""
    from coworking.core.freshness import read_version
    from coworking.geo.gazetteer import GAZETTEER, ensure_gazetteer
    from coworking.geo.models import ReferenceData

    with engine.begin() as connection:
        connection.execute(update(ReferenceData).where(ReferenceData.name == GAZETTEER).values(version="older"))
    before = read_version(engine)
    ensure_gazetteer(engine)
    assert read_version(engine) == before + 1
    ensure_gazetteer(engine)  # the same version again: nothing loaded, nothing bumped
    assert read_version(engine) == before + 1
