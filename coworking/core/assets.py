"""Static files named by their content: ``{{ static('css/site.css') }}`` is ``/static/css/site.css?v=<hash>``.

A browser keeps a file asked for by its current hash for a year without asking again (``immutable``): a
resident's second page loads no script or style sheet at all, not even a 304. A new release's file has a
new hash, so a new address, so nobody keeps an old one. An address with another hash (a page cached before
the release) or none still gets the file, with the router's short cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from litestar.types import Message, Scope

STATIC_PREFIX = "/static/"
IMMUTABLE = b"public, max-age=31536000, immutable"


class Assets:
    """The hash of each static file, read once per version of the file (its size and time, checked on each
    call: a file edited while the site runs gets its new hash at once)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self._files: dict[str, Path | None] = {}
        self._hashes: dict[str, tuple[int, int, str]] = {}

    def version(self, path: str) -> str | None:
        """The file's content hash, or None for a path that is no file of the directory."""
        file = self._file(path)
        if file is None:
            return None
        try:
            stat = file.stat()
        except OSError:
            return None
        known = self._hashes.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
        self._hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def _file(self, path: str) -> Path | None:
        """Where ``path`` is, if inside the directory (resolved once per path: a page names several)."""
        if path not in self._files:
            file = (self.directory / path).resolve()
            self._files[path] = file if file.is_relative_to(self.directory) and file.is_file() else None
        return self._files[path]

    def url(self, path: str) -> str:
        version = self.version(path)
        return f"{STATIC_PREFIX}{path}?v={version}" if version else f"{STATIC_PREFIX}{path}"

    def cache_forever_when_current(self):  # noqa: ANN201
        """A ``before_send`` hook: a static file asked for by its current hash may be kept for a year."""

        async def immutable(message: Message, scope: Scope) -> None:
            if message["type"] != "http.response.start" or message["status"] != 200:
                return
            path = scope.get("path", "")
            if not path.startswith(STATIC_PREFIX):
                return
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
            if not asked or asked[0] != self.version(path[len(STATIC_PREFIX) :]):
                return
            headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() != b"cache-control"]
            message["headers"] = [*headers, (b"cache-control", IMMUTABLE)]

        return immutable
