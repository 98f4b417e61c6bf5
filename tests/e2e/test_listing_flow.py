"""A community builder keeps CoLabora Lielvārde's listing, in a real browser: register, confirm from the
outbox, claim the listing; a partner of Latvia (made one by an admin) approves; the builder edits the
hours and the internet speed, sees them on the page and in the history; a stale save asks to merge; the
builder adds a photo with its alt text and sees it on the page, in search and in the history; the
partner reverts. Screenshots of each new page; axe finds nothing on them, in English and Latvian."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.helpers import REPO_ROOT, describe_violations, new_phone_context, run_axe, screenshot
from tests.e2e.test_accounts_flow import PASSWORD, outbox_link

pytestmark = pytest.mark.browser
SLUG = "colabora-lielvarde"


def coworking(server_env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "coworking"), *args],
        env=server_env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True, input=stdin,
    ).stdout  # fmt: skip


def accessible(page: Page, name: str) -> None:
    violations = run_axe(page)
    assert violations == [], describe_violations(violations)
    screenshot(page, name)


def signed_up(browser: Browser, base_url: str, server_env: dict[str, str], email: str, language: str = "en") -> tuple[BrowserContext, Page]:
    context = new_phone_context(browser, base_url)
    if language == "lv":
        context.add_cookies([{"name": "lang", "value": "lv", "url": base_url}])
    page = context.new_page()
    page.goto("/account/register")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/check-email$"))
    page.goto(outbox_link(server_env, email))
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account\?verified=1$"))
    return context, page


def sign_in(page: Page, email: str) -> None:
    page.goto("/account/login?next=/account")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account$"))


def make_partner(browser: Browser, base_url: str, admin_email: str, partner_email: str, country: str = "LV") -> None:
    """An admin (signed in in a context of their own) makes ``partner_email`` a partner for ``country``."""
    context = new_phone_context(browser, base_url)
    admin = context.new_page()
    sign_in(admin, admin_email)
    admin.goto("/admin/partners")
    admin.fill("#email", partner_email)
    admin.fill("#country", country)
    admin.locator("main form button[type=submit]").first.click()
    context.close()


def camera_photo(folder: Path) -> Path:
    """A phone-like JPEG with its GPS position in the EXIF."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (56.0, 43.0, 14.0), 3: "E", 4: (24.0, 48.0, 37.0)}
    path = folder / "desks.jpg"
    Image.linear_gradient("L").resize((1200, 900)).convert("RGB").save(path, "JPEG", exif=exif)
    return path


@pytest.mark.parametrize("language", ["en", "lv"])
def test_claim_approve_edit_merge_and_revert(
    browser: Browser, base_url: str, server_env: dict[str, str], language: str, tmp_path: Path
) -> None:
    builder_email, partner_email, admin_email = (f"{who}-{language}@example.org" for who in ("colabora", "partner", "admin"))
    coworking(server_env, "createadmin", admin_email, "--password", PASSWORD)
    builder_context, builder = signed_up(browser, base_url, server_env, builder_email, language)
    partner_context, partner = signed_up(browser, base_url, server_env, partner_email, language)

    # The builder claims the listing (an empty role first: the message is next to the field, nothing lost).
    builder.goto(f"/spaces/{SLUG}")
    builder.locator(f"a[href='/spaces/{SLUG}/claim']").click()
    builder.fill("#public_name", "Anna")
    builder.locator("main form button[type=submit]").click()
    expect(builder.locator("#role-error")).to_be_visible()
    expect(builder.locator("#public_name")).to_have_value("Anna")
    accessible(builder, f"listing-{language}-claim-error")
    builder.fill("#role", "community builder")
    builder.locator("main form button[type=submit]").click()
    expect(builder).to_have_url(re.compile(rf"/spaces/{SLUG}\?claimed=1$"))

    # An admin makes the partner a partner for Latvia; the partner signs in again and approves.
    make_partner(browser, base_url, admin_email, partner_email)
    sign_in(partner, partner_email)
    expect(partner.locator(".badge-count")).to_be_visible()  # the queue's count in the navigation
    partner.goto("/moderation")
    accessible(partner, f"listing-{language}-moderation")
    # Their claim, by the builder's address: other tests leave items in the queue too (reports, say).
    partner.locator("li.queue-item", has_text=builder_email).locator("form[action$='/approve'] button").click()
    expect(partner).to_have_url(re.compile(r"/moderation\?decided=approved$"))
    partner.goto("/partner/import")
    accessible(partner, f"listing-{language}-import")

    # The builder signs in again (a new role, a new session) and edits hours and internet speed.
    sign_in(builder, builder_email)
    builder.goto(f"/spaces/{SLUG}/edit")
    expect(builder.locator("#edit-map")).to_be_visible()  # the marker map (JavaScript on)
    accessible(builder, f"listing-{language}-edit")
    stale_form = partner_context.new_page()
    stale_form.goto(f"/spaces/{SLUG}/edit")  # the partner opens the form at the same version
    builder.fill("#hours_mon", "9-17")
    builder.fill("#hours_thu", "9-13, 14-18")
    builder.fill("#internet_download_mbps", "300")
    builder.fill("#internet_upload_mbps", "50")
    builder.fill("#internet_measured_on", "2026-05")
    builder.fill("#summary", "Hours and speed test")
    builder.locator("main form.edit-form button[type=submit]:not([name])").click()
    expect(builder).to_have_url(re.compile(rf"/spaces/{SLUG}\?saved=1$"))
    expect(builder.locator("main")).to_contain_text("300")
    accessible(builder, f"listing-{language}-saved")

    # A photo with its alt text (a camera JPEG with a GPS position): on the page, in search, in the history.
    builder.locator(f"a[href='/spaces/{SLUG}/photos']").first.click()
    builder.set_input_files("#photo", str(camera_photo(tmp_path)))
    builder.locator("main form.upload-form button[type=submit]").click()
    expect(builder.locator("#alt_text-error")).to_be_visible()  # the alt text is required
    accessible(builder, f"listing-{language}-photo-error")
    builder.set_input_files("#photo", str(camera_photo(tmp_path)))
    builder.fill("#alt_text", "Desks by the window")
    builder.locator("main form.upload-form button[type=submit]").click()
    expect(builder).to_have_url(re.compile(rf"/spaces/{SLUG}/photos\?added=1$"))
    accessible(builder, f"listing-{language}-photos")
    builder.goto(f"/spaces/{SLUG}")
    photo = builder.locator(".gallery img[alt='Desks by the window']")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    builder.wait_for_function("() => [...document.querySelectorAll('.gallery img')].every(img => img.complete && img.naturalWidth > 0)")
    screenshot(builder, f"listing-{language}-page-with-photo")
    builder.goto("/spaces?q=lielvarde")
    expect(builder.locator(".space-card img.thumbnail")).to_have_attribute("alt", "Desks by the window")
    screenshot(builder, f"listing-{language}-search-thumbnail")
    builder.goto("/account/profile")
    accessible(builder, f"listing-{language}-profile")

    # The partner's form is stale: saving it keeps their input and shows the builder's value beside it.
    stale_form.fill("#internet_download_mbps", "250")
    stale_form.locator("main form.edit-form button[type=submit]:not([name])").click()
    expect(stale_form.locator("#merge")).to_be_visible()
    expect(stale_form.locator("#internet_download_mbps")).to_have_value("250")
    expect(stale_form.locator("#internet_download_mbps-theirs")).to_contain_text("300")
    expect(stale_form.locator("#hours_mon")).to_have_value("09:00–17:00")  # their untouched field took the builder's change
    accessible(stale_form, f"listing-{language}-merge")

    # The history shows the changes; the partner restores the imported version.
    partner.goto(f"/spaces/{SLUG}/history")
    expect(partner.locator(".revision").first).to_contain_text("Desks by the window")
    expect(partner.locator(".revision").nth(1)).to_contain_text("Hours and speed test")
    accessible(partner, f"listing-{language}-history")
    partner.locator("form.revert button").last.click()
    expect(partner).to_have_url(re.compile(rf"/spaces/{SLUG}/history\?reverted=1$"))
    builder.goto(f"/spaces/{SLUG}")
    expect(builder.locator("main")).not_to_contain_text("300")
    expect(builder.locator(".gallery")).to_have_count(0)  # the photo went with the restored version
    for context in (builder_context, partner_context):
        context.close()


def test_propose_and_report_work_without_javascript(browser: Browser, base_url: str, server_env: dict[str, str]) -> None:
    def propose_a_likely_duplicate(page: Page) -> None:
        page.goto("/propose")
        page.fill("#name", "Colabora Lielvarde")
        page.select_option("#country_code", "LV")
        page.fill("#town", "Lielvārde")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#duplicates")).to_contain_text("CoLabora Lielvārde")
        expect(page.locator("#name")).to_have_value("Colabora Lielvarde")

    context, page = signed_up(browser, base_url, server_env, "proposer@example.org")
    propose_a_likely_duplicate(page)
    accessible(page, "listing-en-propose-duplicates")
    context.close()
    # The same without JavaScript (axe needs it, so it ran above): plain forms, the same answers.
    context = new_phone_context(browser, base_url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "proposer@example.org")
    propose_a_likely_duplicate(page)
    page.goto(f"/spaces/{SLUG}/report")
    page.fill("#message", "The opening hours changed in November.")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/spaces/{SLUG}\?reported=1$"))
    screenshot(page, "listing-en-reported-no-js")
    context.close()


def test_the_yearly_reminder_is_answered_with_one_button(browser: Browser, base_url: str, server_env: dict[str, str]) -> None:
    """A builder of SKOLA6 whose role is over a year old gets the reminder; its link opens a page (axe-checked
    in both languages) whose one button confirms the listing, without signing in."""
    from datetime import timedelta

    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from coworking.accounts.models import BuilderRole, User
    from coworking.core.db import make_engine
    from coworking.core.models import utcnow
    from coworking.spaces.models import Space

    email = "skola6-builder@example.org"
    context, _ = signed_up(browser, base_url, server_env, email)
    context.close()
    engine = make_engine(server_env["COWORKING_DATABASE_URL"])
    with Session(engine) as db:
        space = db.scalar(select(Space).where(Space.slug == "skola6"))
        user = db.scalar(select(User).where(User.email == email))
        db.add(BuilderRole(user_id=user.id, space_id=space.id, granted_at=utcnow() - timedelta(days=400)))
        db.execute(update(Space).where(Space.id == space.id).values(confirmed_at=None))
        db.commit()
    engine.dispose()
    assert "Reminders queued: 1." in coworking(server_env, "remind")
    shown = coworking(server_env, "outbox")
    message = shown[shown.rindex(f"To: {email}") :]
    link = re.search(r"http://[^/\s]+(/listing-check/\S+/confirmed)", message).group(1)

    for language in ("lv", "en"):
        context = new_phone_context(browser, base_url)
        context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
        page = context.new_page()
        page.goto(link)
        accessible(page, f"listing-{language}-reminder-answer")
        if language == "en":
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/spaces/skola6\?confirmed=1$"))
            expect(page.locator("main")).to_contain_text("Confirmed by its community builder on")
        context.close()
