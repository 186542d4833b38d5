"""The global timeline (seed 002 "Global timeline"): newest first, cursor pages, filters, office scope,
who may open it, and the plan (one partial index, no sort)."""

from __future__ import annotations

from datetime import timedelta

from core import records
from core.clock import iso
from core.records import Actor
from tasks import feed
from tests.conftest import sign_in_api


async def _entries(bindings, people, n=120):
    now = bindings.clock.now()
    kinds = ["status", "call", "note", "sys"]
    statements = []
    for i in range(n):
        office = people.office_a if i % 3 else people.office_b
        actor = Actor(people.agent.id, people.agent.name) if i % 2 else Actor(people.admin.id, people.admin.name)
        statements.append(
            records.timeline(
                now - timedelta(minutes=n - i), actor, "lead", 1000 + i, kinds[i % 4], f"entry {i}", office_id=office.id
            )
        )
    statements.append(records.timeline(now, actor, "customer", 1, "note", "not a lead", office_id=people.office_a.id))
    await bindings.db.batch(statements)


async def test_pages_newest_first_with_a_cursor_to_the_end(client, bindings, people):
    await _entries(bindings, people)
    await sign_in_api(client, bindings, people.owner)
    seen, cursor = [], ""
    while True:
        page = (await client.get(f"/api/timeline?limit=25&cursor={cursor}")).json()
        seen += [e["body"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"entry {i}" for i in range(119, -1, -1)]  # customers' entries are not in it


async def test_filters_office_type_date_and_user_and_office_scope(client, bindings, people):
    await _entries(bindings, people)
    await sign_in_api(client, bindings, people.admin)  # Garage only
    bodies = [e["body"] for e in (await client.get("/api/timeline?limit=200")).json()["entries"]]
    assert len(bodies) == 80 and all(int(b.split()[1]) % 3 for b in bodies)
    calls = (await client.get("/api/timeline?type=call&limit=200")).json()["entries"]
    assert calls and {e["type"] for e in calls} == {"call"}
    system = (await client.get("/api/timeline?type=system&limit=200")).json()["entries"]
    assert system and {e["kind"] for e in system} == {"sys"}
    mine = (await client.get(f"/api/timeline?user={people.agent.id}&limit=200")).json()["entries"]
    assert mine and {e["by"] for e in mine} == {people.agent.name}
    other = (await client.get(f"/api/timeline?office={people.office_b.id}")).json()["entries"]
    assert other == []  # another office asked for: nothing, never its data
    day = bindings.clock.now().date()
    assert len((await client.get(f"/api/timeline?from={day}&to={day}&limit=200")).json()["entries"]) == 80
    before = (await client.get(f"/api/timeline?to={day - timedelta(days=2)}")).json()["entries"]
    assert before == []
    bad = await client.get("/api/timeline?type=gossip")
    assert bad.status_code == 422 and "type" in bad.text
    assert (await client.get("/api/timeline?from=yesterday")).status_code == 422


async def test_who_may_open_it(client, bindings, people):
    for key, status in (
        ("owner", 200),
        ("admin", 200),
        ("viewer", 200),
        ("finance", 200),
        ("agent", 403),
        ("partner", 403),
    ):
        await sign_in_api(client, bindings, getattr(people, key))
        assert (await client.get("/timeline")).status_code == status, key


async def test_page_scrolls_by_htmx(client, bindings, people):
    await _entries(bindings, people)
    await sign_in_api(client, bindings, people.owner)
    page = await client.get("/timeline")
    assert page.status_code == 200 and "entry 119" in page.text and 'hx-trigger="revealed"' in page.text
    first = (await client.get("/api/timeline")).json()
    more = await client.get(f"/timeline?cursor={first['next_cursor']}", headers={"hx-request": "true"})
    assert "entry 69" in more.text and "<html" not in more.text


async def test_the_page_read_is_one_index_walk_without_a_sort(bindings, people):
    sql, params = feed.sql(people.admin, feed.Filters(), ("2026-11-22T15:00:00.000Z", 99))
    plan = " ".join(r["detail"] for r in await bindings.db.all(f"EXPLAIN QUERY PLAN {sql}", *params))
    assert "timeline_feed" in plan and "TEMP B-TREE" not in plan, plan
    sql, params = feed.sql(people.admin, feed.Filters(user_id=people.agent.id), None)
    plan = " ".join(r["detail"] for r in await bindings.db.all(f"EXPLAIN QUERY PLAN {sql}", *params))
    assert "timeline_feed_actor" in plan and "TEMP B-TREE" not in plan, plan
    assert iso(bindings.clock.now())  # the clock is the frozen one
