"""The Atom feed of an area: its new spaces and new activities, for those who follow without e-mail.

XML is built with ElementTree, which escapes every text it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from sqlalchemy.orm import Session

from coworking.activities.services import next_occurrence
from coworking.core.i18n import Translator
from coworking.core.vocabulary import N_
from coworking.follows.area import area_pairs
from coworking.follows.services import area_news
from coworking.site.discovery import ATOM_NS, FEED_ENTRIES
from coworking.spaces.query import SpaceQuery

Url = Callable[[str], str]


def _w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def area_feed(db: Session, query: SpaceQuery, label: str, url: Url, translate: Translator, now: datetime) -> bytes:
    """An Atom feed (RFC 4287) of the newest spaces and activities of ``query``'s area, newest first."""
    search = "?" + urlencode(area_pairs(query)) if area_pairs(query) else ""
    news = area_news(db, query, now, limit=FEED_ENTRIES)
    entries: list[tuple[datetime, str, dict[str, str]]] = []
    for space in news.spaces:
        entries.append(
            (space.created_at, url(f"/spaces/{space.slug}"), {
                "title": translate.gettext(N_("New space: %(name)s"), name=space.name),
                "link": url(f"/spaces/{space.slug}"),
                "summary": f"{space.town}, {translate.country_name(space.country_code)}",
            })
        )  # fmt: skip
    for activity in news.activities:
        space = activity.space
        when = next_occurrence(activity, now) or activity.starts_at
        date = translate.datetime(when, "medium") if when else translate.gettext(N_("date not yet known"))
        entries.append(
            (activity.created_at, url(f"/activities/{activity.id}"), {
                "title": translate.gettext(N_("New activity: %(title)s"), title=activity.title),
                "link": url(f"/activities/{activity.id}"),
                "summary": f"{date} · {space.name}, {space.town}",
            })
        )  # fmt: skip
    entries.sort(key=lambda entry: entry[0], reverse=True)
    entries = entries[:FEED_ENTRIES]
    feed_path = "/feeds/area.atom" + search
    root = ET.Element("feed", xmlns=ATOM_NS)
    ET.SubElement(root, "id").text = url(feed_path)
    ET.SubElement(root, "title").text = translate.gettext(N_("New in %(area)s"), area=label)
    ET.SubElement(root, "updated").text = _w3c(max((entry[0] for entry in entries), default=now))
    ET.SubElement(root, "link", rel="self", href=url(feed_path))
    ET.SubElement(root, "link", rel="alternate", href=url("/spaces" + search))
    author = ET.SubElement(root, "author")
    ET.SubElement(author, "name").text = "Rural Coworking Network"
    for created_at, entry_id, fields in entries:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = entry_id
        ET.SubElement(entry, "title").text = fields["title"]
        ET.SubElement(entry, "published").text = _w3c(created_at)
        ET.SubElement(entry, "updated").text = _w3c(created_at)
        ET.SubElement(entry, "link", rel="alternate", href=fields["link"])
        ET.SubElement(entry, "summary").text = fields["summary"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
