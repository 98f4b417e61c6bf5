"""One place for the security headers every response carries, and for CSRF."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_token
from litestar.types import HTTPSendMessage, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from coworking.core.settings import Settings

# What other sites' scripts may read (GET only): the API, the downloads, the feeds and sitemaps.
OPEN_READS = ("/api/", "/data/", "/feeds/", "/schema/")
# Browsers keep a site on HTTPS for a year once told (ASVS 3.4.1 asks for at least that).
HSTS = "max-age=31536000; includeSubDomains"


# Pages other sites may show in a frame (the embeddable map): only these, and they set no cookie.
EMBED_PREFIX = "/embed/"


def content_security_policy(settings: Settings, *, framable: bool = False) -> str:
    """No inline script anywhere; map tiles may come from the configured tile server only."""
    tiles = urlsplit(settings.tile_url.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
    if "{s}" in settings.tile_url:
        tile_origin = f"{tiles.scheme}://*.{tiles.netloc.split('.', 1)[1]}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_origin}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors *" if framable else "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings):  # noqa: ANN201
    """A ``before_send`` hook adding the security headers to every HTTP response."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.https:
        headers["Strict-Transport-Security"] = HSTS
    # An embed page: any site may frame it (and nothing else may be framed anywhere).
    embed_headers = {name: value for name, value in headers.items() if name != "X-Frame-Options"}
    embed_headers["Content-Security-Policy"] = content_security_policy(settings, framable=True)

    # As raw header pairs, once: this hook runs for every answer (a cached one too), and Litestar's header
    # classes cost more than the page cache's whole hit.
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    raw_embed = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in embed_headers.items()]
    open_read = (b"access-control-allow-origin", b"*")
    # A script or a style sheet is never shown as a document: what only a document obeys (its policy, framing,
    # features, opener) would be bytes sent for nothing with each file of a first visit on a phone's slow link.
    # They keep nosniff (a script must be one) and HSTS; an SVG image (a document when opened) keeps all.
    document_only = {b"content-security-policy", b"x-frame-options", b"permissions-policy", b"cross-origin-opener-policy"}
    raw_subresource = [pair for pair in raw if pair[0] not in document_only]

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = list(message.get("headers", ()))
            names = {name.lower() for name, _ in present}
            path = scope.get("path", "")
            if path.startswith(EMBED_PREFIX):
                chosen = raw_embed
            elif _is_subresource(present):
                chosen = raw_subresource
            else:
                chosen = raw
            added = [pair for pair in chosen if pair[0] not in names]
            if scope.get("method") in ("GET", "HEAD") and path.startswith(OPEN_READS):
                # Open data: any site's script may read it. Reads only, and no cookie is needed or sent
                # (no Allow-Credentials), so nothing of a visitor's can be read this way.
                present = [pair for pair in present if pair[0].lower() != open_read[0]]
                added.append(open_read)
            message["headers"] = present + added

    return add_headers


# Media types never rendered as a document (see document_only above).
SUBRESOURCE_TYPES = (b"text/css", b"text/javascript", b"application/javascript")


def _is_subresource(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.split(b";")[0].strip().lower() in SUBRESOURCE_TYPES
    return False


# A route whose page shows a POST form says so: ``opt={CSRF_FORM: True}``. Only its answers set the cookie.
CSRF_FORM = "csrf_form"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_samesite="lax",
        cookie_httponly=True,
        cookie_secure=settings.https,
    )


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-type":
            media_type = value.split(b";")[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


# The one path a form may be posted to without a token: RFC 8058's one-click unsubscribe. A mail provider
# posts "List-Unsubscribe=One-Click" to the link of a digest's List-Unsubscribe header, with no cookie and
# so no token; refusing it would break the unsubscribe button of every mail client. CSRF cannot hurt here:
# the 256-bit token in the path is the proof (a forged request must already know it, and whoever knows it
# may unsubscribe anyway), and the only thing the POST can do is end that one follow. The whole path must
# match (fullmatch) and be exactly one token long (43 URL-safe characters): nothing beneath or beside it.
ONE_CLICK_UNSUBSCRIBE = re.compile(r"/follow/unsubscribe/[A-Za-z0-9_-]{43}")


class SiteCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit token check, with this site's three decisions:

    - A write with a JSON body needs no token: a browser sends JSON across sites only after a CORS
      preflight, and this site allows no cross-site origin. Forms (urlencoded, multipart, text) always do,
      except a POST to ONE_CLICK_UNSUBSCRIBE (see there why).
    - The token cookie is set only on a page whose route shows a form (``CSRF_FORM``), never on static
      files or other cacheable answers, where a shared cache could hand one token to everyone.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in self.config.safe_methods:
            # Only a page with a form needs a token (and, the first time, the cookie that carries it).
            if scope["route_handler"].opt.get(CSRF_FORM):
                request = scope["litestar_app"].request_class(scope=scope, receive=receive)
                cookie = request.cookies.get(self.config.cookie_name)
                if cookie is not None and self._decode_csrf_token(cookie) is None:
                    cookie = None  # signed with another key (a new secret, say): every POST would fail; renew it
                token = ScopeState.from_scope(scope).csrf_token = cookie or generate_csrf_token(self.config.secret)
                if cookie is None:
                    send = self.create_send_wrapper(send=send, token=token, csrf_cookie=None)
            await self.app(scope, receive, send)
            return
        if _is_json(scope) or (scope["method"] == "POST" and ONE_CLICK_UNSUBSCRIBE.fullmatch(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _set_cookie_if_needed(self, message: HTTPSendMessage, token: str) -> None:
        super()._set_cookie_if_needed(message, token)
        # The page carries a token of this visitor's: no shared cache may keep it.
        MutableScopeHeaders.from_message(message)["cache-control"] = "private, no-store"

