"""The ticket and assistant pages: forms post/redirect/get, one-time keys, the unattached-chat dialog,
the owner's settings page."""

from __future__ import annotations

import re

import pytest

from tests.assistant_support import ask
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.fakes.anthropic import Reply

pytestmark = pytest.mark.asyncio


async def test_the_new_ticket_form_opens_one_ticket_for_a_double_click(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Form Customer")
    csrf = await sign_in_api(client, bindings, people.agent)
    panel = await client.get(f"/clients/{customer['display_id']}/tickets")
    key = re.search(r'name="request_key" value="([^"]+)"', panel.text).group(1)
    form = {"csrf_token": csrf, "title": "Opener", "request_key": key}
    first = await client.post(f"/clients/{customer['display_id']}/tickets", data=form)
    second = await client.post(f"/clients/{customer['display_id']}/tickets", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == "/tickets/T-1001"
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM tickets"))["n"] == 1
    page = await client.get("/tickets/T-1001")
    key = re.search(r'name="save_key" value="([^"]+)"', page.text).group(1)
    note = {"csrf_token": csrf, "kind": "note", "body": "Checked the remote.", "save_key": key}
    assert (await client.post("/tickets/T-1001/entries", data=note)).status_code == 303
    assert (await client.post("/tickets/T-1001/entries", data=note)).status_code == 303
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM ticket_entries"))["n"] == 1
    closed = await client.post("/tickets/T-1001/status", data={"csrf_token": csrf, "status": "closed"})
    assert closed.status_code == 303
    assert (await client.get("/api/tickets/T-1001")).json()["status"] == "closed"


async def test_the_unattached_chat_dialog_walks_the_steps(client, bindings, people, fake_ai):
    customer = await make_customer(bindings, people.office_a, "Dialog Customer", company="Dialog Co")
    await make_customer(bindings, people.office_b, "Dialog Elsewhere")
    csrf = await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(Reply(text="Try the wall button."))
    _, events = await ask(client, "Opener dead")
    conversation = events[0]["conversation_id"]
    start = await client.get(f"/assistant/conversations/{conversation}/save")
    assert "Choose where this unattached chat should be saved." in start.text
    found = await client.get(f"/assistant/conversations/{conversation}/save", params={"q": "dialog"})
    assert "Dialog Customer" in found.text and "Dialog Elsewhere" not in found.text
    chosen = await client.get(
        f"/assistant/conversations/{conversation}/save", params={"customer": customer["display_id"]}
    )
    assert "Choose whether to save this chat to an existing ticket or create a new one for this client." in chosen.text
    key = re.search(r'name="request_key" value="([^"]+)"', chosen.text).group(1)
    made = await client.post(
        f"/clients/{customer['display_id']}/tickets",
        data={"csrf_token": csrf, "title": "Dead opener", "request_key": key, "chat": str(conversation)},
    )
    assert made.status_code == 303 and made.headers["location"] == "/tickets/T-1001#entries"
    entries = (await client.get("/api/tickets/T-1001")).json()["entries"]
    assert entries[0]["kind"] == "chat" and "wall button" in entries[0]["body"]


async def test_the_owner_sets_model_prices_and_caps(client, bindings, people, fake_ai):
    csrf = await sign_in_api(client, bindings, people.owner)
    page = await client.get("/maintenance/assistant")
    assert page.status_code == 200 and "claude-haiku-4-5" in page.text
    form = {"csrf_token": csrf, "model": "claude-haiku-4-5", "input_usd_per_mtok": "1", "output_usd_per_mtok": "5"}
    form |= {f"cap_{r}": "3" for r in ("owner", "admin", "finance_admin", "agent", "viewer")}
    assert (await client.post("/maintenance/assistant", data=form)).status_code == 303
    settings = (await client.get("/api/assistant/settings")).json()
    assert settings["model"] == "claude-haiku-4-5" and settings["role_caps"]["viewer"] == 3.0
    bad = await client.put(
        "/api/assistant/settings",
        json={"model": "has space", "input_usd_per_mtok": -1, "output_usd_per_mtok": 5, "role_caps": {"partner": 1}},
    )
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {
        "model",
        "input_usd_per_mtok",
        "role_caps.partner",
    }
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/maintenance/assistant")).status_code == 403
    assert (await client.get("/assistant")).status_code == 200
