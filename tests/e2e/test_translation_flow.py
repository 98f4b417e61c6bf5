"""A community builder translates the listing's description in the browser (a plain form: no script needed),
and a visitor in that language reads the translation first, marked with its language. en + lv; axe on both
pages; screenshots of both at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.e2e.helpers import csp_violations, describe_violations, new_phone_context, run_axe, screenshot, watch_console
from tests.e2e.test_listing_flow import signed_up

LATVIAN = "Koprades telpa Lielvārdē: ātrs internets, printeris un iknedēļas rezidentu tikšanās."
TRANSLATIONS = {
    # The page's language → the language translated into, and the text.
    "en": ("de", "Ein Coworking-Raum in Lielvārde: schnelles Internet, Drucker und wöchentliche Treffen der Residenten."),
    "lv": ("fr", "Un espace de coworking à Lielvārde : internet rapide, imprimante et réunions hebdomadaires des résidents."),
}


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_builder_translates_the_description_and_a_visitor_reads_it_first(
    browser: Browser, base_url: str, server_env: dict[str, str], language: str
) -> None:
    from coworking.accounts.models import BuilderRole, User
    from coworking.core.db import make_engine
    from coworking.spaces.models import Space

    target, text = TRANSLATIONS[language]
    email = f"translator-{language}@example.org"
    context, page = signed_up(browser, base_url, server_env, email, language)
    engine = make_engine(server_env["COWORKING_DATABASE_URL"])
    with Session(engine) as db:
        user_id = db.scalar(select(User.id).where(User.email == email))
        space = db.scalar(select(Space).where(Space.slug == "colabora-lielvarde"))
        db.add(BuilderRole(user_id=user_id, space_id=space.id))
        space.description_local = space.description_local or LATVIAN
        db.commit()
    engine.dispose()

    console = watch_console(page)
    response = page.goto("/spaces/colabora-lielvarde/translations")
    assert response is not None and response.status == 200
    page.select_option("#language", target)
    page.fill("#description", text)
    page.locator("#translate form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator(f".translations p.description[lang={target}]")).to_contain_text(text[:40])
    problems = console.unexpected() + [f"CSP: {item}" for item in csp_violations(page)]
    assert problems == [], "console errors or CSP violations:\n" + "\n".join(problems)
    screenshot(page, f"translations-{language}")
    violations = run_axe(page)
    assert violations == [], f"axe found {len(violations)} WCAG violation(s) on the translations page:\n" + describe_violations(violations)
    context.close()

    visitor = new_phone_context(browser, base_url)
    listing = visitor.new_page()
    listing.goto(f"/spaces/colabora-lielvarde?lang={target}")
    first = listing.locator("article.space p.description").first
    expect(first).to_have_attribute("lang", target)
    expect(first).to_have_text(text)
    expect(listing.locator("details.other-description p.description[lang=lv]")).to_have_count(1)
    screenshot(listing, f"translated-listing-{target}")
    violations = run_axe(listing)
    assert violations == [], f"axe found {len(violations)} WCAG violation(s) on the listing in {target}:\n" + describe_violations(violations)
    visitor.close()
