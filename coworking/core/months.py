"""Calendar months, as reports count by them: each named by its first day."""

from __future__ import annotations

from datetime import date


def add_months(day: date, count: int) -> date:
    """The first day of the month ``count`` months after ``day``'s (before it, when negative; 0: its own)."""
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
