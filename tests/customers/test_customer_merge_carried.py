"""A customer merge carries the merged-away customer's tickets and jobs to the keeper in the same
batch (and their tasks, ticket chats and sent emails: ops/customer_merge.py), the timeline lines
and the audit row count them, and nothing is left pointing at the loser."""

from __future__ import annotations

import json

from tests.customers.test_customer_record import create, row
from tests.jobs.support import make_network, new_job


async def test_a_merge_moves_the_others_tickets_and_jobs_to_the_keeper(client, bindings, people, database):
    net = await make_network(client, bindings, people.owner)  # signed in as the owner
    keeper = await create(client, name="Rosa Diaz", office_id=people.office_a.id)
    other = await create(
        client,
        name="Ross Diaz",
        office_id=people.office_a.id,
        contact={"name": "Ross Diaz", "phone": "786 555 0177", "email": "ross@example.com"},
    )
    ticket = await client.post(f"/api/customers/{other['id']}/tickets", json={"title": "Door squeaks"})
    assert ticket.status_code == 201, ticket.text
    job = await new_job(client, net, customer_id=other["id"])
    loser = await row(database, other["id"])
    task = await client.post(
        "/api/tasks",
        json={"title": "Call Ross back", "assignee_office_id": people.office_a.id,
              "link": {"kind": "customer", "id": loser["display_id"]}},
    )  # fmt: skip
    assert task.status_code == 201, task.text
    # a ticket chat about the customer and an email sent from its record (rows as their verbs write them)
    await database.run(
        "INSERT INTO assistant_conversations (user_id, title, customer_id, created_at, updated_at)"
        " VALUES (?, 'About the squeak', ?, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')",
        people.owner.id,
        loser["id"],
    )
    await database.run(
        "INSERT INTO lead_emails (outbox_id, customer_id, office_id, to_address, subject, body, sent_by, created_at)"
        " VALUES ('msg_merge_test', ?, ?, 'ross@example.com', 'Your door', 'Hi', ?, '2026-11-20T10:00:00Z')",
        loser["id"],
        people.office_a.id,
        people.owner.id,
    )
    assert job["customer_id"] == other["id"]

    merged = await client.post(f"/api/customers/{keeper['id']}/merge", json={"merge": other["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"]["tickets"] == 1 and merged.json()["moved"]["jobs"] == 1
    assert {"tasks": 1, "chats": 1, "emails": 1}.items() <= merged.json()["moved"].items()
    moved_task = (await client.get(f"/api/tasks/{task.json()['id']}")).json()
    assert (
        moved_task["link"]["kind"] == "customer"
        and moved_task["link"]["id"] == (await row(database, keeper["id"]))["display_id"]
    )

    survivor = await row(database, keeper["id"])
    assert (await client.get(f"/api/jobs/{job['display_id']}")).json()["customer_id"] == keeper["id"]
    number = ticket.json()["number"]
    assert (await client.get(f"/api/tickets/{number}")).json()["customer_id"] == keeper["id"]
    left = await database.first(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE customer_id = ?)"
        " + (SELECT COUNT(*) FROM jobs WHERE customer_id = ?)"
        " + (SELECT COUNT(*) FROM tasks WHERE link_kind = 'customer' AND link_id = ?)"
        " + (SELECT COUNT(*) FROM assistant_conversations WHERE customer_id = ?)"
        " + (SELECT COUNT(*) FROM lead_emails WHERE customer_id = ?) AS n",
        *[loser["id"]] * 5,
    )
    assert left["n"] == 0
    on_keeper = await database.first(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE customer_id = ?) AS t,"
        " (SELECT COUNT(*) FROM jobs WHERE customer_id = ?) AS j",
        survivor["id"],
        survivor["id"],
    )
    assert (on_keeper["t"], on_keeper["j"]) == (1, 1)

    theirs = [e["body"] for e in (await client.get(f"/api/customers/{keeper['id']}/timeline?type=merge")).json()]
    assert theirs[0].endswith(", 1 ticket, 1 job, 1 task, 1 assistant chat, 1 sent email"), theirs[0]
    mine = [e["body"] for e in (await client.get(f"/api/customers/{other['id']}/timeline")).json()]
    assert mine[0].endswith("history moved there; so did 1 ticket, 1 job, 1 task, 1 assistant chat, 1 sent email"), (
        mine[0]
    )
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'customer.merged'")
    assert {"tickets": 1, "jobs": 1}.items() <= json.loads(audit["meta"])["moved"].items()
    # the customer's page lists the job and the ticket on the keeper now
    page = (await client.get(f"/clients/{keeper['id']}")).text
    assert job["display_id"] in page
