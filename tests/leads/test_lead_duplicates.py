"""The duplicates tool: groups by phone and by partner lead id, office scope, paging, and the merge
(archive the others, copy their timelines, one atomic batch, stale versions refused)."""

from __future__ import annotations

from leads import duplicates as lead_duplicates
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_leads_queue import make_lead


def unchanged(before, after) -> bool:
    """Equal apart from the sessions table, which every signed-in request touches."""
    return {k: v for k, v in before.items() if k != "sessions"} == {k: v for k, v in after.items() if k != "sessions"}


async def lead_row(db, display_id):
    return await db.first("SELECT * FROM leads WHERE display_id = ?", display_id)


async def test_it_groups_by_phone_and_by_partner_lead_id_newest_first(client, bindings, people, clock, database):
    a, b = people.office_a, people.office_b
    old = await make_lead(bindings, a, name="Ann Old", phone="(305) 794-2213", source="yelp")
    clock.advance(minutes=5)
    await make_lead(bindings, a, name="Solo", phone="3050000001")
    clock.advance(minutes=5)
    new = await make_lead(bindings, a, name="Ann New", phone="+1 305 794 2213", source="website")
    clock.advance(minutes=5)
    fb1 = await make_lead(bindings, a, name="FB one", phone="7860000001", source="facebook", lead_id="fb-77")
    clock.advance(minutes=5)
    fb2 = await make_lead(bindings, a, name="FB two", phone="7860000002", source="facebook")
    # intake refuses a repeated partner id, so an older import is how two leads come to share one
    await database.run("UPDATE leads SET external_id = 'fb-77' WHERE display_id = ?", fb2)
    clock.advance(minutes=5)
    far = await make_lead(bindings, b, name="Ann Far", phone="3057942213")  # another office

    # The tool is the owner's (seed 002); the walk itself still keeps to the offices of whoever asks.
    page = await lead_duplicates.find_groups(database, people.admin, None)
    groups = [(g.match, [m["display_id"] for m in g.members]) for g in page.groups]
    assert groups == [("external_id", [fb2, fb1]), ("phone", [new, old])]  # office B's Ann stays hidden
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/api/leads/duplicates")).status_code == 403  # an admin: not their tool

    await sign_in_api(client, bindings, people.owner)
    body = (await client.get("/api/leads/duplicates")).json()
    assert [m["id"] for m in body["groups"][0]["leads"]] == [far, new, old]  # the owner sees every office
    assert body["next"] is None and body["groups"][0]["suggested"] == old  # nobody called yet: the first one
    assert "•" in body["groups"][0]["leads"][0]["phone"]  # fresh and unclaimed: the number stays hidden

    await database.run("UPDATE leads SET archived_at = ? WHERE display_id = ?", "2026-11-22T15:40:00.000Z", far)
    body = (await client.get("/api/leads/duplicates")).json()
    assert [m["id"] for m in body["groups"][0]["leads"]] == [fb2, fb1]  # archived leads are not duplicates


async def test_it_pages_by_cursor_and_stops_at_the_window(client, bindings, people, clock, monkeypatch):
    for n in range(3):
        await make_lead(bindings, people.office_a, name=f"P{n} a", phone=f"30500000{n}1")
        clock.advance(minutes=1)
        await make_lead(bindings, people.office_a, name=f"P{n} b", phone=f"30500000{n}1")
        clock.advance(minutes=1)
    monkeypatch.setattr(lead_duplicates, "GROUPS_PER_PAGE", 2)
    await sign_in_api(client, bindings, people.owner)
    first = (await client.get("/api/leads/duplicates")).json()
    assert [g["leads"][0]["name"] for g in first["groups"]] == ["P2 b", "P1 b"] and first["next"]
    second = (await client.get("/api/leads/duplicates", params={"after": first["next"]})).json()
    assert [g["leads"][0]["name"] for g in second["groups"]] == ["P0 b"] and second["next"] is None

    monkeypatch.setattr(lead_duplicates, "WINDOW", 2)  # looks at 2 leads a request: one group's worth
    page = (await client.get("/api/leads/duplicates")).json()
    assert [g["leads"][0]["name"] for g in page["groups"]] == ["P2 b"]
    assert page["searched_back_to"] == "2026-11-22T15:04:00.000Z" and page["next"]
    further = (await client.get("/api/leads/duplicates", params={"after": page["next"]})).json()
    assert [g["leads"][0]["name"] for g in further["groups"]] == ["P1 b"]
    html = (await client.get("/leads/duplicates")).text
    assert "Look further back" in html
    assert (await client.get("/api/leads/duplicates", params={"after": "junk"})).status_code == 200  # starts over


async def test_a_merge_archives_the_others_and_copies_their_timelines(client, bindings, people, clock, database):
    keeper = await make_lead(bindings, people.office_a, name="Keep", phone="3057942213", source="angi", lead_id="A-1")
    clock.advance(minutes=1)
    other = await make_lead(bindings, people.office_a, name="Other", phone="3057942213", source="yelp")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{other}/notes", json={"text": "Asked for a Tuesday visit"})
    await sign_in_api(client, bindings, people.owner)

    r = await client.post("/api/leads/duplicates/merge", json={"keeper": keeper, "others": [other]})
    assert r.status_code == 200, r.text
    assert r.json() == {"keeper": keeper, "archived": [other]}
    kept = (await client.get(f"/api/leads/{keeper}")).json()
    bodies = [t["body"] for t in kept["timeline"]]
    assert bodies[0] == f"Merged from {other} by {people.owner.name}; its timeline is copied above"
    assert bodies[1:3] == [
        f"Merged from {other}: Asked for a Tuesday visit",
        f"Merged from {other}: Lead received from Yelp",
    ]
    assert bodies[-1] == "Lead received from Angi"  # the keeper's own history is untouched
    gone = await lead_row(database, other)
    assert gone["archived_at"] and gone["version"] == 2
    assert (await lead_row(database, keeper))["archived_at"] is None
    merged_into = await database.first(
        "SELECT body FROM timeline_entries WHERE subject_type = 'lead' AND subject_id = ? ORDER BY id DESC", gone["id"]
    )
    assert merged_into["body"].startswith(f"Merged into {keeper}")
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'lead.merged'")
    assert audit["summary"] == f"{keeper} kept; merged {other}" and audit["office_id"] == people.office_a.id
    # the queue no longer shows the archived one, and the tool has nothing left to show
    assert other not in [i["id"] for i in (await client.get("/api/leads")).json()["items"]]
    assert (await client.get("/api/leads/duplicates")).json()["groups"] == []


async def test_a_stale_version_is_a_conflict_and_changes_nothing(client, bindings, people, clock, db_path):
    keeper = await make_lead(bindings, people.office_a, name="Keep", phone="3057942213")
    other = await make_lead(bindings, people.office_a, name="Other", phone="3057942213")
    await sign_in_api(client, bindings, people.owner)
    seen = {m["id"]: m["version"] for m in (await client.get("/api/leads/duplicates")).json()["groups"][0]["leads"]}
    await client.patch(f"/api/leads/{other}", json={"email": "changed@example.com"})  # someone edits it meanwhile
    before = snapshot_file(db_path)
    r = await client.post("/api/leads/duplicates/merge", json={"keeper": keeper, "others": [other], "versions": seen})
    assert r.status_code == 409 and "changed" in r.json()["detail"]
    assert unchanged(before, snapshot_file(db_path))


async def test_bad_merges_are_refused_and_change_nothing(client, bindings, people, db_path, database):
    a = people.office_a
    keeper = await make_lead(bindings, a, name="Keep", phone="3057942213")
    twin = await make_lead(bindings, a, name="Twin", phone="3057942213")
    stranger = await make_lead(bindings, a, name="Stranger", phone="7865550123")
    archived = await make_lead(bindings, a, name="Gone", phone="3057942213")
    await database.run("UPDATE leads SET archived_at = '2026-11-22T15:00:00.000Z' WHERE display_id = ?", archived)
    elsewhere = await make_lead(bindings, people.office_b, name="B", phone="3057942213")
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    cases = [
        ({"keeper": keeper, "others": [stranger]}, 422),  # shares neither phone nor partner id
        ({"keeper": keeper, "others": [keeper]}, 422),
        ({"keeper": keeper, "others": [twin, twin]}, 422),
        ({"keeper": keeper, "others": [archived]}, 422),
        ({"keeper": keeper, "others": ["L-999999"]}, 404),
        ({"keeper": keeper, "others": []}, 422),
        ({"keeper": keeper, "others": [twin], "extra": 1}, 422),
        ({"keeper": keeper, "others": [f"L-{n}" for n in range(30)]}, 422),
    ]
    for body, status in cases:
        r = await client.post("/api/leads/duplicates/merge", json=body)
        assert r.status_code == status, (body, r.text)
    assert unchanged(before, snapshot_file(db_path))
    assert elsewhere  # the owner sees every office: a lead there is a candidate like any other


async def test_the_page_merges_through_its_form_and_agents_cannot(client, bindings, people, database):
    keeper = await make_lead(bindings, people.office_a, name="Keep <b>me</b>", phone="3057942213")
    other = await make_lead(bindings, people.office_a, name="Other", phone="3057942213")
    third = await make_lead(bindings, people.office_a, name="Third", phone="3057942213")
    csrf = await sign_in_api(client, bindings, people.agent)
    assert (await client.get("/leads/duplicates")).status_code == 403
    assert (
        await client.post("/api/leads/duplicates/merge", json={"keeper": keeper, "others": [other]})
    ).status_code == 403
    assert "/leads/duplicates" not in (await client.get("/leads")).text

    csrf = await sign_in_api(client, bindings, people.owner)
    page = await client.get("/leads/duplicates")
    assert page.status_code == 200 and "Same phone number" in page.text and "Keep &lt;b&gt;me&lt;/b&gt;" in page.text
    assert 'href="/leads/duplicates"' in (await client.get("/leads")).text
    rows = {r["display_id"]: r["version"] for r in await database.all("SELECT display_id, version FROM leads")}
    form = {
        "csrf_token": csrf,
        "keeper": keeper,
        "member": [f"{d}:{rows[d]}" for d in (third, other, keeper)],
        "merge": [other, keeper],  # the third one was unticked: it stays open
    }
    r = await client.post("/leads/duplicates/merge", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/leads/duplicates"
    assert (await lead_row(database, other))["archived_at"] and not (await lead_row(database, third))["archived_at"]
    # the same form again is stale now: nothing happens, the page says why
    r = await client.post("/leads/duplicates/merge", data=form)
    assert r.status_code == 303 and "archived" in r.headers.get("set-cookie", "")
