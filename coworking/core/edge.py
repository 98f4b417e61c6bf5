"""What every request passes before Litestar routes it: one place for what must hold for all of them.

- Control characters (NUL, CR, LF, …) mean nothing in a URL, PostgreSQL refuses NUL in text, and a
  newline in a logged path forges log lines. A path holding one names nothing here: 404, before
  routing (stripping it could turn "/api/v1/spaces/%7F" into another page). Query values lose them.
- The Host header must name one of COWORKING_ALLOWED_HOSTS (any port) and be well formed, or the request
  gets a 400 page. Litestar's AllowedHostsConfig is not enough here: it runs only after routing (a 404
  with a forged host never reaches it) and it compares the port too ("localhost" refuses "localhost:8000").
- HEAD is answered wherever GET is (monitors and link checkers use it): routed as GET, sent without a body,
  and marked so (``asked_head``): what counts page views leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, quote, unquote, urlencode

from litestar.exceptions import HTTPException, NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Set in the scope of a HEAD request that Litestar sees as a GET.
HEAD_ASKED = "coworking.head"
_HOST = re.compile(r"^(?P<name>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?$")


def clean(text: str) -> str:
    """``text`` without control characters."""
    return CONTROL_CHARACTERS.sub("", text)


def clean_query_string(raw: bytes) -> bytes:
    """The query string with control characters removed from every name and value (unchanged if none)."""
    # UTF-8 (what browsers send, percent-encoded or not); bytes that are not UTF-8 become U+FFFD, which is
    # no control character, rather than Latin-1 letters whose 0x80-0x9F would look like ones.
    text = raw.decode("utf-8", errors="replace")
    if not CONTROL_CHARACTERS.search(unquote(text, errors="replace")):
        return raw
    pairs = parse_qsl(text, keep_blank_values=True, errors="replace")
    return urlencode([(clean(name), clean(value)) for name, value in pairs]).encode("ascii")


def host_name(header: str | None) -> str | None:
    """The host name of a Host header ("Example.org:8000" → "example.org"), or None if it is malformed."""
    match = _HOST.match(header or "")
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) <= 65535):
        return None
    return match["name"].lower()


def host_allowed(header: str | None, allowed: tuple[str, ...]) -> bool:
    name = host_name(header)
    if name is None:
        return False
    return any(
        host == "*" or name == host or (host.startswith("*.") and name.endswith(host[1:])) for host in allowed
    )


def asked_head(scope: Scope) -> bool:
    """Whether the request was a HEAD, answered as a GET without its body."""
    return bool(scope.get(HEAD_ASKED))


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def without_body(send: Send) -> Send:
    """A ``send`` that keeps the headers (Content-Length included, as HTTP asks) and drops the body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


Refusal = Callable[[Scope, Receive, Send, HTTPException], Awaitable[None]]


class HostNotAllowed(HTTPException):
    status_code = 400
    detail = "This site does not answer to that host name."


class NoSuchPath(NotFoundException):
    detail = "There is nothing at this address."


def edge(app: ASGIApp, allowed_hosts: tuple[str, ...], refuse: Refusal) -> ASGIApp:
    """Wrap Litestar's ASGI handler; ``refuse`` answers with the site's error page (or problem) for ``exc``."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["method"] == "HEAD":
                # A copy: the server keeps its own scope saying HEAD, and so expects no body.
                scope = {**scope, "method": "GET", HEAD_ASKED: True}
                send = without_body(send)
            scope["query_string"] = clean_query_string(scope.get("query_string", b""))
            host = _headers(scope).get(b"host", b"").decode("latin-1")
            if not host_allowed(host, allowed_hosts):
                await refuse(scope, receive, send, HostNotAllowed())
                return
            if CONTROL_CHARACTERS.search(scope["path"]):
                # Shown on the error page and logged: cleaned, though answered as "not found".
                scope["path"] = clean(scope["path"])
                scope["raw_path"] = quote(scope["path"]).encode("ascii")
                await refuse(scope, receive, send, NoSuchPath())
                return
        await app(scope, receive, send)

    return handle
