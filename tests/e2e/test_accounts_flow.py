"""A community builder makes an account in a real browser: register, confirm from the outbox (as a
developer without a mail server would), reach the account page, sign out and in again; in Latvian too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import REPO_ROOT, describe_violations, new_phone_context, run_axe, screenshot, watch_console

pytestmark = pytest.mark.browser

PASSWORD = "linden trees by the old school"


def outbox_link(server_env: dict[str, str], email: str) -> str:
    shown = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "coworking"), "outbox"],
        env=server_env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    message = shown[shown.rindex(f"To: {email}") :]
    return re.search(r"http://127\.0\.0\.1:\d+(/account/verify/\S+)", message).group(1)


@pytest.mark.parametrize("language", ["en", "lv"])
def test_register_confirm_sign_out_and_in(browser: Browser, base_url: str, server_env: dict[str, str], language: str) -> None:
    email = f"builder-{language}@example.org"
    context = new_phone_context(browser, base_url)
    if language == "lv":
        context.add_cookies([{"name": "lang", "value": "lv", "url": base_url}])
    page = context.new_page()
    console = watch_console(page)

    page.goto("/account/register")
    page.fill("#email", email)
    page.fill("#password", "short")
    page.fill("#password_again", "short")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#password-error")).to_be_visible()  # the rule, next to the field
    expect(page.locator("#email")).to_have_value(email)  # what was typed is kept
    assert run_axe(page) == [], describe_violations(run_axe(page))
    screenshot(page, f"account-{language}-register-error")
    console.clear()  # the refused form answered 400, as it should

    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/check-email$"))

    page.goto(outbox_link(server_env, email))
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account\?verified=1$"))
    expect(page.locator("[role=status]")).to_be_visible()
    assert run_axe(page) == [], describe_violations(run_axe(page))
    screenshot(page, f"account-{language}-settings")

    page.locator("form[action='/account/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/account")
    page.locator("main a[href^='/account/login']").click()
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("main h1")).to_have_text("Your account" if language == "en" else "Jūsu konts")
    assert console.unexpected(error_document=f"{base_url}/account") == []
    context.close()


def test_an_administrator_reads_the_security_log(browser: Browser, base_url: str, server_env: dict[str, str]) -> None:
    made = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "coworking"), "createadmin", "admin@example.org", "--password", PASSWORD],
        env=server_env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    context = new_phone_context(browser, base_url)
    page = context.new_page()
    page.goto("/account/login?next=/admin/security-log")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/security-log$"))
    expect(page.locator("main table")).to_contain_text("role_granted")
    assert run_axe(page) == [], describe_violations(run_axe(page))
    screenshot(page, "account-en-security-log")

    page.goto("/admin/partners")
    page.fill("#email", "nobody@example.org")
    page.fill("#country", "LV")
    page.locator("main form[action='/admin/partners'] button").click()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value("nobody@example.org")
    assert run_axe(page) == [], describe_violations(run_axe(page))
    screenshot(page, "account-en-partners")
    context.close()
