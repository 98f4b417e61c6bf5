"""The anonymous page cache (core.pagecache) and the content version every write bumps (core.freshness).

A hit is recognised by what it cannot know: the tests change a listing behind the cache's back (a Core
UPDATE on a connection of its own, which bumps nothing) and see the old name come back; any write through
the site's sessions bumps the version, and the next anonymous GET is fresh.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from litestar.testing import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import User, UserSession
from coworking.app import create_app
from coworking.core.freshness import read_version
from coworking.core.pagecache import RedisPages
from coworking.core.settings import Settings
from coworking.pageviews.models import PageView
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, post  # noqa: F401
from tests.test_listings import builder, edit_form, save

ROOT = Path(__file__).resolve().parents[1]
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}
PARTIAL = {"HX-Request": "true", "HX-Target": "results"}
REDIS_URL = "redis://127.0.0.1:6379/1"


def rename_behind_the_cache(engine: Engine, space_id: int, name: str) -> None:
    """A change no session sees: it bumps nothing, so only an answer from the app can show it."""
    with engine.begin() as connection:
        connection.execute(update(Space).where(Space.id == space_id).values(name=name))


@pytest.fixture()
def space(session: Session) -> Space:
    return make_space(session, "Old Mill Hub", "Cēsis", "LV")


def headers_but_date(response) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted((name, value) for name, value in response.headers.multi_items() if name != "date")


def test_a_second_anonymous_get_comes_from_the_cache_with_the_same_headers(
    client: TestClient, engine: Engine, space: Space
) -> None:
    for extra in ({}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "identity"}):
        first = client.get("/spaces?q=mill", headers=extra)
        assert first.status_code == 200 and "Old Mill Hub" in first.text
        rename_behind_the_cache(engine, space.id, "Renamed Quietly")
        second = client.get("/spaces?q=mill", headers=extra)
        assert "Old Mill Hub" in second.text  # from the cache
        # Security headers, Vary, compression, ETag, Cache-Control: the same as the app's own answer.
        assert headers_but_date(second) == headers_but_date(first)
        assert first.headers["cache-control"] == "public, max-age=0, s-maxage=60"
        assert "default-src 'self'" in second.headers["content-security-policy"]
        rename_behind_the_cache(engine, space.id, "Old Mill Hub")
    assert first.headers["etag"] == second.headers["etag"]
    api = client.get("/api/v1/spaces?q=mill")
    rename_behind_the_cache(engine, space.id, "Renamed Again")
    again = client.get("/api/v1/spaces?q=mill")
    assert again.json() == api.json() and headers_but_date(again) == headers_but_date(api)
    assert again.headers["access-control-allow-origin"] == "*"


def test_a_cached_answer_still_answers_304(client: TestClient, space: Space) -> None:
    tag = client.get("/spaces?q=mill").headers["etag"]
    assert len(client.app.state.page_store) == 1
    cached = client.get("/spaces?q=mill", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == tag
    assert cached.headers["cache-control"] == "public, max-age=0, s-maxage=60"


def test_a_write_through_the_site_makes_the_next_anonymous_get_fresh(
    client: TestClient, session: Session, space: Space, settings: Settings
) -> None:
    with TestClient(app=create_app(settings)) as visitor:
        assert "Old Mill Hub" in visitor.get(f"/spaces/{space.slug}").text
        assert "Old Mill Hub" in visitor.get("/spaces?q=mill").text
        before = read_version(session.get_bind())
        builder(client, session, space)
        response = save(client, space.slug, edit_form(client, space.slug), name="New Mill Hub", summary="Renamed")
        assert response.status_code == 303, response.text[:500]
        assert read_version(session.get_bind()) > before
        assert "New Mill Hub" in visitor.get(f"/spaces/{space.slug}").text
        assert "New Mill Hub" in visitor.get("/spaces?q=mill").text


def test_signed_in_pages_are_never_kept_nor_shared(
    client: TestClient, session: Session, engine: Engine, space: Space
) -> None:
    builder(client, session, space)  # signed in on ``client``
    store = client.app.state.page_store
    store.clear()
    page = client.get(f"/spaces/{space.slug}")
    assert "Edit this listing" in page.text
    assert page.headers["cache-control"] == "private, no-store"  # it holds a form token
    search = client.get("/spaces?q=mill")
    assert search.headers["cache-control"] == "private, no-cache"  # no shared cache may keep it
    assert len(store) == 0
    rename_behind_the_cache(engine, space.id, "Seen At Once")
    assert "Seen At Once" in client.get("/spaces?q=mill").text
    # An anonymous visitor's cached page is not served to the builder either.
    with TestClient(app=client.app) as anonymous:
        anonymous.cookies.clear()
        assert "Edit this listing" not in anonymous.get(f"/spaces/{space.slug}").text
    assert "Edit this listing" in client.get(f"/spaces/{space.slug}").text


def test_languages_are_never_mixed(client: TestClient, engine: Engine, space: Space) -> None:
    english = client.get("/spaces?q=mill", headers={"Accept-Language": "en"})
    latvian = client.get("/spaces?q=mill", headers={"Accept-Language": "lv-LV,lv;q=0.9"})
    assert '<html lang="en"' in english.text and '<html lang="lv"' in latvian.text
    rename_behind_the_cache(engine, space.id, "Old Mill Hub")
    assert '<html lang="lv"' in client.get("/spaces?q=mill", headers={"Accept-Language": "lv"}).text
    assert '<html lang="en"' in client.get("/spaces?q=mill", headers={"Accept-Language": "en-GB"}).text
    client.cookies.set("lang", "lv")
    assert '<html lang="lv"' in client.get("/spaces?q=mill", headers={"Accept-Language": "en"}).text
    client.cookies.delete("lang")
    assert '<html lang="lv"' in client.get("/spaces?q=mill&lang=lv", headers={"Accept-Language": "en"}).text
    assert '<html lang="en"' in client.get("/spaces?q=mill", headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize(
    "cookie",
    ["lang=%6Cv", 'lang="lv"', "csrftoken=x; lang=%6cv", "lang=en; lang=lv"],
    ids=["url-encoded", "quoted", "beside-the-token", "twice"],
)
def test_a_language_cookie_is_read_as_the_app_reads_it(client: TestClient, space: Space, cookie: str) -> None:
    """A cookie spelled oddly must not file a Latvian page under English for the next visitor (the key's
    language is read with the parser the app uses: of a cookie sent twice, the same one wins)."""
    odd = client.get("/spaces?q=mill", headers={"Cookie": cookie, "Accept-Language": "en"})
    assert '<html lang="lv"' in odd.text
    assert '<html lang="en"' in client.get("/spaces?q=mill", headers={"Accept-Language": "en"}).text
    assert '<html lang="en"' in client.get("/spaces?q=mill&lang=%65n", headers={"Accept-Language": "lv"}).text
    assert '<html lang="lv"' in client.get("/spaces?q=mill", headers={"Accept-Language": "lv"}).text


def test_an_htmx_part_and_the_whole_page_are_never_mixed(client: TestClient, space: Space) -> None:
    whole = client.get("/spaces?q=mill")
    part = client.get("/spaces?q=mill", headers=PARTIAL)
    assert "<html" in whole.text and "<html" not in part.text and "Old Mill Hub" in part.text
    assert "<html" in client.get("/spaces?q=mill").text
    assert "<html" not in client.get("/spaces?q=mill", headers=PARTIAL).text
    assert len(client.app.state.page_store) == 2


def test_a_page_with_a_form_gets_each_visitor_their_own_token(client: TestClient, engine: Engine, space: Space) -> None:
    """The report form (open to anyone) is kept once, without a token; each visitor gets their own in it."""
    path = f"/spaces/{space.slug}/report"
    tokens = []
    for encoding in ("gzip", "identity"):
        with TestClient(app=client.app) as visitor:
            page = visitor.get(path, headers={"Accept-Encoding": encoding})
            assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
            token = visitor.cookies["csrftoken"]
            assert f'value="{token}"' in page.text and "etag" not in page.headers
            tokens.append(token)
            # From the cache now (the old name), with the same visitor's own token and no new cookie.
            rename_behind_the_cache(engine, space.id, "Not Shown Yet")
            again = visitor.get(path, headers={"Accept-Encoding": encoding})
            assert "Old Mill Hub" in again.text and f'value="{token}"' in again.text
            assert "set-cookie" not in again.headers and "\x00" not in again.text
            assert again.headers["cache-control"] == "private, no-store"
            rename_behind_the_cache(engine, space.id, "Old Mill Hub")
        with TestClient(app=client.app) as newcomer:
            # A new visitor gets the cached page with a new token of their own, and its cookie; the form works.
            page = newcomer.get(path, headers={"Accept-Encoding": encoding})
            token = newcomer.cookies["csrftoken"]
            assert token not in tokens and f'value="{token}"' in page.text
            assert int(page.headers["content-length"]) == len(page.content) or encoding == "gzip"
            report = newcomer.post(
                path,
                data={"_csrf_token": token, "message": "Closed on Mondays now.", "contact_email": ""},
                follow_redirects=False,
            )
            assert report.status_code == 303, report.text[:300]
    assert tokens[0] != tokens[1]


def test_a_view_is_counted_for_a_cached_page(client: TestClient, session: Session, space: Space) -> None:
    for _ in range(3):
        assert client.get(f"/spaces/{space.slug}", headers=BROWSER).status_code == 200
    client.get(f"/spaces/{space.slug}", headers={"User-Agent": "Googlebot/2.1"})
    client.head(f"/spaces/{space.slug}", headers=BROWSER)
    session.expire_all()
    assert session.scalar(select(PageView.count).where(PageView.space_id == space.id)) == 3


def test_switched_off_nothing_is_kept_but_the_headers_are_the_same(
    engine: Engine, settings: Settings, space: Space
) -> None:
    with TestClient(app=create_app(replace(settings, page_cache=False))) as client:
        assert client.app.state.page_store is None
        first = client.get("/spaces?q=mill")
        assert first.headers["cache-control"] == "public, max-age=0, s-maxage=60"
        rename_behind_the_cache(engine, space.id, "Old Mill Hub Renamed")
        assert "Old Mill Hub Renamed" in client.get("/spaces?q=mill").text


def test_every_content_write_bumps_the_version_and_bookkeeping_does_not(session: Session, space: Space) -> None:
    engine = session.get_bind()
    before = read_version(engine)
    space.name = "Bumped"
    session.flush()
    session.rollback()
    assert read_version(engine) == before  # rolled back: no write, no bump
    space.name = "Bumped"
    session.commit()
    assert read_version(engine) == before + 1
    user = User(email="a@example.org", email_key="a@example.org", password_hash="!")
    session.add(user)
    session.commit()
    assert read_version(engine) == before + 2  # an account can be shown (a builder's profile)
    before += 1
    session.add(UserSession(token_hash="x" * 64, user_id=user.id))
    session.commit()
    assert read_version(engine) == before + 1  # signing in changes no page
    session.execute(update(Space).where(Space.id == space.id).values(town="Sigulda"))
    session.commit()
    assert read_version(engine) == before + 2
    session.commit()  # nothing changed
    assert read_version(engine) == before + 2


@pytest.fixture()
def redis_db() -> Iterator[redis.Redis]:
    # Redis runs wherever the tests do (README): its absence fails, never skips.
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    client.ping()
    client.flushdb()
    yield client
    client.flushdb()


def test_two_workers_share_answers_through_redis_and_see_each_others_writes(
    settings: Settings, engine: Engine, space: Space, database_url: str, redis_db: redis.Redis
) -> None:
    # content_version_seconds=0: each request reads the version, as another worker would after its 1 s.
    shared = replace(settings, redis_url=REDIS_URL, content_version_seconds=0)
    with TestClient(app=create_app(shared)) as one, TestClient(app=create_app(shared)) as two:
        assert "Old Mill Hub" in one.get("/spaces?q=mill").text
        assert list(redis_db.scan_iter("coworking:page:*"))
        rename_behind_the_cache(engine, space.id, "Old Mill Hub Quietly")
        assert "Old Mill Hub Quietly" not in two.get("/spaces?q=mill").text  # worker one's answer
        # A write in another process (the CLI, another worker): its commit bumps the version in the database.
        script = (
            "from sqlalchemy.orm import Session; from coworking.core.db import make_engine; "
            "from coworking.spaces.models import Space; import sys\n"
            "with Session(make_engine(sys.argv[1])) as s, s.begin():\n"
            "    s.get(Space, int(sys.argv[2])).name = 'Old Mill Written Elsewhere'\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, database_url, str(space.id)],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        assert "Old Mill Written Elsewhere" in two.get("/spaces?q=mill").text
        assert "Old Mill Written Elsewhere" in one.get("/spaces?q=mill").text


def test_a_redis_that_does_not_answer_is_a_miss_and_left_alone_a_while(redis_db: redis.Redis) -> None:
    from tests.server import free_port

    closed = redis.Redis(port=free_port(), socket_timeout=0.2, socket_connect_timeout=0.2)
    pages = RedisPages(closed, seconds=60)
    assert pages.get("k") is None  # refused: a miss
    calls: list[str] = []
    closed.get = lambda key: calls.append(key)  # type: ignore[method-assign]
    assert pages.get("k") is None and calls == []  # resting: not asked
    # An entry it cannot read (an older layout) is a miss too, not a failed page.
    working = RedisPages(redis_db, seconds=60)
    redis_db.set(RedisPages.PREFIX + "old", b"\x93not-an-entry")
    assert working.get("old") is None
