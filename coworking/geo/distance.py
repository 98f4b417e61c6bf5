"""Distances for "near me" and "along the way": bounding boxes to ask the index, exact distances after.

Distances from a point are geodesic (geopy, on the WGS-84 ellipsoid). Distances from a route use
spherical cross-track formulas: geopy has none, and on routes of a few hundred kilometres the
sphere is within 0.5 % of the ellipsoid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geopy.distance import EARTH_RADIUS, geodesic

KM_PER_DEGREE_LATITUDE = 111.2


@dataclass(frozen=True)
class BoundingBox:
    west: float
    south: float
    east: float
    north: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    def intersects(self, other: BoundingBox) -> bool:
        return (
            self.west <= other.east
            and other.west <= self.east
            and self.south <= other.north
            and other.south <= self.north
        )

    def param(self) -> str:
        return ",".join(
            f"{value:.5f}".rstrip("0").rstrip(".") for value in (self.west, self.south, self.east, self.north)
        )


def parse_bbox(text: str) -> BoundingBox:
    """'W,S,E,N' in degrees → BoundingBox; ValueError names what is wrong."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four comma-separated numbers: west,south,east,north")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError as exc:
        raise ValueError("bbox values must be numbers") from exc
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        raise ValueError("bbox values must be finite numbers")
    if not (-180 <= west < east <= 180):
        raise ValueError("bbox longitudes must satisfy -180 <= west < east <= 180")
    if not (-90 <= south < north <= 90):
        raise ValueError("bbox latitudes must satisfy -90 <= south < north <= 90")
    return BoundingBox(west=west, south=south, east=east, north=north)


def _longitude_degrees(km: float, latitude: float) -> float:
    cosine = math.cos(math.radians(min(abs(latitude), 89.0)))
    return km / (KM_PER_DEGREE_LATITUDE * cosine)


def box_around(latitude: float, longitude: float, km: float) -> BoundingBox:
    """A box surely holding every point within ``km`` of the given one (a little larger: 2 % margin)."""
    margin = km * 1.02
    dlat = margin / KM_PER_DEGREE_LATITUDE
    dlon = _longitude_degrees(margin, abs(latitude) + dlat)
    return BoundingBox(
        west=max(-180.0, longitude - dlon),
        south=max(-90.0, latitude - dlat),
        east=min(180.0, longitude + dlon),
        north=min(90.0, latitude + dlat),
    )


def planar_degrees(latitude: float, km: float) -> float:
    """How far, in plain degrees (``hypot(Δlatitude, Δlongitude)``: what PostgreSQL's ``point <-> point``
    measures), any point within ``km`` of a point at ``latitude`` can be: at most box_around's half-width.

    A point (x, y) km away lies x / (111.2 · cos φ) degrees of longitude and about y / 111.2 degrees of
    latitude off, with φ no nearer the equator than the circle's poleward edge; so its plain distance is
    at most √(x² + y²) / (111.2 · cos φ_edge). box_around's 2 % margin covers the ellipsoid.
    """
    margin = km * 1.02
    return _longitude_degrees(margin, abs(latitude) + margin / KM_PER_DEGREE_LATITUDE)


def km_within_planar(latitude: float, degrees: float) -> float:
    """The largest radius whose every point lies less than ``degrees`` (plain degrees) from a point at
    ``latitude``: the inverse of planar_degrees (found by bisection; it grows with ``km``)."""
    low, high = 0.0, 20_000.0
    for _ in range(50):
        middle = (low + high) / 2
        if planar_degrees(latitude, middle) < degrees:
            low = middle
        else:
            high = middle
    return low


def intermediate_point(start: tuple[float, float], end: tuple[float, float], fraction: float) -> tuple[float, float]:
    """The point ``fraction`` of the way along the great circle from ``start`` to ``end``."""
    angle = _angular(start, end)
    if angle == 0:
        return start
    lat1, lon1, lat2, lon2 = map(math.radians, (*start, *end))
    a = math.sin((1 - fraction) * angle) / math.sin(angle)
    b = math.sin(fraction * angle) / math.sin(angle)
    x = a * math.cos(lat1) * math.cos(lon1) + b * math.cos(lat2) * math.cos(lon2)
    y = a * math.cos(lat1) * math.sin(lon1) + b * math.cos(lat2) * math.sin(lon2)
    z = a * math.sin(lat1) + b * math.sin(lat2)
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


ROUTE_SAMPLE_KM = 25.0
# A route search reads the route in chunks of about this length from its start, at most this many.
ROUTE_CHUNK_KM = 50.0
MAX_ROUTE_CHUNKS = 40


class RouteSamples:
    """Points every ``step_km`` along the great circle from ``start`` to ``end`` (``steps`` + 1 of them,
    numbered from 0 at the start): boxes around stretches of the route for the spatial index.

    The step is ~25 km, or ``km`` if smaller, so that a narrow corridor gets narrow boxes; a chunk
    (what a route search reads at once) is ``per_chunk`` steps: about ROUTE_CHUNK_KM, or longer on a
    route longer than MAX_ROUTE_CHUNKS of those.
    """

    def __init__(self, start: tuple[float, float], end: tuple[float, float], km: float) -> None:
        self.start, self.end, self.km = start, end, km
        length = sphere_km(start, end)
        # (No finer than 1/4,000 of the route: a 0.1 km corridor across Europe needs no 30,000 samples.)
        self.steps = max(1, math.ceil(length / min(ROUTE_SAMPLE_KM, max(km, length / 4_000))))
        self.step_km = length / self.steps
        self.per_chunk = max(
            1, round(ROUTE_CHUNK_KM / self.step_km) if self.step_km else 1, math.ceil(self.steps / MAX_ROUTE_CHUNKS)
        )
        self._boxes: dict[int, BoundingBox] = {}

    def box(self, first: int, last: int) -> BoundingBox:
        """A box holding every point within ``km`` of the route whose route_position ``along_km`` lies
        between samples ``first`` and ``last`` (points behind the start are at 0, beyond the end at the end).

        Such a point is within ``km`` of a point of the stretch, which is within half a step of a sample
        of it: each sample's box is widened by ``km`` plus half the step.
        """
        boxes = [self._sample_box(sample) for sample in range(first, last + 1)]
        return BoundingBox(
            west=min(box.west for box in boxes),
            south=min(box.south for box in boxes),
            east=max(box.east for box in boxes),
            north=max(box.north for box in boxes),
        )

    def _sample_box(self, sample: int) -> BoundingBox:
        if sample not in self._boxes:
            point = intermediate_point(self.start, self.end, sample / self.steps)
            self._boxes[sample] = box_around(*point, self.km + self.step_km / 2)
        return self._boxes[sample]


def box_around_route(start: tuple[float, float], end: tuple[float, float], km: float) -> BoundingBox:
    """A box holding every point within ``km`` of the great circle from ``start`` to ``end``.

    A great circle bulges towards the pole between its ends, so the box is built from points sampled
    along it (RouteSamples), each widened by ``km`` plus half the sampling step.
    """
    samples = RouteSamples(start, end, km)
    return samples.box(0, samples.steps)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).km


def sphere_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance on a sphere: ~30× faster than geodesic, within 0.5 % of it."""
    return _angular(a, b) * EARTH_RADIUS


def _angular(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Central angle between two points (haversine), in radians."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(h)))


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.atan2(y, x)


@dataclass(frozen=True)
class RoutePosition:
    off_route_km: float  # how far from the route's straight line (or its nearer end)
    along_km: float  # how far along the route, from its start, the nearest point of the route is


def route_position(start: tuple[float, float], end: tuple[float, float], point: tuple[float, float]) -> RoutePosition:
    """Where ``point`` lies relative to the great-circle segment from ``start`` to ``end``."""
    route = _angular(start, end)
    to_point = _angular(start, point)
    if route == 0:
        return RoutePosition(off_route_km=to_point * EARTH_RADIUS, along_km=0.0)
    cross = math.asin(
        max(
            -1.0,
            min(
                1.0,
                math.sin(to_point) * math.sin(_bearing(start, point) - _bearing(start, end)),
            ),
        )
    )
    along = math.acos(max(-1.0, min(1.0, math.cos(to_point) / max(math.cos(cross), 1e-12))))
    # acos loses the sign: a point behind the start has a bearing more than 90° off the route's.
    if math.cos(_bearing(start, point) - _bearing(start, end)) < 0:
        along = -along
    if along < 0:
        return RoutePosition(off_route_km=to_point * EARTH_RADIUS, along_km=0.0)
    if along > route:
        return RoutePosition(
            off_route_km=_angular(end, point) * EARTH_RADIUS,
            along_km=route * EARTH_RADIUS,
        )
    return RoutePosition(off_route_km=abs(cross) * EARTH_RADIUS, along_km=along * EARTH_RADIUS)
