"""The demo's tasks (issue 23): believable open, due and done tasks, two templates, report settings; once."""

from __future__ import annotations

from ops import demo_tasks
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead


async def test_the_demo_adds_tasks_templates_and_report_settings_once(client, bindings, people):
    await make_lead(bindings, people.office_a, name="Demo Lead")
    customer = await make_customer(bindings, people.office_a, "Demo Customer")
    await sign_in_api(client, bindings, people.owner)
    ticket = await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Opener stuck"})
    assert ticket.status_code == 201
    now = bindings.clock.now()
    assert "6 tasks" in await demo_tasks.seed(bindings, now)
    assert await demo_tasks.seed(bindings, now) == ""  # idempotent
    await sign_in_api(client, bindings, people.agent)
    mine = (await client.get("/api/tasks")).json()
    assert len(mine) == 5 and any(t["link"] and t["link"]["kind"] == "lead" for t in mine)
    assert any(t["ticket_id"] == ticket.json()["number"] for t in mine)  # a task on the demo's ticket
    assert (await client.get("/api/tasks/badge")).json()["due"] >= 2  # overdue and due today: the badge pulses
    await sign_in_api(client, bindings, people.owner)
    assert len((await client.get("/api/recurring-tasks")).json()) == 2
    assert (await client.get("/api/report-emails")).json()["monthly"] is True
