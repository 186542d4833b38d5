"""X-8: a user none of whose offices has the Jobs feature on has no Jobs or Finance link in the nav,
and /jobs still sends them to /leads; turning the feature on for their office brings the links back."""

from __future__ import annotations

from accounts import authz, offices, users
from core.records import SYSTEM
from tests.conftest import sign_in


def _links(html: str) -> set[str]:
    return {href for href in ("/jobs", "/finance", "/leads") if f'href="{href}"' in html}


async def test_jobs_and_finance_links_follow_the_offices_jobs_feature(client, bindings, people):
    await sign_in(client, bindings, people.agent_b)  # Sliding: Jobs off
    assert people.agent_b.uses_jobs is False
    assert ("Jobs", "/jobs") not in authz.nav_for(people.agent_b)
    page = await client.get("/leads")
    assert page.status_code == 200
    assert _links(page.text) == {"/leads"}
    r = await client.get("/jobs")
    assert r.status_code == 303 and r.headers["location"] == "/leads"

    await sign_in(client, bindings, people.finance)  # Garage: Jobs on
    assert _links((await client.get("/leads")).text) == {"/jobs", "/finance", "/leads"}
    await sign_in(client, bindings, people.owner)  # every office
    assert {"/jobs", "/finance"} <= _links((await client.get("/leads")).text)

    now = bindings.clock.now()
    b = people.office_b
    await offices.update_office(
        bindings.db, now, SYSTEM, b, name=b.name, time_zone=b.time_zone, jobs_enabled=True, active=True
    )
    agent_b = await users.get(bindings.db, people.agent_b.id)
    assert agent_b is not None and agent_b.uses_jobs is True
    assert ("Jobs", "/jobs") in authz.nav_for(agent_b)
