"""What every vocabulary is made of (a code and a translatable label), and the weekdays.

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


WEEKDAYS: tuple[Term, ...] = (
    Term("mon", N_("Monday")),
    Term("tue", N_("Tuesday")),
    Term("wed", N_("Wednesday")),
    Term("thu", N_("Thursday")),
    Term("fri", N_("Friday")),
    Term("sat", N_("Saturday")),
    Term("sun", N_("Sunday")),
)
