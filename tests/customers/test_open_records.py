"""The open-records tray: pin and unpin from the pages and the API, the limit, per-user trays that
outlive the session, and records the user can no longer see dropping out."""

from __future__ import annotations

import re

from customers import open_records
from tests.conftest import login_form, sign_in, sign_in_api
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead


async def tray(client) -> list[str]:
    r = await client.get("/api/open-records")
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_it_pins_from_the_record_pages_and_shows_the_tray_everywhere(client, bindings, people):
    lead = await make_lead(bindings, people.office_a, name="Lou Lead")
    customer = await make_customer(bindings, people.office_a, "Cara Client")
    csrf = await sign_in(client, bindings, people.agent)
    page = (await client.get(f"/leads/{lead}")).text
    assert f'action="/leads/{lead}/pin"' in page and "Pin to tray" in page
    assert 'class="tray"' not in page  # nothing pinned: no tray
    r = await client.post(f"/leads/{lead}/pin", data={"csrf_token": csrf, "next": f"/leads/{lead}"})
    assert r.status_code == 303 and r.headers["location"] == f"/leads/{lead}"
    r = await client.post("/clients/C-1001/pin", data={"csrf_token": csrf})
    assert r.headers["location"] == "/clients/C-1001"
    assert customer["display_id"] == "C-1001"
    listing = (await client.get("/clients")).text
    tray_html = listing[listing.index('class="tray"') : listing.index("</nav>", listing.index('class="tray"'))]
    assert re.findall(r'href="(/[a-z]+/[LC]-\d+)"', tray_html) == [f"/leads/{lead}", "/clients/C-1001"]
    assert "Lou Lead" in tray_html and "Cara Client" in tray_html
    record = (await client.get("/clients/C-1001")).text
    assert 'action="/clients/C-1001/unpin"' in record and 'aria-current="page"' in record
    r = await client.post(f"/leads/{lead}/unpin", data={"csrf_token": csrf, "next": "/clients?q=cara"})
    assert r.headers["location"] == "/clients?q=cara"
    client.headers["x-csrf-token"] = csrf
    assert await tray(client) == ["C-1001"]


async def test_the_api_pins_and_unpins(client, bindings, people):
    lead = await make_lead(bindings, people.office_a, name="Lou Lead")
    await make_customer(bindings, people.office_a, "Cara Client")
    await sign_in_api(client, bindings, people.viewer)  # read-only roles keep a tray too
    r = await client.post("/api/open-records", json={"kind": "customer", "id": "c-1001"})
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == ["C-1001"]
    again = await client.post("/api/open-records", json={"kind": "customer", "id": "C-1001"})
    assert [i["id"] for i in again.json()["items"]] == ["C-1001"]  # pinning twice keeps one
    await client.post("/api/open-records", json={"kind": "lead", "id": lead})
    body = (await client.get("/api/open-records")).json()
    assert body["limit"] == open_records.LIMIT
    assert body["items"][1] == {
        "kind": "lead",
        "id": lead,
        "name": "Lou Lead",
        "url": f"/leads/{lead}",
        "archived": False,
    }
    assert (await client.delete(f"/api/open-records/lead/{lead}")).status_code == 204
    assert await tray(client) == ["C-1001"]
    assert (await client.delete("/api/open-records/task/T-1")).status_code == 422
    assert (await client.post("/api/open-records", json={"kind": "task", "id": "C-1001"})).status_code == 422
    assert (await client.post("/api/open-records", json={"kind": "lead", "id": "L-999999"})).status_code == 404
    assert (await client.post("/api/open-records", json={"kind": "lead"})).status_code == 422


async def test_the_tray_holds_twelve(client, bindings, people):
    for n in range(open_records.LIMIT + 1):
        await make_customer(bindings, people.office_a, f"Client {n:02d}")
    csrf = await sign_in_api(client, bindings, people.agent)
    for n in range(open_records.LIMIT):
        assert (
            await client.post("/api/open-records", json={"kind": "customer", "id": f"C-{1001 + n}"})
        ).status_code == 200
    full = await client.post("/api/open-records", json={"kind": "customer", "id": "C-1013"})
    assert full.status_code == 409 and "already holds 12" in full.json()["detail"]
    r = await client.post("/clients/C-1013/pin", data={"csrf_token": csrf})
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "Unpin one to make room" in page.text
    assert len(await tray(client)) == open_records.LIMIT
    await client.delete("/api/open-records/customer/C-1001")
    assert (await client.post("/api/open-records", json={"kind": "customer", "id": "C-1013"})).status_code == 200
    assert (await tray(client))[-1] == "C-1013"


async def test_the_tray_survives_signing_out(client, bindings, people):
    await make_customer(bindings, people.office_a, "Cara Client")
    csrf = await sign_in_api(client, bindings, people.agent)
    await client.post("/api/open-records", json={"kind": "customer", "id": "C-1001"})
    assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303
    client.cookies.clear()
    del client.headers["x-csrf-token"]
    assert (await login_form(client, "agent@example.test")).status_code == 303
    assert await tray(client) == ["C-1001"]
    assert "Cara Client" in (await client.get("/leads")).text


async def test_each_user_has_their_own_tray(client, bindings, people):
    await make_customer(bindings, people.office_a, "Cara Client")
    await sign_in_api(client, bindings, people.agent)
    await client.post("/api/open-records", json={"kind": "customer", "id": "C-1001"})
    await sign_in_api(client, bindings, people.admin)
    assert await tray(client) == []
    assert (await client.delete("/api/open-records/customer/C-1001")).status_code == 204  # only their own rows
    await sign_in_api(client, bindings, people.agent)
    assert await tray(client) == ["C-1001"]


async def test_records_the_user_can_no_longer_see_drop_out(client, bindings, people, database):
    await make_customer(bindings, people.office_a, "Moves Away")
    await make_customer(bindings, people.office_a, "Stays")
    lead = await make_lead(bindings, people.office_a, name="Lou Lead")
    await sign_in_api(client, bindings, people.agent)
    for kind, display in (("customer", "C-1001"), ("lead", lead)):
        await client.post("/api/open-records", json={"kind": kind, "id": display})
    await database.run("UPDATE customers SET office_id = ? WHERE display_id = 'C-1001'", people.office_b.id)
    assert await tray(client) == [lead]
    assert "Moves Away" not in (await client.get("/clients")).text
    await client.post("/api/open-records", json={"kind": "customer", "id": "C-1002"})  # the next pin clears it
    left = await database.all("SELECT record_id FROM open_records WHERE user_id = ? ORDER BY position", people.agent.id)
    assert len(left) == 2
    await database.run("DELETE FROM leads WHERE display_id = ?", lead)  # a deleted record unpins everywhere
    assert await tray(client) == ["C-1002"]
    assert await database.first("SELECT 1 FROM open_records WHERE kind = 'lead'") is None


async def test_other_offices_and_partners_cannot_pin(client, bindings, people):
    await make_customer(bindings, people.office_a, "Cara Client")
    lead = await make_lead(bindings, people.office_a, name="Lou Lead")
    csrf = await sign_in_api(client, bindings, people.agent_b)
    assert (await client.post("/api/open-records", json={"kind": "customer", "id": "C-1001"})).status_code == 404
    assert (await client.post("/clients/C-1001/pin", data={"csrf_token": csrf})).status_code == 404
    csrf = await sign_in_api(client, bindings, people.partner)
    assert (await client.post("/api/open-records", json={"kind": "customer", "id": "C-1001"})).status_code == 404
    assert (await client.post("/clients/C-1001/pin", data={"csrf_token": csrf})).status_code == 403
    assert (await client.post(f"/leads/{lead}/pin", data={"csrf_token": csrf})).status_code == 404  # not GDQ's
    assert await tray(client) == []


async def test_it_only_redirects_within_the_site(client, bindings, people):
    await make_customer(bindings, people.office_a, "Cara Client")
    csrf = await sign_in(client, bindings, people.agent)
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = await client.post("/clients/C-1001/pin", data={"csrf_token": csrf, "next": bad})
        assert r.headers["location"] == "/clients/C-1001", bad
