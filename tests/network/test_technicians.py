"""Technicians (TECH-1…TECH-6): the home base and office address geocoded, each appointment's travel
origin (prior appointment, else home base, else office), the routing estimate and its label, the `.ics`
feed read back with `icalendar`, and its secret URL issued, rotated and revoked — with the roles of X-2."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.geocoding import miles_between
from core.records import SYSTEM
from core.routing import GreatCircle, Point
from network import appointments, technicians
from tests.conftest import sign_in_api
from tests.network.map_fixtures import contractor
from tests.network.map_fixtures import job_type as job_type_id

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 23)  # the Monday after the frozen clock's Sunday
# Points in Manhattan/Brooklyn (lat, lng).
HOME = "350 5th Ave, New York, NY 10118"
STOPS = {"a": (40.7306, -73.9866), "b": (40.6782, -73.9442), "d": (40.7580, -73.9855)}


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


async def book(db, now, tech, title, start, end, where=None, **extra):
    lat, lng = STOPS[where] if where else (None, None)
    return await appointments.add(
        db,
        now,
        contractor_id=tech["id"],
        title=title,
        starts=start,
        ends=end,
        address=f"{title} street",
        lat=lat,
        lng=lng,
        **extra,
    )


@pytest.fixture
async def tech(database, clock):
    return await contractor(database, clock.now(), "Mike Hernandez", kind="technician")


async def plan(client, tech, day=DAY):
    r = await client.get(f"/api/technicians/{tech['id']}/day", params={"date": day.isoformat()})
    assert r.status_code == 200, r.text
    return {a["title"]: a for a in r.json()["appointments"]}


async def test_travel_origins_in_order(client, bindings, people, database, clock, tech):
    now = clock.now()
    await sign_in_api(client, bindings, people.owner)
    await technicians.set_home_base(database, now, SYSTEM, bindings.geocoder, tech, HOME)
    office = people.office_a
    await technicians.set_office_address(
        database, now, SYSTEM, bindings.geocoder, office, "1 Main St, Brooklyn, NY 11201"
    )
    await book(database, now, tech, "A", at(9), at(10), "a", office_id=office.id)
    await book(database, now, tech, "Overlap", at(9, 30), at(10, 15), "b", office_id=office.id)
    await book(database, now, tech, "B", at(10, 30), at(11, 30), "b", office_id=office.id, status="done")
    await book(database, now, tech, "Cancelled", at(11, 45), at(12), "a", office_id=office.id, status="cancelled")
    await book(database, now, tech, "Archived", at(12), at(12, 30), "a", office_id=office.id, archived=True)
    await book(database, now, tech, "D", at(13), at(14), "d", office_id=office.id)
    got = await plan(client, tech)
    assert list(got) == ["A", "Overlap", "B", "D"]  # start order; cancelled and archived left out
    assert got["A"]["origin"] == {"kind": "home_base", "address": HOME, "appointment_id": None}
    # Overlap starts before A ends: no appointment ended by then, so it starts from home too.
    assert got["Overlap"]["origin"]["kind"] == "home_base"
    # B: the latest one ending at or before 10:30 is Overlap (10:15), not A (10:00).
    assert got["B"]["origin"]["appointment_id"] == got["Overlap"]["id"]
    # D: the cancelled 11:45 and the archived 12:00 never count (TECH-5); the done B does.
    assert got["D"]["origin"] == {"kind": "prior_appointment", "address": "B street", "appointment_id": got["B"]["id"]}


async def test_home_base_else_office_else_none(client, bindings, people, database, clock, tech):
    now = clock.now()
    await sign_in_api(client, bindings, people.owner)
    office = people.office_a
    await book(database, now, tech, "A", at(9), at(10), "a", office_id=office.id)
    assert (await plan(client, tech))["A"]["origin"] == {"kind": "none", "address": "", "appointment_id": None}
    assert (await plan(client, tech))["A"]["travel"] is None
    r = await client.put(f"/api/offices/{office.id}/address", json={"address": "1 Main St, Brooklyn, NY 11201"})
    assert r.status_code == 200, r.text
    assert r.json()["address_lat"] is not None
    got = (await plan(client, tech))["A"]
    assert got["origin"] == {"kind": "office", "address": "1 Main St, Brooklyn, NY 11201", "appointment_id": None}
    assert got["travel"]["estimate"] is True
    r = await client.put(f"/api/technicians/{tech['id']}/home-base", json={"home_address": HOME})
    assert r.status_code == 200, r.text
    assert r.json()["home_zip"] == "10118" and r.json()["home_lat"] is not None
    assert (await plan(client, tech))["A"]["origin"]["kind"] == "home_base"


async def test_routing_estimate_is_labelled(client, bindings, people, database, clock, tech):
    now = clock.now()
    await sign_in_api(client, bindings, people.viewer)
    await book(database, now, tech, "A", at(9), at(10), "a", office_id=people.office_a.id)
    await book(database, now, tech, "D", at(11), at(12), "d", office_id=people.office_a.id)
    travel = (await plan(client, tech))["D"]["travel"]
    straight = miles_between(*STOPS["a"], *STOPS["d"])
    assert travel["miles"] == round(straight * 1.3, 1)
    assert travel["minutes"] == math.ceil(straight * 1.3 / 30 * 60)
    assert travel["estimate"] is True
    assert travel["basis"].startswith("estimate:") and "1.3 road factor" in travel["basis"]


async def test_great_circle_router():
    route = await GreatCircle().route(Point(40.0, -75.0), Point(41.0, -75.0))  # one degree of latitude
    assert route.miles == round(69.09 * 1.3, 1)
    assert route.minutes == 180  # 89.8 road miles at 30 mph
    assert route.estimate and "great-circle" in route.basis
    assert (await GreatCircle().route(Point(40.0, -75.0), Point(40.0, -75.0))).minutes == 0


async def test_day_plan_keeps_to_the_users_offices(client, bindings, people, database, clock, tech):
    now = clock.now()
    await book(database, now, tech, "Garage job", at(9), at(10), "a", office_id=people.office_a.id)
    await book(database, now, tech, "Sliding job", at(11), at(12), "b", office_id=people.office_b.id)
    await sign_in_api(client, bindings, people.agent_b)
    assert list(await plan(client, tech)) == ["Sliding job"]
    await sign_in_api(client, bindings, people.owner)
    assert list(await plan(client, tech)) == ["Garage job", "Sliding job"]


async def test_day_plan_refusals(client, bindings, people, database, clock, tech):
    company = await contractor(database, clock.now(), "Acme Doors")
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get(f"/api/technicians/{tech['id']}/day", params={"date": "23/11/2026"})).status_code == 422
    assert (await client.get(f"/api/technicians/{tech['id']}/day")).status_code == 422
    assert (await client.get(f"/api/technicians/{company['id']}/day", params={"date": "2026-11-23"})).status_code == 404
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get(f"/api/technicians/{tech['id']}/day", params={"date": "2026-11-23"})).status_code == 403


async def test_unfound_home_base_is_a_field_error_and_changes_nothing(client, bindings, people, database, tech):
    await sign_in_api(client, bindings, people.finance)
    r = await client.put(f"/api/technicians/{tech['id']}/home-base", json={"home_address": "somewhere nice"})
    assert r.status_code == 422
    assert "home_address" in r.json()["fields"]
    row = await database.first("SELECT home_address, home_lat, version FROM contractors WHERE id = ?", tech["id"])
    assert (row["home_address"], row["home_lat"], row["version"]) == ("", None, tech["version"])
    r = await client.put(f"/api/offices/{people.office_a.id}/address", json={"address": "no zip here"})
    assert r.status_code == 403  # finance admin does not manage offices


@pytest.mark.parametrize(("persona", "status"), [("admin", 403), ("agent", 403), ("viewer", 403), ("partner", 403)])
async def test_only_editors_manage_the_feed_and_home_base(client, bindings, people, tech, persona, status):
    await sign_in_api(client, bindings, getattr(people, persona))
    assert (await client.post(f"/api/technicians/{tech['id']}/calendar")).status_code == status
    assert (await client.delete(f"/api/technicians/{tech['id']}/calendar")).status_code == status
    assert (
        await client.put(f"/api/technicians/{tech['id']}/home-base", json={"home_address": HOME})
    ).status_code == status


async def feed_of(client, url):
    path = url.removeprefix("http://testserver")
    client.cookies.clear()  # a calendar app has no session
    return await client.get(path)


async def test_ics_feed_lists_the_technicians_appointments(client, bindings, people, database, clock, tech):
    now = clock.now()
    other = await contractor(database, now, "Sara Lopez", kind="technician")
    await book(database, now, tech, "Garage door tune-up", at(9), at(10), "a", office_id=people.office_a.id)
    await book(database, now, tech, "Called off", at(11), at(12), "b", status="cancelled")
    await book(database, now, tech, "Archived", at(13), at(14), "b", archived=True)
    await book(database, now, other, "Not Mike's", at(9), at(10), "a")
    await sign_in_api(client, bindings, people.owner)
    r = await client.post(f"/api/technicians/{tech['id']}/calendar")
    assert r.status_code == 201, r.text
    url = r.json()["feed_url"]
    assert url.startswith("http://testserver/calendar/technicians/") and url.endswith(".ics")
    r = await feed_of(client, url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["prodid"]).startswith("-//Porchlight")
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Garage door tune-up", "Called off"}
    tune = events["Garage door tune-up"]
    assert tune.decoded("dtstart") == at(9).astimezone(UTC)
    assert tune.decoded("dtend") == at(10).astimezone(UTC)
    assert str(tune["location"]) == "Garage door tune-up street"
    assert str(tune["status"]) == "CONFIRMED" and str(events["Called off"]["status"]) == "CANCELLED"
    assert str(tune["uid"]).startswith("appointment-")


async def test_feed_token_is_hashed_rotated_and_revoked(client, bindings, people, database, tech):
    await sign_in_api(client, bindings, people.finance)
    first = (await client.post(f"/api/technicians/{tech['id']}/calendar")).json()["feed_url"]
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40
    stored = await database.first(
        "SELECT token_hash FROM technician_calendar_tokens WHERE contractor_id = ?", tech["id"]
    )
    assert stored["token_hash"] != token and token not in stored["token_hash"]
    await sign_in_api(client, bindings, people.finance)
    assert (await client.get(f"/api/technicians/{tech['id']}")).json()["calendar_feed"] is True
    second = (await client.post(f"/api/technicians/{tech['id']}/calendar")).json()["feed_url"]
    assert second != first
    assert (await feed_of(client, first)).status_code == 404  # rotation: the old URL stops at once
    assert (await feed_of(client, second)).status_code == 200
    await sign_in_api(client, bindings, people.finance)
    assert (await client.delete(f"/api/technicians/{tech['id']}/calendar")).status_code == 204
    assert (await client.delete(f"/api/technicians/{tech['id']}/calendar")).status_code == 404
    assert (await feed_of(client, second)).status_code == 404
    assert (await feed_of(client, "/calendar/technicians/not-a-real-token-at-all-000000.ics")).status_code == 404
    actions = [
        r["action"]
        for r in await database.all("SELECT action FROM audit_log WHERE action LIKE 'technician.%' ORDER BY id")
    ]
    assert actions == ["technician.calendar_created", "technician.calendar_rotated", "technician.calendar_revoked"]


async def test_office_address_on_the_maintenance_page(client, bindings, people, database):
    await sign_in_api(client, bindings, people.owner)
    office = people.office_a
    page = await client.get(f"/maintenance/offices/{office.id}")
    assert 'action="/maintenance/offices/' in page.text and "Save address" in page.text
    r = await client.post(
        f"/maintenance/offices/{office.id}/address",
        data={"address": "nowhere", "csrf_token": client.headers["x-csrf-token"]},
    )
    assert r.status_code == 303
    assert (await database.first("SELECT address FROM offices WHERE id = ?", office.id))["address"] == ""
    r = await client.post(
        f"/maintenance/offices/{office.id}/address",
        data={"address": "1 Main St, Brooklyn, NY 11201", "csrf_token": client.headers["x-csrf-token"]},
    )
    assert r.status_code == 303
    row = await database.first("SELECT address, address_lat FROM offices WHERE id = ?", office.id)
    assert row["address"] == "1 Main St, Brooklyn, NY 11201" and row["address_lat"] is not None
    assert await database.first("SELECT 1 AS x FROM audit_log WHERE action = 'office.updated'")


async def test_a_home_base_typed_on_the_contractor_form_is_used_by_the_plan(client, bindings, people, database, clock):
    """The contractors API saves a home base too (geocoded there); the plan starts from it."""
    now = clock.now()
    await sign_in_api(client, bindings, people.finance)
    body = {"name": "Ana Typed", "kind": "technician", "job_type_ids": [await job_type_id(database, now)]}
    body["home_address"] = HOME
    r = await client.post("/api/contractors", json=body)
    assert r.status_code == 201, r.text
    tech = await technicians.get(database, r.json()["id"])
    assert tech["home_zip"] == "10118" and tech["home_lat"] is not None
    await book(database, now, tech, "A", at(9), at(10), "a", office_id=people.office_a.id)
    got = (await plan(client, tech))["A"]
    assert got["origin"]["kind"] == "home_base" and got["travel"]["miles"] > 0


async def test_technician_pages(client, bindings, people, database, clock, tech):
    now = clock.now()
    await book(database, now, tech, "Spring replacement", at(9), at(10), "a", office_id=people.office_a.id)
    await book(database, now, tech, "Tune-up", at(11), at(12), "d", office_id=people.office_a.id)
    await sign_in_api(client, bindings, people.viewer)
    listing = await client.get("/contractors/technicians")
    assert listing.status_code == 200 and "Mike Hernandez" in listing.text
    page = await client.get(f"/contractors/technicians/{tech['id']}", params={"date": DAY.isoformat()})
    assert page.status_code == 200
    assert "Spring replacement" in page.text and "9:00 AM – 10:00 AM" in page.text
    assert "previous appointment" in page.text and "(estimate)" in page.text
    assert "Save home base" not in page.text and "Issue feed URL" not in page.text  # viewers read only
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get(f"/contractors/technicians/{tech['id']}")).status_code == 403

    csrf = await sign_in_api(client, bindings, people.owner)
    issued = await client.post(f"/contractors/technicians/{tech['id']}/calendar", data={"csrf_token": csrf})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    url = issued.text.split('class="feed-url" readonly value="', 1)[1].split('"', 1)[0]
    assert (await feed_of(client, url)).status_code == 200
    csrf = await sign_in_api(client, bindings, people.owner)
    again = await client.get(f"/contractors/technicians/{tech['id']}")
    assert url not in again.text and "A feed URL is active" in again.text  # shown once only
    r = await client.post(f"/contractors/technicians/{tech['id']}/calendar/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await feed_of(client, url)).status_code == 404
    csrf = await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        f"/contractors/technicians/{tech['id']}/home-base", data={"home_address": "nowhere", "csrf_token": csrf}
    )
    assert r.status_code == 303 and "flash" in r.headers.get("set-cookie", "")
    assert (await technicians.get(database, tech["id"]))["home_address"] == ""
    r = await client.post(
        f"/contractors/technicians/{tech['id']}/home-base", data={"home_address": HOME, "csrf_token": csrf}
    )
    assert r.status_code == 303
    assert (await technicians.get(database, tech["id"]))["home_zip"] == "10118"
