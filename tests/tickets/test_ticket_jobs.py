"""Linked jobs on a ticket (issue 24): only jobs of the ticket's customer, a 422 naming `job_id`
otherwise (nothing changes), listed on the ticket page and in its JSON, unlinked again; audited."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in, sign_in_api
from tests.customers_support import make_customer
from tests.jobs.support import make_network, new_job

pytestmark = pytest.mark.asyncio


async def test_link_only_the_customer_s_jobs_and_unlink(client, bindings, people):
    net = await make_network(client, bindings, people.owner)
    dana = await make_customer(bindings, people.office_a, "Dana Rivera", email="dana@example.test")
    other = await make_customer(bindings, people.office_a, "Sam Other", email="sam@example.test")
    mine = await new_job(client, net, customer_id=dana["display_id"])
    theirs = await new_job(client, net, customer_id=other["display_id"], first_name="Sam", last_name="Other")
    number = (
        await client.post(f"/api/customers/{dana['display_id']}/tickets", json={"title": "Door reverses"})
    ).json()["number"]

    refused = await client.post(f"/api/tickets/{number}/jobs", json={"job_id": theirs["serial_id"]})
    assert refused.status_code == 422 and refused.json()["fields"] == {
        "job_id": "Choose a job of this ticket's customer."
    }
    missing = await client.post(f"/api/tickets/{number}/jobs", json={"job_id": 999_999})
    assert missing.status_code == 422 and "job_id" in missing.json()["fields"]
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM ticket_jobs"))["n"] == 0

    linked = await client.post(f"/api/tickets/{number}/jobs", json={"job_id": mine["serial_id"]})
    assert linked.status_code == 201, linked.text
    assert linked.json()["jobs"] == [
        {"job_id": mine["serial_id"], "display_id": mine["display_id"], "status": mine["status"]}
    ]
    again = await client.post(f"/api/tickets/{number}/jobs", json={"job_id": mine["serial_id"]})
    assert again.status_code == 201 and len(again.json()["jobs"]) == 1
    whole = (await client.get(f"/api/tickets/{number}")).json()
    assert [j["display_id"] for j in whole["jobs"]] == [mine["display_id"]]
    audits = await bindings.db.all("SELECT action FROM audit_log WHERE action LIKE 'ticket.job%'")
    assert [a["action"] for a in audits] == ["ticket.job_linked"]

    await sign_in(client, bindings, people.owner)
    page = await client.get(f"/tickets/{number}")
    assert f'href="/jobs/{mine["display_id"]}"' in page.text and "Linked jobs" in page.text
    assert theirs["display_id"] not in page.text  # the picker offers only this customer's jobs
    job_page = await client.get(f"/jobs/{mine['display_id']}")
    assert number in job_page.text

    await sign_in_api(client, bindings, people.owner)
    gone = await client.delete(f"/api/tickets/{number}/jobs/{mine['serial_id']}")
    assert gone.status_code == 200 and gone.json()["jobs"] == []
    assert (await client.delete(f"/api/tickets/{number}/jobs/{mine['serial_id']}")).status_code == 404

    # the ticket page's form: link, then unlink
    csrf = await sign_in_api(client, bindings, people.owner)
    posted = await client.post(f"/tickets/{number}/jobs", data={"csrf_token": csrf, "job_id": str(mine["serial_id"])})
    assert posted.status_code == 303
    assert [j["job_id"] for j in (await client.get(f"/api/tickets/{number}")).json()["jobs"]] == [mine["serial_id"]]
    bad = await client.post(f"/tickets/{number}/jobs", data={"csrf_token": csrf, "job_id": str(theirs["serial_id"])})
    assert bad.status_code == 303
    assert theirs["display_id"] not in (await client.get(f"/api/tickets/{number}")).text
    unlinked = await client.post(f"/tickets/{number}/jobs/{mine['serial_id']}/unlink", data={"csrf_token": csrf})
    assert unlinked.status_code == 303
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM ticket_jobs"))["n"] == 0
