"""Tasks on tickets (issue 23, TSK-5: a task links to at most one lead, job, customer or ticket): the
API's `ticket_id`, the 422 for a ticket out of reach, the customer timeline's lines naming the ticket,
the ticket page's 📋 + Task, scope (only who sees the ticket sees its task), and the cascade."""

from __future__ import annotations

from datetime import timedelta

from core.clock import iso
from tests.conftest import sign_in_api
from tests.customers_support import make_customer


async def _ticket(client, bindings, people, office, name: str) -> tuple[dict, str]:
    customer = await make_customer(bindings, office, name)
    await sign_in_api(client, bindings, people.owner)
    made = await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Opener stuck"})
    assert made.status_code == 201, made.text
    return customer, made.json()["number"]


async def _timeline(bindings, customer_id: int) -> list[str]:
    rows = await bindings.db.all(
        "SELECT body FROM timeline_entries WHERE subject_type = 'customer' AND subject_id = ? ORDER BY id", customer_id
    )
    return [r["body"] for r in rows]


async def test_a_task_on_a_ticket_through_the_api_and_its_timeline_lines(client, bindings, people):
    customer, number = await _ticket(client, bindings, people, people.office_a, "Dana Rivera")
    await sign_in_api(client, bindings, people.agent)
    made = await client.post(
        "/api/tasks", json={"title": "Send the manual", "assignee_user_id": people.agent.id, "ticket_id": number}
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assert task["ticket_id"] == number
    assert task["link"] == {"kind": "ticket", "id": number, "name": "Opener stuck"}
    # the link shape works too, and other links answer ticket_id null
    other = await client.post(
        "/api/tasks",
        json={"title": "Second", "assignee_user_id": people.agent.id, "link": {"kind": "ticket", "id": number}},
    )
    assert other.status_code == 201 and other.json()["ticket_id"] == number
    plain = await client.post("/api/tasks", json={"title": "Plain", "assignee_user_id": people.agent.id})
    assert plain.json()["ticket_id"] is None
    assert (await client.post(f"/api/tasks/{task['id']}/done")).status_code == 200
    assert (await client.post(f"/api/tasks/{task['id']}/reopen")).status_code == 200
    lines = await _timeline(bindings, customer["id"])
    assert f"📋 Task created on {number}: “Send the manual”" in lines
    assert f"✅ Task completed on {number}: “Send the manual”" in lines
    assert f"↩ Task re-opened on {number}: “Send the manual”" in lines
    page = await client.get("/tasks")
    assert f'href="/tickets/{number}"' in page.text and "🎫" in page.text


async def test_unknown_or_out_of_scope_ticket_is_a_422_on_the_field_and_changes_nothing(client, bindings, people):
    _, number_b = await _ticket(client, bindings, people, people.office_b, "Office B Customer")
    await sign_in_api(client, bindings, people.agent)  # office A: can't see office B's customer
    for body, field in (
        ({"ticket_id": number_b}, "ticket_id"),
        ({"ticket_id": "T-9999"}, "ticket_id"),
        ({"ticket_id": "nonsense"}, "ticket_id"),
        ({"link": {"kind": "ticket", "id": number_b}}, "link"),
        ({"ticket_id": number_b, "link": {"kind": "ticket", "id": number_b}}, "ticket_id"),
    ):
        answer = await client.post("/api/tasks", json={"title": "x", "assignee_user_id": people.agent.id, **body})
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.json()["fields"], answer.text
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 0


async def test_only_who_sees_the_ticket_sees_its_task_and_badge(client, bindings, people):
    _, number_b = await _ticket(client, bindings, people, people.office_b, "Office B Customer")
    due = iso(bindings.clock.now() - timedelta(hours=1))
    # the owner assigns an office-A task on an office-B ticket: office A's people can't see that ticket
    made = await client.post(
        "/api/tasks",
        json={"title": "Hidden", "assignee_office_id": people.office_a.id, "ticket_id": number_b, "due_at": due},
    )
    assert made.status_code == 201, made.text
    task_id = made.json()["id"]
    visible = await client.post(
        "/api/tasks", json={"title": "Visible", "assignee_office_id": people.office_a.id, "due_at": due}
    )
    assert visible.status_code == 201
    for who in (people.agent, people.admin):
        await sign_in_api(client, bindings, who)
        for scope in ("mine", "office") + (("all",) if who is people.admin else ()):
            titles = {t["title"] for t in (await client.get(f"/api/tasks?scope={scope}")).json()}
            assert titles == {"Visible"}, (who.role, scope, titles)
        assert (await client.get(f"/api/tasks/{task_id}")).status_code == 404
        assert (await client.get("/api/tasks/badge")).json() == {"due": 1}
    await sign_in_api(client, bindings, people.owner)
    assert (await client.get(f"/api/tasks/{task_id}")).status_code == 200
    titles = {t["title"] for t in (await client.get("/api/tasks?scope=all")).json()}
    assert titles == {"Hidden", "Visible"}


async def test_the_ticket_page_creates_a_pre_linked_task(client, bindings, people):
    customer, number = await _ticket(client, bindings, people, people.office_a, "Pat Page")
    page = await client.get(f"/tickets/{number}")
    assert f"/tasks?link_kind=ticket&amp;link_id={number}#new-task" in page.text
    form = await client.get(f"/tasks?link_kind=ticket&link_id={number}")
    assert form.status_code == 200
    assert f'name="back" value="/tickets/{number}"' in form.text
    csrf = form.cookies.get("csrf") or client.cookies.get("csrf") or ""
    posted = await client.post(
        "/tasks",
        data={
            "csrf_token": csrf,
            "title": "Call about the ticket",
            "assign_to": "user",
            "assignee_user_id": str(people.owner.id),
            "link_kind": "ticket",
            "link_id": number,
            "back": f"/tickets/{number}",
        },
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith(f"/tickets/{number}")
    row = await bindings.db.first("SELECT link_kind, link_id FROM tasks WHERE title = 'Call about the ticket'")
    assert row["link_kind"] == "ticket"
    assert f"📋 Task created on {number}: “Call about the ticket”" in await _timeline(bindings, customer["id"])


async def test_tsk8_a_tickets_hard_delete_takes_its_tasks_closing_and_archiving_keep_them(client, bindings, people):
    customer, number = await _ticket(client, bindings, people, people.office_a, "Gone Soon")
    for title in ("on ticket", "second on ticket"):
        made = await client.post(
            "/api/tasks", json={"title": title, "assignee_office_id": people.office_a.id, "ticket_id": number}
        )
        assert made.status_code == 201
    await client.post("/api/tasks", json={"title": "unlinked", "assignee_office_id": people.office_a.id})
    closed = await client.patch(f"/api/tickets/{number}", json={"status": "closed"})
    assert closed.status_code == 200, closed.text
    assert (await client.post(f"/api/customers/{customer['display_id']}/archive")).status_code == 200
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 3
    await bindings.db.run("DELETE FROM tickets WHERE number = ?", number)  # no ticket-delete verb: the trigger
    left = {r["title"] for r in await bindings.db.all("SELECT title FROM tasks")}
    assert left == {"unlinked"}


async def test_tsk8_a_customers_hard_delete_cascades_through_its_ticket(client, bindings, people):
    customer, number = await _ticket(client, bindings, people, people.office_a, "Cascade Customer")
    made = await client.post(
        "/api/tasks", json={"title": "on ticket", "assignee_office_id": people.office_a.id, "ticket_id": number}
    )
    assert made.status_code == 201
    display = customer["display_id"]
    gone = await client.delete(f"/api/customers/{display}?confirm={display}")
    assert gone.status_code == 204, gone.text
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 0
