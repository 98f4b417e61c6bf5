"""The production set-up of docs/production.md, run for real: `coworking serve --workers 2` sharing sessions,
rate limits and readiness through Redis, and docs/deploy/nginx.conf itself in front of two app processes.

Both run on the suite's database (PostgreSQL in the suite's PostgreSQL run, which CI makes) and on the
Redis at 127.0.0.1:6379 (db 3, or COWORKING_TEST_REDIS_URL): a missing Redis or nginx fails, never skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.accounts.models import SecurityEvent, User, UserSession
from coworking.accounts.services import create_admin
from coworking.core.db import make_engine
from tests.server import REPO_ROOT, console_script, free_port, site_env, start, stop

REDIS_URL = os.environ.get("COWORKING_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
EMAIL = "operator@example.org"
PASSWORD = "seven rural hubs by the river"
NGINX_CONF = REPO_ROOT / "docs" / "deploy" / "nginx.conf"


@pytest.fixture()
def shared_redis() -> Iterator[str]:
    """The Redis the served sites share, emptied of the site's keys before and after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not answering at {REDIS_URL} (the README says it must run wherever the tests do): {error}")

    def empty() -> None:
        for key in client.scan_iter("coworking:*"):
            client.delete(key)

    empty()
    try:
        yield REDIS_URL
    finally:
        empty()
        client.close()


@pytest.fixture()
def operator(own_database: str) -> Iterator[str]:
    """A confirmed account on the served site's database; its database URL."""
    engine = make_engine(own_database)
    with Session(engine) as session:
        create_admin(session, None, EMAIL, PASSWORD)
    engine.dispose()
    yield own_database


def a_listing_photo(database_url: str, media: Path) -> str:
    """A published space with one photo (through the app's own upload service); the address of its 800 px copy."""
    import io

    from PIL import Image

    from coworking.accounts.permissions import Actor
    from coworking.core.storage import DiskStore
    from coworking.spaces.photos import add_photo
    from coworking.spaces.services import to_photo
    from tests.factories import make_space

    picture = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 90)).save(picture, "PNG")
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            space = make_space(session, "Photo Hub")
            admin = Actor(user_id=session.scalar(select(User.id).where(User.email_key == EMAIL)), is_admin=True)
            photo = add_photo(session, DiskStore(media), admin, space, picture.getvalue(), "The room")
            session.commit()
            return next(copy.url for copy in to_photo(photo).copies if copy.width == 800)
    finally:
        engine.dispose()


def db_scalar(database_url: str, statement):  # noqa: ANN001, ANN201 - a select, its one value
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalar(statement)
    finally:
        engine.dispose()


def db_all(database_url: str, statement) -> list:  # noqa: ANN001 - a select
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(statement))
    finally:
        engine.dispose()


def csrf_cookie(client: httpx.Client, base: str) -> str:
    client.get(f"{base}/account/login")
    return client.cookies["csrftoken"]


def sign_in(client: httpx.Client, base: str, password: str = PASSWORD, email: str = EMAIL, **headers: str) -> httpx.Response:
    token = csrf_cookie(client, base)
    form = {"email": email, "password": password, "next": "/account", "_csrf_token": token}
    return client.post(f"{base}/account/login", data=form, headers=headers)


def each_on_a_new_connection(
    count: int, request: Callable[[httpx.Client], httpx.Response], cookies: dict[str, str] | None = None
) -> list[httpx.Response]:
    """``count`` requests, four at a time, each on a connection of its own (so the kernel hands each to
    whichever worker accepts it, as it does for browsers)."""

    def one(_: int) -> httpx.Response:
        with httpx.Client(timeout=20, cookies=cookies) as client:
            return request(client)

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def wait_for_log(log: Path, text: str, times: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while log.read_text(errors="replace").count(text) < times:
        assert time.monotonic() < deadline, f"{text!r} was not logged {times} times in {seconds:.0f} s"
        time.sleep(0.2)


def gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its parent counts: it holds no socket any more)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def request_lines(log: Path, method: str, path: str) -> list[dict]:
    """The app's request log lines (JSON) for one route."""
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "coworking.requests" and entry.get("method") == method and entry.get("path") == path:
            lines.append(entry)
    return lines


def test_two_workers_share_sessions_rate_limits_and_readiness(operator: str, shared_redis: str, tmp_path: Path) -> None:
    # No trusted proxy: the site is reached directly, so X-Forwarded-* from a client count for nothing.
    env = site_env(operator, tmp_path, REDIS_URL=shared_redis, LOG_FORMAT="json", TRUSTED_PROXIES="")
    log = tmp_path / "serve.log"
    process, base = start(env, log, "--workers", "2")
    try:
        wait_for_log(log, "Application startup complete", 2)  # /healthz answered: one worker; the other, too?
        with httpx.Client(timeout=20) as browser:
            assert sign_in(browser, base).status_code == 303
            session_cookie = browser.cookies["session"]
        # The session lives in Redis, not in the database, and every worker knows it.
        assert db_scalar(operator, select(func.count()).select_from(UserSession)) == 0
        signed_in = each_on_a_new_connection(16, lambda c: c.get(f"{base}/account"), {"session": session_cookie})
        assert [r.status_code for r in signed_in] == [200] * 16
        pids = {entry["pid"] for entry in request_lines(log, "GET", "/account")}
        assert len(pids) == 2, f"16 requests on fresh connections all landed on one worker: {pids}"
        assert process.pid not in pids  # the workers are the supervisor's children

        ready = each_on_a_new_connection(4, lambda c: c.get(f"{base}/readyz"))
        assert {r.text for r in ready} == {json.dumps({"status": "ok", "database": "ok", "redis": "ok"}, separators=(",", ":"))}

        # Signing out on one worker ends the session on both.
        with httpx.Client(timeout=20, cookies={"session": session_cookie}) as browser:
            token = csrf_cookie(browser, base)
            assert browser.post(f"{base}/account/logout", data={"_csrf_token": token}).status_code == 303
        signed_out = each_on_a_new_connection(6, lambda c: c.get(f"{base}/account"), {"session": session_cookie})
        assert [r.status_code for r in signed_out] == [401] * 6

        # Ten wrong tries for one address, spread over both workers (each claiming its own client address in a
        # header the site must ignore), are counted together: the eleventh is refused whichever worker takes it.
        def wrong(client: httpx.Client) -> httpx.Response:
            spoofed = {"X-Forwarded-For": f"203.0.113.{os.urandom(1)[0]}"}
            return sign_in(client, base, "not the password", "someone.else@example.org", **spoofed)

        assert [r.status_code for r in each_on_a_new_connection(10, wrong)] == [400] * 10
        tried = {entry["pid"] for entry in request_lines(log, "POST", "/account/login") if entry["status"] == 400}
        assert len(tried) == 2, f"the wrong passwords all went to one worker: {tried}"
        assert {r.status_code for r in each_on_a_new_connection(2, wrong)} == {429}
        assert db_all(operator, select(SecurityEvent.ip).where(SecurityEvent.ip.is_not(None)).distinct()) == ["127.0.0.1"], "an untrusted X-Forwarded-For was believed"
        # Nor is an untrusted X-Forwarded-Proto: the site's own links keep the scheme it was reached by.
        robots = httpx.get(f"{base}/robots.txt", headers={"X-Forwarded-Proto": "https"})
        assert f"Sitemap: {base}/sitemap.xml" in robots.text

        # A worker killed outright: once it is gone (the connections waiting on its own socket go with it),
        # the server starts a new one, and the two answer every request. (Requests sent while the new one
        # starts may meet a reset connection: its socket joins the port before it answers.)
        killed = next(iter(pids))
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not gone(killed):
            assert time.monotonic() < deadline, "the killed worker is still there"
            time.sleep(0.05)
        wait_for_log(log, "Application startup complete", 3)  # a new worker replaced the killed one
        assert [r.status_code for r in each_on_a_new_connection(6, lambda c: c.get(f"{base}/healthz"))] == [200] * 6
        assert process.poll() is None
    finally:
        stop(process)


def test_two_workers_refuse_a_port_already_taken(own_database: str, tmp_path: Path) -> None:
    """Each worker's socket may share the port with the others (SO_REUSEPORT): a port something else listens on
    is refused before any worker starts, rather than quietly shared with it."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = site_env(own_database, tmp_path)
        command = [console_script("coworking"), "serve", "--port", str(port), "--workers", "2"]
        done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert done.returncode != 0 and f"Cannot listen on 127.0.0.1:{port}" in done.stderr


# -- docs/deploy/nginx.conf in front of two app processes ---------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.fail("nginx is not installed: `bash scripts/setup --test` installs Debian's nginx-light")
    return found


def render_nginx_conf(tmp: Path, port: int, apps: list[str], media_dir: Path) -> Path:
    """docs/deploy/nginx.conf itself, with this run's ports and folders in place of the example's (each of
    which must be there, or the test would be running some other configuration), runnable without root."""
    text = NGINX_CONF.read_text()
    runtime = tmp / "nginx"
    (runtime / "logs").mkdir(parents=True)
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers must read pytest's private folders
    replacements = [
        ("user www-data;", user),
        ("pid /run/nginx.pid;", f"pid {runtime}/nginx.pid;"),
        ("error_log /var/log/nginx/error.log;", f"error_log {runtime}/logs/error.log;"),
        ("access_log /var/log/nginx/access.log;", f"access_log {runtime}/logs/access.log;\n"
         f"    client_body_temp_path {runtime}/body; proxy_temp_path {runtime}/proxy;\n"
         f"    fastcgi_temp_path {runtime}/fastcgi; uwsgi_temp_path {runtime}/uwsgi; scgi_temp_path {runtime}/scgi;"),
        ("/var/cache/nginx/coworking-media", f"{runtime}/media-cache"),
        ("server 127.0.0.1:8001 ", f"server {apps[0]} "),
        ("server 127.0.0.1:8002 ", f"server {apps[1]} "),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("alias /srv/coworking/static/;", f"alias {REPO_ROOT / 'static'}/;"),
    ]
    for example, ours in replacements:
        assert text.count(example) == 1, f"docs/deploy/nginx.conf no longer says {example!r} once"
        text = text.replace(example, ours)
    conf = runtime / "nginx.conf"
    conf.write_text(text)
    return conf


def test_the_example_nginx_conf_serves_two_app_processes(operator: str, shared_redis: str, tmp_path: Path) -> None:
    nginx = nginx_binary()
    media = tmp_path / "media"
    processes: list[subprocess.Popen[bytes]] = []
    proxy = None
    photo = a_listing_photo(operator, media)
    try:
        apps = []
        for name in ("a", "b"):
            env = site_env(operator, tmp_path / name, REDIS_URL=shared_redis, LOG_FORMAT="json", MEDIA_DIR=str(media))
            process, url = start(env, tmp_path / f"app-{name}.log")
            processes.append(process)
            apps.append(url.removeprefix("http://"))
        port = free_port()
        conf = render_nginx_conf(tmp_path, port, apps, media)
        checked = subprocess.run([nginx, "-t", "-c", str(conf), "-e", "stderr"], capture_output=True, text=True, timeout=20)
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen([nginx, "-c", str(conf), "-e", "stderr", "-g", "daemon off;"], stderr=subprocess.PIPE)  # noqa: S603
        site = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{site}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proxy.poll() is None, "nginx did not start"
                time.sleep(0.1)

        # Browsers come from 127.0.0.3 here: not a trusted proxy, so that is the client the app must see,
        # whatever X-Forwarded-For the browser itself claims.
        browser = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3"), timeout=20)
        home = browser.get(f"{site}/", headers={"Accept-Encoding": "gzip"})
        assert home.status_code == 200 and "<html" in home.text and home.headers["content-encoding"] == "gzip"

        css = browser.get(f"{site}/static/css/site.css", headers={"Accept-Encoding": "gzip"})
        assert css.status_code == 200 and css.content == (REPO_ROOT / "static/css/site.css").read_bytes()
        assert css.headers["content-encoding"] == "gzip" and css.headers["cache-control"] == "public, max-age=3600"
        assert css.headers["x-content-type-options"] == "nosniff"
        # The address the pages give (named by the content) is kept for a year.
        versioned = re.search(r'href="(/static/css/site\.css\?v=\w+)"', home.text).group(1)
        css = browser.get(f"{site}{versioned}")
        assert css.content == (REPO_ROOT / "static/css/site.css").read_bytes()
        assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
        for log in ("app-a.log", "app-b.log"):
            assert "/static/" not in (tmp_path / log).read_text(), "a static file was asked of the app"

        # A form through the proxy: the CSRF cookie and token, and the client's own address in the security log.
        refused = sign_in(browser, site, "not the password", **{"X-Forwarded-For": "198.51.100.66"})
        assert refused.status_code == 400
        failed = select(SecurityEvent.ip).where(SecurityEvent.kind == "login_failed")
        assert db_scalar(operator, failed) == "127.0.0.3"
        assert sign_in(browser, site).status_code == 303
        pages = [browser.get(f"{site}/account") for _ in range(6)]
        assert [page.status_code for page in pages] == [200] * 6
        served_by = [len(request_lines(tmp_path / f"app-{name}.log", "GET", "/account")) for name in ("a", "b")]
        assert all(served_by), f"nginx sent every request to one process: {served_by}"
        # The scheme comes from the proxy too (X-Forwarded-Proto $scheme: plain HTTP here).
        assert "Sitemap: http://127.0.0.1/sitemap.xml" in browser.get(f"{site}/robots.txt").text

        # Uploads: 5 MB (a photo's size, five times nginx's default limit) reaches the app; 13 MB stops at nginx.
        upload = {"Content-Type": "application/x-www-form-urlencoded"}
        assert browser.post(f"{site}/account/login", content=b"x" * (5 * 1024 * 1024), headers=upload).status_code == 403
        too_big = browser.post(f"{site}/account/login", content=b"x" * (13 * 1024 * 1024), headers=upload)
        assert too_big.status_code == 413 and "nginx" in too_big.text

        # A photo comes from the app once, then from nginx's cache.
        first, again = browser.get(f"{site}{photo}"), browser.get(f"{site}{photo}")
        assert first.status_code == again.status_code == 200 and first.headers["content-type"] == "image/webp"
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("MISS", "HIT") and again.content == first.content

        # One app process stops: every request still gets its answer from the other.
        stop(processes[0])
        assert [browser.get(f"{site}/account").status_code for _ in range(6)] == [200] * 6
        # Both stop: pages fail; static files are still served from disk, photos seen before from the cache.
        stop(processes[1])
        assert browser.get(f"{site}/").status_code == 502
        assert browser.get(f"{site}/static/css/site.css").status_code == 200
        assert browser.get(f"{site}{photo}").content == first.content
        browser.close()
    finally:
        if proxy is not None:
            proxy.send_signal(signal.SIGQUIT)
            try:
                proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait(timeout=5)
        for process in processes:
            stop(process)


def test_the_example_nginx_conf_names_the_upload_limits() -> None:
    """client_max_body_size follows the app's own limits: a photo (core.images.MAX_BYTES plus the form) and a
    partner's import file (exchange.controllers.MAX_IMPORT_BYTES plus the form)."""
    from coworking.core.images import MAX_BYTES
    from coworking.exchange.controllers import MAX_IMPORT_BYTES

    text = NGINX_CONF.read_text()
    sizes = [int(size) * 1024 * 1024 for size in re.findall(r"client_max_body_size (\d+)m;", text)]
    assert len(sizes) == 2
    assert MAX_BYTES + 1024 * 1024 <= sizes[0] <= MAX_BYTES + 3 * 1024 * 1024
    assert MAX_IMPORT_BYTES + 1024 * 1024 <= sizes[1] <= MAX_IMPORT_BYTES + 3 * 1024 * 1024


def test_trusted_proxies_are_read_as_a_list_and_default_to_this_machine() -> None:
    from coworking.core.settings import Settings

    base = {"COWORKING_SECRET_KEY": "not-a-secret", "COWORKING_DATABASE_URL": "sqlite://"}
    assert Settings.from_env(base).trusted_proxies == ("127.0.0.1", "::1")
    named = Settings.from_env({**base, "COWORKING_TRUSTED_PROXIES": " 10.0.0.0/24, 10.0.1.5 ,"})
    assert named.trusted_proxies == ("10.0.0.0/24", "10.0.1.5")
    assert Settings.from_env({**base, "COWORKING_TRUSTED_PROXIES": ""}).trusted_proxies == ()
