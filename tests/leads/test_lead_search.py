"""Lead search is indexed just behind intake (migration 0017): a new lead waits in
`lead_terms_pending`, the cron tick or the next search adds it, and no search ever misses one."""

from __future__ import annotations

import cron
from leads import search as lead_search
from tests.conftest import sign_in
from tests.leads.test_leads_queue import make_lead


async def names(client, term):
    r = await client.get("/api/leads", params={"q": term})
    assert r.status_code == 200, r.text
    return sorted(i["name"] for i in r.json()["items"])


async def indexed(db, term) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM lead_terms WHERE lead_terms MATCH ?", f'"{term}"')
    return row["n"]


async def integrity(db) -> None:
    # FTS5 checks its own structure; a 'delete' of text that was never indexed would break it.
    await db.run("INSERT INTO lead_terms (lead_terms) VALUES ('integrity-check')")


async def test_a_new_lead_waits_for_the_index_and_the_next_search_adds_it(client, bindings, people, database):
    await make_lead(bindings, people.office_a, name="Quentin Pendleton")
    assert await lead_search.pending(database) == 1
    assert await indexed(database, "Pendleton") == 0  # intake did not wait for the index
    await sign_in(client, bindings, people.owner)
    assert await names(client, "pendleton") == ["Quentin Pendleton"]
    assert await lead_search.pending(database) == 0 and await indexed(database, "Pendleton") == 1
    await integrity(database)


async def test_edits_and_deletes_before_and_after_indexing_keep_the_index_right(client, bindings, people, database):
    a = people.office_a
    early = await make_lead(bindings, a, name="Wilhelmina Early")
    late = await make_lead(bindings, a, name="Bartholomew Late")
    gone = await make_lead(bindings, a, name="Ophelia Gone")
    # Edited while pending: the index gets the row as it is when it is indexed, never the old text.
    await database.run("UPDATE leads SET name = 'Wilhelmina Renamed' WHERE display_id = ?", early)
    # Deleted while pending: nothing to take out of the index, and the note goes too.
    await database.run("DELETE FROM leads WHERE display_id = ?", gone)
    assert await lead_search.pending(database) == 2
    assert await lead_search.index_pending(database) == 2
    await integrity(database)
    # Edited and deleted once indexed: the triggers of 0007 work as before.
    await database.run("UPDATE leads SET name = 'Bartholomew Later' WHERE display_id = ?", late)
    await sign_in(client, bindings, people.owner)
    assert await names(client, "wilhelmina") == ["Wilhelmina Renamed"]
    assert await names(client, "early") == []
    assert await names(client, "bartholomew") == ["Bartholomew Later"]
    assert await names(client, "ophelia") == []
    await database.run("DELETE FROM leads WHERE display_id = ?", late)
    assert await names(client, "bartholomew") == []
    await integrity(database)


async def test_the_cron_tick_indexes_in_chunks_within_its_budget(bindings, people, database, monkeypatch):
    monkeypatch.setattr(lead_search, "CHUNK", 2)
    monkeypatch.setattr(cron, "LEAD_INDEX_BUDGET", 3)
    for n in range(5):
        await make_lead(bindings, people.office_a, name=f"Chunky Lead {n}", phone=f"30579422{n:02d}")
    first = await cron.run_job(bindings, "lead-indexes")
    assert first["leads_indexed"] == 3 and await lead_search.pending(database) == 2
    await database.run("UPDATE cron_leases SET leased_until = NULL")  # the next minute's tick
    second = await cron.run_job(bindings, "lead-indexes")
    assert second["leads_indexed"] == 2 and await lead_search.pending(database) == 0
    assert await indexed(database, "Chunky") == 5
    await integrity(database)
