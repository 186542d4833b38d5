"""Issue 17, "Time shown where the person needs it": lead rows and panels in the lead's own zone (its
ZIP's, else its office's), every other page in the viewer's office zone, never bare UTC; the picker
edits in the lead's zone and says which; the API stays UTC. The clock is the fixture's (START,
2026-11-22 15:00 UTC: 10:00 AM in New York, 7:00 AM in Los Angeles)."""

from __future__ import annotations

import re

from accounts import users
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead

ZONES = re.compile(r"\b(EST|EDT|CST|CDT|MST|MDT|PST|PDT|UTC)\b(?![-+]\d)")
HX = {"HX-Request": "true"}


def zones_in(html: str) -> set[str]:
    return set(ZONES.findall(html))


async def test_a_lead_panel_shows_one_zone_the_leads_own_and_the_picker_edits_in_it(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="West Wendy", zip="90012")  # LA ZIP, NY office
    csrf = await sign_in_api(client, bindings, people.agent)
    form = {"csrf_token": csrf, "status": "needs_follow_up", "next_contact_at": "2026-11-23T09:00", "reason": ""}
    r = await client.post(f"/leads/{display}/status", data=form)
    assert r.status_code == 303
    api = (await client.get(f"/api/leads/{display}")).json()
    assert api["next_contact_at"] == "2026-11-23T17:00:00.000Z"  # 9 AM in Los Angeles; the API answers UTC
    assert api["created_at"] == "2026-11-22T15:00:00.000Z"

    for html in (
        (await client.get(f"/leads/{display}", headers=HX)).text,
        (await client.get(f"/leads/{display}")).text,
    ):
        assert "received Nov 22, 2026 7:00 AM PST" in html
        assert "<dt>Next contact</dt><dd>Nov 23, 2026 9:00 AM PST</dd>" in html
        assert "Next contact moved" not in html and "(next contact Nov 23, 2026 9:00 AM PST)" in html  # timeline
        assert 'name="next_contact_at" value="2026-11-23T09:00"' in html
        assert "Los Angeles time (PST, UTC-8)" in html  # the picker says which zone it edits in
        assert zones_in(html) == {"PST"}, zones_in(html)  # one zone on the whole record


async def test_queue_rows_show_each_lead_in_its_own_zone(client, bindings, people):
    east = await make_lead(bindings, people.office_a, name="East Ed", zip="10001")
    west = await make_lead(bindings, people.office_a, name="West Wendy", zip="90012", phone="3105550142")
    await sign_in_api(client, bindings, people.agent)
    html = (await client.get("/leads")).text
    rows = {d: re.search(rf'<tr [^>]*data-lead="{d}">.*?</tr>', html, re.S).group(0) for d in (east, west)}
    assert (
        "Nov 22, 2026 10:00 AM EST" in rows[east] and 'title="New York time (America/New_York)">EST</td>' in rows[east]
    )
    assert "Nov 22, 2026 7:00 AM PST" in rows[west] and '(America/Los_Angeles)">PST</td>' in rows[west]
    assert zones_in(rows[east]) == {"EST"} and zones_in(rows[west]) == {"PST"}
    assert ">Nov\u00a022, 7:00\u00a0AM\u00a0PST</td>" in rows[west]  # the row's compact form: this year's, no year


async def test_other_pages_show_the_viewers_office_zone(client, bindings, people):
    assert people.agent_b.time_zone == "America/Los_Angeles"  # Sliding
    assert people.agent.time_zone == "America/New_York"  # Garage
    assert people.owner.time_zone == "America/New_York"  # every office: the first by name, Garage
    customer = await make_customer(bindings, people.office_b, "Bea West")
    await sign_in_api(client, bindings, people.agent_b)
    html = (await client.get(f"/clients/{customer['display_id']}")).text
    assert "customer since Nov 22, 2026 7:00 AM PST" in html and "UTC" not in html

    display = await make_lead(bindings, people.office_a, name="East Ed")
    csrf = await sign_in_api(client, bindings, people.owner)
    await client.post(f"/leads/{display}/claim", data={"csrf_token": csrf})
    audit = (await client.get("/maintenance/audit")).text
    assert "Nov 22, 2026 10:00 AM EST" in audit and zones_in(audit) == {"EST"}
    assert (await users.get(bindings.db, people.agent_b.id)).time_zone == "America/Los_Angeles"
