"""Geocoders with geopy's interface: the offline gazetteer (default) and a cached, rate-limited Nominatim.

Everything in the app that turns a typed place into coordinates calls ``geocode()`` on the object
``build_geocoder()`` returns, so switching to Nominatim is a setting, not a code change.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from babel import Locale
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coworking.core.cache import build_timed_cache
from coworking.core.models import utcnow
from coworking.core.text import fold
from coworking.geo.models import GeocodeCacheEntry, Place, PlaceName

_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
MIN_SUGGEST_LENGTH = 2


@cache
def country_names() -> dict[str, str]:
    """Folded country names (English and Latvian) and codes → ISO code: 'latvia', 'latvija', 'lv' → 'LV'."""
    names: dict[str, str] = {}
    for locale in ("en", "lv"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                names[fold(name)] = code
                names[code.lower()] = code
    return names


def parse_place_query(text: str) -> tuple[str, str | None, tuple[float, float] | None]:
    """Split 'Ogre, LV' into ('ogre', 'LV', None); '56.95, 24.1' into ('', None, (56.95, 24.1))."""
    match = _COORDINATES.match(text)
    if match:
        latitude, longitude = float(match.group(1)), float(match.group(2))
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return "", None, (latitude, longitude)
    name, country = text, None
    if "," in text:
        head, _, tail = text.rpartition(",")
        country = country_names().get(fold(tail))
        if country:
            name = head
    return fold(name), country, None


def _location(place: Place) -> Location:
    raw = {
        "name": place.name,
        "region": place.region,
        "country_code": place.country_code,
        "population": place.population,
        "source": place.source,
    }
    address = ", ".join(part for part in (place.name, place.region, place.country_code) if part)
    return Location(address, (place.latitude, place.longitude), raw)


def coordinates_location(latitude: float, longitude: float) -> Location:
    label = f"{latitude:.4f}, {longitude:.4f}"
    return Location(
        label,
        (latitude, longitude),
        {"name": label, "region": None, "country_code": None},
    )


class GazetteerGeocoder(Geocoder):
    """Offline geocoding over the ``places`` table: accent-insensitive, ranked by population."""

    def __init__(self, engine: Engine, cache_size: int = 2048, redis_url: str | None = None) -> None:
        super().__init__(user_agent="rural-coworking-directory")
        self.engine = engine
        # The gazetteer changes only when data is loaded (and seeding adds villages): answers are kept
        # an hour, so a village added by a later import is found within the hour. Keys are what
        # visitors type (at most 120 characters), so the entry count bounds the memory: 2,048 short
        # lists of places, well under a few MB.
        # With Redis, every worker shares the answers (one look-up per typed place and hour for all of them).
        self._answers = build_timed_cache(redis_url, "gazetteer", 3600, cache_size)

    def _memo(self, key: tuple, compute: Callable[[], object]) -> object:
        return self._answers.get(key, compute)

    def _places(self, condition, country: str | None, limit: int) -> list[Location]:  # noqa: ANN001
        ranked = (
            select(PlaceName.place_id, func.max(PlaceName.weight).label("weight"))
            .where(condition)
            .group_by(PlaceName.place_id)
            .order_by(func.max(PlaceName.weight).desc(), PlaceName.place_id)
        )
        if country:
            ranked = ranked.join(Place, Place.id == PlaceName.place_id).where(Place.country_code == country)
        ranked = ranked.limit(limit).subquery()
        statement = select(Place).join(ranked, ranked.c.place_id == Place.id).order_by(ranked.c.weight.desc(), Place.id)
        with Session(self.engine) as session:
            return [_location(place) for place in session.scalars(statement)]

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        limit: int | None = None,
        country_codes: str | None = None,
        exact: bool = False,
    ) -> Location | list[Location] | None:
        """The best matching place (or up to ``limit`` places): exact spellings first, then prefixes.

        ``exact=True`` accepts only a place with exactly this spelling (for imports, where a village
        must not silently become the town whose name starts the same way).
        """
        name, country, point = parse_place_query(query or "")
        if point:
            found = [coordinates_location(*point)]
        elif not name:
            found = []
        else:
            country = (country_codes or country or "").upper() or None
            count = 1 if exactly_one else (limit or 10)
            found = self._memo(
                ("geocode", name, country, count, exact),
                lambda: self._lookup(name, country, count, exact),
            )
        if exactly_one:
            return found[0] if found else None
        return list(found)

    def _lookup(self, name: str, country: str | None, count: int, exact: bool) -> list[Location]:
        found = self._places(PlaceName.folded_name == name, country, count)
        return found or ([] if exact else self._places(_prefix(name), country, count))

    def suggest(self, text: str, limit: int = 8) -> list[Location]:
        """Places whose name starts with what was typed so far (for autocomplete)."""
        name, country, point = parse_place_query(text or "")
        if point or len(name) < MIN_SUGGEST_LENGTH:
            return []
        return list(
            self._memo(
                ("suggest", name, country, limit),
                lambda: self._places(_prefix(name), country, limit),
            )
        )

    def closest(self, text: str, limit: int = 5) -> list[Location]:
        """Likely meant places for a name that matched nothing: similar spellings with the same start."""
        name, country, _ = parse_place_query(text or "")
        if len(name) < MIN_SUGGEST_LENGTH:
            return []
        return list(
            self._memo(
                ("closest", name, country, limit),
                lambda: self._closest(name, country, limit),
            )
        )

    def _closest(self, name: str, country: str | None, limit: int) -> list[Location]:
        for start in (name[:3], name[:2]):
            statement = (
                select(PlaceName.folded_name).where(_prefix(start)).order_by(PlaceName.weight.desc()).limit(5000)
            )
            with self.engine.connect() as connection:
                spellings = list(dict.fromkeys(connection.scalars(statement)))
            similar = difflib.get_close_matches(name, spellings, n=limit, cutoff=0.75)
            if similar:
                found: dict[str, Location] = {}
                for spelling in similar:
                    for location in self._places(PlaceName.folded_name == spelling, country, 1):
                        found.setdefault(location.address, location)
                return list(found.values())[:limit]
        return []

    def reverse(self, query, *, exactly_one=True):  # noqa: ANN001, ANN201
        raise NotImplementedError("The gazetteer geocoder does not reverse-geocode.")


def locate_town(geocoder: GazetteerGeocoder, town: str, country_code: str) -> tuple[float, float] | None:
    """A space's town-level coordinates: only a place of exactly that name in that country will do.

    Used when a space without coordinates is imported (and, later, saved).
    """
    location = geocoder.geocode(f"{town}, {country_code}", exact=True)
    return (location.latitude, location.longitude) if location is not None else None


def _prefix(name: str):  # noqa: ANN202
    # A range, not LIKE: both SQLite and PostgreSQL answer it from the primary-key index.
    return (PlaceName.folded_name >= name) & (PlaceName.folded_name < name + "\x7f")


class RequestBudget:
    """At most one online request per ``seconds``, never waited for.

    geopy's RateLimiter sleeps until the next slot: with one process-wide limit, twenty residents typing
    twenty different places would hold twenty of the server's threads for up to twenty seconds. Here a
    request either gets the slot now or is answered offline (the gazetteer) at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next = 0.0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                return False
            self._next = now + self.seconds
            return True


class CachedGeocoder(Geocoder):
    """An online geocoder, asked at most once per second and once per query, falling back offline.

    Answers (including "not found") are kept in the ``geocode_cache`` table, as Nominatim's usage
    policy asks; when the service fails, is unreachable or was asked less than a second ago, the offline
    gazetteer answers instead (and nothing is stored, so the next request may ask online again).

    The table grows from what visitors type, so it is bounded twice: answers older than ``max_age_days``
    are neither used nor kept (addresses and their coordinates do change), and beyond ``max_rows`` the
    oldest go first (50,000 short rows are a few MB; at one new query a second it is half a day of
    distinct searches before anything useful is evicted).
    """

    def __init__(
        self,
        online: Geocoder,
        provider: str,
        engine: Engine,
        fallback: GazetteerGeocoder,
        min_delay_seconds: float = 1.0,
        max_age_days: float = 90.0,
        max_rows: int = 50_000,
    ) -> None:
        super().__init__(user_agent="rural-coworking-directory")
        self.provider = provider
        self.engine = engine
        self.fallback = fallback
        self.online = online
        self.budget = RequestBudget(min_delay_seconds)
        self.max_age = timedelta(days=max_age_days)
        self.max_rows = max_rows

    def geocode(self, query: str, *, exactly_one: bool = True, **kwargs: object) -> Location | list[Location] | None:
        _, _, point = parse_place_query(query or "")
        if point or not (query or "").strip():
            return self.fallback.geocode(query, exactly_one=exactly_one, **kwargs)
        key = " ".join(query.split()).casefold()[:300]
        with self.engine.connect() as connection:
            entry = connection.execute(
                select(GeocodeCacheEntry.result).where(
                    GeocodeCacheEntry.provider == self.provider,
                    GeocodeCacheEntry.query == key,
                    GeocodeCacheEntry.created_at >= utcnow() - self.max_age,
                )
            ).first()
        if entry is not None:
            result = entry[0]
        elif not self.budget.take():
            return self.fallback.geocode(query, exactly_one=exactly_one, **kwargs)
        else:
            try:
                location = self.online.geocode(query, exactly_one=True)
            except GeopyError:
                return self.fallback.geocode(query, exactly_one=exactly_one, **kwargs)
            result = (
                {
                    "address": location.address,
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                }
                if location
                else None
            )
            self._store(key, result)
        if result is None:
            return self.fallback.geocode(query, exactly_one=exactly_one, **kwargs)
        location = Location(
            result["address"],
            (result["latitude"], result["longitude"]),
            {"name": result["address"], "region": None, "country_code": None},
        )
        return location if exactly_one else [location]

    def _store(self, key: str, result: dict | None) -> None:
        """Keep an answer (replacing an expired one), then drop what is past its age or over the size."""
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        values = {"provider": self.provider, "query": key, "result": result, "created_at": utcnow()}
        statement = dialect.insert(GeocodeCacheEntry).values(**values)
        mine = GeocodeCacheEntry.provider == self.provider
        with self.engine.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["provider", "query"], set_={"result": result, "created_at": values["created_at"]}
                )
            )
            connection.execute(delete(GeocodeCacheEntry).where(mine, GeocodeCacheEntry.created_at < utcnow() - self.max_age))
            # Rows past the newest max_rows (an indexed walk from the newest end; usually nothing).
            oldest_kept = connection.scalar(
                select(GeocodeCacheEntry.created_at)
                .where(mine)
                .order_by(GeocodeCacheEntry.created_at.desc())
                .offset(self.max_rows - 1)
                .limit(1)
            )
            if oldest_kept is not None:
                connection.execute(delete(GeocodeCacheEntry).where(mine, GeocodeCacheEntry.created_at < oldest_kept))

    def suggest(self, text: str, limit: int = 8) -> list[Location]:
        return self.fallback.suggest(text, limit)

    def closest(self, text: str, limit: int = 5) -> list[Location]:
        return self.fallback.closest(text, limit)


def build_geocoder(
    name: str, engine: Engine, user_agent: str, redis_url: str | None = None
) -> GazetteerGeocoder | CachedGeocoder:
    """The geocoder the settings choose: "gazetteer" (offline, default) or "nominatim" (its answers kept in
    the database, its gazetteer fallback's in Redis when configured, as the gazetteer's own)."""
    gazetteer = GazetteerGeocoder(engine, redis_url=redis_url)
    if name == "gazetteer":
        return gazetteer
    if name == "nominatim":
        return CachedGeocoder(Nominatim(user_agent=user_agent, timeout=5), "nominatim", engine, gazetteer)
    raise ValueError(f"Unknown geocoder {name!r}: use 'gazetteer' or 'nominatim'")
