"""The activity form ⇄ an activity's recorded state, and the form's repeat choices ⇄ an RFC 5545 RRULE.

Times are typed on the space's clock (its zone named on the form) and recorded as local ISO times
("2026-06-02T18:00") beside the zone, as the revisions keep them; the editing service turns them into UTC.
The repeat choices build one of a few rule shapes (weekly or every two weeks on chosen days, monthly on
the nth weekday), each ending on a date or after a number of times; ``read_rule`` recognises exactly those
shapes again, and any other stored rule is "custom": kept as it is unless the builder chooses another.
``describe_rule`` says a rule in words, in the visitor's language, for every page that shows one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.lists import format_list
from dateutil.rrule import rrule, rrulestr

from coworking.activities.recurrence import check_rule
from coworking.activities.vocabulary import ACTIVITY_KIND_LABELS
from coworking.calendar.vocabulary import (
    ACTIVITY_LANGUAGES,
    CUSTOM,
    END_CODES,
    FORM_DAYS,
    ORDINAL_CODES,
    REPEAT_CODES,
    RFC_DAYS,
)
from coworking.core.errors import InvalidInput
from coworking.core.i18n import FORMAT_LOCALES, Translator
from coworking.core.links import http_url
from coworking.core.text import whole_number
from coworking.core.vocabulary import N_, WEEKDAY_CODES
from coworking.core.web import form_list, form_text

State = dict[str, Any]
FormValues = Mapping[str, Any]

# The fields the form edits (the rest of an activity's recorded state changes by its own buttons).
EDITABLE = ("title", "kind", "description", "language", "starts", "ends", "rrule", "at_space", "online_url", "capacity", "price_note")
LIMITS = {"title": 200, "description": 5000, "online_url": 500, "price_note": 200}
MAX_CAPACITY = 10_000
# How far ahead a date may be typed: a series' own limit (three years) is checked by check_rule.
YEARS_AHEAD = 3
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_NTH_DAY = re.compile(r"^(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})Z?)?$")


# -- times on the space's clock ----------------------------------------------------------------------


def local_iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A UTC time as the space's clock reads it, as the revisions keep it: "2026-06-02T18:00"."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes") if moment else None


def parse_date(text: str) -> date | None:
    """ "2026-06-02" (a date input), or "2.6.2026" / "02/06/2026" as people type a day; None if it is not a
    day that exists (31 February)."""
    text = text.strip()
    try:
        if match := _DOTTED_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """ "18:00", "18.00", "18h30" or "18"; None for anything else."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def exists_on_clock(day: date, at: time, zone: ZoneInfo) -> bool:
    """False for a time the clocks skip when they go forward (03:30 on the last Sunday of March in Riga)."""
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def _date_field(form: FormValues, name: str, errors: dict[str, str], earliest: date, latest: date) -> date | None:
    text = form_text(form, name).strip()
    if not text:
        errors[name] = N_("Enter the date, such as 2026-06-02.")
        return None
    found = parse_date(text)
    if found is None:
        errors[name] = N_("This date does not exist: check the day and the month, such as 2026-06-02.")
    elif found < earliest:
        errors[name] = N_("This date is past: choose today or a later day.")
    elif found > latest:
        errors[name] = N_("Choose a date within the next three years.")
    else:
        return found
    return None


def _time_field(form: FormValues, name: str, errors: dict[str, str], *, required: bool) -> time | None:
    text = form_text(form, name).strip()
    if not text:
        if required:
            errors[name] = N_("Enter the time, such as 18:00.")
        return None
    found = parse_time(text)
    if found is None:
        errors[name] = N_("Enter a time of day such as 18:00.")
    return found


def parse_times(
    form: FormValues, zone: ZoneInfo, errors: dict[str, str], *, earliest: date, today: date, prefix: str = ""
) -> tuple[datetime | None, datetime | None]:
    """The start and end a form gives (fields ``date``, ``start_time``, ``end_time``, each with ``prefix``) as
    local, zone-aware times; messages into ``errors``. The day is from ``earliest`` to three years after
    ``today``; the end is on the start's day and after it; a time the clocks skip is refused (rather than
    quietly shifted by an hour: the builder says which hour they mean)."""
    day = _date_field(form, f"{prefix}date", errors, earliest, today + timedelta(days=366 * YEARS_AHEAD))
    start = _time_field(form, f"{prefix}start_time", errors, required=True)
    end = _time_field(form, f"{prefix}end_time", errors, required=False)
    if day is None or start is None:
        return None, None
    if not exists_on_clock(day, start, zone):
        errors[f"{prefix}start_time"] = N_(
            "The clocks go forward that night: this time does not exist on that day. Choose another time."
        )
        return None, None
    starts = datetime.combine(day, start, tzinfo=zone)
    if end is None:
        return starts, None
    if end <= start:
        errors[f"{prefix}end_time"] = N_("The end must be after the start, on the same day.")
        return starts, None
    if not exists_on_clock(day, end, zone):
        errors[f"{prefix}end_time"] = N_(
            "The clocks go forward that night: this time does not exist on that day. Choose another time."
        )
        return starts, None
    return starts, datetime.combine(day, end, tzinfo=zone)


# -- the repeat choices ⇄ an RRULE ---------------------------------------------------------------------


def _until_text(day: date, zone: ZoneInfo) -> str:
    """UNTIL for a series ending on ``day``: the end of that day on the space's clock, in UTC (RFC 5545
    wants UTC when the start names a zone)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def until_day(value: str, zone: ZoneInfo) -> date | None:
    """The day an UNTIL value ends the series on, on the space's clock."""
    match = _UNTIL.match(value)
    if not match:
        return None
    try:
        if match.group(2) is None:
            return datetime.strptime(match.group(1), "%Y%m%d").date()
        return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC).astimezone(zone).date()
    except ValueError:
        return None


def build_rule(choice: State, zone: ZoneInfo) -> str:
    """The RRULE for the form's repeat ``choice`` (see ``read_rule`` for its keys)."""
    if choice["repeat"] == "monthly":
        parts = ["FREQ=MONTHLY", f"BYDAY={choice['nth']}{RFC_DAYS[choice['nth_day']]}"]
    else:
        parts = ["FREQ=WEEKLY"]
        if choice["repeat"] == "fortnightly":
            parts.append("INTERVAL=2")
        parts.append("BYDAY=" + ",".join(RFC_DAYS[day] for day in WEEKDAY_CODES if day in choice["days"]))
    if choice["ends"] == "until":
        parts.append(f"UNTIL={_until_text(choice['until'], zone)}")
    else:
        parts.append(f"COUNT={choice['count']}")
    return ";".join(parts)


def _rule_parts(text: str) -> dict[str, str] | None:
    parts: dict[str, str] = {}
    for part in text.removeprefix("RRULE:").split(";"):
        name, sign, value = part.partition("=")
        if not sign or name.upper() in parts:
            return None
        parts[name.strip().upper()] = value.strip().upper()
    return parts


def read_rule(text: str | None, zone: ZoneInfo) -> State:
    """The form's repeat choice for a stored rule: ``repeat`` (once, weekly, fortnightly, monthly or custom),
    ``days`` (weekly), ``nth`` and ``nth_day`` (monthly), ``ends`` with ``until`` (a date) or ``count``."""
    if not text:
        return {"repeat": "once"}
    custom: State = {"repeat": CUSTOM}
    parts = _rule_parts(text)
    if parts is None:
        return custom
    choice: State = {}
    ending = {name for name in ("UNTIL", "COUNT") if name in parts}
    if len(ending) != 1:
        return custom
    if "UNTIL" in parts:
        choice.update(ends="until", until=until_day(parts.pop("UNTIL"), zone))
        if choice["until"] is None:
            return custom
    else:
        count = whole_number(parts.pop("COUNT"))
        if not count:
            return custom
        choice.update(ends="count", count=count)
    if parts.get("INTERVAL") == "1":
        parts.pop("INTERVAL")
    if parts.get("WKST") == "MO":
        parts.pop("WKST")
    frequency, interval, byday = parts.pop("FREQ", ""), parts.pop("INTERVAL", None), parts.pop("BYDAY", "")
    if parts:
        return custom  # BYMONTHDAY, BYSETPOS, …: not a shape the form makes
    if frequency == "WEEKLY" and interval in (None, "2") and byday:
        days = byday.split(",")
        if not all(day in FORM_DAYS for day in days) or len(set(days)) != len(days):
            return custom
        return {**choice, "repeat": "fortnightly" if interval else "weekly", "days": [FORM_DAYS[day] for day in days]}
    if frequency == "MONTHLY" and interval is None and (match := _NTH_DAY.match(byday)):
        return {**choice, "repeat": "monthly", "nth": match.group(1), "nth_day": FORM_DAYS[match.group(2)]}
    return custom


def default_nth(day: date) -> str:
    """Which weekday of its month ``day`` is: "1" … "4", or "-1" for a fifth (the last)."""
    nth = (day.day - 1) // 7 + 1
    return "-1" if nth == 5 else str(nth)


def _parse_repeat(form: FormValues, starts: date | None, errors: dict[str, str]) -> State:
    """The repeat choice a form sends; messages into ``errors``."""
    repeat = form_text(form, "repeat").strip() or "once"
    if repeat not in REPEAT_CODES:
        errors["repeat"] = N_("Choose how often the activity takes place.")
        return {"repeat": "once"}
    choice: State = {"repeat": repeat}
    if repeat in ("once", CUSTOM):
        return choice
    weekday = WEEKDAY_CODES[starts.weekday()] if starts else None
    if repeat in ("weekly", "fortnightly"):
        days = form_list(form, "days")
        if not set(days) <= set(WEEKDAY_CODES):
            errors["days"] = N_("Choose days from the list.")
        days = [day for day in WEEKDAY_CODES if day in days] or ([weekday] if weekday else [])
        choice["days"] = days
    else:
        nth, nth_day = form_text(form, "nth").strip(), form_text(form, "nth_day").strip()
        if nth and nth not in ORDINAL_CODES:
            errors["nth"] = N_("Choose first, second, third, fourth or last.")
        if nth_day and nth_day not in WEEKDAY_CODES:
            errors["nth"] = N_("Choose a day of the week from the list.")
        choice["nth"] = nth if nth in ORDINAL_CODES else (default_nth(starts) if starts else "1")
        choice["nth_day"] = nth_day if nth_day in WEEKDAY_CODES else weekday
    ends = form_text(form, "ends").strip()
    if ends not in END_CODES:
        errors["ends"] = N_("A series must end: give an end date or a number of times.")
        return choice
    choice["ends"] = ends
    if ends == "until":
        text = form_text(form, "until").strip()
        until = parse_date(text) if text else None
        if not text:
            errors["until"] = N_("Enter the date of the last time, such as 2026-12-15.")
        elif until is None:
            errors["until"] = N_("This date does not exist: check the day and the month, such as 2026-06-02.")
        elif starts and until < starts:
            errors["until"] = N_("The series must end on or after its first date.")
        choice["until"] = until
    else:
        count = whole_number(form_text(form, "count").strip())
        if count is None or count < 1:
            errors["count"] = N_("Enter how many times, as a whole number such as 10.")
        choice["count"] = count
    return choice


def _first_of(rule_text: str, starts: datetime) -> datetime | None:
    """The rule's first occurrence from ``starts`` (a day that the chosen weekdays do not include moves to
    the first one that does: RFC 5545 would count the start itself, dateutil does not, so the two agree only
    when the start is an occurrence)."""
    try:
        parsed = rrulestr(rule_text, dtstart=starts)
        return next(iter(parsed), None) if isinstance(parsed, rrule) else None
    except (ValueError, TypeError, OverflowError):
        return None


# -- the whole form --------------------------------------------------------------------------------


def parse_activity(
    form: FormValues, zone_name: str, *, today: date, earliest: date, stored_rule: str | None = None
) -> State:
    """The activity a posted form asks for, as its recorded state's editable fields (``EDITABLE``), or
    InvalidInput with a message for every wrong field at once. ``today``: on the space's clock; ``earliest``:
    the first day a start may be on (today for a new activity; an edit may keep a start already past);
    ``stored_rule``: the activity's rule, which "custom" keeps."""
    zone = ZoneInfo(zone_name)
    errors: dict[str, str] = {}
    state: State = {}
    for name, limit in LIMITS.items():
        value = form_text(form, name).strip()
        if len(value) > limit:
            errors[name] = N_("This is too long: shorten it.")
        state[name] = value or None
    if not state["title"]:
        errors["title"] = N_("Give the activity a title.")
    kind = form_text(form, "kind").strip()
    if kind not in ACTIVITY_KIND_LABELS:
        errors["kind"] = N_("Choose a kind of activity from the list.")
    state["kind"] = kind
    language = form_text(form, "language").strip()
    if language and language not in ACTIVITY_LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    state["language"] = language or None

    starts, ends = parse_times(form, zone, errors, earliest=earliest, today=today)
    choice = _parse_repeat(form, starts.date() if starts else None, errors)
    # The rule is built and checked once its own fields and the start are right (the other fields' messages
    # come at the same time).
    rule_ready = starts is not None and not (set(errors) & {"repeat", "days", "nth", "ends", "until", "count"})
    state["rrule"] = None
    if choice["repeat"] == CUSTOM:
        if not stored_rule:
            errors["repeat"] = N_("Choose how often the activity takes place.")
        state["rrule"] = stored_rule
    elif choice["repeat"] != "once" and rule_ready:
        state["rrule"] = build_rule(choice, zone)
    if state["rrule"] and rule_ready and starts is not None:
        first = _first_of(state["rrule"], starts)
        if first is not None and first != starts:
            shift = first.date() - starts.date()
            starts, ends = starts + shift, (ends + shift if ends else None)
        try:
            state["rrule"], _ = check_rule(state["rrule"], starts.astimezone(UTC), zone_name)
        except InvalidInput as error:
            field = {"until": "until", "count": "count"}.get(choice.get("ends", ""), "repeat")
            errors[field] = error.errors.get("rrule", N_("This repetition cannot be read."))
    state["starts"] = starts.replace(tzinfo=None).isoformat(timespec="minutes") if starts else None
    state["ends"] = ends.replace(tzinfo=None).isoformat(timespec="minutes") if ends else None

    url = state["online_url"] or ""
    if _BARE_DOMAIN.match(url):
        url = f"https://{url}"  # "meet.example.org/tuesday" is what people type
    if url and not http_url(url):
        errors["online_url"] = N_("Enter a web address such as https://meet.example.org/resident-meeting.")
    state["online_url"] = url or None
    state["at_space"] = bool(form_text(form, "at_space"))
    if not state["at_space"] and not state["online_url"] and "online_url" not in errors:
        errors["at_space"] = N_("Say where it takes place: at the space, online (give the link), or both.")

    capacity = form_text(form, "capacity").strip()
    state["capacity"] = None
    if capacity:
        number = whole_number(capacity)
        if number is None or not 1 <= number <= MAX_CAPACITY:
            errors["capacity"] = N_("Enter how many people can come, as a whole number such as 12, or leave it empty.")
        else:
            state["capacity"] = number
    price = form_text(form, "price").strip() or ("paid" if state["price_note"] else "free")
    if price not in ("free", "paid"):
        errors["price"] = N_("Choose free, or give the price.")
    if price == "free":
        state["price_note"] = None
    elif not state["price_note"] and "price_note" not in errors:
        errors["price_note"] = N_("Say what it costs, such as 5 EUR, coffee included.")
    if errors:
        raise InvalidInput(errors)
    return state


def parse_move(form: FormValues, zone_name: str, today: date) -> tuple[str, str | None]:
    """Where one date of a series moves to (fields ``move_date``, ``move_start_time``, ``move_end_time``), as
    local ISO times, from ``today`` on (the space's clock); InvalidInput naming those fields."""
    errors: dict[str, str] = {}
    starts, ends = parse_times(form, ZoneInfo(zone_name), errors, earliest=today, today=today, prefix="move_")
    if errors or starts is None:
        raise InvalidInput(errors)
    return starts.replace(tzinfo=None).isoformat(timespec="minutes"), (
        ends.replace(tzinfo=None).isoformat(timespec="minutes") if ends else None
    )


def form_values(state: State, zone_name: str) -> dict[str, Any]:
    """What the form shows for a recorded state: text per field, the repeat choice read from its rule."""
    zone = ZoneInfo(zone_name)
    values: dict[str, Any] = {name: "" if state.get(name) is None else str(state[name]) for name in LIMITS}
    values.update(kind=state.get("kind") or "other", language=state.get("language") or "")
    starts = datetime.fromisoformat(state["starts"]) if state.get("starts") else None
    ends = datetime.fromisoformat(state["ends"]) if state.get("ends") else None
    values.update(
        date=starts.date().isoformat() if starts else "",
        start_time=starts.strftime("%H:%M") if starts else "",
        end_time=ends.strftime("%H:%M") if ends else "",
        at_space="1" if state.get("at_space", True) else "",
        capacity="" if state.get("capacity") is None else str(state["capacity"]),
        price="paid" if state.get("price_note") else "free",
    )
    values.update(repeat_values(read_rule(state.get("rrule"), zone), starts.date() if starts else None))
    return values


def repeat_values(choice: State, starts: date | None) -> dict[str, Any]:
    """The repeat fields of the form for a choice. Those it leaves open default from the start date (the
    weekly day and the monthly weekday: the start's own), or stay empty when there is no date yet: the
    server then takes the date's (so a new form never suggests a day the builder did not mean); the end:
    after 10 times."""
    weekday = WEEKDAY_CODES[starts.weekday()] if starts else ""
    until = choice.get("until")
    return {
        "repeat": choice["repeat"],
        "days": choice.get("days") or ([weekday] if weekday else []),
        "nth": choice.get("nth") or (default_nth(starts) if starts else ""),
        "nth_day": choice.get("nth_day") or weekday,
        "ends": choice.get("ends") or "count",
        "until": until.isoformat() if isinstance(until, date) else "",
        "count": str(choice.get("count") or ""),
    }


def new_values() -> dict[str, Any]:
    """The form of a new activity: at 18:00 for two hours, at the space, free, once."""
    return {
        **{name: "" for name in LIMITS},
        "kind": "resident_meeting",
        "language": "",
        "date": "",
        "start_time": "18:00",
        "end_time": "20:00",
        "at_space": "1",
        "capacity": "",
        "price": "free",
        **repeat_values({"repeat": "once"}, None),
        "count": "10",
    }


# -- a rule in words -------------------------------------------------------------------------------

_MONTHLY_NTH = {
    "1": N_("monthly on the first %(day)s"),
    "2": N_("monthly on the second %(day)s"),
    "3": N_("monthly on the third %(day)s"),
    "4": N_("monthly on the fourth %(day)s"),
    "-1": N_("monthly on the last %(day)s"),
}


def _locale(translator: Translator) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(translator.locale, translator.locale))


def _day_names(translator: Translator) -> list[str]:
    """The weekdays' names as they stand in a sentence ("Tuesday", "otrdiena"), Monday first."""
    days = _locale(translator).days["format"]["wide"]
    return [days[index] for index in range(7)]


def _interval(parts: dict[str, str]) -> int | None:
    number = whole_number(parts.get("INTERVAL", "1"))
    return number if number and number <= 1000 else None


def _how_often(parts: dict[str, str], translator: Translator) -> str | None:
    """The repeating part of a rule in words ("every week on Tuesday"); None for a shape without words."""
    frequency, interval = parts.get("FREQ"), _interval(parts)
    known = {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"}
    if interval is None or set(parts) - known:
        return None
    byday = [day for day in parts.get("BYDAY", "").split(",") if day]
    names = _day_names(translator)
    locale = _locale(translator)
    if frequency == "WEEKLY":
        if not all(day in FORM_DAYS for day in byday):
            return None
        days = format_list([names[WEEKDAY_CODES.index(FORM_DAYS[day])] for day in byday], locale=locale) if byday else None
        if interval == 1:
            return translator.gettext(N_("every week on %(days)s"), days=days) if days else translator.gettext(N_("every week"))
        if days:
            return translator.ngettext("every %(num)d week on %(days)s", "every %(num)d weeks on %(days)s", interval, days=days)
        return translator.ngettext("every %(num)d week", "every %(num)d weeks", interval)
    if byday and frequency != "MONTHLY":
        return None
    if frequency == "MONTHLY":
        if byday:
            match = _NTH_DAY.match(byday[0]) if len(byday) == 1 else None
            if not match or interval != 1:
                return None
            return translator.gettext(_MONTHLY_NTH[match.group(1)], day=names[WEEKDAY_CODES.index(FORM_DAYS[match.group(2)])])
        if interval == 1:
            return translator.gettext(N_("every month"))
        return translator.ngettext("every %(num)d month", "every %(num)d months", interval)
    if frequency == "DAILY":
        if interval == 1:
            return translator.gettext(N_("every day"))
        return translator.ngettext("every %(num)d day", "every %(num)d days", interval)
    if frequency == "YEARLY":
        if interval == 1:
            return translator.gettext(N_("every year"))
        return translator.ngettext("every %(num)d year", "every %(num)d years", interval)
    return None


def describe_rule(text: str | None, translator: Translator, time_zone: str | None = None) -> str:
    """A rule in words, in ``translator``'s language: "every week on Tuesday and Thursday, until 1 June 2027",
    "every 2 weeks on Tuesday, 10 times", "monthly on the first Tuesday". ``time_zone``: the activity's, for the
    day an UNTIL ends on (UTC otherwise). "" for no rule; a rule of a shape without words is "on a custom
    schedule". Never raises, whatever is stored."""
    if not text:
        return ""
    parts = _rule_parts(text)
    how = _how_often(parts, translator) if parts else None
    if how is None:
        return translator.gettext(N_("on a custom schedule"))
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    if "UNTIL" in parts and (day := until_day(parts["UNTIL"], zone)):
        return translator.gettext(N_("%(rule)s, until %(date)s"), rule=how, date=translator.date(day, "long"))
    count = whole_number(parts.get("COUNT", ""))
    if count:
        return translator.ngettext("%(rule)s, %(num)d time", "%(rule)s, %(num)d times", count, rule=how)
    return how


def occurrence_starts(rule_text: str, starts: datetime, limit: int) -> list[datetime]:
    """The first ``limit`` local starts of a rule from ``starts`` (a zone-aware local time); [] if unreadable."""
    try:
        parsed = rrulestr(rule_text, dtstart=starts)
        return list(islice(parsed, limit)) if isinstance(parsed, rrule) else []
    except (ValueError, TypeError, OverflowError):
        return []
