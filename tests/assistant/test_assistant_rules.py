"""The CRM assistant against the fake Anthropic API (AIA-1…AIA-12): the tool loop, scope per role,
exact counts, truncation, chips, budget across midnight New York, replay, secrets never sent."""

from __future__ import annotations

import json

import pytest

from core.clock import iso
from core.storage import q
from tests.assistant_support import ask
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.fakes.anthropic import Failure, Reply, last_tool_results

pytestmark = pytest.mark.asyncio


async def add_leads(bindings, office, n: int, *, notes: str = "", status: str = "needs_follow_up") -> None:
    now = iso(bindings.clock.now())
    start = (await bindings.db.first("SELECT COALESCE(MAX(id), 0) AS m FROM leads"))["m"]
    statements = [
        q(
            "INSERT INTO leads (id, display_id, office_id, source_key, status, name, notes, received_at, created_at,"
            " updated_at) VALUES (?, ?, ?, 'website', ?, ?, ?, ?, ?, ?)",
            start + i + 1,
            f"L-{start + i + 1}",
            office.id,
            status,
            f"Lead {start + i + 1}",
            notes,
            now,
            now,
            now,
        )
        for i in range(n)
    ]
    for i in range(0, len(statements), 200):
        await bindings.db.batch(statements[i : i + 200])


def echo_tool_result(body):
    """A model that reports the tool's output back as its answer."""
    return Reply(text="Result: " + json.dumps(last_tool_results(body)))


async def test_count_is_scoped_to_the_agents_office_and_the_owner_sees_all(client, bindings, people, fake_ai):
    await add_leads(bindings, people.office_a, 3)
    await add_leads(bindings, people.office_b, 5)
    await sign_in_api(client, bindings, people.agent_b)  # Sliding only
    fake_ai.queue(Reply(tool_uses=[("count_leads", {})]), echo_tool_result)
    response, events = await ask(client, "How many leads do we have?")
    assert response.status_code == 200, response.text
    tools = [e for e in events if e["event"] == "tool"]
    assert tools, events
    assert tools[0]["name"] == "count_leads" and tools[0]["output"]["count"] == 5
    done = events[-1]
    assert done["event"] == "done" and '"count": 5' in done["text"]
    await sign_in_api(client, bindings, people.owner)
    fake_ai.queue(Reply(tool_uses=[("count_leads", {})]), echo_tool_result)
    _, events = await ask(client, "How many leads do we have?")
    assert next(e for e in events if e["event"] == "tool")["output"]["count"] == 8


async def test_invented_office_or_anothers_record_is_not_found(client, bindings, people, fake_ai):
    other = await make_customer(bindings, people.office_b, "Sliding Secret Customer")
    await add_leads(bindings, people.office_b, 2)
    await sign_in_api(client, bindings, people.agent)  # Garage only
    fake_ai.queue(
        Reply(
            tool_uses=[("count_leads", {"office": "Sliding"}), ("get_customer", {"customer_id": other["display_id"]})]
        ),
        Reply(tool_uses=[("list_leads", {"office": "Atlantis"}), ("no_such_tool", {})]),
        Reply(text="Nothing found."),
    )
    _, events = await ask(client, "Show me Sliding's numbers")
    outputs = [e["output"] for e in events if e["event"] == "tool"]
    assert outputs[0] == {"error": "office 'Sliding' not found"}
    assert outputs[1] == {"error": f"customer {other['display_id']!r} not found"}
    assert outputs[2] == {"error": "office 'Atlantis' not found"}
    assert outputs[3] == {"error": "tool 'no_such_tool' not found"}
    assert "Sliding Secret Customer" not in "".join(fake_ai.bodies)
    # the tool_result blocks went back marked as errors
    assert all(b.get("is_error") for b in fake_ai.requests[1]["messages"][-1]["content"])


async def test_exact_counts_past_a_thousand_and_lists_truncate_at_300(client, bindings, people, fake_ai):
    await add_leads(bindings, people.office_a, 1234)
    await sign_in_api(client, bindings, people.admin)
    fake_ai.queue(Reply(tool_uses=[("count_leads", {}), ("list_leads", {"limit": 5000})]), Reply(text="ok"))
    _, events = await ask(client, "How many leads, and list them all")
    count, listing = [e["output"] for e in events if e["event"] == "tool"]
    assert count["count"] == 1234
    assert listing["returned"] == 300 and listing["truncated"] is True
    fake_ai.queue(Reply(tool_uses=[("list_leads", {"limit": 10, "status": "fresh"})]), Reply(text="none"))
    _, events = await ask(client, "fresh ones?")
    assert next(e["output"] for e in events if e["event"] == "tool") == {"items": [], "returned": 0, "truncated": False}


async def test_at_most_ten_tool_calls_per_turn(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(
        *[Reply(tool_uses=[("count_leads", {}), ("count_customers", {})]) for _ in range(6)], Reply(text="done")
    )
    _, events = await ask(client, "Count everything many times")
    tools = [e for e in events if e["event"] == "tool"]
    assert len(tools) == 12
    assert sum(1 for e in tools if "error" not in e["output"]) == 10
    assert tools[-1]["output"] == {"error": "at most 10 tool calls per turn"}
    assert fake_ai.requests[-1]["tool_choice"] == {"type": "none"}
    stored = await bindings.db.first("SELECT COUNT(*) AS n FROM assistant_tool_calls")
    assert stored["n"] == 10


async def test_every_turn_is_stored_and_replayed_by_its_owner_and_the_owner_only(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(
        Reply(tool_uses=[("count_customers", {})], input_tokens=1000, output_tokens=50),
        Reply(text="You have **0** customers.", input_tokens=1200, output_tokens=30),
    )
    _, events = await ask(client, "How many customers?")
    conversation = events[0]["conversation_id"]
    done = events[-1]
    assert done["input_tokens"] == 2200 and done["output_tokens"] == 80
    assert done["cost_usd"] == pytest.approx((2200 * 3 + 80 * 15) / 1_000_000)
    assert "<strong>0</strong>" in done["html"]
    replay = (await client.get(f"/api/assistant/conversations/{conversation}")).json()
    assert replay["cost_usd"] == done["cost_usd"]
    turn = replay["turns"][0]
    assert turn["model"] == "claude-sonnet-4-6" and turn["status"] == "done"
    assert turn["tool_calls"] == [{"name": "count_customers", "input": {}, "output": {"count": 0, "filters": {}}}]
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get(f"/api/assistant/conversations/{conversation}")).status_code == 404
    assert (await client.get(f"/assistant/conversations/{conversation}")).status_code == 404
    await sign_in_api(client, bindings, people.owner)
    assert (await client.get(f"/api/assistant/conversations/{conversation}")).json()["turns"][0]["answer"]
    page = await client.get(f"/assistant/conversations/{conversation}")
    assert page.status_code == 200 and "count_customers" in page.text
    everyone = (await client.get("/api/assistant/conversations", params={"everyone": "true"})).json()["items"]
    assert [c["id"] for c in everyone] == [conversation]


async def test_viewers_may_ask_partners_may_not(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.viewer)
    fake_ai.queue(Reply(text="hi"))
    response, _ = await ask(client, "hello")
    assert response.status_code == 200
    await sign_in_api(client, bindings, people.partner)
    response, _ = await ask(client, "hello")
    assert response.status_code == 403


async def test_budget_is_each_users_own_and_resets_at_midnight_new_york(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.owner)
    caps = {
        "model": "claude-haiku-4-5",
        "input_usd_per_mtok": 1.0,
        "output_usd_per_mtok": 5.0,
        "role_caps": {"agent": 0.01},
    }
    assert (await client.put("/api/assistant/settings", json=caps)).status_code == 200
    bindings.clock.set("2026-11-23T04:30:00Z")  # 23:30 in New York, Nov 22
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(Reply(text="big", input_tokens=9000, output_tokens=1000))  # 9000*1 + 1000*5 = $0.014
    response, events = await ask(client, "first")
    assert response.status_code == 200 and events[-1]["cost_usd"] == pytest.approx(0.014)
    assert fake_ai.requests[-1]["model"] == "claude-haiku-4-5"
    over, _ = await ask(client, "second")
    assert over.status_code == 429 and "midnight Eastern" in over.json()["detail"]
    await sign_in_api(client, bindings, people.admin)  # another user's spend is their own
    fake_ai.queue(Reply(text="fine"))
    assert (await ask(client, "mine"))[0].status_code == 200
    bindings.clock.set("2026-11-23T05:00:30Z")  # 00:00:30 in New York, Nov 23
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(Reply(text="new day"))
    assert (await ask(client, "third"))[0].status_code == 200
    usage = (await client.get("/api/assistant/usage")).json()
    assert usage["day"] == "2026-11-23" and usage["cap_usd"] == 0.01


async def test_a_model_failure_mid_stream_is_stored_failed_and_costs_what_it_used(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(Reply(text="partial answer that stops", input_tokens=500, output_tokens=400, fail_after=1, pieces=4))
    _, events = await ask(client, "go")
    assert events[-1]["event"] == "error" and "failed" in events[-1]["message"]
    turn = await bindings.db.first("SELECT * FROM assistant_turns")
    assert turn["status"] == "failed" and turn["error"]
    # only what was reported before the failure: the input, and message_start's one output token
    assert turn["input_tokens"] == 500 and turn["output_tokens"] == 1
    assert turn["cost_micros"] == 500 * 3 + 1 * 15


async def test_overloaded_and_rate_limited_answers_are_retried(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.agent)
    fake_ai.queue(Failure(529), Failure(429), Reply(text="third time lucky"))
    _, events = await ask(client, "go")
    assert events[-1]["event"] == "done" and events[-1]["text"] == "third time lucky"
    fake_ai.queue(Failure(529), Failure(529), Failure(529))
    _, events = await ask(client, "again")
    assert events[-1] == {
        "event": "error",
        "message": "The AI service is busy right now. Try again in a minute.",
        "turn_id": events[0]["turn_id"],
    }
    turn = await bindings.db.first("SELECT * FROM assistant_turns WHERE id = ?", events[0]["turn_id"])
    assert turn["status"] == "failed" and turn["error"] == "HTTP 529: overloaded" and turn["cost_micros"] == 0


async def test_empty_and_overlong_messages_are_refused(client, bindings, people, fake_ai):
    await sign_in_api(client, bindings, people.agent)
    empty, _ = await ask(client, "   ")
    assert empty.status_code == 422 and "message" in empty.json()["fields"]
    long, _ = await ask(client, "x" * 4001)
    assert long.status_code == 422
    assert fake_ai.bodies == []


async def test_the_contractor_tool_counts_exactly_and_partners_never_reach_it(client, bindings, people, fake_ai):
    now = iso(bindings.clock.now())
    await bindings.db.batch(
        [
            q(
                "INSERT INTO contractors (name, kind, contact_name, active, created_at, updated_at)"
                " VALUES (?, 'company', 'Sam', ?, ?, ?)",
                f"Contractor {i:03d}",
                1 if i % 3 else 0,
                now,
                now,
            )
            for i in range(305)
        ]
    )
    await sign_in_api(client, bindings, people.viewer)
    fake_ai.queue(
        Reply(tool_uses=[("contractors", {}), ("contractors", {"active": False, "limit": 5})]), Reply(text="ok")
    )
    _, events = await ask(client, "How many contractors do we have?")
    every, inactive = [e["output"] for e in events if e["event"] == "tool"]
    assert every["count"] == 305 and every["returned"] == 300 and every["truncated"] is True
    assert inactive["count"] == 102 and inactive["returned"] == 5 and inactive["items"][0]["name"] == "Contractor 000"
