"""A partner of Latvia imports their own spreadsheet in the browser: the columns step (its own Latvian column
names), the dry run's report with a likely duplicate offered for merging, then the import. Screenshots of
each step; axe finds nothing on them, in English and Latvian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_accounts_flow import PASSWORD
from tests.e2e.test_listing_flow import accessible, coworking, make_partner, sign_in, signed_up

pytestmark = pytest.mark.browser

# A partner's own spreadsheet: Latvian column names, ";" between cells, a byte order mark. Its first row is
# the listed CoLabora (spelled as people type it), the second a test space that exists only in this test.
SHEET = (
    "\ufeffNosaukums;Pilsēta;Valsts;Platums;Garums;Piezīmes\r\n"
    "Colabora Lielvarde;Lielvārde;LV;56.7206;24.8103;pie Daugavas\r\n"
    "{name};{town};LV;{lat};{lon};\r\n"
)
# One new space per language run (the second run must not find the first's as a duplicate).
NEW = {
    "en": {"name": "Pārbaudes telpa", "town": "Sigulda", "lat": 57.1537, "lon": 24.8534},
    "lv": {"name": "Testa māja", "town": "Valka", "lat": 57.7753, "lon": 26.0178},
}


@pytest.mark.parametrize("language", ["en", "lv"])
def test_a_partner_maps_columns_checks_the_dry_run_and_imports(
    browser: Browser, base_url: str, server_env: dict[str, str], language: str, tmp_path: Path
) -> None:
    partner_email, admin_email = f"import-partner-{language}@example.org", f"import-admin-{language}@example.org"
    coworking(server_env, "createadmin", admin_email, "--password", PASSWORD)
    context, partner = signed_up(browser, base_url, server_env, partner_email, language)
    make_partner(browser, base_url, admin_email, partner_email)
    sign_in(partner, partner_email)

    sheet = tmp_path / "telpas.csv"
    sheet.write_text(SHEET.format(**NEW[language]), encoding="utf-8")
    partner.goto("/partner/import")
    partner.set_input_files("#file", str(sheet))
    partner.locator("main form button[type=submit]").click()

    # The columns step: the file's own names, its first values, a guess where the name is a usual one.
    expect(partner.locator("#columns-heading")).to_be_visible()
    expect(partner.locator("#column_2")).to_have_value("")  # "Valsts" is not a name this site knows
    accessible(partner, f"import-{language}-columns")
    for position, field in enumerate(("name", "town", "country_code", "lat", "lon")):
        partner.select_option(f"#column_{position}", field)
    partner.select_option("#column_1", "name")  # one field twice: the message sits next to the column
    partner.locator("main form button[type=submit]").click()
    expect(partner.locator("#column_1-error")).to_be_visible()
    expect(partner.locator("#column_1")).to_have_value("name")  # the choices are kept
    partner.select_option("#column_1", "town")
    partner.locator("main form button[type=submit]").click()

    # The dry run: one row to add, one likely duplicate of the listed CoLabora offered for merging.
    expect(partner.locator("#report-heading")).to_be_visible()
    expect(partner.locator(".import-add")).to_have_count(1)
    duplicate = partner.locator(".import-duplicate select")
    expect(duplicate).to_have_count(1)
    accessible(partner, f"import-{language}-report")
    expect(duplicate.locator("option[value='colabora-lielvarde']")).to_have_count(1)
    # Left out (the listing keeps its own spelling): only the new space goes in.
    partner.locator("main form[action^='/partner/import/'] button[type=submit]").click()
    expect(partner).to_have_url(re.compile(r"/partner/import\?added=1&updated=0$"))
    accessible(partner, f"import-{language}-done")
    partner.goto(f"/spaces?q={NEW[language]['town']}")
    expect(partner.locator(".space-list")).to_contain_text(NEW[language]["name"])

    # The partner's monthly figures: this month counts the space just imported.
    partner.goto("/partner/reports")
    expect(partner.locator("svg").first).to_be_visible()
    accessible(partner, f"reports-{language}")
    context.close()
