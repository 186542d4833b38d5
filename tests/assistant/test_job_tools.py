"""The assistant's jobs tools (issue 24, AIA-2/AIA-3 over jobs): the same filters and scope as
GET /api/jobs, exact counts, lists capped at 300 with `truncated`, the payout only to finance roles."""

from __future__ import annotations

import pytest

from core.storage import q
from tests.assistant_support import ask
from tests.conftest import sign_in_api
from tests.fakes.anthropic import Reply
from tests.jobs.support import make_network, new_job

pytestmark = pytest.mark.asyncio


async def copies(bindings, job_id: int, n: int) -> None:
    """n more jobs like `job_id` (same office, date and type), straight into the table."""
    row = await bindings.db.first("SELECT * FROM jobs WHERE id = ?", job_id)
    cols = [c for c in row if c != "id"]
    statements = []
    for i in range(n):
        values = {**row, "display_id": f"JOB-{90000 + i}", "uuid": f"copy-{i}"}
        statements.append(
            q(
                f"INSERT INTO jobs (id, {', '.join(cols)}) VALUES (?, {', '.join('?' for _ in cols)})",
                90000 + i,
                *[values[c] for c in cols],
            )
        )
    for i in range(0, len(statements), 100):
        await bindings.db.batch(statements[i : i + 100])


async def tool_outputs(client, fake_ai, *uses) -> list[dict]:
    fake_ai.queue(Reply(tool_uses=list(uses)), Reply(text="ok"))
    response, events = await ask(client, "About our jobs?")
    assert response.status_code == 200, response.text
    return [e["output"] for e in events if e["event"] == "tool"]


async def test_counts_and_lists_follow_the_api_s_scope_and_filters(client, bindings, people, fake_ai):
    net = await make_network(client, bindings, people.owner)
    first = await new_job(client, net)
    await new_job(client, net, first_name="Sam", date_start="2026-11-26")
    [everything, on_day, listed] = await tool_outputs(
        client,
        fake_ai,
        ("count_jobs", {}),
        ("count_jobs", {"date_from": "2026-11-26", "date_to": "2026-11-26"}),
        ("list_jobs", {"query": "Sam"}),
    )
    assert everything["count"] == 2 and on_day["count"] == 1
    assert [j["first_name"] for j in listed["items"]] == ["Sam"] and listed["truncated"] is False
    assert "payout_cents" in listed["items"][0]  # the owner is a finance role

    await sign_in_api(client, bindings, people.agent)  # office A: sees them, no payout
    [count, listing] = await tool_outputs(client, fake_ai, ("count_jobs", {}), ("list_jobs", {"limit": 1}))
    assert count["count"] == 2 and listing["returned"] == 1 and listing["truncated"] is True
    assert "payout_cents" not in listing["items"][0] and listing["items"][0]["display_id"] == first["display_id"]

    await sign_in_api(client, bindings, people.agent_b)  # office B only: none of office A's jobs
    [count, bad] = await tool_outputs(client, fake_ai, ("count_jobs", {}), ("list_jobs", {"status": ["nope"]}))
    assert count["count"] == 0 and "status must be among" in bad["error"]


async def test_lists_stop_at_300_and_say_truncated(client, bindings, people, fake_ai):
    net = await make_network(client, bindings, people.owner)
    job = await new_job(client, net)
    await copies(bindings, job["serial_id"], 304)
    [count, listing] = await tool_outputs(client, fake_ai, ("count_jobs", {}), ("list_jobs", {"limit": 5000}))
    assert count["count"] == 305
    assert listing["returned"] == 300 and listing["truncated"] is True
