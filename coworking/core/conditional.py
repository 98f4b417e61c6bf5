"""ETag and 304 Not Modified for every GET answer that is sent whole: lists, pages, feeds, the API.

A reader on a slow rural connection who comes back to a page, or a feed reader polling, gets 304 and no
body when nothing changed. The tag is a hash of the body as sent (compressed or not: weak, and the
answers already Vary by encoding); an answer that carries its own (static files, the page cache's kept
answers) keeps it. Streamed answers (downloads) and answers no cache may keep
(``no-store``: pages holding a visitor's form token) are left alone.
"""

from __future__ import annotations

import hashlib

from litestar.types import ASGIApp, Message, Receive, Scope, Send

_DROPPED_ON_304 = {b"content-length", b"content-type", b"content-encoding"}


def etag_of(body: bytes, gzipped: bool) -> bytes:
    # A gzip header holds the time it was written (bytes 4-8): the same page a second later is the same answer.
    content = body[10:] if gzipped else body
    return b'W/"' + hashlib.sha256(content).hexdigest()[:32].encode("ascii") + b'"'


_tag = etag_of  # its earlier name (tests/test_discovery.py)


def _matches(if_none_match: bytes, tag: bytes) -> bool:
    wanted = {item.strip() for item in if_none_match.split(b",")}
    # Weak comparison (RFC 9110 13.1.2): W/"x" and "x" name the same answer.
    return b"*" in wanted or tag in wanted or tag[2:] in wanted


def conditional_get(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        if_none_match = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
        held: Message | None = None
        state = "holding"  # then "passing" (send the rest as it comes) or "dropping" (a 304 was sent)

        async def send_tagged(message: Message) -> None:
            nonlocal held, state
            if state == "passing":
                await send(message)
                return
            if state == "dropping":
                return
            if message["type"] == "http.response.start":
                held = message  # until the body shows whether it comes whole
                return
            headers = list(held["headers"])
            cache_control = b"".join(value for name, value in headers if name.lower() == b"cache-control")
            own_tag = next((value for name, value in headers if name.lower() == b"etag"), None)  # static files have one
            state = "passing"
            if held["status"] != 200 or b"no-store" in cache_control or (message.get("more_body") and own_tag is None):
                await send(held)
                await send(message)
                return
            gzipped = any(name.lower() == b"content-encoding" and value == b"gzip" for name, value in headers)
            tag = own_tag or etag_of(message.get("body", b""), gzipped)
            if if_none_match is not None and _matches(if_none_match, tag):
                kept = [(name, value) for name, value in headers if name.lower() not in _DROPPED_ON_304]
                await send({**held, "status": 304, "headers": kept if own_tag else [*kept, (b"etag", tag)]})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                state = "dropping" if message.get("more_body") else "passing"
                return
            await send(held if own_tag else {**held, "headers": [*headers, (b"etag", tag)]})
            await send(message)

        await app(scope, receive, send_tagged)

    return handle
