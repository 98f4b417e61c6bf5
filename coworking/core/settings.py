"""Settings, read from the environment once and then frozen."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from coworking.core.i18n import catalogue_locales

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
# A local run answers on the loopback names only; a deployment names its own host.
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_TRUE = {"1", "true", "yes", "on"}


def _hosts(value: str | None) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in (value or "").split(",") if host.strip())
    return hosts or DEFAULT_ALLOWED_HOSTS


def _local_secret(var_dir: Path) -> str:
    """A random secret kept in ./var for local runs, so sessions survive restarts.

    Production sets COWORKING_SECRET_KEY; nothing secret is ever committed.
    """
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    tile_url: str = DEFAULT_TILE_URL
    tile_attribution: str = DEFAULT_TILE_ATTRIBUTION
    # "gazetteer" (offline, default) or "nominatim" (street-level, needs the internet).
    geocoder: str = "gazetteer"
    # Nominatim's usage policy asks for an agent that identifies the application.
    geocoder_user_agent: str = "rural-coworking-directory/0.1"
    # Host names this site answers to (COWORKING_ALLOWED_HOSTS, comma-separated; "*.example.org" for
    # subdomains). Any other Host header is refused before routing, so no link is built from a forged one.
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    # Served over HTTPS (COWORKING_HTTPS=1): cookies are Secure and browsers are told to stay on HTTPS (HSTS).
    https: bool = False
    # Addresses (or networks, "10.0.0.0/24"; "*" for any) of the reverse proxies in front of the app
    # (COWORKING_TRUSTED_PROXIES, comma-separated): from them, and only from them, X-Forwarded-For and
    # X-Forwarded-Proto say who the client is and whether it came over HTTPS. Rate limits and the security
    # log count that client, not the proxy. The default trusts a proxy on the same machine.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # Sessions and rate limits in Redis (shared by every worker) instead of the database.
    redis_url: str | None = None
    # E-mail through this SMTP server (smtp://user:pass@host:587?starttls=1, smtps://…); without it,
    # messages wait in the outbox table (`coworking outbox` shows them).
    smtp_url: str | None = None
    mail_from: str = "Rural Coworking Network <noreply@localhost>"
    # A session ends after this long without a request, and after session_lifetime in any case
    # (ASVS 7.3.1, 7.3.2): long enough for an afternoon of editing, short enough for a shared computer.
    session_idle_minutes: int = 240
    session_lifetime_days: int = 14
    # Anonymous pages and API answers kept whole (core.pagecache), in Redis when redis_url is set
    # (COWORKING_PAGE_CACHE=0 turns it off), each for page_cache_seconds (also the s-maxage proxies get).
    page_cache: bool = True
    page_cache_seconds: int = 60
    # How often a worker reads the content version (another worker's write shows within this long; this
    # worker's own at once). 0: on every anonymous request.
    content_version_seconds: float = 1.0
    locales: tuple[str, ...] = field(default_factory=catalogue_locales)
    debug: bool = False
    # "json": logs as one JSON object per line (COWORKING_LOG_FORMAT), for a log collector.
    log_format: str = "text"
    # The licence of the directory's data: on /about, in every download and in the API's headers.
    data_licence: str = "CC BY 4.0"
    data_licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    # Uploaded photos (re-encoded copies), when they are kept on disk (core.storage).
    media_dir: Path = field(default=PROJECT_ROOT / "var" / "media")
    # Files a partner uploaded for import, kept between the dry run and the confirmation.
    imports_dir: Path = field(default=PROJECT_ROOT / "var" / "imports")
    templates_dir: Path = field(default=PROJECT_ROOT / "templates")
    static_dir: Path = field(default=PROJECT_ROOT / "static")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("COWORKING_VAR_DIR", PROJECT_ROOT / "var"))
        database_url = env.get("COWORKING_DATABASE_URL") or f"sqlite:///{var_dir / 'coworking.db'}"
        secret_key = env.get("COWORKING_SECRET_KEY") or _local_secret(var_dir)
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            tile_url=env.get("COWORKING_TILE_URL", DEFAULT_TILE_URL),
            tile_attribution=env.get("COWORKING_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
            geocoder=env.get("COWORKING_GEOCODER", "gazetteer"),
            geocoder_user_agent=env.get("COWORKING_GEOCODER_USER_AGENT", "rural-coworking-directory/0.1"),
            allowed_hosts=_hosts(env.get("COWORKING_ALLOWED_HOSTS")),
            https=env.get("COWORKING_HTTPS", "").lower() in _TRUE,
            trusted_proxies=tuple(
                part.strip() for part in env.get("COWORKING_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if part.strip()
            ),
            redis_url=env.get("COWORKING_REDIS_URL") or None,
            smtp_url=env.get("COWORKING_SMTP_URL") or None,
            mail_from=env.get("COWORKING_MAIL_FROM", "Rural Coworking Network <noreply@localhost>"),
            session_idle_minutes=int(env.get("COWORKING_SESSION_IDLE_MINUTES", "240")),
            session_lifetime_days=int(env.get("COWORKING_SESSION_LIFETIME_DAYS", "14")),
            debug=env.get("COWORKING_DEBUG", "").lower() in _TRUE,
            page_cache=env.get("COWORKING_PAGE_CACHE", "1").lower() in _TRUE,
            page_cache_seconds=int(env.get("COWORKING_PAGE_CACHE_SECONDS", "60")),
            content_version_seconds=float(env.get("COWORKING_CONTENT_VERSION_SECONDS", "1")),
            log_format=env.get("COWORKING_LOG_FORMAT", "text").strip().lower(),
            media_dir=Path(env.get("COWORKING_MEDIA_DIR", var_dir / "media")),
            imports_dir=var_dir / "imports",
            data_licence=env.get("COWORKING_DATA_LICENCE", "CC BY 4.0"),
            data_licence_url=env.get("COWORKING_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"),
        )
