"""Tickets (seed 000): the workflow — search, open the customer, load or create a ticket, save the
chat to it — scope by office, one save for a double click, destructive steps confirmed."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_api
from tests.customers_support import make_customer

pytestmark = pytest.mark.asyncio


async def test_open_a_ticket_list_it_on_the_customer_and_count_it_open(client, bindings, people):
    customer = await make_customer(
        bindings, people.office_a, "Dana Rivera", company="Rivera Storage", email="dana@example.test"
    )
    await sign_in_api(client, bindings, people.agent)
    made = await client.post(
        f"/api/customers/{customer['display_id']}/tickets", json={"title": "Opener not responding"}
    )
    assert made.status_code == 201, made.text
    ticket = made.json()
    assert ticket["number"] == "T-1001" and ticket["status"] == "open" and ticket["created_by"] == "Agent"
    second = await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Remote battery"})
    assert second.json()["number"] == "T-1002"
    # Step 1: by customer, by company, by ticket number
    for q in ("rivera", "Rivera Storage", "t-1002", "1002"):
        found = await client.get("/api/tickets", params={"q": q})
        assert found.status_code == 200
        numbers = {t["number"] for t in found.json()["items"]}
        assert "T-1002" in numbers, q
    page = await client.get("/tickets", params={"q": "rivera"})
    assert "Dana Rivera" in page.text and "Step 1: search by customer, company, or ticket number." in page.text
    panel = await client.get(f"/clients/{customer['display_id']}/tickets")
    assert "T-1001" in panel.text and "T-1002" in panel.text and "2 open" in panel.text
    # the clients list's "Has open tickets" now answers this customer (the view reads tickets)
    listed = await client.get("/clients", params={"open_tickets": "true"})
    assert "Dana Rivera" in listed.text
    closed = await client.patch("/api/tickets/T-1001", json={"status": "closed"})
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "Agent"
    assert closed.json()["closed_at"]


async def test_another_offices_ticket_is_not_found_and_partners_are_refused(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Garage Customer")
    await sign_in_api(client, bindings, people.agent)
    number = (await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "X"})).json()[
        "number"
    ]
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.get(f"/api/tickets/{number}")).status_code == 404
    assert (await client.get("/api/tickets", params={"q": number})).json()["items"] == []
    assert (await client.post(f"/api/tickets/{number}/entries", json={"kind": "note", "body": "hi"})).status_code == 404
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get(f"/api/tickets/{number}")).status_code == 403
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get(f"/api/tickets/{number}")).status_code == 200
    assert (await client.post(f"/api/tickets/{number}/entries", json={"kind": "note", "body": "hi"})).status_code == 403


async def test_double_click_saves_once(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Twice")
    await sign_in_api(client, bindings, people.agent)
    body = {"title": "Double", "request_key": "k-123"}
    first = await client.post(f"/api/customers/{customer['display_id']}/tickets", json=body)
    again = await client.post(f"/api/customers/{customer['display_id']}/tickets", json=body)
    assert first.json()["number"] == again.json()["number"]
    number = first.json()["number"]
    note = {"kind": "transcript", "body": "Caller: it clicks but does not move.", "save_key": "s-1"}
    a = await client.post(f"/api/tickets/{number}/entries", json=note)
    b = await client.post(f"/api/tickets/{number}/entries", json=note)
    assert a.json() == {"id": a.json()["id"], "created": True}
    assert b.json() == {"id": a.json()["id"], "created": False}
    whole = (await client.get(f"/api/tickets/{number}")).json()
    assert [e["kind"] for e in whole["entries"]] == ["transcript"]
    count = await bindings.db.first("SELECT COUNT(*) AS n FROM tickets WHERE customer_id = ?", customer["id"])
    assert count["n"] == 1


async def test_bad_input_names_the_field_and_changes_nothing(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Bad Input")
    await sign_in_api(client, bindings, people.agent)
    empty = await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "   "})
    assert empty.status_code == 422 and "title" in empty.json()["fields"]
    card = await client.post(
        f"/api/customers/{customer['display_id']}/tickets", json={"title": "card 4111 1111 1111 1111"}
    )
    assert card.status_code == 422
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM tickets"))["n"] == 0
    number = (await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Ok"})).json()[
        "number"
    ]
    long = await client.post(f"/api/tickets/{number}/entries", json={"kind": "note", "body": "x" * 5001})
    assert long.status_code == 422 and "body" in long.json()["fields"]
    blank = await client.post(f"/api/tickets/{number}/entries", json={"kind": "note", "body": "  "})
    assert blank.status_code == 422


async def test_deleting_an_entry_asks_first(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Delete Me")
    csrf = await sign_in_api(client, bindings, people.agent)
    number = (await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Ok"})).json()[
        "number"
    ]
    entry = (await client.post(f"/api/tickets/{number}/entries", json={"kind": "note", "body": "keep?"})).json()["id"]
    page = await client.get(f"/tickets/{number}")
    assert "This action cannot be undone." in page.text
    unconfirmed = await client.post(f"/tickets/{number}/entries/{entry}/delete", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 303
    assert len((await client.get(f"/api/tickets/{number}")).json()["entries"]) == 1
    confirmed = await client.post(
        f"/tickets/{number}/entries/{entry}/delete", data={"csrf_token": csrf, "confirm": "yes"}
    )
    assert confirmed.status_code == 303
    assert (await client.get(f"/api/tickets/{number}")).json()["entries"] == []
