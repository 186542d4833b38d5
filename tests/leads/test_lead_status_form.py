"""Issue 17 / seed 002: the status form (picker only for callback statuses, reason only for Irrelevant,
saved on blur through a JSON answer), the attempt cap opening the Irrelevant prompt, the queue's
BookBack column and toggle, the 💵 fee pill, the notifications toggle, and Resolve all on duplicates."""

from __future__ import annotations

import re

from tests.conftest import sign_in_api
from tests.leads.test_leads_queue import make_lead

JSON = {"Accept": "application/json"}


async def test_the_form_marks_which_fields_go_with_which_status_and_saves_as_json(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Blur Bo")
    csrf = await sign_in_api(client, bindings, people.agent)
    html = (await client.get(f"/leads/{display}")).text
    form = re.search(r"<form [^>]*data-status-form.*?</form>", html, re.S).group(0)
    assert 'data-for-status="not_yet_scheduled needs_follow_up consultation_call"' in form
    assert 'data-for-status="irrelevant"' in form and "data-save-state" in form
    assert "/static/lead-status.js" in html

    r = await client.post(
        f"/leads/{display}/status",
        data={"csrf_token": csrf, "status": "consultation_call", "next_contact_at": "2026-11-23T09:00"},
        headers={**JSON, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "saved": True,
        "status": "consultation_call",
        "status_label": "Consultation call",
        "urgency": "medium",
        "next_contact_at": "2026-11-23T14:00:00.000Z",  # 9 AM in New York (the lead's zone)
        "next_contact_shown": "Nov 23, 2026 9:00 AM EST",
    }
    # Irrelevant without a reason: refused, named, nothing changes
    r = await client.post(
        f"/leads/{display}/status",
        data={"csrf_token": csrf, "status": "irrelevant"},
        headers={**JSON, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 422 and "reason" in r.json()["detail"].lower()
    assert (await database.first("SELECT status FROM leads WHERE display_id = ?", display))[
        "status"
    ] == "consultation_call"
    # a time the clocks skip is refused naming the picker
    r = await client.post(
        f"/leads/{display}/status",
        data={"csrf_token": csrf, "status": "needs_follow_up", "next_contact_at": "2027-03-14T02:30"},
        headers={**JSON, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 422 and r.json()["fields"] == {
        "next_contact_at": "2:30 AM does not exist on Mar 14 in New York (clocks skip it)."
    }


async def test_at_the_attempt_cap_tried_to_call_opens_the_irrelevant_prompt(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Cap Cal", source="angi")  # Aggressive: 14 tries
    await database.run("UPDATE leads SET call_count = 14, status = 'needs_follow_up' WHERE display_id = ?", display)
    csrf = await sign_in_api(client, bindings, people.agent)
    r = await client.post(f"/leads/{display}/call", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/leads/{display}?prompt=irrelevant"
    row = await database.first("SELECT call_count, status FROM leads WHERE display_id = ?", display)
    assert (row["call_count"], row["status"]) == (14, "needs_follow_up")  # no 15th snooze
    html = (await client.get(r.headers["location"])).text
    assert 'id="irrelevant-prompt"' in html
    assert re.search(r'<option value="irrelevant" selected>', html)  # the form opens on Irrelevant
    assert re.search(r'<input name="reason"[^>]* autofocus required>', html)
    assert 'data-saved-status="needs_follow_up"' in html  # not saved until the reason is given

    await database.run("UPDATE leads SET call_count = 3 WHERE display_id = ?", display)
    r = await client.post(f"/leads/{display}/call", data={"csrf_token": csrf})
    assert r.headers["location"] == f"/leads/{display}"  # under the cap: an ordinary snooze
    assert (await database.first("SELECT call_count FROM leads WHERE display_id = ?", display))["call_count"] == 4


async def test_the_queue_has_the_bookback_column_and_toggle_the_fee_pill_and_no_transferred(
    client, bindings, people, database
):
    plain = await make_lead(bindings, people.office_a, name="Plain Pat")
    revived = await make_lead(bindings, people.office_a, name="Revived Rae", phone="3055550199", fee="42.50")
    await database.run("UPDATE leads SET reactivated = 1 WHERE display_id = ?", revived)
    await sign_in_api(client, bindings, people.agent)
    html = (await client.get("/leads")).text
    assert '<th class="hide-phone" title="Reactivated by BookBack AI">BookBack AI</th>' in html
    rows = {d: re.search(rf'<tr [^>]*data-lead="{d}">.*?</tr>', html, re.S).group(0) for d in (plain, revived)}
    assert "pill-bookback" in rows[revived] and "pill-bookback" not in rows[plain]
    assert "💵 $42.50" in rows[revived]
    assert 'name="reactivated"' in html and "⚡ BookBack" in html
    assert 'name="transferred"' not in html  # nothing sets `transferred` (seed 002 names only the toggle)
    assert "data-notify-toggle" in html  # 🔕 / 🔔, shown by leads.js where the browser has notifications

    only = (await client.get("/leads", params={"reactivated": "true"})).text
    assert f'data-lead="{revived}"' in only and f'data-lead="{plain}"' not in only
    api = (await client.get("/api/leads", params={"reactivated": "true"})).json()
    assert [i["id"] for i in api["items"]] == [revived]
