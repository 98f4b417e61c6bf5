"""Guides' Markdown, rendered safely: CommonMark without raw HTML and without images, links only to
http(s) sites, e-mail addresses and this site's own pages, headings one level down (the page's h1 is the
guide's title). The HTML made here is the only text of a guide a template marks safe (``|safe``).
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from coworking.core.links import MAX_URL_LENGTH, http_url


def allowed_link(href: str) -> bool:
    """Whether ``href`` may be a link in a guide: an http(s) address with a host (``core.links``), a
    ``mailto:`` address, a path on this site (``/spaces/new``) or a place on the same page (``#join``)."""
    if not href or len(href) > MAX_URL_LENGTH or any(ord(ch) < 32 or ord(ch) == 127 for ch in href):
        return False
    if href.startswith("#"):
        return True
    if href.startswith("/"):
        # "//host" and "/\host" lead off the site in browsers.
        return not href.startswith(("//", "/\\")) and "\\" not in href
    if href.lower().startswith("mailto:"):
        address = href[len("mailto:") :]
        return "@" in address and not any(ch in address for ch in "<>\"' ")
    return http_url(href) is not None


def _parser(validate) -> MarkdownIt:  # noqa: ANN001 - the link check
    # "commonmark" with html off: raw HTML (blocks and inline) stays text and is escaped on output.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # no pictures from other sites (nor any: a guide is words)
    md.validateLink = validate
    return md


_RENDERER = _parser(allowed_link)


def links_in(text: str) -> list[str]:
    """Every link destination ``text`` holds (inline, reference and autolinks), as the renderer sees it."""
    found: list[str] = []

    def collect(href: str) -> bool:
        found.append(href)
        return True

    _parser(collect).parse(text)
    return found


def bad_links(text: str) -> list[str]:
    """The links of ``text`` that ``allowed_link`` refuses, in the order they come."""
    return [href for href in links_in(text) if not allowed_link(href)]


def render(text: str) -> str:
    """``text`` (Markdown) as safe HTML: escaped text, allowed links only, h1 → h2 and so on."""
    tokens = _RENDERER.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "link_open" and not allowed_link(str(child.attrGet("href") or "")):
                    # A refused destination (kept empty by the parser): no address at all, not even "".
                    child.attrs.pop("href", None)
    return _RENDERER.renderer.render(tokens, _RENDERER.options, {})
