"""Duplicate cleanup is the owner's tool (seed 002) with Resolve per group and Resolve all, each
confirmed first: a GET confirmation page without JavaScript, a dialog with it (then the same POST)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from tests.conftest import sign_in_api
from tests.leads.test_leads_queue import make_lead


async def archived(database, display_id) -> bool:
    row = await database.first("SELECT archived_at FROM leads WHERE display_id = ?", display_id)
    return bool(row["archived_at"])


def page_fields(html: str) -> list[tuple[str, str]]:
    """What the page's form sends as rendered (the suggested keeper, every lead ticked)."""
    fields = re.findall(r'<input type="hidden" name="(member-\d+)" value="([^"]+)">', html)
    fields += re.findall(r'<input type="radio" name="(keeper-\d+)" value="([^"]+)"[^>]* checked>', html)
    fields += re.findall(r'<input type="checkbox" name="(merge-\d+)" value="([^"]+)"[^>]* checked>', html)
    return fields


async def test_resolve_all_confirms_then_merges_every_group(client, bindings, people, clock, database):
    a = people.office_a
    first = [await make_lead(bindings, a, name=f"One {n}", phone="3050000001") for n in range(2)]
    clock.advance(minutes=1)
    second = [await make_lead(bindings, a, name=f"Two {n}", phone="3050000002") for n in range(2)]
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/leads/duplicates")).status_code == 403  # the owner's tool
    assert (await client.get("/leads/duplicates/resolve")).status_code == 403
    assert 'href="/leads/duplicates"' not in (await client.get("/leads")).text

    csrf = await sign_in_api(client, bindings, people.owner)
    html = (await client.get("/leads/duplicates")).text
    assert '<form method="get" action="/leads/duplicates/resolve"' in html
    assert re.search(r'<button [^>]*name="resolve" value="all" data-confirm="Resolve all 2 groups\?"', html)
    fields = page_fields(html)
    assert len([f for f in fields if f[0].startswith("keeper")]) == 2

    confirm = await client.get("/leads/duplicates/resolve", params=[*fields, ("resolve", "all")])  # no JavaScript
    assert confirm.status_code == 200 and "Resolve 2 groups?" in confirm.text
    assert f"keep {first[0]}, archive {first[1]} into it" in confirm.text
    assert not any([await archived(database, d) for d in first + second])  # asking changed nothing
    carried = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', confirm.text)
    assert ("resolve", "all") in carried and all(f in carried for f in fields)

    r = await client.post("/leads/duplicates/resolve", data={k: [v for n, v in carried if n == k] for k, _ in carried})
    assert r.status_code == 303 and r.headers["location"] == "/leads/duplicates"
    assert unquote(r.headers["set-cookie"]).count("kept ") == 2
    assert [await archived(database, d) for d in first + second] == [False, True, False, True]
    assert (await client.get("/api/leads/duplicates")).json()["groups"] == []
    assert csrf


async def test_resolve_one_group_leaves_the_others_and_reports_a_stale_one(client, bindings, people, clock, database):
    a = people.office_a
    first = [await make_lead(bindings, a, name=f"One {n}", phone="3050000001") for n in range(2)]
    clock.advance(minutes=1)
    second = [await make_lead(bindings, a, name=f"Two {n}", phone="3050000002") for n in range(2)]
    csrf = await sign_in_api(client, bindings, people.owner)
    fields = page_fields((await client.get("/leads/duplicates")).text)
    form: dict[str, list[str]] = {"csrf_token": [csrf], "resolve": ["1"]}  # the second group shown: the older one
    for k, v in fields:
        form.setdefault(k, []).append(v)
    r = await client.post("/leads/duplicates/resolve", data=form)
    assert r.status_code == 303
    assert [await archived(database, d) for d in first + second] == [False, True, False, False]

    await client.patch(f"/api/leads/{second[1]}", json={"email": "moved@example.test"})  # changed since shown
    form["resolve"] = ["all"]
    r = await client.post("/leads/duplicates/resolve", data=form)
    message = unquote(r.headers["set-cookie"])
    assert "Not resolved" in message and second[0] in message  # the stale group says why; nothing half-done
    assert [await archived(database, d) for d in first + second] == [False, True, False, False]

    r = await client.get("/leads/duplicates/resolve", params={"resolve": "all"})
    assert r.status_code == 303 and "Choose the lead to keep" in unquote(r.headers["set-cookie"])
