"""The demo's tasks (issue 23): believable open, due and done tasks, two templates, report settings; once."""

from __future__ import annotations

from ops import demo_tasks
from tests.conftest import sign_in_api
from tests.leads.test_leads_queue import make_lead


async def test_the_demo_adds_tasks_templates_and_report_settings_once(client, bindings, people):
    await make_lead(bindings, people.office_a, name="Demo Lead")
    now = bindings.clock.now()
    assert "5 tasks" in await demo_tasks.seed(bindings, now)
    assert await demo_tasks.seed(bindings, now) == ""  # idempotent
    await sign_in_api(client, bindings, people.agent)
    mine = (await client.get("/api/tasks")).json()
    assert len(mine) == 4 and any(t["link"] and t["link"]["kind"] == "lead" for t in mine)
    assert (await client.get("/api/tasks/badge")).json()["due"] >= 2  # overdue and due today: the badge pulses
    await sign_in_api(client, bindings, people.owner)
    assert len((await client.get("/api/recurring-tasks")).json()) == 2
    assert (await client.get("/api/report-emails")).json()["monthly"] is True
