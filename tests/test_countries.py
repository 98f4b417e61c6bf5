"""The network by country: /countries in the visitor's language, /countries/{cc} with its search, regions,
networks, activities and downloads; CSV and GeoJSON downloads of any search, streamed, naming their licence."""

from __future__ import annotations

import calendar
import csv
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.core.models import utcnow
from coworking.networks.models import Network
from tests.factories import make_activity, make_space


@pytest.fixture()
def network(session: Session) -> None:
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.7206, longitude=24.8103, region="Ogre",
               amenities=("fibre", "desks"), opening_hours={"mon": [["09:00", "17:00"]], "tue": [["09:00", "13:00"], ["14:00", "18:00"]]},
               internet_download_mbps=300, activities=[make_activity("Resident meeting", utcnow() + timedelta(days=3))])  # fmt: skip
    make_space(session, "SKOLA6", "Cēsis", "LV", region="Cēsis Municipality", amenities=("desks",))
    make_space(session, "Ennis Hub", "Ennis", "IE", latitude=52.8436, longitude=-8.9864, region="Munster")
    make_space(session, "Old Mill", "Sigulda", "LV", status="closed")
    session.add(Network(slug="latvian-network", name="Latvian rural coworking network", scope="national", country_codes=["LV"]))
    session.commit()


def test_countries_are_listed_in_the_visitors_language(client: TestClient, network: None) -> None:
    english = client.get("/countries").text
    assert english.index("Ireland") < english.index("Latvia") and 'href="/countries/lv"' in english
    latvian = client.get("/countries", headers={"Accept-Language": "lv"}).text
    assert "Latvija" in latvian and "Īrija" in latvian


def test_a_country_page_has_its_spaces_regions_networks_activities_and_downloads(client: TestClient, network: None) -> None:
    page = client.get("/countries/lv")
    assert page.status_code == 200
    text = page.text
    assert "Rural coworking in Latvia" in text and "CoLabora Lielvārde" in text and "SKOLA6" in text
    assert "Ennis Hub" not in text and "Old Mill" not in text
    assert 'name="country" value="LV"' in text  # the country is the page's, for the map and the form
    assert "region=Ogre" in text and "Cēsis Municipality" in text
    assert "Latvian rural coworking network" in text and "Resident meeting" in text
    assert "/data/spaces.csv?country=LV" in text and "CC BY 4.0" in text
    # A region narrows the list; the other filters work as on /spaces.
    ogre = client.get("/countries/lv?region=Ogre").text
    assert "CoLabora Lielvārde" in ogre and "SKOLA6" not in ogre
    assert "SKOLA6" in client.get("/countries/lv?amenity=desks&q=skola").text
    # Upper case goes to the one address; a country without spaces, or no country, is not found.
    moved = client.get("/countries/LV?region=Ogre", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/countries/lv?region=Ogre"
    assert client.get("/countries/fr").status_code == 404 and client.get("/countries/xx").status_code == 404
    assert client.get("/countries/lv?amenity=teleporter").status_code == 400
    # The space's page leads to its country.
    assert 'href="/countries/lv"' in client.get("/spaces/colabora-lielvarde").text


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # for spreadsheets
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_and_geojson_downloads_of_any_search(client: TestClient, network: None) -> None:
    response = client.get("/data/spaces.csv?country=LV")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="rural-coworking-spaces-lv-' in response.headers["content-disposition"]
    assert response.headers["link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert response.headers["access-control-allow-origin"] == "*"
    rows = read_csv(response.text)
    assert [row["name"] for row in rows] == ["CoLabora Lielvārde", "SKOLA6"]
    colabora = rows[0]
    assert colabora["amenities"] == "desks;fibre" or colabora["amenities"] == "fibre;desks"
    assert colabora["opening_hours"] == "Mo 09:00-17:00; Tu 09:00-13:00,14:00-18:00"
    assert colabora["lat"] == "56.7206" and colabora["internet_download_mbps"] == "300" and colabora["region"] == "Ogre"

    everything = read_csv(client.get("/data/spaces.csv").text)
    assert {row["name"] for row in everything} == {"CoLabora Lielvārde", "SKOLA6", "Ennis Hub"}
    near = read_csv(client.get("/data/spaces.csv?near=56.72,24.81&radius_km=20").text)
    assert [row["name"] for row in near] == ["CoLabora Lielvārde"] and float(near[0]["distance_km"]) < 1

    collection = client.get("/data/spaces.geojson?amenity=desks").json()
    assert collection["type"] == "FeatureCollection" and collection["license"] == "CC BY 4.0" and collection["generated"]
    features = {feature["properties"]["name"]: feature for feature in collection["features"]}
    assert set(features) == {"CoLabora Lielvārde", "SKOLA6"}
    assert features["CoLabora Lielvārde"]["geometry"] == {"type": "Point", "coordinates": [24.8103, 56.7206]}  # [lon, lat]

    bad = client.get("/data/spaces.csv?country=XX")
    assert bad.status_code == 400


def test_the_export_command(network: None, database_url: str, tmp_path) -> None:  # noqa: ANN001
    from coworking.cli import main

    env = {"COWORKING_DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["export", "--country", "IE"], env=env)
    assert result.exit_code == 0 and [row["name"] for row in read_csv(result.output)] == ["Ennis Hub"]
    target = tmp_path / "all.geojson"
    assert CliRunner().invoke(main, ["export", "--format", "geojson", "-o", str(target)], env=env).exit_code == 0
    assert len(json.loads(target.read_text())["features"]) == 3
    assert CliRunner().invoke(main, ["export", "--country", "XX"], env=env).exit_code == 2


def test_the_network_page_counts_what_it_says(client: TestClient, session: Session, network: None) -> None:
    from coworking.site.network import network_figures

    now = utcnow()
    make_space(session, "Fast Barn", "Ogre", "LV", internet_download_mbps=500, confirmed_at=now - timedelta(days=30),
               activities=[make_activity("Weekly meeting", now.replace(day=1, hour=9), rrule="FREQ=WEEKLY")])  # fmt: skip
    figures = network_figures(session, now)
    assert figures.spaces == 4 and [c.code for c in figures.countries] == ["LV", "IE"]
    assert figures.fast == 2 and figures.fast_percent == 50  # fibre, and 500 Mbit/s
    assert figures.confirmed_last_year == 1
    # The weekly meeting from the 1st: 4 or 5 times this month; the resident meeting once (if still this month).
    weeks = len(range(1, calendar.monthrange(now.year, now.month)[1] + 1, 7))  # the 1st, 8th, 15th, 22nd (29th)
    resident_meeting = int((now + timedelta(days=3)).month == now.month)
    assert figures.activities_this_month == weeks + resident_meeting
    page = client.get("/network").text
    assert "<circle" in page and "Spaces per country" in page and 'href="/countries/ie"' in page
    assert "Latvian rural coworking network" in page and "Fast Barn" in page


def test_weekly_occurrences_are_counted_within_a_window() -> None:
    from datetime import UTC, datetime

    from coworking.activities.models import Activity
    from coworking.activities.services import occurrences_between

    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    weekly = Activity(title="x", starts_at=datetime(2026, 10, 6, 18, tzinfo=UTC), rrule="FREQ=WEEKLY", time_zone="UTC")  # Tuesdays
    assert occurrences_between(weekly, start, end) == 4  # 3, 10, 17, 24 November
    weekly.rrule = "FREQ=WEEKLY;UNTIL=20261110T200000Z"
    assert occurrences_between(weekly, start, end) == 2
    once = Activity(title="y", starts_at=datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert occurrences_between(once, start, end) == 1 and occurrences_between(once, end, end + timedelta(days=30)) == 0
    assert occurrences_between(Activity(title="z"), start, end) == 0


def test_activities_as_icalendar(client: TestClient, network: None, session: Session) -> None:
    from icalendar import Calendar

    weekly = make_activity("Weekly resident meeting", utcnow() + timedelta(days=1), rrule="FREQ=WEEKLY", description="Tea & <talk>")
    make_space(session, "Kafija Hub", "Sigulda", "LV", activities=[weekly, make_activity("Undated evening")])
    response = client.get("/data/activities.ics?country=lv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"Resident meeting", "Weekly resident meeting"}  # the undated one is no event
    assert events["Weekly resident meeting"]["rrule"]["FREQ"] == ["WEEKLY"]
    assert str(events["Weekly resident meeting"]["description"]) == "Tea & <talk>"
    assert str(events["Resident meeting"]["url"]).startswith("http://testserver.local/activities/")
    assert "CC BY 4.0" in str(calendar["x-wr-caldesc"])
    assert not list(Calendar.from_ical(client.get("/data/activities.ics?country=IE").content).walk("VEVENT"))
    assert client.get("/data/activities.ics?country=XX").status_code == 400
