"""Guides: reading them (with the fallback to English), their safe Markdown, the administrators' writes
(create, edit, translate, merge a stale save, revert) with their revisions, who is refused, and the seed."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.accounts.models import User
from coworking.accounts.permissions import Actor
from coworking.accounts.services import create_admin
from coworking.core.i18n import translator
from coworking.exchange.seed import SEED_DIR, SeedError, SeedReport, load_guides
from coworking.guides import services
from coworking.guides.markdown import allowed_link, bad_links, render
from coworking.guides.models import Guide, GuideText
from coworking.revisions.models import Revision
from tests.test_accounts import PASSWORD, csrf, fresh, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import builder, lielvarde, partner  # noqa: F401

ADMIN = "admin@example.org"
NOT_TRANSLATED = "This guide is not yet translated into your language: here it is in English."


def seeded(session: Session) -> SeedReport:
    report = SeedReport()
    load_guides(session, SEED_DIR / "guides", report)
    session.commit()
    return report


@pytest.fixture()
def admin(client: TestClient, session: Session) -> TestClient:
    """An administrator, signed in on ``client``."""
    create_admin(session, None, ADMIN, PASSWORD)
    assert sign_in(client, email=ADMIN).status_code == 303
    return client


def form_of(page_html: str) -> dict[str, str]:
    """The guide form's fields as the browser would send them back unchanged."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="(?:text|hidden)"[^>]*?name="([^"]+)" value="([^"]*)"', page_html)
    }
    for name, value in re.findall(r'<textarea[^>]*?name="([^"]+)"[^>]*>([^<]*)</textarea>', page_html):
        fields[name] = html.unescape(value)
    fields.pop("_csrf_token", None)
    return fields


def save(client: TestClient, path: str, fields: dict[str, str], **changes: str):  # noqa: ANN201
    return client.post(path, data={**fields, **changes, "_csrf_token": csrf(client)}, follow_redirects=False)


# Reading ------------------------------------------------------------------------------------------


def test_the_list_and_a_guide_in_english(client: TestClient, session: Session) -> None:
    seeded(session)
    listing = client.get("/guides")
    assert listing.status_code == 200
    titles = re.findall(r'<h2><a href="/guides/([^"]+)">', listing.text)
    assert titles == [
        "what-residents-look-for", "the-community-builder", "resident-meetings-and-story-evenings",
        "welcoming-people-who-just-want-to-work", "joining-the-network",
    ]  # fmt: skip
    assert "Fast internet, office equipment and the atmosphere" in listing.text
    page = client.get("/guides/the-community-builder")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and '<article class="guide">' in page.text
    assert "<h1>What a community builder does</h1>" in page.text
    assert 'class="breadcrumb"' in page.text and '<a href="/guides">Guides</a>' in page.text
    # The Markdown's headings sit under the page's one h1.
    assert page.text.count("<h1>") == 1 and "<h2>What you can do as a community builder</h2>" in page.text
    assert NOT_TRANSLATED not in page.text
    assert client.get("/guides/no-such-guide").status_code == 404


def test_a_guide_not_yet_translated_falls_back_to_english_with_a_note(client: TestClient, session: Session) -> None:
    seeded(session)
    page = client.get("/guides/the-community-builder?lang=lv")
    assert page.status_code == 200
    assert '<html lang="lv">' in page.text
    # The English text says it is English, inside a Latvian page; the note is in the visitor's language.
    assert '<article class="guide" lang="en">' in page.text
    assert html.escape(translator("lv").gettext(NOT_TRANSLATED), quote=False) in page.text
    listing = client.get("/guides?lang=lv")
    assert '<li lang="en">' in listing.text


def test_the_footer_and_the_builders_pages_link_to_guides(client: TestClient, session: Session, lielvarde) -> None:  # noqa: ANN001, F811
    seeded(session)
    assert '<a href="/guides">Guides</a>' in client.get("/").text
    builder(client, session, lielvarde)
    assert sign_in(client).status_code == 303
    edit = client.get(f"/spaces/{lielvarde.slug}/edit").text
    assert 'href="/guides/what-residents-look-for"' in edit and "Guides that may help" in edit
    profile = client.get("/account/profile").text
    assert 'href="/guides/resident-meetings-and-story-evenings"' in profile
    assert 'href="/guides"' in client.get("/account").text


def test_guides_are_in_the_sitemap(client: TestClient, session: Session) -> None:
    seeded(session)
    pages = client.get("/sitemaps/pages.xml").text
    assert "/guides</loc>" in pages and "/guides/joining-the-network</loc>" in pages


# Safe Markdown ------------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<div onmouseover=alert(1)>raw html</div>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "![pixel](https://tracker.example/p.gif)",
    '![x](x" onerror="alert(1))',
    "[off](//evil.example/x)",
]


def assert_inert(rendered: str) -> None:
    assert "<script" not in rendered.lower()
    assert "<img" not in rendered.lower() and "<div" not in rendered.lower()
    # No tag carries an event handler, whatever text shows.
    for tag in re.findall(r"<[a-z][^>]*>", rendered):
        assert not re.search(r"\son\w+\s*=", tag), tag
    for href in re.findall(r'href="([^"]*)"', rendered):
        assert allowed_link(html.unescape(href)), href


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_comes_out_inert(text: str) -> None:
    assert_inert(render(text))


def test_allowed_links_and_headings() -> None:
    rendered = render(
        "# Top\n\n## Second\n\n[a](https://example.org/x) [b](/spaces?country=LV) [c](mailto:hello@example.org) [d](#top)"
    )
    assert "<h2>Top</h2>" in rendered and "<h3>Second</h3>" in rendered and "<h1" not in rendered
    for href in ("https://example.org/x", "/spaces?country=LV", "mailto:hello@example.org", "#top"):
        assert f'href="{href}"' in rendered
    assert bad_links("[x](javascript:alert(1)) [y](https://ok.example) [z](ftp://files.example)") == [
        "javascript:alert(1)",
        "ftp://files.example",
    ]


def test_a_body_with_a_bad_link_is_refused_naming_it(admin: TestClient, session: Session) -> None:
    response = post(
        admin, "/guides/new", title="Links", summary="", body="Go [here](javascript:alert(1)).", position="5", slug=""
    )
    assert response.status_code == 400
    assert "is not allowed: links must start with https://" in response.text
    assert (
        "javascript:alert(1)" in response.text
        and 'aria-invalid="true" aria-describedby="body-hint body-error"' in response.text
    )
    # What was typed is back in the form; nothing was written.
    assert "Go [here](javascript:alert(1))." in html.unescape(response.text)
    assert session.scalar(select(func.count()).select_from(Guide)) == 0
    assert not [href for href in re.findall(r'href="([^"]*)"', response.text) if "javascript" in href.lower()]


# Writing ------------------------------------------------------------------------------------------


def test_create_edit_translate_and_revert_each_a_revision(admin: TestClient, session: Session) -> None:
    created = post(
        admin,
        "/guides/new",
        title="Opening a space",
        summary="First steps.",
        body="## Start\n\nAsk your residents.",
        position="7",
        slug="",
        note="first draft",
    )
    assert created.status_code == 303 and created.headers["location"] == "/guides/opening-a-space?saved=1"
    page = admin.get("/guides/opening-a-space")
    assert "<h1>Opening a space</h1>" in page.text and "<h3>Start</h3>" in page.text

    # Edit the English original.
    form = form_of(admin.get("/guides/opening-a-space/edit/en").text)
    assert form["title"] == "Opening a space" and form["body"] == "## Start\n\nAsk your residents."
    assert (
        save(admin, "/guides/opening-a-space/edit/en", form, body="## Start\n\nAsk your residents weekly.").status_code
        == 303
    )
    # Translate it: the Latvian form shows the English original beside it.
    lv_page = admin.get("/guides/opening-a-space/edit/lv")
    assert "The English original" in lv_page.text
    lv_form = form_of(lv_page.text)
    assert lv_form["title"] == "" and "position" not in lv_form
    saved = save(
        admin,
        "/guides/opening-a-space/edit/lv",
        lv_form,
        title="Telpas atvēršana",
        summary="Pirmie soļi.",
        body="Jautā rezidentiem.",
    )
    assert saved.status_code == 303
    translated = admin.get("/guides/opening-a-space?lang=lv").text
    assert "<h1>Telpas atvēršana</h1>" in translated and '<article class="guide">' in translated
    assert html.escape(translator("lv").gettext(NOT_TRANSLATED), quote=False) not in translated

    history = services.history_rows(session, services.get_guide(session, "opening-a-space"))
    assert [row.kind for row in history] == ["edit", "edit", "created"]
    revisions = session.scalars(select(Revision).where(Revision.subject == "guide").order_by(Revision.version)).all()
    assert [revision.version for revision in revisions] == [1, 2, 3]
    # A guide belongs to no country: no partner's queue or country filter ever sees it.
    assert {revision.country_code for revision in revisions} == {None}
    assert revisions[0].summary == "first draft" and revisions[2].snapshot["lv.title"] == "Telpas atvēršana"
    history_page = admin.get("/guides/opening-a-space/history")
    assert (
        history_page.status_code == 200
        and "Text (Markdown) (English)" in history_page.text
        and "<ins>residents weekly.</ins>" in history_page.text
    )

    # Restore version 1: the English text as first written, and no Latvian translation yet.
    reverted = post(admin, f"/guides/opening-a-space/history/{revisions[0].id}/revert")
    assert reverted.status_code == 303
    session.expire_all()
    guide = services.get_guide(session, "opening-a-space")
    assert guide.text_in("en").body == "## Start\n\nAsk your residents." and guide.text_in("lv") is None
    latest = session.scalars(
        select(Revision).where(Revision.subject == "guide").order_by(Revision.version.desc())
    ).first()
    assert (latest.kind, latest.version, latest.restores_id) == ("revert", 4, revisions[0].id)
    # The restoring is a revision too: restoring version 3 brings the translation back.
    assert post(admin, f"/guides/opening-a-space/history/{revisions[2].id}/revert").status_code == 303
    session.expire_all()
    assert services.get_guide(session, "opening-a-space").text_in("lv").title == "Telpas atvēršana"
    # A revision of another subject is no revision of this guide.
    assert post(admin, "/guides/opening-a-space/history/999999/revert").status_code == 400


def test_bad_input_comes_back_with_its_messages_and_nothing_written(admin: TestClient, session: Session) -> None:
    typed = {
        "title": "",
        "summary": "s" * 501,
        "body": "Kept body text",
        "position": "soon",
        "slug": "Not A Slug!",
        "note": "",
    }
    response = post(admin, "/guides/new", **typed)
    assert response.status_code == 400
    for name in ("title", "summary", "position", "slug"):
        assert f'id="{name}-error"' in response.text, name
    assert "Give the guide a title." in response.text and "This is too long: shorten it." in response.text
    fields = form_of(response.text)
    assert (fields["body"], fields["position"], fields["slug"]) == ("Kept body text", "soon", "Not A Slug!")
    assert session.scalar(select(func.count()).select_from(Guide)) == 0

    user = session.scalar(select(User).where(User.email == ADMIN))
    services.create_guide(session, Actor(user_id=user.id, is_admin=True), {"title": "Taken", "body": "x"})
    again = post(admin, "/guides/new", title="Taken", body="y", position="0", slug="")
    assert again.status_code == 400 and "Another guide has this address already" in again.text
    too_long = post(
        admin, "/guides/taken/edit/en", **{**form_of(admin.get("/guides/taken/edit/en").text), "title": "t" * 201}
    )
    assert too_long.status_code == 400 and 'id="title-error"' in too_long.text and "t" * 201 in too_long.text
    assert post(admin, "/guides/taken/edit/zz", title="x").status_code == 404  # not one of the site's languages


def test_preview_renders_without_saving(admin: TestClient, session: Session) -> None:
    response = post(
        admin,
        "/guides/new",
        title="Draft",
        body="## Heading\n\n<script>alert(1)</script> **bold**",
        position="0",
        slug="",
        action="preview",
    )
    assert response.status_code == 200
    assert (
        "Preview (not saved yet)" in response.text
        and "<h3>Heading</h3>" in response.text
        and "<strong>bold</strong>" in response.text
    )
    assert "<script>alert(1)</script>" not in response.text
    assert 'id="body-error"' not in response.text
    # The preview already names what a save would refuse.
    bad = post(
        admin, "/guides/new", title="Draft", body="[x](vbscript:msgbox(1))", position="0", slug="", action="preview"
    )
    assert bad.status_code == 200 and 'id="body-error"' in bad.text and "vbscript:msgbox(1)" in bad.text
    assert 'href="vbscript' not in bad.text
    assert session.scalar(select(func.count()).select_from(Guide)) == 0


def test_a_stale_save_shows_both_versions_and_loses_nothing(
    admin: TestClient, fresh: TestClient, session: Session
) -> None:  # noqa: F811
    create_admin(session, None, "second.admin@example.org", PASSWORD)
    assert sign_in(fresh, email="second.admin@example.org").status_code == 303
    seeded(session)
    path = "/guides/joining-the-network/edit/en"
    first, second = form_of(admin.get(path).text), form_of(fresh.get(path).text)
    assert save(admin, path, first, summary="Their summary.", title="Joining the network").status_code == 303
    stale = save(fresh, path, second, summary="My summary.")
    assert stale.status_code == 409
    assert "Someone else saved this guide while you were editing it" in stale.text
    # Mine stays in the field, theirs is shown beside it; the title I left alone takes their change.
    merged = form_of(stale.text)
    assert merged["summary"] == "My summary." and 'id="summary-theirs"' in stale.text and "Their summary." in stale.text
    assert merged["title"] == "Joining the network"
    session.expire_all()
    assert services.get_guide(session, "joining-the-network").text_in("en").summary == "Their summary."
    # Saving the merge wins; an edit of another language meanwhile is no conflict at all.
    assert save(fresh, path, merged).status_code == 303
    lv = form_of(admin.get("/guides/joining-the-network/edit/lv").text)
    old_en = form_of(fresh.get(path).text)
    assert save(admin, "/guides/joining-the-network/edit/lv", lv, title="Kā pievienoties tīklam").status_code == 303
    assert save(fresh, path, old_en, body="New body.").status_code == 303
    session.expire_all()
    guide = services.get_guide(session, "joining-the-network")
    assert (guide.text_in("en").summary, guide.text_in("en").body, guide.text_in("lv").title) == (
        "My summary.",
        "New body.\n".strip(),
        "Kā pievienoties tīklam",
    )
    # The first edit on the site recorded the seeded text first: the history starts where the guide did.
    kinds = [row.kind for row in services.history_rows(session, guide)]
    assert kinds[-1] == "imported" and kinds.count("edit") == 4


@pytest.mark.parametrize(
    "path",
    ["/guides/new", "/guides/the-community-builder/edit/en", "/guides/the-community-builder/history"],
)
def test_the_admin_pages_are_refused_to_everyone_else(
    client: TestClient,
    partner: TestClient,
    session: Session,
    lielvarde,
    path: str,  # noqa: ANN001, F811
) -> None:
    """ASVS 8.2.1: anonymous → 401 (with the sign-in link), members, builders and partners → 403."""
    seeded(session)
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and "/account/login?next=" in anonymous.text
    assert partner.get(path).status_code == 403
    builder(client, session, lielvarde)
    assert sign_in(client).status_code == 303
    assert client.get(path).status_code == 403
    assert "Edit this guide" not in client.get("/guides/the-community-builder").text
    before = session.scalar(select(func.count()).select_from(GuideText))
    assert post(client, "/guides/new", title="Mine", body="x", position="0", slug="").status_code == 403
    assert session.scalar(select(func.count()).select_from(GuideText)) == before


def test_the_service_refuses_whoever_is_not_an_admin(session: Session) -> None:
    """ASVS 8.3.1: the rule holds in the service, whatever surface calls it."""
    from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

    with pytest.raises(NotAuthorizedException):
        services.create_guide(session, Actor(), {"title": "x"})
    with pytest.raises(PermissionDeniedException):
        services.create_guide(
            session, Actor(user_id=1, partner_countries=frozenset({"LV"}), builder_of=frozenset({1})), {"title": "x"}
        )


# Seed ---------------------------------------------------------------------------------------------


def test_the_seed_loads_five_guides_once_and_never_overwrites_an_edit(session: Session) -> None:
    assert seeded(session).guides_added == 5
    admin = create_admin(session, None, ADMIN, PASSWORD)
    guide = services.get_guide(session, "the-community-builder")
    services.save_text(
        session,
        Actor(user_id=admin.id, is_admin=True),
        guide,
        "en",
        guide.version,
        {**services.text_values(guide, "en"), "title": "Edited title"},
    )
    again = seeded(session)
    assert (again.guides_added, again.guides_kept) == (0, 5)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Guide)) == 5
    assert services.get_guide(session, "the-community-builder").text_in("en").title == "Edited title"


def test_the_seeded_guides_use_only_allowed_links_to_pages_that_exist(client: TestClient, session: Session) -> None:
    seeded(session)
    for guide in session.scalars(select(Guide)):
        body = guide.text_in("en").body
        assert guide.texts[0].language == "en" and len(guide.texts) == 1
        assert bad_links(body) == []
        for href in re.findall(r"\]\((/[^)#?]*)", body):
            assert client.get(href, follow_redirects=False).status_code in (200, 401), href


def test_a_guide_file_without_front_matter_is_refused(session: Session, tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "bad.md").write_text("Just text.\n")
    with pytest.raises(SeedError, match="front matter"):
        load_guides(session, tmp_path / "guides", SeedReport())
    (tmp_path / "guides" / "bad.md").write_text("---\nslug: bad\ntitle: Bad\n---\n[x](javascript:alert(1))\n")
    with pytest.raises(SeedError, match="javascript:alert"):
        load_guides(session, tmp_path / "guides", SeedReport())
