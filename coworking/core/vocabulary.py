"""What every vocabulary is made of (a code and a translatable label), and the days of a schedule.

Labels are marked with ``N_`` so Babel extracts them; they are translated when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return message


@dataclass(frozen=True)
class Term:
    code: str
    label: str


# The days of an opening-hours schedule, Monday first (ISO 8601); their names come from Babel's locale
# data in every language, so no catalogue has to carry them.
WEEKDAY_CODES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
