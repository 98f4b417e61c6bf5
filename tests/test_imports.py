"""Open data in: an export imported into an empty database gives back the same spaces (CSV and GeoJSON);
a messy spreadsheet and OpenStreetMap data get a row-by-row report; duplicates are never inserted twice;
a builder's later edit is kept; nothing is ever half-imported."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from coworking.accounts.roles import grant_partner
from coworking.accounts.services import create_admin
from coworking.cli import main
from coworking.exchange import imports
from coworking.revisions.models import Revision
from coworking.spaces.listing import listing_state
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.test_accounts import PASSWORD, csrf, fresh, register_and_verify, sign_in  # noqa: F401


def full_listing(session: Session) -> None:
    make_space(
        session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103, region="Ogre",
        amenities=("fibre", "desks", "printer"), street_address="Lāčplēša iela 1", website="https://colabora.lv/",
        email="hello@colabora.lv", phone="+371 2000 0000", description='Desks, "coffee", and a river view;\\nweekly meetings.',
        description_local="Koprades telpa pie Daugavas.", internet_download_mbps=300, internet_upload_mbps=50,
        internet_measured_on=date(2026, 5, 1), desks=12, price_notes="€10 a day, €120 a month",
        opening_hours={"mon": [["09:00", "17:00"]], "tue": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]},
        source_url="https://www.ziedzeme.lv/colabora", location_precision="exact",
        network_pass_days=5, network_pass_conditions="Book the day before; members of network spaces only.",
    )  # fmt: skip
    make_space(session, "SKOLA6", "Cēsis", "LV", region="Cēsis Municipality", amenities=("desks",))
    make_space(session, "Ennis Hub", "Ennis", "IE", latitude=None, longitude=None)


def facts(session: Session) -> dict[str, dict]:
    session.expire_all()
    return {space.name: {**listing_state(space), "source_url": space.source_url, "country": space.country_code}
            for space in session.scalars(select(Space))}  # fmt: skip


def empty(session: Session) -> None:
    session.execute(delete(Revision))
    session.execute(delete(Space))
    session.commit()


def run(database_url: str, *args: str):  # noqa: ANN201
    return CliRunner().invoke(main, ["import", *args], env={"COWORKING_DATABASE_URL": database_url})


@pytest.mark.parametrize("extension", ["csv", "geojson"])
def test_an_export_imported_into_an_empty_database_gives_back_the_same_spaces(
    client: TestClient, session: Session, database_url: str, tmp_path: Path, extension: str
) -> None:
    full_listing(session)
    before = facts(session)
    exported = tmp_path / f"spaces.{extension}"
    exported.write_bytes(client.get(f"/data/spaces.{extension}").content)
    empty(session)
    dry = run(database_url, str(exported), "--dry-run")
    assert dry.exit_code == 0 and "add: 3" in dry.output and "Dry run, nothing written" in dry.output, dry.output
    assert session.scalar(select(func.count()).select_from(Space)) == 0
    result = run(database_url, str(exported))
    assert result.exit_code == 0 and "3 added" in result.output, result.output
    assert facts(session) == before
    # Imported again: nothing to do (never inserted twice).
    again = run(database_url, str(exported))
    assert "0 added, 0 updated" in again.output and "unchanged: 3" in again.output
    history = client.get("/spaces/colabora-lielvarde/history").text
    assert "Listing created by an import of network data." in history


MESSY = (
    "\ufeffName;City;Country;Latitude;Longitude;Website;Amenities\r\n"
    "Skujenes kopstrādes telpa;Skujene;LV;57.0667;25.6833;skujene.lv;fast_internet;\r\n"
    "Colabora Lielvarde;Lielvārde;LV;56.7206;24.8103;;\r\n"  # a likely duplicate of the listed CoLabora
    "Kuldīgas hubs;Kuldīga;LV;91;21.96;;\r\n"  # no such latitude
    "Berlin Loft;Berlin;DE;52.52;13.40;;\r\n"  # another country
    "SALA;Aloja;LV;57.767;24.877;https://sala.lv;teleporter\r\n"  # an unknown amenity
    "Jaunais hubs;Valmiera;LV;57.5385;25.4263;https://hubs.lv;desks\r\n"
    "Jaunais Hubs;Valmiera;LV;57.5385;25.4263;;\r\n"  # the row above, again
)


def test_a_messy_spreadsheet_gets_a_report_with_line_numbers_and_only_good_rows_go_in(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103)
    path = tmp_path / "partner.csv"
    path.write_bytes(MESSY.encode("utf-8"))
    report = run(database_url, str(path), "--country", "LV", "--dry-run")
    assert report.exit_code == 0, report.output
    lines = report.output.splitlines()
    assert any(line.startswith("line 2: add Skujenes kopstrādes telpa") for line in lines)
    assert any(line.startswith("line 3: duplicate Colabora Lielvarde") and "colabora-lielvarde" in line for line in lines)
    assert any(line.startswith("line 4: refused Kuldīgas hubs") and "not on Earth" in line for line in lines)
    assert any(line.startswith("line 5: refused Berlin Loft") and "you may import only into LV" in line for line in lines)
    assert any(line.startswith("line 6: refused SALA") and "Choose amenities from the list" in line for line in lines)
    assert any(line.startswith("line 7: add Jaunais hubs") for line in lines)
    assert any(line.startswith("line 8: duplicate Jaunais Hubs") for line in lines)  # earlier in the same file
    result = run(database_url, str(path), "--country", "LV")
    assert "2 added, 0 updated" in result.output, result.output
    session.expire_all()
    skujene = session.scalar(select(Space).where(Space.name == "Skujenes kopstrādes telpa"))
    assert skujene.website == "https://skujene.lv" and skujene.amenity_codes == ["fast_internet"]
    # The partner's answer to the duplicate: line 3 updates the listed CoLabora instead.
    merged = run(database_url, str(path), "--country", "LV", "--merge", "3=colabora-lielvarde")
    assert "0 added, 1 updated" in merged.output, merged.output
    assert session.scalar(select(func.count()).select_from(Space).where(Space.town == "Lielvārde")) == 1


def test_bad_files_are_reported_never_a_traceback(session: Session, database_url: str, tmp_path: Path) -> None:
    cases = {
        "latin1.csv": ("name,town,country_code\nKuldīga hub,Kuldīga,LV\n".encode("latin-1", errors="replace") + "Ĉ".encode("cp1252", errors="replace") + b"\xe9\n", "not UTF-8"),
        "columns.csv": (b"title,place\nA,B\n", "no column name, town, country_code"),
        "empty.csv": (b"", "empty"),
        "broken.geojson": (b"{not json", "cannot be read as JSON"),
        "list.geojson": (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run(database_url, str(path))
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, (name, result.output)
    assert session.scalar(select(func.count()).select_from(Space)) == 0


OVERPASS = {
    "version": 0.6,
    "elements": [
        {"type": "node", "id": 101, "lat": 56.9496, "lon": 24.1052, "tags": {
            "amenity": "coworking_space", "name": "Teikums", "addr:city": "Rīga", "addr:country": "LV", "addr:street": "Tērbatas iela",
            "addr:housenumber": "14", "website": "https://teikums.lv", "opening_hours": "Mo-Fr 09:00-18:00", "wheelchair": "yes"}},
        {"type": "way", "id": 202, "center": {"lat": 57.3119, "lon": 25.2706}, "tags": {
            "office": "coworking", "name": "Cēsu Koprade", "addr:city": "Cēsis", "contact:email": "info@example.lv"}},
        {"type": "node", "id": 303, "lat": 56.95, "lon": 24.1, "tags": {"amenity": "cafe", "name": "Not a coworking space"}},
    ],
}  # fmt: skip


def test_openstreetmap_data_from_overpass(client: TestClient, session: Session, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "overpass.json"
    path.write_text(json.dumps(OVERPASS))
    result = run(database_url, str(path), "--country", "LV")
    assert result.exit_code == 0 and "2 added" in result.output, result.output
    session.expire_all()
    teikums = session.scalar(select(Space).where(Space.name == "Teikums"))
    assert teikums.street_address == "Tērbatas iela 14" and teikums.website == "https://teikums.lv"
    assert teikums.opening_hours == {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    assert teikums.amenity_codes == ["accessible"] and teikums.source_url == "https://www.openstreetmap.org/node/101"
    cesis = session.scalar(select(Space).where(Space.name == "Cēsu Koprade"))
    assert cesis.email == "info@example.lv" and (cesis.latitude, cesis.longitude) == (57.3119, 25.2706)
    assert session.scalar(select(Space).where(Space.name == "Not a coworking space")) is None


def test_a_builders_later_edit_is_kept_unless_the_partner_says_so(client: TestClient, session: Session, database_url: str, tmp_path: Path) -> None:
    from coworking.accounts.permissions import Actor
    from coworking.spaces.editing import edit_listing

    space = make_space(session, "SKOLA6", "Cēsis", "LV")
    path = tmp_path / "old.csv"
    path.write_text("name,town,country_code,desks,updated_at\nSKOLA6,Cēsis,LV,8,2026-01-01T00:00:00+00:00\n")
    from coworking.accounts.models import User

    anna = User(email="anna@example.org", email_key="anna@example.org", password_hash="not used here")
    session.add(anna)
    session.commit()
    actor = Actor(user_id=anna.id, builder_of=frozenset({space.id}))
    edit_listing(session, actor, space, space.version, {**listing_state(space), "desks": 20}, "twenty desks now")
    kept = run(database_url, str(path))
    assert "kept SKOLA6" in kept.output and "0 updated" in kept.output, kept.output
    session.expire_all()
    assert session.get(Space, space.id).desks == 20
    assert "1 updated" in run(database_url, str(path), "--overwrite").output
    session.expire_all()
    assert session.get(Space, space.id).desks == 8


def test_nothing_is_half_imported(session: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, columns = imports.read_records(MESSY.encode("utf-8"), "csv")
    plan = imports.plan_import(session, records, columns, allowed_countries=frozenset({"LV"}), default_country="LV")
    assert plan.count(imports.ADD) == 3

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports.revisions, "changed_fields", fail)  # after the spaces are written, before their revisions
    with pytest.raises(RuntimeError):
        imports.apply_import(session, plan, author_id=None, author_role="import", source="partner.csv")
    with Session(engine) as fresh:
        assert fresh.scalar(select(func.count()).select_from(Space)) == 0


def partners(session: Session, **clients: TestClient) -> None:
    """Each client signed in as a partner of its country (``lv=client`` → a partner of LV)."""
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    for country, who in clients.items():
        email = f"{country}.partner@example.org"
        register_and_verify(who, session, email)
        grant_partner(session, who.app.state.sessions, admin.id, email, country.upper(), None)
        assert sign_in(who, email=email).status_code == 303


def upload(who: TestClient, content: bytes, file_format: str = "csv"):  # noqa: ANN201
    return who.post("/partner/import", data={"format": file_format, "_csrf_token": csrf(who, "/partner/import")},
                    files={"file": ("partner.csv", content, "text/csv")}, follow_redirects=False)  # fmt: skip


def test_a_partner_imports_into_their_country_after_a_dry_run(
    client: TestClient, fresh: TestClient, session: Session, tmp_path: Path  # noqa: F811
) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103)
    partners(session, lv=client, ie=fresh)
    report = upload(client, MESSY.encode("utf-8"))
    assert report.status_code == 200, report.text[:500]
    text = report.text
    assert "What this file would do" in text and "you may import only into LV" in text and "These coordinates are not on Earth" in text
    assert 'name="merge_3"' in text and '<option value="colabora-lielvarde">' in text
    assert "Like line 7 of this file." in text  # the row above, again
    assert session.scalar(select(func.count()).select_from(Space)) == 1  # a dry run writes nothing
    token = re.search(r'action="/partner/import/([0-9a-f]{32})"', text).group(1)
    # Only the partner who sent it can confirm it.
    assert fresh.post(f"/partner/import/{token}", data={"_csrf_token": csrf(fresh)}, follow_redirects=False).status_code == 404
    done = client.post(f"/partner/import/{token}", data={"merge_3": "colabora-lielvarde", "_csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/partner/import?added=2&updated=1"
    assert client.post(f"/partner/import/{token}", data={"_csrf_token": csrf(client)}, follow_redirects=False).status_code == 404  # once
    revision = session.scalar(select(Revision).where(Revision.kind == "import"))
    assert revision.author_role == "partner" and revision.summary == "Import: partner.csv"
    # A bad file comes back with its message; a builder or a visitor may not import at all.
    bad = upload(client, b"\xff\xfe not utf-8")
    assert bad.status_code == 400 and "not UTF-8" in bad.text
    fresh.cookies.clear()
    assert fresh.get("/partner/import").status_code == 401


def test_a_merge_never_reaches_another_countrys_listing(session: Session) -> None:
    irish = make_space(session, "Ennis Hub", "Ennis", "IE")
    rows = "name,town,country_code,desks\nEnnis Hub,Ennis,LV,99\nEnnis Hub,Ennis,IE,99\n"
    records, columns = imports.read_records(rows.encode(), "csv")
    plan = imports.plan_import(session, records, columns, allowed_countries=frozenset({"LV"}), merges={2: irish.slug, 3: irish.slug})
    assert [row.action for row in plan.rows] == [imports.ADD, imports.REFUSED]
    imports.apply_import(session, plan, author_id=None, author_role="import", source="forged.csv")
    session.expire_all()
    assert session.get(Space, irish.id).desks is None


LATVIAN_SHEET = (
    "Nosaukums;Pilsēta;Novads;Platums;Garums;Galdi;Piezīmes\r\n"
    "Skujenes kopstrādes telpa;Skujene;Cēsu novads;57.0667;25.6833;6;atvērts ziemā\r\n"
    "Jaunais hubs;Valmiera;Valmieras novads;57.5385;25.4263;10;\r\n"
).encode()  # fmt: skip


def test_a_spreadsheet_with_its_own_column_names_is_mapped_once_and_remembered(client: TestClient, session: Session) -> None:
    partners(session, lv=client)
    step = upload(client, LATVIAN_SHEET)
    assert step.status_code == 200 and "Which column holds what?" in step.text and "Skujenes kopstrādes telpa" in step.text
    token = re.search(r'action="/partner/import/([0-9a-f]{32})/columns"', step.text).group(1)
    answer = {"column_0": "name", "column_1": "town", "column_2": "region", "column_3": "lat", "column_4": "lon", "column_5": "desks", "column_6": ""}

    # Two columns for one field, or no column for the town: the step comes back with the choices kept.
    twice = client.post(f"/partner/import/{token}/columns", data={**answer, "column_2": "town", "_csrf_token": csrf(client)})
    assert twice.status_code == 400 and "Another column already holds this field" in twice.text
    assert re.search(r'<option value="town" selected>', twice.text) and re.search(r'id="column_2"[^>]*aria-invalid="true"', twice.text)
    no_town = client.post(f"/partner/import/{token}/columns", data={**answer, "column_1": "", "_csrf_token": csrf(client)})
    assert no_town.status_code == 400 and "which columns hold the name, the town and the country" in no_town.text

    report = client.post(f"/partner/import/{token}/columns", data={**answer, "_csrf_token": csrf(client)})
    assert report.status_code == 200 and "What this file would do" in report.text and "Add: 2" in report.text
    assert "nosaukums → Name" in report.text
    assert session.scalar(select(func.count()).select_from(Space)) == 0
    done = client.post(f"/partner/import/{token}", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/partner/import?added=2&updated=0"
    skujene = session.scalar(select(Space).where(Space.town == "Skujene"))
    assert (skujene.country_code, skujene.region, skujene.desks, skujene.latitude) == ("LV", "Cēsu novads", 6, 57.0667)

    # The next file of the same shape goes straight to the report, read the remembered way (changeable).
    again = upload(client, LATVIAN_SHEET)
    assert "Which column holds what?" not in again.text and "Unchanged" in again.text and "nosaukums → Name" in again.text
    token = re.search(r'action="/partner/import/([0-9a-f]{32})"', again.text).group(1)
    change = client.get(f"/partner/import/{token}/columns")
    assert change.status_code == 200 and re.search(r'<option value="desks" selected>', change.text)
    # Two columns of one name cannot be told apart (the mapping is remembered by name): refused, never merged;
    # an unnamed column (a spreadsheet's trailing ";") is simply left out.
    twins = upload(client, "Nosaukums;Pilsēta;Piezīmes;Piezīmes;\r\nSKOLA6;Cēsis;a;b;\r\n".encode())
    token = re.search(r'action="/partner/import/([0-9a-f]{32})/columns"', twins.text).group(1)
    refused = client.post(f"/partner/import/{token}/columns", data={"column_0": "name", "column_1": "town", "column_2": "description",
                                                                     "column_3": "", "column_4": "", "_csrf_token": csrf(client)})  # fmt: skip
    assert refused.status_code == 400 and "Two columns of the file have this name" in refused.text
    assert "column_4-error" not in refused.text
    # Another partner's staged file is not theirs to map.
    other = client.get("/partner/import/" + "0" * 32 + "/columns")
    assert other.status_code == 404
