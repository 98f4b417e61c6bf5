"""Links to elsewhere: only http and https ever become a link (no ``javascript:``, ``data:``, …)."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_LENGTH = 1000


def http_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None."""
    if not value or len(value) > MAX_URL_LENGTH:
        return None
    text = value.strip()
    # Browsers drop tabs and newlines inside URLs ("java\\nscript:"): refuse every control character.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return text
