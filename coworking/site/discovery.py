"""How the directory is found and followed: robots.txt, the sitemaps (with each page's last change) and
Atom feeds of new spaces, for the whole network or a country. XML is built with ElementTree, which
escapes every text it is given."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime
from xml.etree import ElementTree as ET

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.core.models import utcnow
from coworking.guides.models import Guide
from coworking.spaces.models import Space

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Under the sitemaps protocol's 50,000 addresses per file.
SPACES_PER_SITEMAP = 40_000
FEED_ENTRIES = 50
# The pages about the whole directory (each space and country has its own entry).
SITE_PAGES = ("/", "/spaces", "/activities", "/map", "/countries", "/network", "/networks", "/guides", "/about")
# Activity pages in pages.xml: the most recently changed, well under the protocol's 50,000 with the rest.
ACTIVITIES_IN_SITEMAP = 10_000
# Pages of one person or one link: nothing for a search engine.
PRIVATE_PATHS = ("/account", "/admin", "/moderation", "/listing-check", "/propose")

Url = Callable[[str], str]


def robots_txt(url: Url) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS), "Allow: /", "", f"Sitemap: {url('/sitemap.xml')}", ""]
    return "\n".join(lines)


def _published() -> object:
    return Space.status.in_(("published", "paused", "closed"))


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def sitemap_index(db: Session, url: Url) -> bytes:
    """The index: the site's pages, then the spaces in files of SPACES_PER_SITEMAP."""
    count, latest = db.execute(select(func.count(), func.max(Space.updated_at)).where(_published())).one()
    root = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    files = ["/sitemaps/pages.xml", *(f"/sitemaps/spaces-{n}.xml" for n in range(1, max(1, math.ceil(count / SPACES_PER_SITEMAP)) + 1))]
    for path in files:
        entry = ET.SubElement(root, "sitemap")
        ET.SubElement(entry, "loc").text = url(path)
        if latest:
            ET.SubElement(entry, "lastmod").text = _w3c(latest)
    return _xml(root)


def _urlset(entries: Iterator[tuple[str, datetime | None]], url: Url) -> bytes:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path, lastmod in entries:
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = url(path)
        if lastmod:
            ET.SubElement(entry, "lastmod").text = _w3c(lastmod)
    return _xml(root)


def pages_sitemap(db: Session, url: Url) -> bytes:
    latest = db.scalar(select(func.max(Space.updated_at)).where(_published()))
    countries = db.execute(
        select(Space.country_code, func.max(Space.updated_at)).where(Space.status == "published").group_by(Space.country_code).order_by(Space.country_code)
    )
    guides = db.execute(select(Guide.slug, Guide.updated_at).order_by(Guide.position, Guide.id))
    activities = db.execute(
        select(Activity.id, Activity.updated_at)
        .join(Activity.space)
        .where(_published())
        .order_by(Activity.updated_at.desc(), Activity.id)
        .limit(ACTIVITIES_IN_SITEMAP)
    )
    entries = [
        *((path, latest) for path in SITE_PAGES),
        *((f"/countries/{code.lower()}", when) for code, when in countries),
        *((f"/guides/{slug}", when) for slug, when in guides),
        *((f"/activities/{activity_id}", when) for activity_id, when in activities),
    ]
    return _urlset(iter(entries), url)


def spaces_sitemap(db: Session, url: Url, number: int) -> bytes | None:
    """The spaces of file ``number`` (from 1), in the order of their ids; None past the last file."""
    rows = db.execute(
        select(Space.slug, Space.updated_at).where(_published()).order_by(Space.id).offset((number - 1) * SPACES_PER_SITEMAP).limit(SPACES_PER_SITEMAP)
    ).all()
    if not rows and number > 1:
        return None
    return _urlset(((f"/spaces/{slug}", updated) for slug, updated in rows), url)


def new_spaces_feed(db: Session, url: Url, title: str, country: str | None, subtitle: Callable[[Space], str]) -> bytes:
    """An Atom feed (RFC 4287) of the newest published spaces (of ``country``)."""
    statement = select(Space).where(Space.status == "published")
    if country:
        statement = statement.where(Space.country_code == country)
    spaces = db.scalars(statement.order_by(Space.created_at.desc(), Space.id.desc()).limit(FEED_ENTRIES)).all()
    feed_path = "/feeds/spaces.atom" + (f"?country={country}" if country else "")
    root = ET.Element("feed", xmlns=ATOM_NS)
    ET.SubElement(root, "id").text = url(feed_path)
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "updated").text = _w3c(max((space.created_at for space in spaces), default=utcnow()))
    ET.SubElement(root, "link", rel="self", href=url(feed_path))
    ET.SubElement(root, "link", rel="alternate", href=url(f"/countries/{country.lower()}" if country else "/network"))
    author = ET.SubElement(root, "author")
    ET.SubElement(author, "name").text = "Rural Coworking Network"
    for space in spaces:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = url(f"/spaces/{space.slug}")
        ET.SubElement(entry, "title").text = space.name
        ET.SubElement(entry, "published").text = _w3c(space.created_at)
        ET.SubElement(entry, "updated").text = _w3c(space.created_at)
        ET.SubElement(entry, "link", rel="alternate", href=url(f"/spaces/{space.slug}"))
        ET.SubElement(entry, "summary").text = subtitle(space)
    return _xml(root)
