"""The words of the activity form: how a series repeats and ends, the weekdays' RFC 5545 codes, the
languages an activity may be held in, and what the history calls each recorded field."""

from __future__ import annotations

from babel.languages import get_official_languages

from coworking.core.i18n import EUROPEAN_COUNTRIES, Translator
from coworking.core.vocabulary import N_, WEEKDAY_CODES, Term

# How an activity repeats, as the form offers it. "custom": a stored rule of another shape (written before
# this form, or by an import), kept as it is until someone chooses one of the others.
REPEATS: tuple[Term, ...] = (
    Term("once", N_("Once")),
    Term("weekly", N_("Every week")),
    Term("fortnightly", N_("Every 2 weeks")),
    Term("monthly", N_("Every month")),
)
CUSTOM = "custom"
REPEAT_CODES = frozenset(term.code for term in REPEATS) | {CUSTOM}

# Which weekday of the month ("BYDAY=1TU": the first Tuesday; -1: the last).
ORDINALS: tuple[Term, ...] = (
    Term("1", N_("first")),
    Term("2", N_("second")),
    Term("3", N_("third")),
    Term("4", N_("fourth")),
    Term("-1", N_("last")),
)
ORDINAL_CODES = frozenset(term.code for term in ORDINALS)

# How a series ends: on a date (UNTIL) or after a number of times (COUNT). It must: see recurrence.check_rule.
ENDS: tuple[Term, ...] = (
    Term("until", N_("On a date")),
    Term("count", N_("After a number of times")),
)
END_CODES = frozenset(term.code for term in ENDS)

# The form's weekday codes (the opening hours' own) as RFC 5545 writes them, Monday first.
RFC_DAYS = dict(zip(WEEKDAY_CODES, ("MO", "TU", "WE", "TH", "FR", "SA", "SU"), strict=True))
FORM_DAYS = {rfc: code for code, rfc in RFC_DAYS.items()}

# Free, or a price note.
PRICES: tuple[Term, ...] = (Term("free", N_("Free")), Term("paid", N_("There is a price")))

# The languages of the network's countries (each country's official ones, as the CLDR lists them), and a
# few regional languages people hold meetings in. One code per language, no script variants.
ACTIVITY_LANGUAGES: frozenset[str] = frozenset(
    {
        code
        for country in EUROPEAN_COUNTRIES
        for code in get_official_languages(country, de_facto=True)
        if "_" not in code and code != "gsw"
    }
    | {"en", "eu", "gl", "cy", "se", "ru"}
)


def language_choices(country_code: str, translator: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The form's language menu, in groups: the space's country's languages and English first, then every
    other language by its name in the visitor's language."""
    near = [
        code for code in get_official_languages(country_code.upper(), de_facto=True) if code in ACTIVITY_LANGUAGES
    ]
    if "en" not in near:
        near.append("en")
    rest = sorted((code for code in ACTIVITY_LANGUAGES if code not in near), key=translator.language_name)
    return [
        (N_("Languages of the country"), [(code, translator.language_name(code)) for code in near]),
        (N_("Other languages"), [(code, translator.language_name(code)) for code in rest]),
    ]


# What the history and a merge call each recorded field of an activity, in the form's order.
ACTIVITY_FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "kind": N_("Kind"),
    "description": N_("Description"),
    "language": N_("Language"),
    "starts": N_("Starts"),
    "ends": N_("Ends"),
    "time_zone": N_("Time zone"),
    "rrule": N_("Repeats"),
    "exceptions": N_("Cancelled or moved dates"),
    "status": N_("Status"),
    "paused_at": N_("Paused"),
    "at_space": N_("At the space"),
    "online_url": N_("Online link"),
    "capacity": N_("Places"),
    "price_note": N_("Price"),
}
ACTIVITY_STATUS_LABELS = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled")}
