"""Leads typed in by staff: office rules, placeholder phones refused, same intake path."""

from __future__ import annotations

from tests.conftest import sign_in_api, snapshot_file


async def test_an_agent_creates_a_lead_in_their_own_office(client, bindings, people, database):
    await sign_in_api(client, bindings, people.agent)
    r = await client.post("/api/leads", json={"name": "Walk In", "phone": "(305) 794-2213"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["office"] == "Garage" and body["source"] == "manual" and body["status"] == "fresh"
    assert body["timeline"][0]["body"] == "Lead created by Agent"
    audit = await database.first("SELECT actor_label FROM audit_log WHERE action = 'lead.created'")
    assert audit["actor_label"] == "Agent"
    r = await client.post("/api/leads", json={"name": "Named office", "office_id": people.office_a.id})
    assert r.status_code == 201 and r.json()["office"] == "Garage"


async def test_an_agent_asking_for_another_office_is_refused_not_moved(client, bindings, people, db_path):
    """Issue 16 #10: it answered 201 with the lead in the agent's own office."""
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.post("/api/leads", json={"name": "Walk In", "office_id": people.office_b.id})
    assert r.status_code == 422 and r.json()["detail"].startswith("office_id: ")
    r = await client.post("/api/customers", json={"name": "Rosa Diaz", "office_id": people.office_b.id})
    assert r.status_code == 422 and r.json()["detail"].startswith("office_id: ")
    after = snapshot_file(db_path)
    before.pop("sessions"), after.pop("sessions")
    assert after == before


async def test_an_admin_chooses_among_their_offices(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        "/api/leads", json={"name": "Owner's pick", "office_id": people.office_b.id, "source": "yelp"}
    )
    assert r.status_code == 201 and r.json()["office"] == "Sliding" and r.json()["source"] == "yelp"
    await sign_in_api(client, bindings, people.admin)  # admin sees Garage only
    r = await client.post("/api/leads", json={"name": "Not mine", "office_id": people.office_b.id})
    assert r.status_code == 422 and r.json()["detail"] == "office_id: choose one of your active offices."


async def test_placeholder_phones_are_refused_in_staff_forms(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    for phone in ("1231231234", "000-000-0000", "12345"):
        r = await client.post("/api/leads", json={"name": "Fake", "phone": phone})
        assert r.status_code == 422 and "not a phone number" in r.json()["detail"], phone
    assert (await client.post("/api/leads", json={"name": "", "phone": "3057942213"})).status_code == 422
    assert (await client.post("/api/leads", json={"name": "X", "office": "Garage"})).status_code == 422  # unknown key
    assert snapshot_file(db_path) == before


async def test_viewers_cannot_create(client, bindings, people):
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.post("/api/leads", json={"name": "Nope"})).status_code == 403


async def test_the_new_lead_form(client, bindings, people, database):
    csrf = await sign_in_api(client, bindings, people.owner)
    page = await client.get("/leads/new")
    assert page.status_code == 200 and 'name="office_id"' in page.text
    bad = await client.post("/leads", data={"csrf_token": csrf, "name": "Form", "phone": "1231231234"})
    assert bad.status_code == 400 and "not a phone number" in bad.text and 'value="Form"' in bad.text
    ok = await client.post(
        "/leads", data={"csrf_token": csrf, "name": "Form", "phone": "3057942213", "office_id": str(people.office_b.id)}
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/leads/L-")
    assert (await database.first("SELECT o.name FROM leads l JOIN offices o ON o.id = l.office_id"))[
        "name"
    ] == "Sliding"
