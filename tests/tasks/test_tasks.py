"""Tasks (issue 23, BEHAVIOUR.md §E TSK-1…TSK-10) through the API, on the real database."""

from __future__ import annotations

from datetime import timedelta

from core.clock import iso
from leads import actions as lead_actions
from leads import queue as leads_queue
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead

CARD = "4111 1111 1111 1111"


async def _new(client, **body):
    return await client.post("/api/tasks", json=body)


async def test_tsk1_fields_and_acceptance_1(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    answer = await _new(client, title="", assignee_user_id=people.agent.id)
    assert answer.status_code == 422 and "title" in answer.text
    made = await _new(
        client,
        title="Call back Mrs. Ruiz",
        description="about the spring",
        due_at="2026-11-23T09:30",
        assignee_user_id=people.agent.id,
    )
    assert made.status_code == 201, made.text
    task = made.json()
    # datetime-local read in the user's zone (Garage: New York, EST = UTC-5)
    assert task["due_at"] == "2026-11-23T14:30:00.000Z"
    assert task["assignee"] == {"kind": "user", "id": people.agent.id, "name": people.agent.name}
    no_due = await _new(client, title="Whenever", assignee_office_id=people.office_a.id)
    assert no_due.status_code == 201 and no_due.json()["due_at"] is None
    await sign_in_api(client, bindings, people.viewer)
    assert (await _new(client, title="x", assignee_user_id=people.viewer.id)).status_code == 403


async def test_tsk10_and_bad_input_name_the_field(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    cases = [
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "y" * 5001}, "description"),
        ({"title": f"card {CARD}"}, "title"),
        ({"title": "ok", "description": f"pay with {CARD}"}, "description"),
        ({"title": "ok", "due_at": "next tuesday"}, "due_at"),
    ]
    for body, field in cases:
        answer = await _new(client, assignee_user_id=people.agent.id, **body)
        assert answer.status_code == 422, body
        assert field in answer.text, answer.text
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 0


async def test_tsk9_assignee_must_be_in_the_creators_offices_and_active(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    other_office = await _new(client, title="x", assignee_office_id=people.office_b.id)
    assert other_office.status_code == 422 and "assignee_office_id" in other_office.text
    other_user = await _new(client, title="x", assignee_user_id=people.agent_b.id)
    assert other_user.status_code == 422 and "assignee_user_id" in other_user.text
    partner = await _new(client, title="x", assignee_user_id=people.partner.id)
    assert partner.status_code == 422
    both = await _new(client, title="x", assignee_user_id=people.agent.id, assignee_office_id=people.office_a.id)
    assert both.status_code == 422 and "assignee" in both.text
    await bindings.db.run("UPDATE users SET active = 0 WHERE id = ?", people.admin.id)
    inactive = await _new(client, title="x", assignee_user_id=people.admin.id)
    assert inactive.status_code == 422
    await sign_in_api(client, bindings, people.owner)  # the owner assigns any office
    assert (await _new(client, title="x", assignee_office_id=people.office_b.id)).status_code == 201


async def _ids(client, scope):
    answer = await client.get(f"/api/tasks?scope={scope}")
    assert answer.status_code == 200, answer.text
    return {t["title"] for t in answer.json()}


async def test_tsk2_scopes_per_role_and_acceptance_2(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    for title, body in (
        ("garage office", {"assignee_office_id": people.office_a.id}),
        ("sliding office", {"assignee_office_id": people.office_b.id}),
        ("agent's own", {"assignee_user_id": people.agent.id}),
        ("agent b's own", {"assignee_user_id": people.agent_b.id}),
    ):
        assert (await _new(client, title=title, **body)).status_code == 201
    await sign_in_api(client, bindings, people.agent)
    assert await _ids(client, "mine") == {"garage office", "agent's own"}
    assert await _ids(client, "office") == {"garage office"}
    assert (await client.get("/api/tasks?scope=all")).status_code == 422  # agents have no All
    await sign_in_api(client, bindings, people.agent_b)
    assert await _ids(client, "mine") == {"sliding office", "agent b's own"}
    assert await _ids(client, "office") == {"sliding office"}
    await sign_in_api(client, bindings, people.admin)  # All, office-scoped for a non-owner admin
    assert await _ids(client, "all") == {"garage office"}
    await sign_in_api(client, bindings, people.finance)
    assert await _ids(client, "all") == {"garage office"}
    await sign_in_api(client, bindings, people.owner)
    assert await _ids(client, "all") == {"garage office", "sliding office", "agent's own", "agent b's own"}
    await sign_in_api(client, bindings, people.viewer)  # viewers read their offices' tasks
    assert await _ids(client, "office") == {"garage office"}
    await sign_in_api(client, bindings, people.partner)  # partners have no tasks
    assert (await client.get("/api/tasks")).status_code == 403
    assert (await client.get("/api/tasks/badge")).status_code == 403
    task_id = (await bindings.db.first("SELECT id FROM tasks WHERE title = 'sliding office'"))["id"]
    await sign_in_api(client, bindings, people.agent)
    assert (await client.get(f"/api/tasks/{task_id}")).status_code == 404  # out of scope = missing


async def test_tsk3_badge_counts_due_today_or_overdue_in_the_users_zone(client, bindings, people, clock):
    await sign_in_api(client, bindings, people.agent)
    now = clock.now()  # 2026-11-22 15:00Z = 10:00 in New York
    for title, due, body in (
        ("overdue", now - timedelta(days=2), {"assignee_user_id": people.agent.id}),
        ("later today", now + timedelta(hours=13), {"assignee_office_id": people.office_a.id}),  # 23:00 NY
        ("tomorrow", now + timedelta(hours=15), {"assignee_user_id": people.agent.id}),  # 01:00 NY next day
        ("no due", None, {"assignee_user_id": people.agent.id}),
    ):
        assert (await _new(client, title=title, due_at=iso(due) if due else None, **body)).status_code == 201
    assert (await client.get("/api/tasks/badge")).json() == {"due": 2}
    overdue = (await bindings.db.first("SELECT id FROM tasks WHERE title = 'overdue'"))["id"]
    assert (await client.post(f"/api/tasks/{overdue}/done")).status_code == 200
    assert (await client.get("/api/tasks/badge")).json() == {"due": 1}
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.get("/api/tasks/badge")).json() == {"due": 0}


async def test_tsk4_tsk5_links_and_timeline_entries_reopen_writes_one(client, bindings, people):
    lead_id = await make_lead(bindings, people.office_a, name="Rosa Diaz")
    customer = await make_customer(bindings, people.office_a, "Acme Doors")
    await sign_in_api(client, bindings, people.agent)
    made = await _new(
        client, title="Measure the opening", assignee_office_id=people.office_a.id, link={"kind": "lead", "id": lead_id}
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assert task["link"] == {"kind": "lead", "id": lead_id, "name": "Rosa Diaz"}
    on_customer = await _new(
        client,
        title="Send the quote",
        assignee_user_id=people.agent.id,
        link={"kind": "customer", "id": customer["display_id"]},
    )
    assert on_customer.status_code == 201, on_customer.text
    assert (await client.post(f"/api/tasks/{task['id']}/done")).status_code == 200
    assert (await client.post(f"/api/tasks/{task['id']}/reopen")).status_code == 200
    lead = await bindings.db.first("SELECT id FROM leads WHERE display_id = ?", lead_id)
    bodies = [
        r["body"]
        for r in await bindings.db.all(
            "SELECT body FROM timeline_entries WHERE subject_type = 'lead' AND subject_id = ? AND kind = 'task'"
            " ORDER BY id",
            lead["id"],
        )
    ]
    assert bodies == [
        "📋 Task created: “Measure the opening”",
        "✅ Task completed: “Measure the opening”",
        "↩ Task re-opened: “Measure the opening”",
    ]
    cust = await bindings.db.all("SELECT body FROM timeline_entries WHERE subject_type = 'customer' AND kind = 'task'")
    assert [r["body"] for r in cust] == ["📋 Task created: “Send the quote”"]
    # a lead of another office cannot be linked (its access function answers 404)
    other = await make_lead(bindings, people.office_b, name="Far Away", phone="3057942299")
    assert (
        await _new(client, title="x", assignee_user_id=people.agent.id, link={"kind": "lead", "id": other})
    ).status_code == 404
    assert (
        await _new(client, title="x", assignee_user_id=people.agent.id, link={"kind": "ticket", "id": "T-1"})
    ).status_code == 422


async def test_tsk7_first_to_mark_done_wins_the_second_gets_409(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    task = (await _new(client, title="Shared", assignee_office_id=people.office_a.id)).json()
    await sign_in_api(client, bindings, people.agent)
    row = await leads_queue_row(bindings, task["id"])  # both read the open task
    assert (await client.post(f"/api/tasks/{task['id']}/done")).status_code == 200
    # the second completer acted on the same open row it read: the conditional write refuses it
    from core.errors import Conflict
    from tasks import tasks

    try:
        await tasks.mark_done(bindings.db, bindings.clock.now(), people.admin, row)
        raise AssertionError("second done went through")
    except Conflict:
        pass
    await sign_in_api(client, bindings, people.admin)
    second = await client.post(f"/api/tasks/{task['id']}/done")
    assert second.status_code == 409
    done = await bindings.db.first("SELECT done_by, done_by_label FROM tasks WHERE id = ?", task["id"])
    assert done["done_by"] == people.agent.id and done["done_by_label"] == people.agent.name
    completed = await bindings.db.first("SELECT count(*) AS n FROM timeline_entries WHERE kind = 'task'")
    assert completed["n"] == 0  # unlinked: no timeline, and the lost race wrote nothing


async def leads_queue_row(bindings, task_id):
    return await bindings.db.first("SELECT t.*, NULL AS link_office_id FROM tasks t WHERE id = ?", task_id)


async def test_tsk6_edit_and_delete_by_creator_assignee_admins_only(client, bindings, people):
    await sign_in_api(client, bindings, people.admin)
    task = (await _new(client, title="Admin's note to Finance", assignee_user_id=people.finance.id)).json()
    await sign_in_api(client, bindings, people.agent)  # same office, neither creator nor assignee
    assert (await client.patch(f"/api/tasks/{task['id']}", json={"title": "mine now"})).status_code in (403, 404)
    assert (await client.delete(f"/api/tasks/{task['id']}")).status_code in (403, 404)
    await sign_in_api(client, bindings, people.finance)  # the assignee edits
    edited = await client.patch(f"/api/tasks/{task['id']}", json={"title": "Reconcile deposits"})
    assert edited.status_code == 200 and edited.json()["title"] == "Reconcile deposits"
    await sign_in_api(client, bindings, people.owner)
    office_task = (await _new(client, title="Office job", assignee_office_id=people.office_a.id)).json()
    await sign_in_api(client, bindings, people.agent)  # a member of the assigned office is an assignee
    assert (await client.patch(f"/api/tasks/{office_task['id']}", json={"description": "on it"})).status_code == 200
    await sign_in_api(client, bindings, people.viewer)  # viewers neither complete nor edit
    assert (await client.post(f"/api/tasks/{office_task['id']}/done")).status_code == 403
    await sign_in_api(client, bindings, people.admin)
    assert (await client.delete(f"/api/tasks/{task['id']}")).status_code == 204
    assert (await client.get(f"/api/tasks/{task['id']}")).status_code == 404


async def test_tsk8_hard_delete_of_the_parent_removes_its_tasks_archive_keeps_them(client, bindings, people):
    lead_id = await make_lead(bindings, people.office_a, name="Gone Soon")
    customer = await make_customer(bindings, people.office_a, "Also Gone")
    await sign_in_api(client, bindings, people.owner)
    await _new(client, title="on lead", assignee_office_id=people.office_a.id, link={"kind": "lead", "id": lead_id})
    await _new(
        client,
        title="on customer",
        assignee_office_id=people.office_a.id,
        link={"kind": "customer", "id": customer["display_id"]},
    )
    await _new(client, title="unlinked", assignee_office_id=people.office_a.id)
    row = await leads_queue.lead_for_user(bindings.db, people.owner, lead_id)
    await lead_actions.archive_lead(bindings.db, bindings.clock.now(), people.owner, row)
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks WHERE title = 'on lead'"))["n"] == 1
    row = await leads_queue.lead_for_user(bindings.db, people.owner, lead_id)
    await lead_actions.delete_lead(bindings.db, bindings.clock.now(), people.owner, row)
    await bindings.db.run("DELETE FROM customers WHERE id = ?", customer["id"])
    left = {r["title"] for r in await bindings.db.all("SELECT title FROM tasks")}
    assert left == {"unlinked"}
