"""Without ANTHROPIC_API_KEY every AI control says "AI is not configured" and the rest works."""

from __future__ import annotations

import pytest

from tests.assistant_support import ask
from tests.conftest import sign_in_api
from tests.customers_support import make_customer

pytestmark = [pytest.mark.asyncio, pytest.mark.no_ai]


async def test_without_a_key_ai_is_not_configured(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    response, _ = await ask(client, "hello")
    assert response.status_code == 409 and response.json()["detail"] == "AI is not configured"
    assert (await client.get("/api/assistant/usage")).json()["configured"] is False
    assert (await client.get("/leads")).status_code == 200


async def test_tickets_work_without_ai(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "No AI")
    csrf = await sign_in_api(client, bindings, people.agent)
    number = (await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Manual"})).json()[
        "number"
    ]
    page = await client.get(f"/tickets/{number}")
    assert "AI is not configured" in page.text and "Paste or type the conversation" in page.text
    started = await client.post(f"/api/tickets/{number}/summaries", json={"recommendations": False})
    draft = await client.post(f"/api/tickets/{number}/summaries/{started.json()['id']}/draft")
    assert draft.status_code == 409 and draft.json()["detail"] == "AI is not configured"
    edited = await client.patch(
        f"/api/tickets/{number}/summaries/{started.json()['id']}", json={"summary": "Written by hand."}
    )
    assert edited.status_code == 200 and edited.json()["summary"] == "Written by hand."
    assert csrf
