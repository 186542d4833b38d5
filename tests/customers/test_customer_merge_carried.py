"""A customer merge carries the merged-away customer's tickets and jobs to the keeper in the same
batch, the timeline lines and the audit row count them, and nothing is left pointing at the loser."""

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
    assert job["customer_id"] == other["id"]

    merged = await client.post(f"/api/customers/{keeper['id']}/merge", json={"merge": other["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"]["tickets"] == 1 and merged.json()["moved"]["jobs"] == 1

    survivor = await row(database, keeper["id"])
    assert (await client.get(f"/api/jobs/{job['display_id']}")).json()["customer_id"] == keeper["id"]
    number = ticket.json()["number"]
    assert (await client.get(f"/api/tickets/{number}")).json()["customer_id"] == keeper["id"]
    left = await database.first(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE customer_id = ?)"
        " + (SELECT COUNT(*) FROM jobs WHERE customer_id = ?) AS n",
        loser["id"],
        loser["id"],
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
    assert theirs[0].endswith(", 1 ticket, 1 job"), theirs[0]
    mine = [e["body"] for e in (await client.get(f"/api/customers/{other['id']}/timeline")).json()]
    assert mine[0].endswith("history moved there; so did 1 ticket, 1 job"), mine[0]
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'customer.merged'")
    assert {"tickets": 1, "jobs": 1}.items() <= json.loads(audit["meta"])["moved"].items()
    # the customer's page lists the job and the ticket on the keeper now
    page = (await client.get(f"/clients/{keeper['id']}")).text
    assert job["display_id"] in page
