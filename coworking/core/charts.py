"""The geometry of small server-drawn SVG charts (templates draw them): a few hundred bytes each, no
script, readable on any phone. Every chart's numbers are also shown in a table beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def bar_chart(items: list[tuple[str, int]], *, width: int = 360, label_width: int = 120, bar_height: int = 14, gap: int = 5) -> BarChart:
    """Horizontal bars, longest = the room right of the labels (less a margin for the number). The default
    width is a phone's: its text is then drawn at about the size it is written."""
    room = width - label_width - 36
    largest = max((value for _, value in items), default=0) or 1
    bars = [Bar(label, value, index * (bar_height + gap), max(1.0, room * value / largest)) for index, (label, value) in enumerate(items)]
    return BarChart(width, len(items) * (bar_height + gap), label_width, bar_height, bars)


@dataclass(frozen=True)
class DotMap:
    width: int
    height: int
    dots: list[tuple[float, float]]


# Europe from the Azores to the Urals' foot, Cyprus to the North Cape.
EUROPE = (-25.0, 34.0, 45.0, 71.5)


def dot_map(points: list[tuple[float, float]], *, box: tuple[float, float, float, float] = EUROPE, width: int = 640) -> DotMap:
    """(longitude, latitude) points on an equirectangular map of ``box``, its x squeezed by the cosine of
    its middle latitude (so Europe is not stretched wide); points outside the box are left out."""
    west, south, east, north = box
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = width / ((east - west) * squeeze)
    height = round((north - south) * scale)
    dots = [
        (round((lon - west) * squeeze * scale, 1), round((north - lat) * scale, 1))
        for lon, lat in points
        if west <= lon <= east and south <= lat <= north
    ]
    return DotMap(width, height, dots)
