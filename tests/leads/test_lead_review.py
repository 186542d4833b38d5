"""Seed 001's review-request progression: requested → received / declined, each a verb with who and
when, timeline and audit; shown on the record and as `review_status` in the API."""

from __future__ import annotations

import json

from core import errors
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_lead_actions import timeline
from tests.leads.test_leads_queue import make_lead


async def review_lead(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Happy customer")
    await sign_in_api(client, bindings, people.agent)
    r = await client.patch(f"/api/leads/{display}", json={"next_action": "review_request"})
    assert r.status_code == 200 and r.json()["review_status"] is None
    return display


async def test_a_review_is_requested_then_received(client, bindings, people, clock, database):
    display = await review_lead(client, bindings, people)
    r = await client.post(f"/api/leads/{display}/review", json={"step": "requested"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["review_status"] == "requested"
    assert body["review"] == {
        "status": "requested",
        "requested_at": "2026-11-22T15:00:00.000Z",
        "requested_by": "Agent",
        "resolved_at": None,
        "resolved_by": None,
    }
    clock.advance(hours=30)
    await sign_in_api(client, bindings, people.admin)
    body = (await client.post(f"/api/leads/{display}/review", json={"step": "received"})).json()
    assert body["review"]["status"] == "received" and body["review"]["resolved_by"] == "Admin"
    assert body["review"]["resolved_at"] == "2026-11-23T21:00:00.000Z"
    assert (await timeline(database, display))[-2:] == ["Review requested by Agent", "Review received by Admin"]
    audit = await database.all("SELECT action, meta FROM audit_log WHERE action LIKE 'lead.review_%' ORDER BY id")
    assert [a["action"] for a in audit] == ["lead.review_requested", "lead.review_received"]
    assert json.loads(audit[1]["meta"])["previous"] == "requested"
    items = (await client.get("/api/leads")).json()["items"]
    assert items[0]["review_status"] == "received"  # in the queue's items too

    page = await client.get(f"/leads/{display}")
    assert 'id="review"' in page.text and "Admin · " in page.text and 'class="done"><strong>Received' in page.text
    assert 'name="step"' not in page.text  # nothing left to do


async def test_declined_is_the_other_ending_and_each_step_happens_once(client, bindings, people, db_path):
    display = await review_lead(client, bindings, people)
    await client.post(f"/api/leads/{display}/review", json={"step": "requested"})
    before = snapshot_file(db_path)
    for step, words in (("requested", "already requested"), ("bogus", "must be one of")):
        r = await client.post(f"/api/leads/{display}/review", json={"step": step})
        assert r.status_code == 422 and words in r.json()["detail"], r.text
    assert (await client.post(f"/api/leads/{display}/review", json={"step": "x", "extra": 1})).status_code == 422
    assert snapshot_file(db_path) == before
    assert (await client.post(f"/api/leads/{display}/review", json={"step": "declined"})).json()["review_status"] == (
        "declined"
    )
    before = snapshot_file(db_path)
    r = await client.post(f"/api/leads/{display}/review", json={"step": "received"})
    assert r.status_code == 422 and "already marked declined" in r.json()["detail"]
    assert snapshot_file(db_path) == before
    page = await client.get(f"/leads/{display}")
    assert 'class="done declined"><strong>Declined' in page.text


async def test_a_review_needs_the_review_next_action_and_comes_in_order(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Not yet")
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.post(f"/api/leads/{display}/review", json={"step": "requested"})
    assert r.status_code == 422 and "next action" in r.json()["detail"]
    r = await client.post(f"/api/leads/{display}/review", json={"step": "received"})
    assert r.status_code == 422 and "requested review" in r.json()["detail"]
    assert snapshot_file(db_path) == before
    assert 'id="review"' not in (await client.get(f"/leads/{display}")).text  # no panel until it applies


async def test_office_scope_and_read_only_roles(client, bindings, people, db_path):
    display = await review_lead(client, bindings, people)
    await sign_in_api(client, bindings, people.agent_b)
    before = snapshot_file(db_path)
    assert (await client.post(f"/api/leads/{display}/review", json={"step": "requested"})).status_code == 404
    assert snapshot_file(db_path) == before
    await sign_in_api(client, bindings, people.viewer)
    before = snapshot_file(db_path)
    assert (await client.post(f"/api/leads/{display}/review", json={"step": "requested"})).status_code == 403
    page = await client.get(f"/leads/{display}")
    assert 'id="review"' in page.text and "Not yet" in page.text and 'name="step"' not in page.text
    assert snapshot_file(db_path) == before


async def test_the_page_buttons_walk_the_steps(client, bindings, people, database):
    display = await review_lead(client, bindings, people)
    csrf = client.headers.pop("x-csrf-token")
    page = await client.get(f"/leads/{display}")
    assert 'value="requested"' in page.text and 'value="received"' not in page.text
    r = await client.post(f"/leads/{display}/review", data={"csrf_token": csrf, "step": "requested"})
    assert r.status_code == 303
    page = await client.get(f"/leads/{display}")
    assert 'value="received"' in page.text and 'value="declined"' in page.text
    await client.post(f"/leads/{display}/review", data={"csrf_token": csrf, "step": "received"})
    row = await database.first("SELECT review_status, review_resolved_by FROM leads WHERE display_id = ?", display)
    assert row["review_status"] == "received" and row["review_resolved_by"] == people.agent.id


async def test_a_lost_race_records_nothing(client, bindings, people, database, db_path):
    """Two people mark the same request at once: the second is refused whole (version guard)."""
    from leads import actions as lead_actions
    from leads import queue as leads

    display = await review_lead(client, bindings, people)
    await client.post(f"/api/leads/{display}/review", json={"step": "requested"})
    stale = await leads.lead_for_user(database, people.agent, display)
    await lead_actions.advance_review(database, bindings.clock.now(), people.admin, stale, "received")
    before = snapshot_file(db_path)
    try:
        await lead_actions.advance_review(database, bindings.clock.now(), people.agent, stale, "declined")
    except errors.Conflict:
        pass
    else:
        raise AssertionError("the stale step went through")
    assert snapshot_file(db_path) == before
