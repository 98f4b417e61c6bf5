"""Languages: catalogues from coworking/translations, the visitor's choice, and locale-aware formatting.

Catalogues are compiled in memory from the .po files at start-up, so no compiled .mo file can fall
out of step with its source.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

import pycountry
import pytz
from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_timezone
from babel.languages import get_territory_language_info
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from coworking.core.text import fold

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
# An address in one language: ``?lang=lv``.
LANGUAGE_PARAMETER = "lang"
LANGUAGE_COOKIE = "lang"
# The languages of every country with spaces (issue #14); a language is offered once its catalogue exists.
NETWORK_LANGUAGES = (
    "en", "bg", "ca", "cs", "da", "de", "el", "es", "et", "fi", "fr", "hr", "hu", "is", "it",
    "lt", "lv", "nb", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip


def _own_name(code: str) -> str:
    """The language named in itself (CLDR), capitalised as a menu shows it: "Deutsch", "Español"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


LANGUAGE_NAMES = {code: _own_name(code) for code in NETWORK_LANGUAGES}
FORMAT_LOCALES = {"en": "en_GB"}


def catalogue_locales() -> tuple[str, ...]:
    """English (the messages' own language) and every network language with a catalogue, in code order."""
    found = {path.name for path in TRANSLATIONS_DIR.iterdir() if (path / "LC_MESSAGES" / "messages.po").is_file()}
    return ("en", *sorted(found & set(NETWORK_LANGUAGES)))
# Labels kept translated and escaped per language (templates' own strings: a few hundred).
MAX_ESCAPED = 5000


@cache
def translations_for(locale: str) -> NullTranslations:
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, most preferred first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def language_asked_in(query_string: bytes) -> str | None:
    """The ``?lang=`` of a raw query string, decoded as the app decodes its query (the first one counts).
    The page cache keys by it and the pages render by it: one reading, or a cache could file a Latvian
    page under English."""
    query = query_string.decode("utf-8", errors="replace")
    return next((value for key, value in parse_qsl(query) if key == LANGUAGE_PARAMETER), None)


def choose_locale(
    cookie: str | None, accept_language: str | None, available: tuple[str, ...], asked: str | None = None
) -> str:
    """The visitor's language: the address's own (``?lang=lv``: each language has a URL of its own, for
    links and search engines' ``hreflang``), else their explicit choice (cookie), else the best
    Accept-Language match."""
    if asked in available:
        return asked
    if cookie in available:
        return cookie
    for tag in parse_accept_language(accept_language):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in available:
            return primary
    return available[0]


class Translator:
    """Everything a template needs to speak one language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._translations = translations_for(locale)
        # Dates and numbers as Europeans write them: British English, not the US default of "en".
        self._babel_locale = Locale.parse(FORMAT_LOCALES.get(locale, locale))
        self._escaped: dict[str, Markup] = {}
        self._cldr_names: dict[str, dict[str, str]] = {}

    def escaped(self, message: str) -> Markup:
        """``message`` translated and HTML-escaped, as templates show a label: kept (a bounded number), since
        the same few hundred labels are asked for on every page."""
        found = self._escaped.get(message)
        if found is None:
            found = escape(self.translate(message))
            if len(self._escaped) < MAX_ESCAPED:
                self._escaped[message] = found
        return found

    def translate(self, message: str, plural: str | None = None, count: int | None = None) -> str:
        """The translation, placeholders still in it (templates fill them, escaping the values)."""
        if plural is None:
            return self._translations.gettext(message)
        return self._translations.ngettext(message, plural, count)

    def gettext(self, message: str, **variables: object) -> str:
        text = self.translate(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: object) -> str:
        return self.translate(singular, plural, count) % {"num": count, **variables}

    def country_name(self, code: str) -> str:
        return self._names("territories").get(code.upper(), code.upper())

    def country_list(self, codes: Iterable[str]) -> str:
        """Countries by name, in the locale's alphabetical order and as it joins a list: "Estonia and Latvia"."""
        names = sorted((self.country_name(code) for code in codes), key=fold)
        return format_list(names, locale=self._babel_locale) if names else ""

    def language_name(self, code: str) -> str:
        return self._names("languages").get(code, code)

    def _names(self, kind: str) -> dict[str, str]:
        """CLDR's names of countries or languages in this language, copied once: Babel looks its data up
        again on every access, and a search page names some forty countries."""
        names = self._cldr_names.get(kind)
        if names is None:
            names = self._cldr_names[kind] = dict(getattr(self._babel_locale, kind))
        return names

    def date(self, value: datetime, format: str = "medium") -> str:  # noqa: A002 - Babel's name
        return format_date(value, format=format, locale=self._babel_locale)

    def month(self, value: date | str) -> str:
        """"May 2026" (an ISO date's month, in the locale's words: "2026. gada maijs")."""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_skeleton("yMMMM", day, locale=self._babel_locale)

    def datetime(self, value: datetime, format: str = "medium", tzinfo: str = "UTC") -> str:  # noqa: A002
        return format_datetime(value, format=format, tzinfo=tzinfo, locale=self._babel_locale)

    def time(self, value: datetime, format: str = "short", tzinfo: str = "UTC") -> str:  # noqa: A002 - Babel's name
        """The time of day of an aware ``value`` on the clock of ``tzinfo`` ("18:00", "6:00 PM" where so written)."""
        return format_time(value, format=format, tzinfo=get_timezone(tzinfo), locale=self._babel_locale)

    def weekday(self, index: int) -> str:
        """The name of a day (0 = Monday) as it stands alone, a heading say: "Monday", "Pirmdiena"."""
        return self._babel_locale.days["stand-alone"]["wide"][index]

    def decimal(self, value: float | Decimal, format: str = "0.0") -> str:  # noqa: A002 - Babel's name
        """A number with one decimal (by default) as the locale writes it: "4.3", in Latvian "4,3"."""
        return format_decimal(value, format=format, locale=self._babel_locale)

    def km(self, value: float) -> str:
        """A distance as people say it: one decimal below 10 km ("3,5" in Latvian), whole km above."""
        return format_decimal(
            round(value, 1) if value < 10 else round(value),
            format="#,##0.#",
            locale=self._babel_locale,
        )


@cache
def translator(locale: str) -> Translator:
    return Translator(locale)


# The countries a space of the network may be in: Europe's, by ISO 3166-1 code (the proposal form's list).
EUROPEAN_COUNTRIES = (
    "AD", "AL", "AM", "AT", "AZ", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FO",
    "FR", "GB", "GE", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD", "ME", "MK", "MT",
    "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM", "TR", "UA",
)  # fmt: skip


def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code of a country that exists ("LV", "ie"); not "XX", not "Latvia"."""
    return len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code.upper()) is not None


# Norwegian is written as Bokmål or Nynorsk: a text from Norway is Norwegian ("no"), whichever it is.
_WRITTEN_FORMS = {frozenset({"nb", "nn", "no"}): "no"}


@cache
def official_language(country_code: str) -> str | None:
    """The language of a country with one official language (CLDR): "lv" for Latvia, "es" for Spain (its
    regional ones aside). None where there are several (Belgium, Finland, Switzerland, Ireland): a text
    from there could be in any of them, and a wrong ``lang`` is worse than none."""
    official = frozenset(
        code
        for code, info in get_territory_language_info(country_code.upper()).items()
        if info.get("official_status") in ("official", "de_facto_official")
    )
    if len(official) == 1:
        return next(iter(official))
    return _WRITTEN_FORMS.get(official)


def today_in(zone: str, now: datetime) -> date:
    """The date on a clock of ``zone`` at ``now``: a space's today is its own, not the server's."""
    return now.astimezone(pytz.timezone(zone)).date()


def timezone_for_country(code: str) -> str:
    """The country's main time zone (the tz database lists it first), for showing activity times as the space's clock reads them."""
    zones = pytz.country_timezones.get(code.upper()) or []
    return zones[0] if zones else "UTC"
