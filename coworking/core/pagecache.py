"""The anonymous page cache: whole answers (HTML pages, their htmx parts, the JSON API) kept per address,
language and htmx-or-not, and sent again without routing, database or template.

An ASGI layer just inside the edge (which has checked the host and made HEAD a GET) and inside
``conditional_get`` (so a cached answer gets its ETag and 304 as any other). It sends the answer exactly
as the app sent it (security headers, Vary, Content-Encoding, Content-Length included): the key holds
everything those depend on.

- **Who**: only a request without a session — no cookie but ``lang`` (the language, in the key) and the
  CSRF cookie (a page holding a token is never kept), no Authorization header. Everybody else goes to
  the app, and their 200 answers say ``Cache-Control: private, no-cache``: no shared cache keeps them.
- **What is kept**: a 200 sent whole (at most MAX_BODY), that sets no cookie, has no ``no-store`` or
  ``private`` of its route's own and was not made for a signed-in actor. It gets
  ``Cache-Control: public, max-age=0, s-maxage=N`` (unless its route chose one): a CDN or reverse
  proxy may keep it N seconds, browsers revalidate (ETag, 304).
- **Key**: the content version (``freshness``: bumped by every write, in its own transaction), scheme,
  host (links and JSON-LD are absolute), path and query, the resolved language (``?lang=``, cookie,
  Accept-Language), gzip or not, Accept, and every HX-* header but the current URL.
- **Pages with a form** (routes marked ``CSRF_FORM``, e.g. the report form): kept without the token (a
  mark in its place, uncompressed) and sent with the visitor's own token put in: their cookie's if it is
  valid, else a new one with its cookie, as SiteCSRFMiddleware does. Such answers say
  ``Cache-Control: private, no-store``, cached or not.
- **Where**: in this process (bounded: entries and bytes, least recently used go first) or in Redis when
  COWORKING_REDIS_URL is set (every worker shares it; entries expire after N seconds).
- **After a hit**: ``on_hit`` gets the request state the app noted on the miss (``keep_state``): the page
  view of a listing is counted for a cached answer too.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any, Protocol

import msgspec
from litestar._parsers import parse_cookie_string  # the parser Request.cookies uses
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash, generate_csrf_token
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from coworking.core.conditional import etag_of
from coworking.core.i18n import LANGUAGE_COOKIE, choose_locale, language_asked_in
from coworking.core.security import CSRF_COOKIE, CSRF_FORM

logger = logging.getLogger("coworking")

# Cookies an anonymous visitor may carry and still get the shared answer.
ANONYMOUS_COOKIES = frozenset({LANGUAGE_COOKIE.encode(), CSRF_COOKIE.encode(), b""})
# Files have their own caching (and stream): not kept here.
NOT_KEPT_PREFIXES = ("/static/", "/media/")
# A page bigger than this is sent but not kept.
MAX_BODY = 1_000_000
SIGNED_IN_CACHE_CONTROL = b"private, no-cache"
# A page holding a visitor's form token: kept by nobody but this page cache (which puts each visitor's own in).
FORM_CACHE_CONTROL = b"private, no-store"
# Where the token goes in a kept page with a form: no token is ever kept. Cannot occur in a page (a NUL).
TOKEN_MARK = b"\x00csrf-token\x00"
_CSRF_COOKIE = CSRF_COOKIE.encode()
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    state: dict[str, Any]
    path_template: str | None
    # A page holding a form: its body has TOKEN_MARK where each visitor's CSRF token goes (body uncompressed).
    csrf: bool = False

    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class PageStore(Protocol):
    def get(self, key: str) -> Entry | None: ...

    def put(self, key: str, entry: Entry) -> None: ...

    def clear(self) -> None: ...


class MemoryPages:
    """Entries in this process: at most ``max_entries`` and ``max_bytes``, each at most ``seconds`` old."""

    def __init__(self, seconds: float, max_entries: int = 2000, max_bytes: int = 64_000_000) -> None:
        self.seconds, self.max_entries, self.max_bytes = seconds, max_entries, max_bytes
        self._entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] >= self.seconds:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return found[1]

    def _drop(self, key: str) -> None:
        _, entry = self._entries.pop(key)
        self._bytes -= entry.size()

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic(), entry)
            self._bytes += entry.size()
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class RedisPages:
    """Entries in Redis, shared by every worker, expiring after ``seconds``.

    The synchronous client, called on the event loop: a GET on a nearby Redis takes a fraction of a
    millisecond, less than a hop to a worker thread, and works from any event loop. A Redis that does
    not answer is a miss (logged), never a failed page.
    """

    # The entry layout's number: a deploy that changes it reads none of the old entries.
    PREFIX = "coworking:page:1:"
    # After a failure, Redis is left alone this long: a Redis that drops packets would otherwise cost every
    # anonymous request its timeouts, on the event loop.
    BACK_OFF_SECONDS = 5.0

    def __init__(self, client: Any, seconds: float) -> None:  # noqa: ANN401 - redis.Redis
        self.client, self.seconds = client, seconds
        self._resting_until = 0.0
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(
            tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any], str | None, bool]
        )

    def _failed(self, what: str) -> None:
        self._resting_until = time.monotonic() + self.BACK_OFF_SECONDS
        logger.warning("Page cache: Redis %s; not asked for %.0f s", what, self.BACK_OFF_SECONDS, exc_info=True)

    def get(self, key: str) -> Entry | None:
        if time.monotonic() < self._resting_until:
            return None
        try:
            raw = self.client.get(self.PREFIX + key)
        except Exception:  # noqa: BLE001 - any Redis failure: answer from the app
            self._failed("did not answer")
            return None
        if raw is None:
            return None
        try:
            status, headers, body, state, path_template, csrf = self._decoder.decode(raw)
        except msgspec.DecodeError:
            logger.warning("Page cache: an entry in Redis could not be read", exc_info=True)
            return None
        return Entry(status, [tuple(pair) for pair in headers], body, state, path_template, csrf)  # type: ignore[misc]

    def put(self, key: str, entry: Entry) -> None:
        raw = self._encoder.encode(
            (entry.status, entry.headers, entry.body, entry.state, entry.path_template, entry.csrf)
        )
        if time.monotonic() < self._resting_until:
            return
        try:
            self.client.set(self.PREFIX + key, raw, px=int(self.seconds * 1000))
        except Exception:  # noqa: BLE001
            self._failed("did not keep an answer")

    def clear(self) -> None:
        for key in self.client.scan_iter(match=self.PREFIX + "*", count=500):
            self.client.delete(key)


def build_page_store(redis_url: str | None, seconds: float) -> PageStore:
    if redis_url:
        import redis  # only deployments with Redis need the client

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisPages(client, seconds)
    return MemoryPages(seconds)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _cookie_names(raw: bytes) -> tuple[set[bytes], str | None]:
    """The names of the request's cookies, split as browsers send them (a lenient parser that stops at an odd
    cookie could miss the session cookie behind it), and the language cookie's value read as the app reads
    it (Litestar's parser: unquoted, URL-decoded), so the key's language is the page's."""
    names = {part.strip().partition(b"=")[0].strip() for part in raw.split(b";")}
    return names, parse_cookie_string(raw.decode("latin-1")).get(LANGUAGE_COOKIE)


def _form_page(scope: Scope) -> bool:
    """Whether the route says its page shows a form (and so holds the visitor's CSRF token)."""
    route = scope.get("route_handler")
    return route is not None and bool(route.opt.get(CSRF_FORM))


# The key of an anonymous request whose answer cannot be kept now (its content version is unknown).
UNKEPT = "unkept"


def page_cache(
    app: ASGIApp,
    *,
    store: PageStore | None,
    version: Callable[[], int],
    seconds: float,
    locales: tuple[str, ...],
    csrf: CSRFConfig,
    keep_state: tuple[str, ...] = (),
    on_hit: Callable[[Scope, dict[str, Any]], Awaitable[None]] | None = None,
) -> ASGIApp:
    """Wrap ``app``. ``store`` None: nothing is kept or served from here (COWORKING_PAGE_CACHE=0), but the
    Cache-Control decisions are the same, so a proxy in front sees the same answers either way."""
    public_cache_control = f"public, max-age=0, s-maxage={int(seconds)}".encode("ascii")

    def anonymous_key(scope: Scope) -> str | None:
        """The cache key for an anonymous GET ("" with no store: nothing to look up), or None when the
        request is not anonymous."""
        path = scope["path"]
        language_cookie: str | None = None
        cookie_headers = 0
        accept_language = accept = encoding = host = b""
        htmx: list[bytes] = []
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie_headers += 1
                if cookie_headers > 1:
                    return None  # which one the app reads is the framework's choice: not worth keeping
                names, language_cookie = _cookie_names(value)
                if not names <= ANONYMOUS_COOKIES:
                    return None
            elif name == b"authorization":
                return None
            elif name == b"host":
                host = value.lower()
            elif name == b"accept-language":
                accept_language = value
            elif name == b"accept":
                accept = value
            elif name == b"accept-encoding":
                encoding = value
            elif name.startswith(b"hx-") and name != b"hx-current-url":
                htmx.append(name + b"=" + value)
        if store is None:
            return ""
        query = scope.get("query_string", b"")
        locale = choose_locale(
            language_cookie,
            accept_language.decode("latin-1"),
            locales,
            language_asked_in(query),
        )
        digest = hashlib.sha256(
            b"\n".join(
                [
                    scope.get("scheme", "http").encode(),
                    host,
                    path.encode("utf-8", "surrogateescape"),
                    query,
                    locale.encode(),
                    b"gzip" if b"gzip" in encoding else b"",
                    accept,
                    *sorted(htmx),
                ]
            )
        ).hexdigest()
        try:
            return f"{version()}:{digest}"
        except Exception:  # noqa: BLE001 - the database does not answer: the app answers (or says why)
            logger.warning("Page cache: the content version could not be read", exc_info=True)
            return UNKEPT

    # The cookie SiteCSRFMiddleware sets (Litestar's Cookie, the same attributes), built once with a mark
    # where each new token goes.
    cookie_header = (
        Cookie(
            key=csrf.cookie_name,
            value="TOKEN-MARK",
            path=csrf.cookie_path,
            secure=csrf.cookie_secure,
            httponly=csrf.cookie_httponly,
            samesite=csrf.cookie_samesite,
            domain=csrf.cookie_domain,
        )
        .to_header(header="")
        .encode("latin-1")
        .replace(b"TOKEN-MARK", TOKEN_MARK)
    )

    def form_token(scope: Scope) -> tuple[str, bool]:
        """The visitor's CSRF token for a page with a form: their cookie's, if it is valid, else a new one
        (True: the answer must set the cookie), as SiteCSRFMiddleware decides on a miss."""
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.split(b";"):
                    key, _, token = part.strip().partition(b"=")
                    if key == _CSRF_COOKIE:
                        text = token.decode("latin-1")
                        secret, signature = text[:CSRF_SECRET_LENGTH], text[CSRF_SECRET_LENGTH:]
                        if len(text) > CSRF_SECRET_LENGTH and compare_digest(
                            signature, generate_csrf_hash(token=secret, secret=csrf.secret)
                        ):
                            return text, False
        return generate_csrf_token(csrf.secret), True

    async def send_entry(entry: Entry, scope: Scope, send: Send) -> None:
        headers, body = entry.headers, entry.body
        if entry.csrf:
            token, new = form_token(scope)
            body = body.replace(TOKEN_MARK, token.encode("ascii"))
            if _header(headers, b"content-encoding") == b"gzip":
                body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            headers = [*headers, (b"content-length", str(len(body)).encode("ascii"))]
            if new:
                headers.append((b"set-cookie", cookie_header.replace(TOKEN_MARK, token.encode("ascii"))))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(NOT_KEPT_PREFIXES):
            await app(scope, receive, send)
            return
        key = anonymous_key(scope)
        if key is None:
            await app(scope, receive, signed_in_send(scope, send))
            return
        if key is UNKEPT:
            await app(scope, receive, send)
            return
        if store is not None:
            entry = store.get(key)
            if entry is not None:
                if entry.path_template:
                    scope["path_template"] = entry.path_template  # for the request log
                await send_entry(entry, scope, send)
                if on_hit is not None and entry.state:
                    await on_hit(scope, entry.state)
                return
        await app(scope, receive, keeping_send(scope, send, key))

    def signed_in_send(scope: Scope, send: Send) -> Send:
        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                if _header(headers, b"cache-control") is None:
                    chosen = FORM_CACHE_CONTROL if _form_page(scope) else SIGNED_IN_CACHE_CONTROL
                    message = {**message, "headers": [*headers, (b"cache-control", chosen)]}
            await send(message)

        return send_private

    def keeping_send(scope: Scope, send: Send, key: str) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def send_and_keep(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                form_page = _form_page(scope)
                headers = list(message.get("headers", []))
                cache_control = _header(headers, b"cache-control")
                cookies = [value for name, value in headers if name.lower() == b"set-cookie"]
                if form_page:
                    # The page holds the visitor's form token: for them only, whether or not it set the cookie.
                    keepable = message["status"] == 200 and all(
                        value.startswith(_CSRF_COOKIE + b"=") for value in cookies
                    )
                    if cache_control is None:
                        message = {**message, "headers": [*headers, (b"cache-control", FORM_CACHE_CONTROL)]}
                else:
                    keepable = (
                        message["status"] == 200
                        and not cookies
                        and (cache_control is None or not (b"no-store" in cache_control or b"private" in cache_control))
                        and _header(headers, b"vary") != b"*"
                    )
                    if keepable and cache_control is None:
                        message = {**message, "headers": [*headers, (b"cache-control", public_cache_control)]}
                    elif message["status"] == 200 and cache_control is None:
                        # A 200 setting a cookie: for this visitor only.
                        message = {**message, "headers": [*headers, (b"cache-control", SIGNED_IN_CACHE_CONTROL)]}
                start = message if keepable and store is not None else None
                await send(message)
                return
            if start is not None and message["type"] == "http.response.body":
                body = message.get("body", b"")
                size += len(body)
                chunks.append(body)
                if size > MAX_BODY:
                    start = None
                elif not message.get("more_body", False):
                    keep(scope, key, start, b"".join(chunks))
            await send(message)

        return send_and_keep

    def keep(scope: Scope, key: str, start: Message, body: bytes) -> None:
        state = scope.get("state", {})
        actor = state.get("actor")
        if actor is not None and getattr(actor, "user_id", None) is not None:
            return
        token = ScopeState.from_scope(scope).csrf_token
        headers = list(start["headers"])
        form_page = _form_page(scope)
        if form_page:
            if not isinstance(token, str) or len(token) <= CSRF_SECRET_LENGTH:
                return
            # Kept without the token (a mark in its place), the cookie, or a length that depends on them.
            if _header(headers, b"content-encoding") == b"gzip":
                body = gzip.decompress(body)
            body = body.replace(token.encode("ascii"), TOKEN_MARK)
            dropped = {b"set-cookie", b"content-length"}
            headers = [(name, value) for name, value in headers if name.lower() not in dropped]
        elif token is not Empty:
            return  # a token in a page whose route does not say it shows a form: never kept
        else:
            # The tag conditional_get gives this answer, computed once: a hit carries it (and is not hashed again).
            gzipped = _header(headers, b"content-encoding") == b"gzip"
            headers.append((b"etag", etag_of(body, gzipped)))
        kept = {name: state[name] for name in keep_state if name in state}
        store.put(key, Entry(start["status"], headers, body, kept, scope.get("path_template"), form_page))  # type: ignore[union-attr]

    return handle
