"""The lead record as the queue's slide-in panel: the same record as a fragment for htmx, and every
action posted from the panel answering with the panel re-rendered (the page's redirect, followed)."""

from __future__ import annotations

import re

from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_lead_photos import png
from tests.leads.test_leads_queue import make_lead

HX = {"HX-Request": "true", "HX-Target": "lead-panel-body"}


def hx_posts(html: str) -> list[str]:
    return re.findall(r'hx-post="([^"]+)"', html)


async def panel_post(client, url: str, csrf: str, **data):
    """What htmx does for a form in the panel: POST with its headers, then follow the 303 (XHR follows
    redirects and keeps the request's headers), so the answer is the panel for the record again."""
    return await client.post(url, data={"csrf_token": csrf, **data}, headers=HX, follow_redirects=True)


async def test_it_answers_htmx_with_the_record_as_a_fragment_and_browsers_with_the_page(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Panel Pat", phone="3054172290")
    await sign_in_api(client, bindings, people.owner)

    page = await client.get(f"/leads/{display}")
    assert page.status_code == 200 and page.text.lstrip().lower().startswith("<!doctype html>")
    assert "<h1>Panel Pat" in page.text and 'class="topbar"' in page.text
    assert hx_posts(page.text) == []  # the page's forms are plain forms, as before
    assert 'id="lead-panel-title"' not in page.text

    fragment = await client.get(f"/leads/{display}", headers=HX)
    assert fragment.status_code == 200 and "hx-request" in fragment.headers["vary"].lower()
    html = fragment.text
    assert "<html" not in html and "topbar" not in html and "<h1" not in html
    assert re.search(r'<h2 id="lead-panel-title" tabindex="-1">Panel Pat <span class="muted">' + display, html)
    assert f'href="/leads/{display}" data-full-page' in html  # and a way out to the page
    # the same record body: every section of the page is in the panel
    for section in ("Work this lead", "Convert to a customer", "Details", "Photos", "Archive", "Timeline"):
        assert f"<h2>{section}</h2>" in html and f"<h2>{section}</h2>" in page.text
    # each form posts through htmx to the same action its plain form has; deleting for good stays a page
    # navigation (it ends on the archived queue, not on this record)
    posts = hx_posts(html)
    assert {f"/leads/{display}/{a}" for a in ("claim", "call", "status", "edit", "photos", "archive", "notes")} <= set(
        posts
    )
    assert all(re.search(f'action="{re.escape(p)}"[^>]* hx-post="{re.escape(p)}"', html) for p in posts)


async def test_the_queue_links_open_the_panel_and_still_work_without_js(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Row Ray")
    await sign_in_api(client, bindings, people.agent)
    html = (await client.get("/leads")).text
    row = re.search(rf'<tr [^>]*data-lead="{display}">.*?</tr>', html, re.S)
    assert row
    links = re.findall(r"<a [^>]*data-open-lead[^>]*>", row.group(0))
    assert len(links) == 2  # the name and the Open button
    for link in links:
        assert f'href="/leads/{display}"' in link and f'hx-get="/leads/{display}"' in link
        assert 'hx-target="#lead-panel-body"' in link and 'hx-push-url="true"' in link
    shell = re.search(r'<aside id="lead-panel"[^>]*>', html, re.S)
    assert shell
    for attr in ('role="dialog"', 'aria-modal="false"', 'aria-labelledby="lead-panel-title"', "hidden"):
        assert attr in shell.group(0)
    assert 'hx-history="false"' in shell.group(0) and 'hx-target="#lead-panel-body"' in shell.group(0)
    assert "<script>" not in html  # CSP: the behaviour is in /static/leads.js
    assert '<script src="/static/leads.js" defer></script>' in html


async def test_working_a_lead_from_the_panel_rerenders_the_panel(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Work Wes", phone="3054172290")
    csrf = await sign_in_api(client, bindings, people.agent)

    r = await panel_post(client, f"/leads/{display}/claim", csrf)
    assert r.status_code == 200 and r.history[0].status_code == 303
    assert "<html" not in r.text and 'id="lead-panel-title"' in r.text
    assert '<div class="flash" role="status">Claimed' in r.text and "+13054172290" in r.text
    assert "porchlight_flash" not in client.cookies  # shown once, in the panel

    r = await panel_post(client, f"/leads/{display}/call", csrf)
    assert "Call logged" in r.text and "Call attempt #1 — next try" in r.text and "Tried to call (1 so far)" in r.text

    r = await panel_post(
        client, f"/leads/{display}/status", csrf, status="consultation_call", next_contact_at="2026-11-24T10:00"
    )
    assert "Status saved." in r.text and 'value="consultation_call" selected' in r.text

    r = await panel_post(client, f"/leads/{display}/notes", csrf, text="Gate code 4411, ring twice")
    assert "Note added." in r.text and "Gate code 4411, ring twice" in r.text

    r = await panel_post(client, f"/leads/{display}/edit", csrf, name="Wes Worked", next_action="review_request")
    assert "Saved." in r.text and "Wes Worked" in r.text and "Mark review requested" in r.text

    r = await panel_post(client, f"/leads/{display}/review", csrf, step="requested")
    assert "Review request" in r.text and "Review received" in r.text

    r = await client.post(
        f"/leads/{display}/photos",
        data={"csrf_token": csrf},
        files={"photo": ("porch.png", png(), "image/png")},
        headers=HX,
        follow_redirects=True,
    )
    assert "Photo added." in r.text and 'alt="porch.png"' in r.text and "<html" not in r.text

    row = await database.first("SELECT name, status, call_count, next_action FROM leads WHERE display_id = ?", display)
    assert row["name"] == "Wes Worked" and row["status"] == "consultation_call"
    assert row["call_count"] == 1 and row["next_action"] == "review_request"


async def test_a_refused_action_shows_its_reason_in_the_panel_and_changes_nothing(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Refuse Rae")
    csrf = await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await panel_post(client, f"/leads/{display}/status", csrf, status="irrelevant")
    assert r.status_code == 200 and 'id="lead-panel-title"' in r.text
    assert re.search(r'<div class="flash" role="status">[^<]*reason', r.text)
    after = snapshot_file(db_path)
    before.pop("sessions"), after.pop("sessions")
    assert after == before


async def test_archive_and_restore_from_the_panel(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Archive Abe")
    csrf = await sign_in_api(client, bindings, people.admin)
    r = await panel_post(client, f"/leads/{display}/archive", csrf)
    assert "Archived." in r.text and "This lead is archived" in r.text and "Restore to the queue" in r.text
    assert "hx-post" in r.text  # restore posts through the panel too
    r = await panel_post(client, f"/leads/{display}/restore", csrf)
    assert "Restored to the queue." in r.text
    assert (await database.first("SELECT archived_at FROM leads WHERE display_id = ?", display))["archived_at"] is None


async def test_the_panel_follows_roles_and_offices(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Scope Sam")
    await sign_in_api(client, bindings, people.viewer)
    fragment = await client.get(f"/leads/{display}", headers=HX)
    assert fragment.status_code == 200 and "Scope Sam" in fragment.text
    assert hx_posts(fragment.text) == [] and "<form" not in fragment.text  # read only: nothing to post

    client.cookies.clear()
    await sign_in_api(client, bindings, people.agent_b)  # another office: the same answer as a missing lead
    other = await client.get(f"/leads/{display}", headers=HX)
    missing = await client.get("/leads/L-999999", headers=HX)
    assert other.status_code == missing.status_code == 404
    assert "Scope Sam" not in other.text


async def test_a_leads_fee_is_in_its_json_and_a_pill_beside_the_source_in_the_row_and_the_panel(
    client, bindings, people
):
    """Issue 16 #9 (seed 002: `fee` — "shown as a 💵 pill beside the source badge"): it was stored only."""
    paid = await make_lead(bindings, people.office_a, name="Angi Ann", source="angi", fee="$42.50")
    free = await make_lead(bindings, people.office_a, name="Web Will", source="website")
    await sign_in_api(client, bindings, people.agent)
    assert (await client.get(f"/api/leads/{paid}")).json()["fee_cents"] == 4250
    assert (await client.get(f"/api/leads/{free}")).json()["fee_cents"] is None
    listed = {i["id"]: i["fee_cents"] for i in (await client.get("/api/leads")).json()["items"]}
    assert listed == {paid: 4250, free: None}
    pill = r'<span class="source-pill"[^>]*>Angi</span> <span class="pill pill-fee" title="[^"]+">💵 \$42\.50</span>'
    queue = (await client.get("/leads")).text
    row = re.search(rf'<tr [^>]*data-lead="{paid}">.*?</tr>', queue, re.S)
    assert row and re.search(pill, row.group(0))
    assert queue.count("pill-fee") == 1  # the website lead has no fee, so no pill
    for html in ((await client.get(f"/leads/{paid}", headers=HX)).text, (await client.get(f"/leads/{paid}")).text):
        assert re.search(pill, html)
    assert "pill-fee" not in (await client.get(f"/leads/{free}", headers=HX)).text
