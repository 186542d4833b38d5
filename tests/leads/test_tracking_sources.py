"""Tracking-source routing is editable (issue 17; seed 002 "Office order: payload → tracking source →
source default → General"), and a source whose leads land where nobody works is flagged."""

from __future__ import annotations

import re

from accounts import offices
from core.records import SYSTEM
from tests.conftest import sign_in, sign_in_api
from tests.leads.test_intake import SECRET, lead


async def test_a_lead_with_a_tracking_source_routes_to_the_office_the_owner_set(client, bindings, people, database):
    await sign_in_api(client, bindings, people.owner)
    r = await client.put("/api/tracking-sources", json={"label": "Brooklyn Ads", "office_id": people.office_b.id})
    assert r.status_code == 200, r.text
    assert r.json() == [{"label": "Brooklyn Ads", "office_id": people.office_b.id, "office": "Sliding"}]
    await database.run("UPDATE lead_sources SET default_office_id = ? WHERE key = 'yelp'", people.office_a.id)
    base = {"phone": "3057942213", "source": "yelp"}
    routed = await client.post("/webhook/leads", json=base | {"name": "T", "bb_source": "brooklyn ads"}, headers=SECRET)
    other = await client.post("/webhook/leads", json=base | {"name": "U", "bb_source": "Queens Ads"}, headers=SECRET)
    assert (await lead(database, routed.json()["lead_id"]))["office"] == "Sliding"
    assert (await lead(database, other.json()["lead_id"]))["office"] == "Garage"  # unknown label: source default
    # Moved to another office: the same label (any case) is updated, not added twice.
    r = await client.put("/api/tracking-sources", json={"label": "BROOKLYN ADS", "office_id": people.office_a.id})
    assert [(t["label"], t["office"]) for t in r.json()] == [("Brooklyn Ads", "Garage")]
    again = await client.post("/webhook/leads", json=base | {"name": "V", "ctm_source": "Brooklyn Ads"}, headers=SECRET)
    assert (await lead(database, again.json()["lead_id"]))["office"] == "Garage"
    audit = await database.all("SELECT action FROM audit_log WHERE action LIKE 'tracking_source.%'")
    assert [a["action"] for a in audit] == ["tracking_source.set", "tracking_source.set"]
    assert (await client.delete("/api/tracking-sources/brooklyn%20ads")).status_code == 204
    assert (await client.get("/api/tracking-sources")).json() == []
    assert (await client.delete("/api/tracking-sources/brooklyn%20ads")).status_code == 404


async def test_refusals_name_the_field_and_change_nothing(client, bindings, people, database):
    await sign_in_api(client, bindings, people.owner)
    r = await client.put("/api/tracking-sources", json={"label": "X", "office_id": 99999})
    assert r.status_code == 422 and r.json()["fields"] == {
        "office_id": "Choose an active office for this tracking source."
    }
    r = await client.put("/api/tracking-sources", json={"label": "   ", "office_id": people.office_a.id})
    assert r.status_code == 422 and "label" in r.json()["fields"]
    assert await database.all("SELECT * FROM tracking_sources") == []


async def test_only_the_owner_edits_tracking_sources(client, bindings, people, database):
    for who in (people.admin, people.agent):
        await sign_in_api(client, bindings, who)
        r = await client.put("/api/tracking-sources", json={"label": "X", "office_id": people.office_a.id})
        assert r.status_code == 403, who.role
        assert (await client.get("/api/tracking-sources")).status_code == 403
    assert await database.all("SELECT * FROM tracking_sources") == []


async def test_the_sources_page_edits_routes_and_flags_offices_without_staff(client, bindings, people, database):
    empty = await offices.create_office(
        database, bindings.clock.now(), SYSTEM, name="Harbor", time_zone="America/New_York"
    )
    await database.run("UPDATE lead_sources SET default_office_id = ? WHERE key = 'yelp'", empty.id)
    await database.run("UPDATE lead_sources SET default_office_id = ? WHERE key <> 'yelp'", people.office_a.id)
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/sources")
    assert page.status_code == 200
    flagged = re.findall(r'data-source="(\w+)".*?(?=data-source=|id="tracking-sources")', page.text, re.S)
    assert flagged  # the cards are there
    cards = dict(re.findall(r'data-source="(\w+)"(.*?)(?=data-source=|id="tracking-sources")', page.text, re.S))
    assert "No staff in Harbor" in cards["yelp"]
    assert not [k for k, body in cards.items() if k != "yelp" and "unstaffed-flag" in body]
    r = await client.post(
        "/maintenance/tracking-sources", data={"csrf_token": csrf, "label": "Harbor Line", "office_id": str(empty.id)}
    )
    assert r.status_code == 303
    rows = await database.all("SELECT label, office_id FROM tracking_sources")
    assert [(x["label"], x["office_id"]) for x in rows] == [("Harbor Line", empty.id)]
    page = await client.get("/maintenance/sources")
    row = re.search(r'<tr data-tracking="Harbor Line">.*?</tr>', page.text, re.S)
    assert row and "No staff" in row.group(0)
    # A refused save goes back with why and writes nothing.
    bad = await client.post("/maintenance/tracking-sources", data={"csrf_token": csrf, "label": "", "office_id": "1"})
    assert bad.status_code == 303 and await database.first("SELECT COUNT(*) AS n FROM tracking_sources") == {"n": 1}
    r = await client.post("/maintenance/tracking-sources/delete", data={"csrf_token": csrf, "label": "harbor line"})
    assert r.status_code == 303 and await database.all("SELECT * FROM tracking_sources") == []
