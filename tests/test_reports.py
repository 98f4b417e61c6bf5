"""Partner reports (/partner/reports and its CSV): exact monthly figures for constructed data, the region
filter, who may see them (a partner only their own countries), bad input back at its field, no personal
data; and the dated trace a confirmation now leaves (an event among the revisions, not a version)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.exceptions import PermissionDeniedException
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coworking.accounts.models import BuilderRole, User
from coworking.accounts.permissions import Actor
from coworking.accounts.services import create_admin
from coworking.accounts.sessions import token_hash
from coworking.core.errors import InvalidInput
from coworking.moderation import reminders
from coworking.moderation.models import ListingCheck
from coworking.reports import services
from coworking.revisions.models import Revision
from coworking.spaces import editing
from coworking.spaces.models import Space
from coworking.visits.models import VisitRequest
from tests.factories import make_activity, make_space
from tests.test_accounts import PASSWORD, csrf, fresh, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import builder, edit_form, lielvarde, partner, save  # noqa: F401

# People whose names and addresses must never appear in a report.
PEOPLE = ("maija.berzina@example.lv", "janis.ozols@example.lv", "aoife.murphy@example.ie")
SHOWN_NAME = "Maija Bērziņa"
RANGE = {"from": "2024-01", "to": "2024-04"}


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def confirm_at(session: Session, monkeypatch: pytest.MonkeyPatch, actor: Actor, space: Space, when: datetime) -> None:
    """Confirm ``space`` through the service, as if on ``when``."""
    monkeypatch.setattr(editing, "utcnow", lambda: when)
    editing.confirm_listing(session, actor, space)
    monkeypatch.undo()


@pytest.fixture()
def network(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Space]:
    """Spaces of Latvia (Vidzeme, Zemgale) and one of Ireland, with dated listings, confirmations,
    revisions, activities and roles around the months January–April 2024."""
    admin = create_admin(session, None, "admin@example.org", PASSWORD)
    users = []
    for email in PEOPLE:
        user = User(email=email, email_key=email, password_hash="not a hash", email_verified_at=at(2023, 1, 1))
        session.add(user)
        users.append(user)
    session.commit()
    a = make_space(session, "Vidzeme Hub", "Cēsis", region="Vidzeme", builders=[SHOWN_NAME], created_at=at(2024, 1, 15), activities=[
        make_activity("Thursday co-working", at(2024, 1, 25, 18), rrule="FREQ=WEEKLY", until=at(2024, 2, 15, 18)),
        make_activity("Open day", at(2024, 4, 30, 10)),
        make_activity("Some day", None),
        make_activity("Autumn series", at(2023, 11, 1, 9), rrule="FREQ=WEEKLY", until=at(2023, 12, 1, 9)),
    ])  # fmt: skip
    b = make_space(session, "Zemgale Hub", "Bauska", region="Zemgale", created_at=at(2024, 2, 29, 23, 59, 59), activities=[
        make_activity("Resident breakfast", at(2023, 12, 28, 10), rrule="FREQ=WEEKLY"),
    ])  # fmt: skip
    c = make_space(session, "Closed Barn", "Sigulda", region="Vidzeme", status="closed", created_at=at(2024, 3, 1, 0, 0, 0), activities=[
        make_activity("Night talk", at(2024, 3, 31, 23, 30), ends_at=at(2024, 4, 1, 1)),
    ])  # fmt: skip
    d = make_space(session, "Skibbereen Hub", "Skibbereen", "IE", region="Cork", created_at=at(2024, 2, 10), activities=[
        make_activity("Irish meetup", at(2024, 2, 12, 18)),
    ])  # fmt: skip
    f = make_space(session, "Old Mill", "Jelgava", region="Zemgale", created_at=at(2023, 12, 31, 23))

    moderator = Actor(user_id=admin.id, is_admin=True)
    for space, when in ((a, at(2024, 1, 10)), (a, at(2024, 1, 20)), (a, at(2024, 3, 5)), (d, at(2024, 2, 3))):
        confirm_at(session, monkeypatch, moderator, space, when)
    # Confirmed before confirmations left events: only the listing's date is known.
    session.execute(update(Space).where(Space.id == b.id).values(confirmed_at=at(2024, 2, 14)))

    def revision(space: Space, kind: str, when: datetime, version: int) -> Revision:
        return Revision(subject="space", subject_id=space.id, version=version, country_code=space.country_code,
                        author_id=users[0].id, author_role="builder", kind=kind, at=when, summary="", changes={}, snapshot={})  # fmt: skip

    session.add_all([
        revision(a, "created", at(2024, 1, 15), 1),
        revision(a, "edit", at(2024, 1, 31, 23, 59, 59), 2),
        revision(a, "imported", at(2024, 2, 1, 0, 0, 0), 1),
        revision(a, "photos", at(2024, 2, 1, 0, 0, 0), 3),
        revision(b, "revert", at(2024, 2, 20), 2),
        revision(c, "builders", at(2024, 3, 3), 2),
        revision(a, "import", at(2024, 4, 2), 4),
        revision(d, "edit", at(2024, 2, 11), 2),
        revision(a, "edit", at(2024, 5, 1), 5),
    ])  # fmt: skip
    session.add_all([
        BuilderRole(user_id=users[0].id, space_id=a.id, granted_at=at(2024, 1, 31, 23, 59)),
        BuilderRole(user_id=users[1].id, space_id=a.id, granted_at=at(2024, 2, 1, 0, 0)),
        BuilderRole(user_id=users[0].id, space_id=b.id, granted_at=at(2024, 4, 10)),
        BuilderRole(user_id=users[2].id, space_id=d.id, granted_at=at(2024, 2, 5)),
        BuilderRole(user_id=users[1].id, space_id=f.id, granted_at=at(2023, 12, 10)),
    ])  # fmt: skip

    def visit(space: Space, made: datetime, status: str) -> VisitRequest:
        return VisitRequest(space_id=space.id, day=date(2024, 6, 1), kind="day_pass", email=PEOPLE[2], language="lv",
                            message="", status=status, created_at=made)  # fmt: skip

    session.add_all([
        visit(a, at(2024, 1, 31, 23, 59, 59), "accepted"),
        visit(b, at(2024, 2, 1, 0, 0, 0), "waiting"),
        visit(b, at(2024, 2, 2), "declined"),
        visit(a, at(2024, 2, 3), "unconfirmed"),  # never confirmed: not a request
        visit(d, at(2024, 2, 4), "waiting"),  # Ireland
    ])  # fmt: skip
    session.commit()
    return {"a": a, "b": b, "c": c, "d": d, "f": f}


LATVIA = {
    "spaces_listed": [2, 3, 3, 3],
    "new_listings": [1, 1, 1, 0],
    "listings_confirmed": [1, 1, 1, 0],
    "listing_edits": [1, 2, 1, 1],
    "activities_held": [5, 8, 5, 5],
    "new_community_builders": [1, 1, 0, 1],
    "visit_requests": [1, 2, 0, 0],
}
VIDZEME = {
    "spaces_listed": [1, 1, 1, 1],
    "new_listings": [1, 0, 1, 0],
    "listings_confirmed": [1, 0, 1, 0],
    "listing_edits": [1, 1, 1, 1],
    "activities_held": [1, 3, 1, 1],
    "new_community_builders": [1, 1, 0, 0],
    "visit_requests": [1, 0, 0, 0],
}


def figures(report: services.Report) -> dict[str, list[int]]:
    return {name: [value for _, value in report.series(name)] for name, _ in services.INDICATORS}


def latvia_partner(session: Session) -> Actor:
    user = session.scalar(select(User).where(User.email == PEOPLE[0]))
    return Actor(user_id=user.id, partner_countries=frozenset({"LV"}))


def scope_of(session: Session, actor: Actor, now: datetime, **typed: str) -> services.ReportScope:
    fields = {"country": "", "region": "", "start": "", "end": "", **typed}
    return services.report_scope(session, actor, now=now, **fields)


NOW = at(2026, 6, 15)


def test_the_figures_of_constructed_months_are_exact(session: Session, network: dict[str, Space]) -> None:
    actor = latvia_partner(session)
    scope = scope_of(session, actor, NOW, country="lv", start="2024-01", end="2024-04")
    assert scope == services.ReportScope(("LV",), None, date(2024, 1, 1), date(2024, 4, 1))
    report = services.monthly_report(session, actor, scope, NOW)
    assert [month.label for month in report.months] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert figures(report) == LATVIA
    # "All your countries" is Latvia for a partner of Latvia: Ireland's figures stay out.
    assert (
        figures(
            services.monthly_report(
                session, actor, scope_of(session, actor, NOW, **{"start": "2024-01", "end": "2024-04"}), NOW
            )
        )
        == LATVIA
    )


def test_a_region_narrows_every_figure(session: Session, network: dict[str, Space]) -> None:
    actor = latvia_partner(session)
    scope = scope_of(session, actor, NOW, country="LV", region="Vidzeme", start="2024-01", end="2024-04")
    assert figures(services.monthly_report(session, actor, scope, NOW)) == VIDZEME
    assert services.region_choices(session, ["LV"]) == [("LV", ["Vidzeme", "Zemgale"])]


def test_the_current_month_counts_what_happened_so_far(session: Session, network: dict[str, Space]) -> None:
    """On 10 March 2024 at noon, March has had one Thursday breakfast (the 7th) and not yet the night talk."""
    actor = latvia_partner(session)
    now = at(2024, 3, 10)
    scope = scope_of(session, actor, now)
    assert (scope.first, scope.last, len(scope.months)) == (date(2023, 3, 1), date(2024, 3, 1), 13)
    report = services.monthly_report(session, actor, scope, now)
    assert report.months[-1].activities_held == 1
    assert report.months[-1].listings_confirmed == 1
    assert [month.activities_held for month in report.months[-4:-1]] == [1, 5, 8]  # Dec: the 28th; Jan, Feb as above
    assert [month.spaces_listed for month in report.months[-4:]] == [1, 2, 3, 3]


def test_the_page_and_the_csv_show_the_same_figures(
    partner: TestClient, session: Session, network: dict[str, Space]
) -> None:  # noqa: F811
    page = partner.get("/partner/reports", params={"country": "LV", **RANGE})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    # One chart per figure, each with its title and description; the numbers again in a table.
    assert page.text.count('role="img"') == len(services.INDICATORS)
    assert page.text.count('<title id="chart-') == len(services.INDICATORS) and page.text.count(
        '<desc id="chart-'
    ) == len(services.INDICATORS)
    assert "LEADER areas are not in this directory" in page.text
    assert "Visit requests" in page.text
    rows = re.findall(
        r'<tr><th scope="row"><time datetime="([\d-]+)">[^<]*</time></th>((?:<td>\d+</td>)+)</tr>', page.text
    )
    table = {month: [int(value) for value in re.findall(r"<td>(\d+)</td>", cells)] for month, cells in rows}
    assert list(table) == ["2024-01", "2024-02", "2024-03", "2024-04"]

    link = re.search(r'<a href="(/partner/reports\.csv[^"]*)" download>', page.text).group(1).replace("&amp;", "&")
    assert link == "/partner/reports.csv?country=LV&from=2024-01&to=2024-04"
    download = partner.get(link)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert (
        download.headers["content-disposition"]
        == 'attachment; filename="rural-coworking-report-lv-2024-01-to-2024-04.csv"'
    )
    parsed = list(csv.DictReader(io.StringIO(download.text)))
    assert list(parsed[0]) == [
        "month",
        "spaces_listed",
        "new_listings",
        "listings_confirmed",
        "listing_edits",
        "activities_held",
        "new_community_builders",
        "visit_requests",
    ]
    assert {row["month"]: [int(row[name]) for name, _ in services.INDICATORS] for row in parsed} == table
    assert {name: [int(row[name]) for row in parsed] for name, _ in services.INDICATORS} == LATVIA

    region = partner.get("/partner/reports.csv", params={"country": "LV", "region": "Vidzeme", **RANGE})
    assert (
        region.headers["content-disposition"]
        == 'attachment; filename="rural-coworking-report-lv-vidzeme-2024-01-to-2024-04.csv"'
    )
    assert {
        name: [int(row[name]) for row in csv.DictReader(io.StringIO(region.text))] for name, _ in services.INDICATORS
    } == VIDZEME


def test_no_personal_data_in_the_page_or_the_csv(
    partner: TestClient, session: Session, network: dict[str, Space]
) -> None:  # noqa: F811
    answers = [
        partner.get(path, params={"country": "LV", **RANGE}).text
        for path in ("/partner/reports", "/partner/reports.csv")
    ]
    answers.append(partner.get("/partner/reports.csv", params={"region": "Vidzeme", **RANGE}).text)
    for text in answers:
        for person in (*PEOPLE, SHOWN_NAME, "admin@example.org", "partner@example.org"):
            assert person not in text
        # No space is named either: counts only.
        assert "Vidzeme Hub" not in text and "Zemgale Hub" not in text


def test_a_partner_never_gets_another_countrys_figures(
    partner: TestClient, session: Session, network: dict[str, Space]
) -> None:  # noqa: F811
    refused = partner.get("/partner/reports", params={"country": "IE", **RANGE})
    assert refused.status_code == 403
    assert "You see the reports of your own countries only" in refused.text
    assert "The figures per month" not in refused.text and 'role="img"' not in refused.text
    assert '<option value="IE" selected>' in refused.text  # what was asked stays in the form
    problem = partner.get("/partner/reports.csv", params={"country": "ie", **RANGE})
    assert problem.status_code == 403 and problem.headers["content-type"].startswith("application/problem+json")
    assert "country" in problem.json()["errors"] and "month" not in problem.text
    # A region of Ireland, asked without a country, is no way round it.
    assert partner.get("/partner/reports.csv", params={"region": "Cork", **RANGE}).status_code == 400
    # The service refuses too, whatever surface asks (ASVS 8.3.1, 8.4.1).
    actor = latvia_partner(session)
    with pytest.raises(PermissionDeniedException):
        services.monthly_report(
            session, actor, services.ReportScope(("IE",), None, date(2024, 1, 1), date(2024, 4, 1)), NOW
        )
    with pytest.raises(PermissionDeniedException):
        services.monthly_report(
            session, actor, services.ReportScope(None, None, date(2024, 1, 1), date(2024, 4, 1)), NOW
        )


def test_who_may_see_reports(
    client: TestClient, fresh: TestClient, session: Session, network: dict[str, Space]
) -> None:  # noqa: F811
    for path in ("/partner/reports", "/partner/reports.csv"):
        assert client.get(path).status_code == 401
    register_and_verify(client, session, "member@example.org")
    for path in ("/partner/reports", "/partner/reports.csv"):
        assert client.get(path).status_code == 403
    builder(fresh, session, network["a"], email="builder@example.org")
    assert sign_in(fresh, email="builder@example.org").status_code == 303
    for path in ("/partner/reports", "/partner/reports.csv"):
        assert fresh.get(path).status_code == 403
    # An admin may choose any country, and the whole network.
    create_admin(session, None, "root@example.org", PASSWORD)
    assert sign_in(client, email="root@example.org").status_code == 303
    page = client.get("/partner/reports", params=RANGE)
    assert page.status_code == 200 and "The whole network" in page.text and '<option value="IE">' in page.text
    whole = list(csv.DictReader(io.StringIO(client.get("/partner/reports.csv", params=RANGE).text)))
    assert [int(row["new_listings"]) for row in whole] == [1, 2, 1, 0]
    assert (
        client.get("/partner/reports.csv", params=RANGE)
        .headers["content-disposition"]
        .endswith('europe-2024-01-to-2024-04.csv"')
    )
    ireland = list(
        csv.DictReader(io.StringIO(client.get("/partner/reports.csv", params={"country": "IE", **RANGE}).text))
    )
    assert [int(row["activities_held"]) for row in ireland] == [0, 1, 0, 0]
    assert [int(row["listings_confirmed"]) for row in ireland] == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"from": "2024-13"}, "from", "Give a month as year and month"),
        ({"from": "soon"}, "from", "Give a month as year and month"),
        ({"to": "1999-12"}, "to", "Give a month as year and month"),
        ({"from": "2024-05", "to": "2024-01"}, "from", "The first month comes after the last one"),
        ({"from": "2020-01", "to": "2023-01"}, "from", "Choose at most 36 months at once"),
        ({"to": "2999-01"}, "to", "Choose this month or an earlier one"),
        ({"country": "XX"}, "country", "Unknown country"),
        ({"country": "Latvia"}, "country", "Unknown country"),
        ({"region": "Atlantis"}, "region", "No listing of the chosen country names this region"),
        ({"country": "LV", "region": "Cork"}, "region", "No listing of the chosen country names this region"),
        ({"region": "V" * 500}, "region", "No listing of the chosen country names this region"),
    ],
)
def test_bad_input_comes_back_at_its_field(
    partner: TestClient,
    session: Session,
    network: dict[str, Space],
    typed: dict[str, str],
    field: str,
    message: str,  # noqa: F811
) -> None:
    page = partner.get("/partner/reports", params=typed)
    assert page.status_code == 400
    assert f'<small class="field-error" id="{field}-error">{message}' in page.text
    assert 'aria-invalid="true"' in page.text and "The figures per month" not in page.text
    for name, value in typed.items():
        if name in ("from", "to"):
            assert f'name="{name}" value="{value}"' in page.text
    problem = partner.get("/partner/reports.csv", params=typed)
    assert problem.status_code == 400 and problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["errors"][field].startswith(message)


def test_thirty_six_months_are_fine_and_defaults_cover_thirteen(
    partner: TestClient, session: Session, network: dict[str, Space]
) -> None:  # noqa: F811
    rows = list(
        csv.DictReader(
            io.StringIO(partner.get("/partner/reports.csv", params={"from": "2021-05", "to": "2024-04"}).text)
        )
    )
    assert len(rows) == 36 and rows[0]["month"] == "2021-05"
    assert [int(row["spaces_listed"]) for row in rows[-4:]] == LATVIA["spaces_listed"]
    rows = list(csv.DictReader(io.StringIO(partner.get("/partner/reports.csv").text)))
    assert len(rows) == 13 and rows[-1]["month"] == datetime.now(UTC).strftime("%Y-%m")
    with pytest.raises(InvalidInput):
        scope_of(session, latvia_partner(session), NOW, start="2023-04", end="2026-04")


def test_partners_find_the_reports_from_their_pages(partner: TestClient, client: TestClient, session: Session) -> None:  # noqa: F811
    assert 'href="/partner/reports"' in partner.get("/account").text
    assert 'href="/partner/reports"' in partner.get("/moderation").text
    register_and_verify(client, session, "member@example.org")
    assert "/partner/reports" not in client.get("/account").text


# -- a confirmation's trace ----------------------------------------------------------------------------


def test_a_confirmation_leaves_an_event_but_no_version(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:  # noqa: F811
    fields = edit_form(partner, lielvarde.slug)
    assert post(partner, f"/spaces/{lielvarde.slug}/confirm").status_code == 303
    session.expire_all()
    events = session.scalars(select(Revision).where(Revision.kind == "confirmed")).all()
    space = session.get(Space, lielvarde.id)
    assert [(event.subject_id, event.author_role, event.at, event.version, event.changes) for event in events] == [
        (lielvarde.id, "partner", space.confirmed_at, space.version, {})
    ]
    # The history (page and JSON), the moderation page's latest edits and the versions are as before.
    assert (
        "No one has changed this listing since it was imported" in client.get(f"/spaces/{lielvarde.slug}/history").text
    )
    assert client.get(f"/api/v1/spaces/{lielvarde.slug}/history").json() == []
    assert "No edits yet." in partner.get("/moderation").text
    # The edit begun before it still saves, and the history still starts with the imported original.
    assert save(partner, lielvarde.slug, fields, desks="5").status_code == 303
    kinds = [
        r.kind
        for r in session.scalars(
            select(Revision).where(Revision.kind != "confirmed").order_by(Revision.version, Revision.id)
        )
    ]
    assert kinds == ["imported", "edit"]
    assert [row["kind"] for row in client.get(f"/api/v1/spaces/{lielvarde.slug}/history").json()] == [
        "edit",
        "imported",
    ]
    # Its undo restores the imported original, not the confirmation.
    queue = partner.get("/moderation").text
    imported = session.scalar(select(Revision).where(Revision.kind == "imported"))
    assert f"/history/{imported.id}/revert" in queue and queue.count('/revert"') == 1
    # A confirmation is no version to restore.
    event = session.scalar(select(Revision).where(Revision.kind == "confirmed"))
    with pytest.raises(InvalidInput):
        editing.revert_listing(session, Actor(user_id=1, is_admin=True), space, event.id)


def test_a_reminders_still_correct_answer_leaves_an_event(session: Session, lielvarde: Space) -> None:  # noqa: F811
    user = User(email=PEOPLE[1], email_key=PEOPLE[1], password_hash="not a hash")
    session.add(user)
    session.commit()
    session.add(BuilderRole(user_id=user.id, space_id=lielvarde.id))
    now = datetime.now(UTC)
    session.add(
        ListingCheck(
            token_hash=token_hash("a-token"),
            space_id=lielvarde.id,
            user_id=user.id,
            sent_at=now,
            expires_at=now + timedelta(days=30),
        )
    )
    session.commit()
    reminders.answer_check(session, "a-token", "confirmed")
    event = session.scalar(select(Revision).where(Revision.kind == "confirmed"))
    assert (event.subject_id, event.author_id, event.author_role) == (lielvarde.id, user.id, "builder")
