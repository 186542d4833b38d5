"""The Tasks card on the customer, job and ticket records (issue 23, TSK-5; seed 003 "All Client
Tasks"): the linked tasks in order with overdue styling, Done / Re-open / Delete from the card back to
the record (a second Done is a 409 shown as a message), the ✉ Email client link, scope (another
office's task never shows), viewers without buttons."""

from __future__ import annotations

import re
from datetime import timedelta

from core.clock import iso
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.jobs.support import make_network, new_job


async def _task(client, title: str, link: dict, **body) -> dict:
    made = await client.post("/api/tasks", json={"title": title, "link": link, **body})
    assert made.status_code == 201, made.text
    return made.json()


def _card(html: str) -> str:
    found = re.search(r"<section[^>]*data-record-tasks.*?</section>", html, re.S)
    assert found, "no Tasks card on the page"
    return found.group(0)


async def test_customer_card_lists_in_order_with_overdue_and_scope(client, bindings, people, clock):
    customer = await make_customer(bindings, people.office_a, "Acme Doors", email="acme@example.com")
    link = {"kind": "customer", "id": customer["display_id"]}
    await sign_in_api(client, bindings, people.owner)
    now = bindings.clock.now()
    later = await _task(
        client, "Call back Friday", link, assignee_office_id=people.office_a.id, due_at=iso(now + timedelta(days=3))
    )
    late = await _task(
        client,
        "Send the quote",
        link,
        assignee_office_id=people.office_a.id,
        due_at=iso(now - timedelta(days=1)),
        description="Two doors, 16x7",
    )
    done = await _task(client, "Measure the opening", link, assignee_user_id=people.agent.id)
    assert (await client.post(f"/api/tasks/{done['id']}/done")).status_code == 200
    hidden = await _task(client, "Office B secret", link, assignee_office_id=people.office_b.id)
    other = await make_customer(bindings, people.office_a, "Someone Else")
    await _task(
        client,
        "Not this customer",
        {"kind": "customer", "id": other["display_id"]},
        assignee_office_id=people.office_a.id,
    )
    await sign_in_api(client, bindings, people.agent)
    page = await client.get(f"/clients/{customer['display_id']}")
    assert page.status_code == 200
    card = _card(page.text)
    # open first by due time, then the done one; another customer's task and office B's never shown
    order = [card.index(t) for t in ("Send the quote", "Call back Friday", "Measure the opening")]
    assert order == sorted(order)
    assert hidden["title"] not in card and "Not this customer" not in card
    assert re.search(rf'class="task-item overdue" id="task-{late["id"]}"', card)
    assert f'id="task-{later["id"]}"' in card and "Two doors, 16x7" in card and "2 open" in card
    assert f'action="/tasks/{late["id"]}/done"' in card and f'action="/tasks/{done["id"]}/reopen"' in card
    assert f'value="/clients/{customer["display_id"]}#tasks"' in card
    assert "mailto:acme@example.com?subject=Send%20the%20quote" in card
    await sign_in_api(client, bindings, people.owner)  # the owner sees office B's too
    assert hidden["title"] in _card((await client.get(f"/clients/{customer['display_id']}")).text)


async def test_done_reopen_and_delete_from_the_card_come_back_to_the_record(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Bayside Storage")
    await sign_in_api(client, bindings, people.owner)
    task = await _task(
        client,
        "Order the springs",
        {"kind": "customer", "id": customer["display_id"]},
        assignee_office_id=people.office_a.id,
    )
    mine = await _task(
        client, "Owner's own", {"kind": "customer", "id": customer["display_id"]}, assignee_user_id=people.owner.id
    )
    csrf = await sign_in_api(client, bindings, people.agent)
    back = f"/clients/{customer['display_id']}#tasks"
    form = {"csrf_token": csrf, "back": back}
    answer = await client.post(f"/tasks/{task['id']}/done", data=form)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/clients/{customer['display_id']}")
    row = await bindings.db.first("SELECT done_at FROM tasks WHERE id = ?", task["id"])
    assert row["done_at"] is not None
    card = _card((await client.get(f"/clients/{customer['display_id']}")).text)
    assert f'action="/tasks/{task["id"]}/reopen"' in card and "0 open" in card
    assert "Owner's own" not in card  # not the agent's task: not in their scope
    # the second Done is TSK-7's 409, shown as a message; the task keeps the first
    again = await client.post(f"/tasks/{task['id']}/done", data=form, follow_redirects=True)
    assert "already marked this task done" in again.text
    assert (await client.post(f"/tasks/{task['id']}/reopen", data=form)).status_code == 303
    assert (await bindings.db.first("SELECT done_at FROM tasks WHERE id = ?", task["id"]))["done_at"] is None
    # TSK-6: the agent (a member of the assigned office) deletes it; the owner's own is out of reach
    card = _card((await client.get(f"/clients/{customer['display_id']}")).text)
    assert f'action="/tasks/{task["id"]}/delete"' in card
    assert (await client.post(f"/tasks/{mine['id']}/delete", data=form)).status_code == 404
    assert await bindings.db.first("SELECT id FROM tasks WHERE id = ?", mine["id"]) is not None
    assert (await client.post(f"/tasks/{task['id']}/delete", data=form)).status_code == 303
    assert await bindings.db.first("SELECT id FROM tasks WHERE id = ?", task["id"]) is None


async def test_viewer_sees_the_list_but_no_buttons(client, bindings, people):
    customer = await make_customer(bindings, people.office_a, "Harbor Lofts", email="harbor@example.com")
    await sign_in_api(client, bindings, people.owner)
    await _task(
        client,
        "Viewer can read",
        {"kind": "customer", "id": customer["display_id"]},
        assignee_office_id=people.office_a.id,
    )
    await sign_in_api(client, bindings, people.viewer)
    card = _card((await client.get(f"/clients/{customer['display_id']}")).text)
    assert "Viewer can read" in card
    assert "<form" not in card and "mailto:" not in card and "data-task-done" not in card


async def test_job_and_ticket_pages_show_their_own_tasks(client, bindings, people):
    net = await make_network(client, bindings, people.owner)
    job = await new_job(client, net)
    display = job["display_id"] if "display_id" in job else job["id"]
    await _task(client, "Confirm the parts", {"kind": "job", "id": display}, assignee_office_id=people.office_a.id)
    card = _card((await client.get(f"/jobs/{display}")).text)
    assert "Confirm the parts" in card and f'value="/jobs/{display}#tasks"' in card and "mailto:" not in card
    customer = await make_customer(bindings, people.office_a, "Dana Rivera")
    made = await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Opener stuck"})
    number = made.json()["number"]
    await _task(client, "Send the manual", {"kind": "ticket", "id": number}, assignee_office_id=people.office_a.id)
    card = _card((await client.get(f"/tickets/{number}")).text)
    assert "Send the manual" in card and "Confirm the parts" not in card and "mailto:" not in card
    assert f'value="/tickets/{number}#tasks"' in card
