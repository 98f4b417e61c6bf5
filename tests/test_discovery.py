"""Found and followed: robots.txt, sitemaps with lastmod, Atom feeds of new spaces, a URL per language
(hreflang), Open Graph cards, and ETag / 304 on what is sent whole."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.site import discovery
from tests.factories import make_space

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_robots_and_sitemaps(client: TestClient, session: Session, monkeypatch) -> None:  # noqa: ANN001
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV")
    make_space(session, "SKOLA6", "Cēsis", "LV")
    make_space(session, "Ennis <Hub> & Co", "Ennis", "IE")
    robots = client.get("/robots.txt").text
    assert "Disallow: /account" in robots and "Disallow: /moderation" in robots
    assert "Sitemap: http://testserver.local/sitemap.xml" in robots

    monkeypatch.setattr(discovery, "SPACES_PER_SITEMAP", 2)  # three spaces: two files
    index = ET.fromstring(client.get("/sitemap.xml").content)
    files = [entry.findtext(f"{SITEMAP}loc") for entry in index]
    assert files == [f"http://testserver.local/sitemaps/{name}" for name in ("pages.xml", "spaces-1.xml", "spaces-2.xml")]
    assert all(entry.findtext(f"{SITEMAP}lastmod") for entry in index)
    pages = ET.fromstring(client.get("/sitemaps/pages.xml").content)
    locations = {entry.findtext(f"{SITEMAP}loc") for entry in pages}
    assert {"http://testserver.local/network", "http://testserver.local/countries/lv", "http://testserver.local/countries/ie"} <= locations
    spaces = [entry.findtext(f"{SITEMAP}loc") for name in ("spaces-1.xml", "spaces-2.xml") for entry in ET.fromstring(client.get(f"/sitemaps/{name}").content)]
    assert sorted(spaces) == sorted(f"http://testserver.local/spaces/{slug}" for slug in ("colabora-lielvarde", "skola6", "ennis-hub-co"))
    assert client.get("/sitemaps/spaces-3.xml").status_code == 404 and client.get("/sitemaps/spaces-0.xml").status_code == 404


def test_atom_feeds_of_new_spaces(client: TestClient, session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV")
    make_space(session, "Ennis <Hub> & Co", "Ennis", "IE")
    response = client.get("/feeds/spaces.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # well-formed, though a name holds < and &
    assert feed.findtext(f"{ATOM}title") == "New spaces in the network"
    assert {entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")} == {"CoLabora Lielvārde", "Ennis <Hub> & Co"}
    latvia = ET.fromstring(client.get("/feeds/spaces.atom?country=lv").content)
    assert latvia.findtext(f"{ATOM}title") == "New spaces in Latvia"
    assert [entry.findtext(f"{ATOM}title") for entry in latvia.findall(f"{ATOM}entry")] == ["CoLabora Lielvārde"]
    assert client.get("/feeds/spaces.atom?country=xx").status_code == 400
    assert 'type="application/atom+xml" href="/feeds/spaces.atom?country=LV"' in client.get("/countries/lv").text


def test_each_language_has_its_address_and_cards_describe_the_page(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV")
    latvian = client.get("/spaces/skola6?lang=lv").text
    assert '<html lang="lv">' in latvian
    assert '<link rel="alternate" hreflang="en" href="http://testserver.local/spaces/skola6?lang=en">' in latvian
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver.local/spaces/skola6">' in latvian
    assert '<link rel="canonical" href="http://testserver.local/spaces/skola6?lang=lv">' in latvian
    assert '<meta property="og:title" content="SKOLA6, Cēsis' in latvian and '<meta property="og:locale" content="lv_LV">' in latvian
    # The address's language wins over the cookie and the browser's; a search keeps its query.
    client.cookies["lang"] = "lv"
    assert '<html lang="en">' in client.get("/spaces/skola6?lang=en").text
    search = client.get("/spaces?q=skola&lang=en").text
    assert re.search(r'hreflang="lv" href="http://testserver.local/spaces\?q=skola&amp;lang=lv"', search)
    assert re.search(r'hreflang="x-default" href="http://testserver.local/spaces\?q=skola"', search)
    # The language menu comes back to the same search.
    assert re.search(r'href="/language/lv\?next=%2Fspaces%3Fq%3Dskola', search)


def test_etag_and_304_for_answers_sent_whole(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV")
    for path in ("/spaces?q=skola", "/api/v1/spaces", "/feeds/spaces.atom", "/static/css/site.css"):
        first = client.get(path)
        tag = first.headers["etag"]
        again = client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag, path
        assert client.get(path, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200
    # A change makes a new tag; a page with a visitor's form token, and a streamed download, get none.
    before = client.get("/spaces?q=skola").headers["etag"]
    make_space(session, "SKOLA7", "Cēsis", "LV")
    assert client.get("/spaces?q=skola").headers["etag"] != before
    assert "etag" not in client.get("/spaces/skola6").headers
    assert "etag" not in client.get("/data/spaces.csv").headers


def test_open_reads_allow_other_sites_and_nothing_else_does(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV")
    for path in ("/api/v1/spaces", "/api/v1/spaces/skola6", "/data/spaces.csv", "/feeds/spaces.atom", "/schema/openapi.json"):
        response = client.get(path, headers={"Origin": "https://partner.example.org"})
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in response.headers
    for path in ("/spaces", "/account/login"):
        assert "access-control-allow-origin" not in client.get(path, headers={"Origin": "https://partner.example.org"}).headers
    assert "access-control-allow-origin" not in client.post("/api/v1/spaces", json={}).headers


def test_a_gzipped_answer_keeps_its_tag_from_one_second_to_the_next() -> None:
    import gzip

    from coworking.core.conditional import _tag

    body = b"<html>the same page</html>" * 40
    assert _tag(gzip.compress(body, mtime=1), gzipped=True) == _tag(gzip.compress(body, mtime=2), gzipped=True)
    assert _tag(gzip.compress(body, mtime=1), gzipped=True) != _tag(gzip.compress(body + b"!", mtime=1), gzipped=True)


def test_the_api_reference_is_drawn_from_the_openapi_document(client: TestClient) -> None:
    page = client.get("/api")
    assert page.status_code == 200 and "<script" not in page.text.split("</main>")[0].split("<main")[1]
    document = client.get("/schema/openapi.json").json()
    for path, item in document["paths"].items():
        for method in item:
            assert f"<code>{method.upper()} {path}</code>" in page.text
    assert "<code>near</code>" in page.text and "/schema/openapi.json" in page.text


def test_only_the_embed_map_may_be_framed_and_it_sets_no_cookie(client: TestClient, session: Session) -> None:
    make_space(session, "SKOLA6", "Cēsis", "LV")
    make_space(session, "Ennis Hub", "Ennis", "IE")
    embed = client.get("/embed/map?country=LV")
    assert embed.status_code == 200 and "set-cookie" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"] and "x-frame-options" not in embed.headers
    assert '<base target="_blank">' in embed.text and 'name="country" value="LV"' in embed.text
    assert "SKOLA6" in embed.text and "Ennis Hub" not in embed.text  # the list for browsers without JavaScript
    for path in ("/", "/map", "/embed", "/spaces/skola6"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in response.headers["content-security-policy"], path
    assert client.get("/embed/map?country=XX").status_code == 400
    builder = client.get("/embed?country=lv&height=600").text
    assert "&lt;iframe src=&#34;http://testserver.local/embed/map?country=LV&#34;" in builder and "height=&#34;600&#34;" in builder
    assert '<iframe src="http://testserver.local/embed/map?country=LV"' in builder  # the preview
