"""Residents' stories: a space's builders publish them with the resident's recorded consent (refused
without it, nothing written), with a photo through the listing photos' safe path; edit and withdraw them
(withdrawn: text and photo deleted for good, gone from every page at once); anyone asks for a story's
removal without an account, and the space's builders and its country's partners see the request."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.accounts.models import User
from coworking.accounts.permissions import Actor
from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.core.settings import Settings
from coworking.moderation.models import Submission
from coworking.spaces.models import Space
from coworking.stories import services
from coworking.stories.models import Story, StoryRemovalRequest
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, fresh, last_mail, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import BUILDER, PARTNER, builder, lielvarde, partner  # noqa: F401

STORY = "I moved back to Lielvārde from Riga.\n\nAt CoLabora I found <b>people</b> & a quiet desk by the river."
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def png(width: int = 640, height: int = 480, colour: tuple[int, int, int] = (40, 120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def story_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "title": "Back home, at a real desk", "text": STORY, "resident_name": "Ilze", "consent_given_by": "Ilze Ozola",
        "consent_date": YESTERDAY, "shows": ["text", "name", "photo"], "consent": "yes", "alt_text": "",
    }  # fmt: skip
    form.update(changes)
    return form


def send(client: TestClient, path: str, photo: bytes | None = None, **changes: str | list[str]):  # noqa: ANN201
    """The story form as a browser sends it: multipart, with an empty file part when no photo is chosen."""
    files = {"photo": ("ilze.png", photo, "image/png") if photo is not None else ("", b"", "application/octet-stream")}
    data = {**story_form(**changes), "_csrf_token": csrf(client)}
    return client.post(path, data=data, files=files, follow_redirects=False)


def publish(client: TestClient, space: Space, photo: bytes | None = None, **changes: str | list[str]):  # noqa: ANN201
    return send(client, f"/spaces/{space.slug}/stories/new", photo, **changes)


def stories(session: Session) -> list[Story]:
    session.expire_all()
    return session.scalars(select(Story).order_by(Story.id)).all()


def media_files(settings: Settings) -> list[Path]:
    return sorted(settings.media_dir.glob("story-*")) if settings.media_dir.exists() else []


def photo_urls(html: str) -> list[str]:
    return sorted(set(re.findall(r"/stories/photos/story-[0-9a-f]+-\d+\.webp", html)))


def test_publish_without_a_photo_shows_it_escaped_on_the_space_page_and_across_the_network(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    user = builder(client, session, lielvarde)
    form = client.get(f"/spaces/{lielvarde.slug}/stories/new")
    assert form.status_code == 200 and 'name="consent"' in form.text and 'enctype="multipart/form-data"' in form.text
    response = publish(client, lielvarde)
    assert response.status_code == 303, response.text[:500]
    [story] = stories(session)
    assert (
        response.headers["location"] == f"/spaces/{lielvarde.slug}/stories/manage?published={story.id}#story-{story.id}"
    )
    assert story.text == STORY and story.resident_name == "Ilze" and story.photo_key is None
    assert story.consent_given_by == "Ilze Ozola" and story.consent_date.isoformat() == YESTERDAY
    assert story.consent_shows == ["text", "name", "photo"] and story.consent_recorded_by == user.id

    escaped = "At CoLabora I found &lt;b&gt;people&lt;/b&gt; &amp; a quiet desk"
    for path in (
        f"/spaces/{lielvarde.slug}",
        "/stories",
        f"/spaces/{lielvarde.slug}/stories",
        f"/spaces/{lielvarde.slug}/stories/{story.id}",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert escaped in page.text and "<b>people</b>" not in page.text, path
        assert "Back home, at a real desk" in page.text and "— Ilze" in page.text, path
        assert f'href="/spaces/{lielvarde.slug}/stories/{story.id}/removal"' in page.text, path
    network = client.get("/stories").text
    assert f'<a href="/spaces/{lielvarde.slug}">CoLabora Lielvārde</a>, Lielvārde' in network
    # The consent's name is for the builders, never for the public.
    assert "Ilze Ozola" not in client.get(f"/spaces/{lielvarde.slug}").text
    assert "Ilze Ozola" in client.get(f"/spaces/{lielvarde.slug}/stories/manage").text


def test_a_photo_is_reencoded_shown_with_its_alt_text_lazily_and_sized(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    original = png(1200, 900)
    response = publish(client, lielvarde, original, alt_text="Ilze at her desk by the window")
    assert response.status_code == 303, response.text[:500]
    [story] = stories(session)
    assert story.photo_alt == "Ilze at her desk by the window" and story.photo_sizes == [
        [320, 240],
        [800, 600],
        [1200, 900],
    ]
    assert [path.name for path in media_files(settings)] == sorted(story.photo_file_keys())
    page = client.get(f"/spaces/{lielvarde.slug}").text
    image = re.search(r'<img[^>]*class="story-photo"[^>]*>', page).group(0)
    assert 'alt="Ilze at her desk by the window"' in image and 'loading="lazy"' in image
    assert 'width="1200"' in image and 'height="900"' in image and "srcset=" in image
    served = client.get(photo_urls(page)[0])
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert served.content != original and Image.open(io.BytesIO(served.content)).format == "WEBP"
    # Only a story's own copies are served: a listing photo's route does not serve them, nor a guessed name.
    assert client.get("/media/" + photo_urls(page)[0].rsplit("/", 1)[1]).status_code == 404
    assert client.get("/stories/photos/story-0123-320.webp").status_code == 404
    assert client.get("/stories/photos/..%2F..%2Fsecret.webp").status_code == 404


def test_a_photo_needs_its_alt_text_and_the_residents_agreement(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    no_alt = publish(client, lielvarde, png())
    assert no_alt.status_code == 400 and 'id="alt_text-error"' in no_alt.text
    not_agreed = publish(client, lielvarde, png(), alt_text="Ilze at her desk", shows=["text", "name"])
    assert not_agreed.status_code == 400 and 'id="photo-error"' in not_agreed.text
    assert "The resident did not agree to show a photo" in not_agreed.text
    assert stories(session) == [] and media_files(settings) == []


def test_consent_is_required_and_nothing_is_written_without_it(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    refusals = [
        ({"consent": ""}, "consent", "without their consent it cannot be published"),
        ({"consent_date": ""}, "consent_date", "Enter the day the resident gave their consent."),
        ({"consent_date": "2026-02-31"}, "consent_date", "Enter a date such as 2026-06-15."),
        ({"consent_date": (date.today() + timedelta(days=3)).isoformat()}, "consent_date", "This day is still to come"),
        ({"consent_given_by": "  "}, "consent_given_by", "Write who gave their consent"),
        ({"shows": ["name"]}, "consent_shows", "publish it only if the resident agreed to show it"),
        ({"resident_name": ""}, "resident_name", "Write the first name or nickname the resident chose."),
        ({"text": " \n "}, "text", "Write the resident&#39;s story."),
    ]
    for changes, field, message in refusals:
        response = publish(client, lielvarde, png(), alt_text="Ilze at her desk", **changes)
        assert response.status_code == 400, (changes, response.status_code)
        assert f'id="{field}-error"' in response.text and message in response.text, changes
        assert "Nothing was saved yet" in response.text
        # What was typed comes back (the file cannot: the page says to choose it again).
        assert 'value="Back home, at a real desk"' in response.text and 'value="Ilze at her desk"' in response.text
        assert "I moved back to Lielvārde" in response.text or "text" in changes
        assert "Choose the file again" in response.text
    assert stories(session) == [] and media_files(settings) == []
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_too_long_a_story_is_refused_with_the_text_kept(client: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    long_text = "Working here changed my weeks. " * 100  # 3100 characters
    response = publish(client, lielvarde, text=long_text)
    assert response.status_code == 400 and "shorten it to 3000 characters" in response.text
    assert 'aria-invalid="true" aria-describedby="text-hint text-error"' in response.text
    assert long_text.strip() in response.text
    assert stories(session) == []
    assert publish(client, lielvarde, text="x" * 3000).status_code == 303


def test_a_file_that_is_not_a_photo_is_refused_with_a_message_and_the_rest_kept(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    response = publish(client, lielvarde, b"%PDF-1.4 this is not a picture", alt_text="Ilze at her desk")
    assert response.status_code == 400
    assert (
        'id="photo-error"' in response.text
        and "This file is not a JPEG, PNG or WebP photo we can read." in response.text
    )
    assert (
        'value="Ilze at her desk"' in response.text
        and 'value="Ilze Ozola"' in response.text
        and f'value="{YESTERDAY}"' in response.text
    )
    assert "I moved back to Lielvārde" in response.text
    assert stories(session) == [] and media_files(settings) == []


def test_without_agreement_to_show_the_name_the_story_is_a_residents(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    builder(client, session, lielvarde)
    assert publish(client, lielvarde, title="", shows=["text"], resident_name="Ilzīte").status_code == 303
    for path in (f"/spaces/{lielvarde.slug}", "/stories"):
        page = client.get(path).text
        assert "A resident" in page and "Ilzīte" not in page, path
    assert "Ilzīte" in client.get(f"/spaces/{lielvarde.slug}/stories/manage").text


def test_edit_replaces_and_removes_the_photo_and_records_the_consent_again(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    assert publish(client, lielvarde, png(), alt_text="Ilze at her desk").status_code == 303
    [story] = stories(session)
    first_files = media_files(settings)
    edit_path = f"/spaces/{lielvarde.slug}/stories/{story.id}/edit"
    form = client.get(edit_path)
    assert (
        form.status_code == 200 and "I moved back to Lielvārde" in form.text and 'value="Ilze at her desk"' in form.text
    )
    assert 'name="consent" value="yes" required>' in form.text  # not ticked: the person saving ticks it again

    # A second builder edits: their account is recorded as the one who wrote the consent down.
    other = builder(fresh, session, lielvarde, email="juris.builder@example.org")
    unticked = send(fresh, edit_path, text="A new version", consent="")
    assert unticked.status_code == 400 and 'id="consent-error"' in unticked.text and "A new version" in unticked.text
    assert stories(session)[0].text == STORY

    replaced = send(fresh, edit_path, png(500, 500, (200, 30, 30)), text="A new version", alt_text="The river")
    assert replaced.status_code == 303, replaced.text[:500]
    [story] = stories(session)
    assert story.text == "A new version" and story.photo_alt == "The river" and story.consent_recorded_by == other.id
    assert story.updated_by == other.id
    assert not set(first_files) & set(media_files(settings)) and len(media_files(settings)) == 2  # 320 and 500
    assert "A new version" in client.get(f"/spaces/{lielvarde.slug}").text

    removed = send(fresh, edit_path, remove_photo="yes", alt_text="The river")
    assert removed.status_code == 303
    [story] = stories(session)
    assert story.photo_key is None and story.photo_alt is None and media_files(settings) == []
    assert 'class="story-photo"' not in client.get(f"/spaces/{lielvarde.slug}").text


def test_withdraw_removes_the_text_and_photo_for_good_and_keeps_a_tombstone(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    user = builder(client, session, lielvarde)
    assert publish(client, lielvarde, png(), alt_text="Ilze at her desk").status_code == 303
    [story] = stories(session)
    url = photo_urls(client.get(f"/spaces/{lielvarde.slug}").text)[0]
    assert client.get(url).status_code == 200

    response = post(client, f"/spaces/{lielvarde.slug}/stories/{story.id}/withdraw")
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/spaces/{lielvarde.slug}/stories/manage?withdrawn=1"
    )
    [story] = stories(session)
    assert story.removed_at is not None and story.removed_by == user.id
    assert (story.text, story.title, story.resident_name, story.consent_given_by, story.photo_key, story.photo_alt) == (
        None,
    ) * 6
    assert media_files(settings) == []
    for path in (f"/spaces/{lielvarde.slug}", "/stories", f"/spaces/{lielvarde.slug}/stories"):
        page = client.get(path).text
        assert "I moved back to Lielvārde" not in page and "Back home" not in page, path
    assert 'id="stories-heading"' not in client.get(f"/spaces/{lielvarde.slug}").text
    assert client.get(f"/spaces/{lielvarde.slug}/stories/{story.id}").status_code == 404
    assert client.get(url).status_code == 404
    # Withdrawn once: its forms are gone too.
    assert client.get(f"/spaces/{lielvarde.slug}/stories/{story.id}/edit").status_code == 404
    assert post(client, f"/spaces/{lielvarde.slug}/stories/{story.id}/withdraw").status_code == 404
    assert "Withdrawn" in client.get(f"/spaces/{lielvarde.slug}/stories/manage").text


def test_a_removal_request_reaches_the_builders_and_the_partner_and_withdrawing_closes_it(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    assert publish(client, lielvarde).status_code == 303
    [story] = stories(session)
    with TestClient(app=client.app) as resident:
        story_page = resident.get(f"/spaces/{lielvarde.slug}/stories/{story.id}")
        assert "Ask to remove this story" in story_page.text
        form = resident.get(f"/spaces/{lielvarde.slug}/stories/{story.id}/removal")
        assert form.status_code == 200 and 'name="reason"' in form.text and "Back home, at a real desk" in form.text
        bad = post(
            resident,
            f"/spaces/{lielvarde.slug}/stories/{story.id}/removal",
            reason="It is mine.",
            contact_email="ilze@",
        )
        assert bad.status_code == 400 and 'id="contact_email-error"' in bad.text and "It is mine." in bad.text
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
        sent = post(
            resident,
            f"/spaces/{lielvarde.slug}/stories/{story.id}/removal",
            reason="It is my story <i>and</i> I changed my mind.",
            contact_email="ilze@example.org",
        )
        assert (
            sent.status_code == 303
            and sent.headers["location"] == f"/spaces/{lielvarde.slug}/stories/{story.id}?asked=1"
        )
        assert "your request is sent" in resident.get(sent.headers["location"]).text
    item = session.scalar(select(Submission))
    assert (item.kind, item.status, item.country_code, item.space_id) == ("story", "open", "LV", lielvarde.id)
    assert (
        session.scalar(select(StoryRemovalRequest.story_id).where(StoryRemovalRequest.submission_id == item.id))
        == story.id
    )
    mail = last_mail(session, BUILDER)
    assert "remove a story" in mail.subject and f"/spaces/{lielvarde.slug}/stories/manage#story-{story.id}" in mail.body

    manage = client.get(f"/spaces/{lielvarde.slug}/stories/manage").text
    assert "Someone asks for this story to be removed." in manage
    assert "It is my story &lt;i&gt;and&lt;/i&gt; I changed my mind." in manage and "ilze@example.org" in manage
    queue = partner.get("/moderation").text
    assert (
        "Request to remove a resident&#39;s story from CoLabora Lielvārde" in queue
        or "Request to remove a resident's story" in queue
    )
    assert f'href="/spaces/{lielvarde.slug}/stories/manage"' in queue and "ilze@example.org" in queue
    assert partner.get("/moderation?kind=story").text.count('class="queue-item card"') == 1

    # The partner of the country may withdraw it too: the request is then dealt with.
    assert post(partner, f"/spaces/{lielvarde.slug}/stories/{story.id}/withdraw").status_code == 303
    session.expire_all()
    item = session.get(Submission, item.id)
    assert item.status == "approved" and item.decided_by is not None
    assert "Someone asks for this story" not in client.get(f"/spaces/{lielvarde.slug}/stories/manage").text
    assert "Nothing waits for a decision." in partner.get("/moderation").text


def test_removal_requests_are_rate_limited_per_ip(client: TestClient, session: Session, lielvarde: Space) -> None:
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    story = services.publish_story(
        session, client.app.state.media, Actor(user_id=admin.id, is_admin=True), lielvarde, story_form(), ["text"]
    )
    path = f"/spaces/{lielvarde.slug}/stories/{story.id}/removal"
    for _ in range(5):
        assert post(client, path).status_code == 303
    assert post(client, path).status_code == 429


@pytest.mark.parametrize(
    "who", ["anonymous", "verified user", "builder of another space", "partner of another country"]
)
def test_only_the_spaces_builders_its_partners_and_admins_keep_its_stories(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings, who: str
) -> None:
    elsewhere = make_space(session, "SKOLA6", "Cēsis", "LV")
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    story = services.publish_story(
        session, client.app.state.media, Actor(user_id=admin.id, is_admin=True), lielvarde, story_form(), ["text"]
    )
    if who != "anonymous":
        register_and_verify(client, session, "someone@example.org")
        user = session.scalar(select(User).where(User.email == "someone@example.org"))
        if who == "builder of another space":
            builder_of_elsewhere(session, user, elsewhere)
        if who == "partner of another country":
            grant_partner(session, client.app.state.sessions, admin.id, "someone@example.org", "IE", None)
        assert sign_in(client, email="someone@example.org").status_code == 303
    refused = 401 if who == "anonymous" else 403
    base = f"/spaces/{lielvarde.slug}/stories"
    for path in (f"{base}/manage", f"{base}/new", f"{base}/{story.id}/edit"):
        assert client.get(path).status_code == refused, path
    assert publish(client, lielvarde).status_code == refused
    assert send(client, f"{base}/{story.id}/edit", text="Taken over").status_code == refused
    assert post(client, f"{base}/{story.id}/withdraw").status_code == refused
    [kept] = stories(session)
    assert kept.text == STORY and kept.removed_at is None
    # Their own space's stories they may keep (a builder), and the public pages are everyone's.
    assert client.get(base).status_code == 200 and client.get(f"{base}/{story.id}").status_code == 200
    if who == "builder of another space":
        assert client.get(f"/spaces/{elsewhere.slug}/stories/manage").status_code == 200


def builder_of_elsewhere(session: Session, user: User, space: Space) -> None:
    from coworking.accounts.models import BuilderRole

    session.add(BuilderRole(user_id=user.id, space_id=space.id))
    session.commit()


def test_the_partner_of_the_country_and_an_admin_publish_too(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:
    assert partner.get(f"/spaces/{lielvarde.slug}/stories/manage").status_code == 200
    assert publish(partner, lielvarde).status_code == 303
    assert sign_in(client, email="admin@example.org").status_code == 303
    assert publish(client, lielvarde, title="Second").status_code == 303
    assert len(stories(session)) == 2


def test_a_story_of_another_space_is_not_found_under_this_one(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    elsewhere = make_space(session, "SKOLA6", "Cēsis", "LV")
    builder(client, session, lielvarde)
    builder_of_elsewhere(session, session.scalar(select(User).where(User.email == BUILDER)), elsewhere)
    assert sign_in(client, email=BUILDER).status_code == 303
    assert publish(client, elsewhere).status_code == 303
    [story] = stories(session)
    assert client.get(f"/spaces/{lielvarde.slug}/stories/{story.id}").status_code == 404
    assert client.get(f"/spaces/{lielvarde.slug}/stories/{story.id}/edit").status_code == 404
    assert post(client, f"/spaces/{lielvarde.slug}/stories/{story.id}/withdraw").status_code == 404
    assert client.get(f"/spaces/{lielvarde.slug}/stories/99999999999").status_code in (400, 404)
    assert stories(session)[0].removed_at is None


def test_the_networks_stories_newest_first_by_country_and_in_pages(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    ireland = make_space(session, "Ludgate Hub", "Skibbereen", "IE")
    admin = Actor(user_id=create_admin(session, None, "admin@example.org", PASSWORD).id, is_admin=True)
    media = client.app.state.media
    for number in range(12):
        services.publish_story(
            session, media, admin, lielvarde, story_form(title=f"Lielvārde story {number}"), ["text", "name"]
        )
    services.publish_story(session, media, admin, ireland, story_form(title="A Skibbereen story"), ["text", "name"])
    first = client.get("/stories").text
    assert first.index("A Skibbereen story") < first.index("Lielvārde story 11") < first.index("Lielvārde story 10")
    assert "Lielvārde story 2<" not in first and 'rel="next"' in first and "Page 1 of 2" in first
    second = client.get("/stories", params={"page": "2"}).text
    assert "Lielvārde story 0<" in second and "Page 2 of 2" in second and "A Skibbereen story" not in second
    latvia = client.get("/stories", params={"country": "lv"})
    assert (
        latvia.status_code == 200
        and "A Skibbereen story" not in latvia.text
        and "Residents&#39; stories in Latvia" in latvia.text
    )
    assert 'href="/stories?country=LV&amp;page=2"' in latvia.text
    assert client.get("/stories", params={"page": "99"}).status_code == 200  # past the last: the last
    bad = client.get("/stories", params={"country": "XX"})
    assert bad.status_code == 400 and 'id="country-error"' in bad.text
    # The space's page shows its newest three and links to all of them.
    detail = client.get(f"/spaces/{lielvarde.slug}").text
    assert "Lielvārde story 11" in detail and "Lielvārde story 9" in detail and "Lielvārde story 8" not in detail
    assert "All 12 stories of this space" in detail
    assert "Page 1 of 2" in client.get(f"/spaces/{lielvarde.slug}/stories").text


def test_8_3_1_the_service_asks_the_rule_itself(session: Session, lielvarde: Space, settings: Settings) -> None:
    """Whatever surface calls it, publishing on a space needs to keep that space's stories (ASVS 8.3.1)."""
    from litestar.exceptions import PermissionDeniedException

    from coworking.core.storage import build_media_store

    elsewhere = make_space(session, "SKOLA6", "Cēsis", "LV")
    media = build_media_store(settings.media_dir)
    for actor in (
        Actor(user_id=1, builder_of=frozenset({elsewhere.id})),
        Actor(user_id=1, partner_countries=frozenset({"IE"})),
    ):
        with pytest.raises(PermissionDeniedException):
            services.publish_story(session, media, actor, lielvarde, story_form(), ["text"])
    assert stories(session) == []


def test_3_5_1_a_story_form_without_its_token_is_refused(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    builder(client, session, lielvarde)
    data = story_form()
    response = client.post(
        f"/spaces/{lielvarde.slug}/stories/new", data=data, files={"photo": ("", b"", "application/octet-stream")}
    )
    assert response.status_code == 403 and stories(session) == []


def test_the_builders_find_the_stories_from_the_space_page(
    client: TestClient, session: Session, lielvarde: Space
) -> None:
    assert "/stories/manage" not in client.get(f"/spaces/{lielvarde.slug}").text
    assert 'id="stories-heading"' not in client.get(f"/spaces/{lielvarde.slug}").text  # no stories: no section
    builder(client, session, lielvarde)
    assert f'href="/spaces/{lielvarde.slug}/stories/manage"' in client.get(f"/spaces/{lielvarde.slug}").text
    manage = client.get(f"/spaces/{lielvarde.slug}/stories/manage")
    assert manage.status_code == 200 and f'href="/spaces/{lielvarde.slug}/stories/new"' in manage.text


def test_a_partner_dismisses_a_removal_request_and_the_story_stays(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:
    admin = Actor(user_id=session.scalar(select(User.id).where(User.email == "admin@example.org")), is_admin=True)
    story = services.publish_story(session, client.app.state.media, admin, lielvarde, story_form(), ["text", "name"])
    assert (
        post(client, f"/spaces/{lielvarde.slug}/stories/{story.id}/removal").status_code == 303
    )  # no reason, no address
    item = session.scalar(select(Submission))
    assert item.message is None and item.contact_email is None
    queue = partner.get("/moderation?kind=story").text
    assert "Story removal requests" in queue and "Why it needs no change" in queue
    assert (
        post(partner, f"/moderation/{item.id}/reject", reason="Published with a signed consent form.").status_code
        == 303
    )
    session.expire_all()
    assert session.get(Submission, item.id).status == "rejected" and stories(session)[0].removed_at is None
    assert "I moved back to Lielvārde" in client.get(f"/spaces/{lielvarde.slug}").text


def test_a_story_of_another_space_is_refused_by_the_service_itself(session: Session) -> None:
    """Found in review: the pages check that a story belongs to the space in its path; the services now do too."""
    from datetime import date

    from litestar.exceptions import PermissionDeniedException

    from coworking.accounts.permissions import Actor
    from coworking.stories.models import Story
    from coworking.stories.services import withdraw_story

    here, there = make_space(session, "CoLabora", "Lielvārde", "LV"), make_space(session, "SKOLA6", "Cēsis", "LV")
    story = Story(space_id=there.id, text="A desk and people.", resident_name="Ilze", consent_given_by="Ilze", consent_date=date(2026, 1, 1), consent_shows=["text"])
    session.add(story)
    session.commit()
    keeper_of_here = Actor(user_id=1, builder_of=frozenset({here.id}))
    with pytest.raises(PermissionDeniedException):
        withdraw_story(session, None, keeper_of_here, here, story)  # type: ignore[arg-type] - refused before any file is touched
    assert session.get(Story, story.id).text == "A desk and people."
