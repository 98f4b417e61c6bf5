"""The public calendar: /activities by day and by month with the search's filters, its JSON twin, the iCalendar
feeds (parsed back with the library), one page per activity with its JSON-LD and .ics, and the lists of the
next activities on the home, country and space pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from coworking.activities.models import Activity
from coworking.activities.recurrence import expand
from coworking.calendar import listing
from coworking.core.models import utcnow
from coworking.spaces.models import Space
from tests.factories import make_activity, make_space

RIGA = ZoneInfo("Europe/Riga")
DUBLIN = ZoneInfo("Europe/Dublin")
# Riga's clocks go forward on Sunday 28 March 2027: a Tuesday series at 18:00 from 16 March crosses it.
FIRST = datetime(2027, 3, 16, 18, 0, tzinfo=RIGA)
SPRING = {"date_from": "2027-03-15", "date_to": "2027-04-10"}


def riga_series(title: str = "Resident meeting", first: datetime = FIRST, rule: str = "FREQ=WEEKLY;BYDAY=TU;COUNT=4", **fields: object) -> Activity:
    fields.setdefault("kind", "resident_meeting")
    fields.setdefault("language", "lv")
    return make_activity(
        title,
        first.astimezone(UTC),
        ends_at=(first + timedelta(hours=2)).astimezone(UTC),
        rrule=rule,
        time_zone="Europe/Riga",
        **fields,
    )


@pytest.fixture()
def network(session: Session) -> dict[str, Space]:
    """CoLabora in Lielvārde with a weekly meeting across the spring change (its second date cancelled) and a
    story evening; SKOLA6 in Cēsis (90 km away) with an English workshop; a Dublin space with an open day; a
    draft with a meeting nobody may see."""
    meeting = riga_series(exceptions=[{"recurrence_id": "2027-03-23T18:00", "status": "cancelled"}])
    story = riga_series(
        "Story evening", datetime(2027, 3, 25, 19, 0, tzinfo=RIGA), rule=None, kind="experience_story",
        description="Residents tell <their> stories & more", price_note="5 EUR, tea included", capacity=20,
    )  # fmt: skip
    colabora = make_space(
        session, "CoLabora Lielvārde", "Lielvārde", "LV", latitude=56.72066, longitude=24.80743,
        location_precision="exact", street_address="Rīgas iela 1", activities=[meeting, story],
    )  # fmt: skip
    workshop = riga_series("Web workshop", datetime(2027, 3, 18, 10, 0, tzinfo=RIGA), rule=None, kind="workshop", language="en")
    skola = make_space(session, "SKOLA6", "Cēsis", "LV", latitude=57.31188, longitude=25.27456, activities=[workshop])
    open_day = make_activity(
        "Open day", datetime(2027, 3, 20, 11, 0, tzinfo=DUBLIN).astimezone(UTC), kind="open_day", time_zone="Europe/Dublin", language="en"
    )
    dublin = make_space(session, "Dublin Digital Hub", "Dublin", "IE", latitude=53.34, longitude=-6.27, activities=[open_day])
    hidden = make_space(session, "Draft Hub", "Ogre", "LV", status="draft", activities=[riga_series("Secret meeting")])
    return {"colabora": colabora, "skola": skola, "dublin": dublin, "draft": hidden}


def titles(html: str) -> list[str]:
    """The activities' titles as the list shows them, in order."""
    return [unescape(re.sub(r"<[^>]+>", "", title)) for title in re.findall(r"<h4><a href=\"[^\"]+\">(.*?)</a></h4>", html)]


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def ical(client: TestClient, path: str, **params: str) -> Calendar:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_list_groups_dates_by_day_on_the_space_clock_across_daylight_saving(client: TestClient, network: dict[str, Space]) -> None:
    page = client.get("/activities", params={**SPRING, "country": "LV"})
    assert page.status_code == 200
    html = page.text
    headings = re.findall(r'<h3 class="day-heading"><time datetime="([\d-]+)">(.*?)</time></h3>', html)
    assert [day for day, _ in headings] == ["2027-03-16", "2027-03-18", "2027-03-23", "2027-03-25", "2027-03-30", "2027-04-06"]
    assert headings[0][1] == "Tuesday, 16 March 2027"
    assert titles(html) == ["Resident meeting", "Web workshop", "Resident meeting", "Story evening", "Resident meeting", "Resident meeting"]
    # 18:00 in Riga on both sides of the change: the zone's name says which clock.
    assert html.count("18:00–20:00 EET") == 2 and html.count("18:00–20:00 EEST") == 2
    # The cancelled date stays listed, struck through and said to be cancelled.
    assert '<s>Resident meeting</s>' in html and "Cancelled" in html
    assert 'href="/activities/' in html and "?on=2027-03-16T18:00" in html
    api = client.get("/api/v1/activities", params={**SPRING, "country": "LV"}).json()
    starts = [item["local_starts_at"] for item in api["items"] if item["title"] == "Resident meeting"]
    assert starts == ["2027-03-16T18:00:00+02:00", "2027-03-23T18:00:00+02:00", "2027-03-30T18:00:00+03:00", "2027-04-06T18:00:00+03:00"]
    assert [item.get("cancelled", False) for item in api["items"] if item["title"] == "Resident meeting"] == [False, True, False, False]
    assert "Secret meeting" not in html and "Secret meeting" not in str(api)


def test_the_json_twin_holds_what_the_page_shows(client: TestClient, network: dict[str, Space]) -> None:
    params = {**SPRING, "near": "Lielvārde", "radius_km": "100"}
    html = client.get("/activities", params=params).text
    api = client.get("/api/v1/activities", params=params).json()
    shown = re.findall(r'<h4><a href="([^"]+)">', html)
    assert [item["path"] for item in api["items"]] == [unescape(path) for path in shown]
    assert api["total"] == len(shown) == 6 and api["date_from"] == "2027-03-15" and api["date_to"] == "2027-04-10"
    assert api["origin"]["start"]["name"] == "Lielvārde"
    assert 'href="/api/v1/activities?' in html


def test_filters_by_country_kind_language_and_days(client: TestClient, network: dict[str, Space]) -> None:
    def found(**params: str) -> list[str]:
        response = client.get("/api/v1/activities", params={**SPRING, **params})
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert "Open day" in found() and "Resident meeting" in found()
    assert set(found(country="IE")) == {"Open day"}
    assert set(found(country="lv")) == {"Resident meeting", "Web workshop", "Story evening"}
    assert found(kind="workshop") == ["Web workshop"]
    assert set(found(kind=["workshop", "open_day"])) == {"Web workshop", "Open day"}
    assert set(found(language="en")) == {"Web workshop", "Open day"}
    assert found(date_from="2027-03-25", date_to="2027-03-25") == ["Story evening"]
    # The day is the space's: 20 March in Dublin, whatever the hour in UTC.
    assert found(date_from="2027-03-20", date_to="2027-03-20") == ["Open day"]
    # The page's form shows what was chosen.
    html = client.get("/activities", params={**SPRING, "kind": "workshop", "language": "en"}).text
    assert '<option value="workshop" selected>' in html and '<option value="en" selected>' in html
    assert titles(html) == ["Web workshop"]


def test_near_a_place_with_distances_and_along_a_route(client: TestClient, network: dict[str, Space]) -> None:
    near = client.get("/api/v1/activities", params={**SPRING, "near": "Lielvārde", "radius_km": "30"}).json()
    assert {item["title"] for item in near["items"]} == {"Resident meeting", "Story evening"}  # not Cēsis, 90 km off
    assert {item["distance_km"] for item in near["items"]} == {0.0}
    wider = client.get("/activities", params={**SPRING, "near": "Lielvārde", "radius_km": "100"}).text
    assert "Web workshop" in wider and re.search(r"\d+ km away", wider) and "Less than 1 km away" in wider
    assert "Within 100 km of Lielvārde" in wider
    route = client.get("/api/v1/activities", params={**SPRING, "from": "Lielvārde", "to": "Cēsis"}).json()
    assert {item["title"] for item in route["items"]} == {"Resident meeting", "Story evening", "Web workshop"}
    assert route["origin"]["end"]["name"] == "Cēsis"


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"date_from": "2027-02-31"}, "date_from", "Enter a date such as 2026-06-15."),
    ({"date_from": "tomorrow"}, "date_from", "Enter a date such as 2026-06-15."),
    ({"date_to": "0001-01-01"}, "date_to", "Choose a date within ten years of today."),
    ({"date_from": "2027-03-10", "date_to": "2027-03-01"}, "date_to", "The last day comes before the first: swap them."),
    ({"date_from": "2027-01-01", "date_to": "2028-06-01"}, "date_to", "Search at most 366 days at once."),
    ({"view": "month", "month": "2027-13"}, "month", "Enter a month such as 2026-12."),
    ({"view": "year"}, "view", "Show the activities as a list or as a month."),
    ({"kind": "party"}, "kind", "Unknown kind of activity: choose from the list."),
    ({"language": "<script>"}, "language", "Unknown language: choose from the list."),
    ({"country": "XX"}, "country", "Unknown country code: use two letters such as LV or IE."),
    ({"radius_km": "0", "near": "Lielvārde"}, "radius_km", "The distance must be a number of kilometres from 1 to 500."),
    ({"from": "Lielvārde"}, "to", "A route needs both where it starts and where it ends."),
    ({"near": "Nowhereville-on-Sea"}, "near", "We could not find this place."),
    ({"bbox": "1,2,3"}, "bbox", "The map area must be four numbers: west, south, east, north."),
])  # fmt: skip
def test_a_search_that_cannot_be_read_is_a_400_with_its_message_by_the_field(
    client: TestClient, network: dict[str, Space], params: dict[str, str], field: str, message: str
) -> None:
    page = client.get("/activities", params=params)
    assert page.status_code == 400
    assert message.replace("'", "&#39;") in page.text
    if field in ("date_from", "date_to", "month", "kind", "language", "country", "radius_km", "near", "to"):
        assert f'id="{field}-error"' in page.text and 'aria-invalid="true"' in page.text
    api = client.get("/api/v1/activities", params=params)
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["errors"][field] == message
    assert client.get("/activities.ics", params=params).status_code == 400


def test_the_month_view_is_a_calendar_grid(client: TestClient, network: dict[str, Space]) -> None:
    page = client.get("/activities", params={"view": "month", "month": "2027-03", "country": "LV"})
    assert page.status_code == 200
    html = page.text
    table = re.search(r'<table class="month-grid">(.*?)</table>', html, re.S).group(1)
    assert "<caption>March 2027</caption>" in table
    headers = re.findall(r'<th scope="col"><abbr title="(\w+)">', table)
    assert headers == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert table.count("<tr>") == 6  # the header and five weeks (1 March 2027 is a Monday)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    assert len(cells) == 35
    tuesday_16 = next(cell for cell in cells if "Tuesday, 16 March 2027" in cell)
    assert re.search(r'href="/activities/\d+\?on=2027-03-16T18:00"', tuesday_16) and "18:00" in tuesday_16
    assert "<s>Resident meeting</s>" in next(cell for cell in cells if "Tuesday, 23 March 2027" in cell)
    assert "Web workshop" in next(cell for cell in cells if "Thursday, 18 March 2027" in cell)
    assert 'month=2027-02' in html and 'month=2027-04' in html and 'rel="prev"' in html and 'rel="next"' in html
    # The month's last dates: 30 March after the change, still 18:00.
    assert re.search(r'2027-03-30T18:00:00\+03:00', table)
    latvian = client.get("/activities", params={"view": "month", "month": "2027-03", "lang": "lv"}).text
    assert '<abbr title="pirmdiena">' in latvian.lower()


def test_feeds_parse_and_hold_their_dates(client: TestClient, session: Session, network: dict[str, Space]) -> None:
    between = (datetime(2027, 3, 1), datetime(2027, 5, 1))

    def local_dates(calendar: Calendar) -> list[tuple[str, str, str]]:
        found = sorted(recurring_ical_events.of(calendar).between(*between), key=lambda event: event["DTSTART"].dt)
        return [
            (str(event["SUMMARY"]), event["DTSTART"].dt.astimezone(RIGA).strftime("%m-%d %H:%M"), str(event.get("STATUS")))
            for event in found
        ]

    space = ical(client, f"/spaces/{network['colabora'].slug}/activities.ics")
    assert local_dates(space) == [
        ("Resident meeting", "03-16 18:00", "CONFIRMED"),
        ("Story evening", "03-25 19:00", "CONFIRMED"),
        ("Resident meeting", "03-30 18:00", "CONFIRMED"),
        ("Resident meeting", "04-06 18:00", "CONFIRMED"),
    ]
    # The cancelled date goes out as cancelled; the series keeps 18:00 in Riga while UTC moves.
    cancelled = [event for event in space.walk("VEVENT") if str(event.get("STATUS")) == "CANCELLED"]
    assert len(cancelled) == 1 and cancelled[0]["RECURRENCE-ID"].dt.astimezone(RIGA).strftime("%m-%d %H:%M") == "03-23 18:00"
    meetings = sorted(event["DTSTART"].dt for event in recurring_ical_events.of(space).between(*between) if str(event["SUMMARY"]) == "Resident meeting")
    assert [start.astimezone(UTC).hour for start in meetings] == [16, 15, 15]
    urls = {str(event["URL"]) for event in space.walk("VEVENT")}
    assert all(re.fullmatch(r"http://testserver.local/activities/\d+", url) for url in urls)
    assert str(space["X-WR-CALNAME"]) == "Activities at CoLabora Lielvārde"

    country = ical(client, "/countries/lv/activities.ics")
    assert {summary for summary, _, _ in local_dates(country)} == {"Resident meeting", "Story evening", "Web workshop"}
    assert {summary for summary, _, _ in local_dates(ical(client, "/countries/IE/activities.ics"))} == {"Open day"}
    everything = ical(client, "/activities.ics")
    assert {summary for summary, _, _ in local_dates(everything)} == {"Resident meeting", "Story evening", "Web workshop", "Open day"}
    assert "Secret meeting" not in everything.to_ical().decode()
    search = ical(client, "/activities.ics", near="Lielvārde", radius_km="30", kind="resident_meeting")
    assert {summary for summary, _, _ in local_dates(search)} == {"Resident meeting"}
    assert str(search["X-WR-CALNAME"]) == "Activities near Lielvārde"
    # A cancelled activity: every date of it goes out cancelled, a moved one too.
    called_off = riga_series("Called-off meeting", status="cancelled", exceptions=[
        {"recurrence_id": "2027-03-30T18:00", "status": "moved", "starts": "2027-03-31T19:00", "ends": "2027-03-31T21:00"},
    ])  # fmt: skip
    one_off = riga_series("Called-off open day", datetime(2027, 3, 20, 11, 0, tzinfo=RIGA), rule=None, status="cancelled")
    quiet = make_space(session, "Quiet Hub", "Ogre", "LV", activities=[called_off, one_off])
    assert local_dates(ical(client, f"/spaces/{quiet.slug}/activities.ics")) == [
        ("Called-off meeting", "03-16 18:00", "CANCELLED"),
        ("Called-off open day", "03-20 11:00", "CANCELLED"),
        ("Called-off meeting", "03-23 18:00", "CANCELLED"),
        ("Called-off meeting", "03-31 19:00", "CANCELLED"),
        ("Called-off meeting", "04-06 18:00", "CANCELLED"),
    ]
    # The open-data calendar links each event to its page too.
    data = Calendar.from_ical(client.get("/data/activities.ics", params={"country": "LV"}).content)
    assert all(re.fullmatch(r"http://testserver.local/activities/\d+", str(event["URL"])) for event in data.walk("VEVENT"))


def test_a_paused_series_goes_out_with_the_dates_the_site_shows(client: TestClient, session: Session) -> None:
    """Paused from 1 April: the rule ends there, and a date is where it was moved to, as on the site."""
    meeting = riga_series(
        "Paused meeting", rule="FREQ=WEEKLY;BYDAY=TU;COUNT=6", paused_at=datetime(2027, 4, 1, 0, 0, tzinfo=RIGA).astimezone(UTC),
        exceptions=[
            {"recurrence_id": "2027-03-23T18:00", "status": "cancelled"},
            # Moved into the pause: it does not take place (nor at its old date).
            {"recurrence_id": "2027-03-30T18:00", "status": "moved", "starts": "2027-04-08T19:00", "ends": "2027-04-08T21:00"},
            # Moved out of it: it does.
            {"recurrence_id": "2027-04-13T18:00", "status": "moved", "starts": "2027-03-26T19:00", "ends": "2027-03-26T21:00"},
            {"recurrence_id": "2027-04-06T18:00", "status": "cancelled"},
        ],
    )  # fmt: skip
    space = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", activities=[meeting])
    expected = [("03-16 18:00", "CONFIRMED"), ("03-26 19:00", "CONFIRMED")]
    on_the_site = expand(meeting, FIRST.astimezone(UTC), datetime(2027, 6, 1, tzinfo=UTC), with_cancelled=False)
    assert [found.local_start().strftime("%m-%d %H:%M") for found in on_the_site] == [when for when, _ in expected]
    for path in (f"/spaces/{space.slug}/activities.ics", f"/activities/{meeting.id}.ics"):
        calendar = ical(client, path)
        found = recurring_ical_events.of(calendar).between(datetime(2027, 3, 1), datetime(2027, 6, 1))
        dates = sorted((event["DTSTART"].dt.astimezone(RIGA).strftime("%m-%d %H:%M"), str(event["STATUS"])) for event in found)
        assert dates == expected, path
        # The date cancelled before the pause goes out as cancelled; the one in the pause does not go out at all.
        cancelled = [event for event in calendar.walk("VEVENT") if str(event.get("STATUS")) == "CANCELLED"]
        assert [event["RECURRENCE-ID"].dt.strftime("%m-%d") for event in cancelled] == ["03-23"], path


def test_a_feed_cut_at_its_bound_keeps_what_is_ahead(client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds read a bounded number of activities: what the bound cuts is what is over (a feed keeps the last
    month's), not what is ahead."""
    monkeypatch.setattr(listing, "MAX_ACTIVITIES", 2)
    now = utcnow()
    two_hours = timedelta(hours=2)
    over = make_activity("Last week's open day", now - timedelta(days=7), ends_at=now - timedelta(days=7) + two_hours)
    running = make_activity("Weekly meeting", now - timedelta(days=60), ends_at=now - timedelta(days=60) + two_hours, rrule="FREQ=WEEKLY;COUNT=20")
    ahead = make_activity("Workshop", now + timedelta(days=5), ends_at=now + timedelta(days=5) + two_hours)
    space = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", activities=[over, running, ahead])
    for path, params in ((f"/spaces/{space.slug}/activities.ics", {}), ("/activities.ics", {"country": "LV"})):
        feed = ical(client, path, **params)
        assert sorted(str(event["SUMMARY"]) for event in feed.walk("VEVENT")) == ["Weekly meeting", "Workshop"], path


def test_feeds_are_linked_from_the_pages(client: TestClient, network: dict[str, Space]) -> None:
    html = client.get("/activities", params={"country": "LV", "kind": "workshop"}).text
    assert '<link rel="alternate" type="text/calendar" href="/activities.ics?country=LV&amp;kind=workshop"' in html
    assert 'href="webcal://testserver.local/activities.ics?country=LV&amp;kind=workshop"' in html
    assert "Subscribe in your calendar" in html
    country = client.get("/countries/lv").text
    assert 'type="text/calendar" href="/countries/lv/activities.ics"' in country and 'href="/activities?country=LV"' in country
    space = client.get(f"/spaces/{network['colabora'].slug}").text
    assert f'href="/spaces/{network["colabora"].slug}/activities.ics"' in space


def test_the_activity_page_with_its_json_ld(client: TestClient, session: Session, network: dict[str, Space]) -> None:
    story = next(activity for activity in network["colabora"].activities if activity.title == "Story evening")
    page = client.get(f"/activities/{story.id}")
    assert page.status_code == 200
    html = page.text
    assert "Thu, 25 Mar 2027, 19:00–21:00 EET" in html
    assert "Residents tell &lt;their&gt; stories &amp; more" in html  # escaped
    assert "5 EUR, tea included" in html and "Up to 20 people" in html and "Latvian" in html
    assert f'href="/spaces/{network["colabora"].slug}"' in html and 'id="space-map"' in html
    assert f'href="/activities/{story.id}.ics"' in html
    data = json_ld(html)
    assert data["@type"] == "Event" and data["name"] == "Story evening"
    assert data["startDate"] == "2027-03-25T19:00:00+02:00" and data["endDate"] == "2027-03-25T21:00:00+02:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place" and data["location"]["address"]["streetAddress"] == "Rīgas iela 1"
    assert data["location"]["geo"]["latitude"] == pytest.approx(56.72066)
    assert data["organizer"] == {"@type": "Organization", "name": "CoLabora Lielvārde", "url": f"http://testserver.local/spaces/{network['colabora'].slug}"}
    assert data["offers"]["price"] == "5" and data["offers"]["priceCurrency"] == "EUR"
    assert data["url"] == f"http://testserver.local/activities/{story.id}"


def test_a_date_of_a_series_its_next_dates_and_its_states(client: TestClient, session: Session) -> None:
    first = (utcnow() + timedelta(days=1)).astimezone(RIGA).replace(hour=18, minute=0, second=0, microsecond=0)
    second = first + timedelta(days=7)
    third = first + timedelta(days=14)
    series = riga_series(
        first=first, rule="FREQ=WEEKLY;COUNT=8", online_url="https://meet.example.org/colabora",
        exceptions=[
            {"recurrence_id": second.strftime("%Y-%m-%dT%H:%M"), "status": "cancelled"},
            {"recurrence_id": third.strftime("%Y-%m-%dT%H:%M"), "status": "moved",
             "starts": (third + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "ends": (third + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")},
        ],
    )  # fmt: skip
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", activities=[series])
    html = client.get(f"/activities/{series.id}").text
    assert "every week, 8 times" in html  # the rule in words
    next_dates = re.findall(r'<ol class="next-dates">(.*?)</ol>', html, re.S)[0]
    assert next_dates.count("<li") == 5 and "?on=" + first.strftime("%Y-%m-%dT%H:%M") in next_dates
    assert "Cancelled" in next_dates and "Moved to this time" in next_dates
    data = json_ld(html)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    assert data["isAccessibleForFree"] is True and data["eventSchedule"]["repeatFrequency"] == "P1W"
    assert 'href="https://meet.example.org/colabora"' in html and "Free" in html

    cancelled = client.get(f"/activities/{series.id}", params={"on": second.strftime("%Y-%m-%dT%H:%M")})
    assert cancelled.status_code == 200 and "This date is cancelled." in cancelled.text
    assert json_ld(cancelled.text)["eventStatus"] == "https://schema.org/EventCancelled"
    moved = client.get(f"/activities/{series.id}", params={"on": third.strftime("%Y-%m-%dT%H:%M")})
    assert "This date has moved" in moved.text
    moved_ld = json_ld(moved.text)
    assert moved_ld["eventStatus"] == "https://schema.org/EventRescheduled"
    assert moved_ld["startDate"].startswith((third + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    assert moved_ld["previousStartDate"].startswith(third.strftime("%Y-%m-%dT%H:%M"))

    series.paused_at = utcnow()
    session.commit()
    paused = client.get(f"/activities/{series.id}").text
    assert "This series is paused" in paused and "No dates while the series is paused." in paused
    series.status, series.paused_at = "cancelled", None
    session.commit()
    whole = client.get(f"/activities/{series.id}")
    assert "This series is cancelled" in whole.text
    assert json_ld(whole.text)["eventStatus"] == "https://schema.org/EventCancelled"


def test_add_to_calendar_downloads_the_activity_or_one_date(client: TestClient, network: dict[str, Space]) -> None:
    meeting = next(activity for activity in network["colabora"].activities if activity.title == "Resident meeting")
    whole = client.get(f"/activities/{meeting.id}.ics")
    assert whole.status_code == 200 and whole.headers["content-type"] == "text/calendar; charset=utf-8"
    assert whole.headers["content-disposition"] == f'attachment; filename="activity-{meeting.id}.ics"'
    calendar = Calendar.from_ical(whole.content)
    assert len(recurring_ical_events.of(calendar).between(datetime(2027, 3, 1), datetime(2027, 5, 1))) == 3
    one = client.get(f"/activities/{meeting.id}.ics", params={"on": "2027-03-30T18:00"})
    events = list(Calendar.from_ical(one.content).walk("VEVENT"))
    assert len(events) == 1 and "RRULE" not in events[0]
    assert events[0]["DTSTART"].dt == datetime(2027, 3, 30, 18, 0, tzinfo=RIGA)
    assert str(events[0]["URL"]) == f"http://testserver.local/activities/{meeting.id}?on=2027-03-30T18:00"
    assert one.headers["content-disposition"] == f'attachment; filename="activity-{meeting.id}-2027-03-30.ics"'
    off = client.get(f"/activities/{meeting.id}.ics", params={"on": "2027-03-23T18:00"})
    assert str(next(iter(Calendar.from_ical(off.content).walk("VEVENT")))["STATUS"]) == "CANCELLED"


def test_what_is_not_there_is_a_404_page(client: TestClient, network: dict[str, Space], session: Session) -> None:
    meeting = next(activity for activity in network["colabora"].activities if activity.title == "Resident meeting")
    secret = network["draft"].activities[0]
    undated = make_activity("Undated evening")
    make_space(session, "Quiet Hub", "Ogre", "LV", activities=[undated])
    for path, params in [
        ("/activities/999999", {}),
        (f"/activities/{secret.id}", {}),
        (f"/activities/{secret.id}.ics", {}),
        (f"/activities/{meeting.id}", {"on": "2027-03-17T18:00"}),  # no date of the series
        (f"/activities/{meeting.id}", {"on": "not-a-date"}),
        (f"/activities/{meeting.id}.ics", {"on": "2027-03-17T18:00"}),
        (f"/activities/{undated.id}.ics", {}),
        ("/activities/12abc", {}),
        ("/activities/99999999999", {}),
        ("/activities/-1", {}),
        ("/spaces/no-such-space/activities.ics", {}),
        (f"/spaces/{network['draft'].slug}/activities.ics", {}),
        ("/countries/xx/activities.ics", {}),
    ]:
        response = client.get(path, params=params)
        assert response.status_code == 404, (path, params)
        if not path.endswith(".ics"):
            assert "We could not find that page" in response.text
    assert client.get(f"/api/v1/activities/{secret.id}").status_code == 404
    assert client.get(f"/api/v1/activities/{meeting.id}", params={"on": "nope"}).status_code == 404
    # A date of a single event has no key: its page without one.
    assert client.get(f"/activities/{undated.id}").status_code == 200


def test_a_long_list_is_cut_with_a_word_to_narrow_it(client: TestClient, session: Session) -> None:
    daily = riga_series("Coffee morning", datetime(2027, 1, 1, 9, 0, tzinfo=RIGA), rule="FREQ=DAILY;COUNT=300")
    make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", activities=[daily])
    params = {"date_from": "2027-01-01", "date_to": "2027-12-31"}
    api = client.get("/api/v1/activities", params=params).json()
    assert api["total"] == 300 and len(api["items"]) == 200
    assert "Only the first 200 of 300 dates are shown" in client.get("/activities", params=params).text


def test_home_country_and_space_pages_link_to_the_activity_pages(client: TestClient, session: Session) -> None:
    first = (utcnow() + timedelta(days=2)).astimezone(RIGA).replace(hour=18, minute=0, second=0, microsecond=0)
    series = riga_series(first=first, rule="FREQ=WEEKLY;COUNT=5")
    space = make_space(session, "CoLabora Lielvārde", "Lielvārde", "LV", activities=[series])
    key = first.strftime("%Y-%m-%dT%H:%M")
    link = f'href="/activities/{series.id}?on={key}"'
    home = client.get("/").text
    assert link in home and 'href="/activities"' in home and 'href="/activities.ics"' in home
    country = client.get("/countries/lv").text
    assert link in country and 'href="/activities?country=LV"' in country
    detail = client.get(f"/spaces/{space.slug}").text
    # A space's page: the next three dates of its series, on its clock.
    assert detail.count(f'href="/activities/{series.id}?on=') == 3 and link in detail
    assert first.strftime("%H:%M") + "–" in detail
    events = json_ld(detail)["event"]
    assert events[0]["url"] == f"http://testserver.local/activities/{series.id}?on={key}"
    assert events[0]["startDate"] == first.isoformat() and events[0]["eventStatus"] == "https://schema.org/EventScheduled"
    assert '<a href="/activities"' in home  # the main navigation


def test_the_sitemap_lists_public_activity_pages(client: TestClient, network: dict[str, Space]) -> None:
    sitemap = client.get("/sitemaps/pages.xml").text
    story = next(activity for activity in network["colabora"].activities if activity.title == "Story evening")
    assert f"http://testserver.local/activities/{story.id}</loc>" in sitemap
    assert "http://testserver.local/activities</loc>" in sitemap
    assert f"/activities/{network['draft'].activities[0].id}</loc>" not in sitemap


def test_htmx_gets_only_the_results_and_the_follow_feed_links_the_activity_page(
    client: TestClient, network: dict[str, Space]
) -> None:
    partial = client.get("/activities", params={**SPRING, "kind": "workshop"}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<section id="results"') and "Web workshop" in partial.text
    refused = client.get("/activities", params={"date_from": "soon"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "Enter a date such as 2026-06-15." in refused.text
    workshop = network["skola"].activities[0]
    feed = client.get("/feeds/area.atom", params={"country": "LV"}).text
    assert f"http://testserver.local/activities/{workshop.id}</id>" in feed
    assert "#activity-" not in feed
