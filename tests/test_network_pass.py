"""The network pass: a builder declares N free days a year for members of other network spaces and the
conditions; it shows on the page and the result card, filters the search (pages, map, API, downloads),
and is named in the yearly confirmation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from coworking.revisions.models import Revision
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.test_accounts import csrf, fresh, last_mail, post, sign_in  # noqa: F401
from tests.test_listings import BUILDER, builder, edit_form, lielvarde, partner, save  # noqa: F401
from tests.test_reminders import YEAR_AND_A_DAY, age, links, remind

CONDITIONS = "Book the day before; bring your network card."


def test_a_builder_offers_the_pass_and_residents_find_it(client: TestClient, fresh: TestClient, session: Session, lielvarde: Space) -> None:  # noqa: F811
    make_space(session, "SKOLA6", "Cēsis", "LV")
    builder(client, session, lielvarde)
    response = save(client, lielvarde.slug, edit_form(client, lielvarde.slug), network_pass_days="5", network_pass_conditions=CONDITIONS)
    assert response.status_code == 303, response.text[:500]
    session.expire_all()
    space = session.get(Space, lielvarde.id)
    assert (space.network_pass_days, space.network_pass_conditions) == (5, CONDITIONS)
    change = session.scalars(select(Revision).where(Revision.subject_id == space.id).order_by(Revision.id.desc())).first()
    assert change.changes["network_pass_days"] == [None, 5]

    page = fresh.get(f"/spaces/{lielvarde.slug}").text
    assert "work here free for 5 days a year" in page and "Book the day before; bring your network card." in page
    found = fresh.get("/spaces?network_pass=1").text
    assert "CoLabora Lielvārde" in found and "SKOLA6" not in found and "Network pass: 5 free days a year" in found
    assert "SKOLA6" in fresh.get("/spaces").text
    api = fresh.get("/api/v1/spaces", params={"network_pass": "true"}).json()
    assert [item["slug"] for item in api["items"]] == [lielvarde.slug] and api["items"][0]["network_pass_days"] == 5
    assert fresh.get(f"/api/v1/spaces/{lielvarde.slug}").json()["network_pass_conditions"] == CONDITIONS
    rows = list(csv.DictReader(io.StringIO(fresh.get("/data/spaces.csv?network_pass=1").content.decode("utf-8-sig"))))
    assert [(row["name"], row["network_pass_days"], row["network_pass_conditions"]) for row in rows] == [
        ("CoLabora Lielvārde", "5", CONDITIONS)
    ]
    assert fresh.get("/spaces?network_pass=maybe").status_code == 400

    # Zero days is "not taking part"; emptying the days switches it off.
    save(client, lielvarde.slug, edit_form(client, lielvarde.slug), network_pass_days="0", network_pass_conditions="")
    session.expire_all()
    assert session.get(Space, lielvarde.id).network_pass_days is None
    assert "CoLabora" not in fresh.get("/spaces?network_pass=1").text


def test_bad_pass_input_comes_back_with_a_message(client: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    version = lielvarde.version
    too_many = save(client, lielvarde.slug, edit_form(client, lielvarde.slug), network_pass_days="400", network_pass_conditions=CONDITIONS)
    assert too_many.status_code == 400 and "Enter a whole number" in too_many.text and CONDITIONS.replace(";", ";") in too_many.text
    no_days = save(client, lielvarde.slug, edit_form(client, lielvarde.slug), network_pass_days="", network_pass_conditions=CONDITIONS)
    assert no_days.status_code == 400 and "how many free days a year" in no_days.text
    session.expire_all()
    assert session.get(Space, lielvarde.id).version == version


def test_the_yearly_reminder_names_the_pass_and_so_does_the_confirmation_page(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space, database_url: str  # noqa: F811
) -> None:
    builder(client, session, lielvarde)
    lielvarde.network_pass_days, lielvarde.network_pass_conditions = 3, CONDITIONS
    session.commit()
    age(session, lielvarde, listed=timedelta(days=800), role=YEAR_AND_A_DAY)
    remind(database_url)
    assert "work there free for 3 days a year" in last_mail(session, BUILDER).body
    page = fresh.get(links(session)["confirmed"]).text
    assert "This includes the network pass" in page and "3 days a year" in page
