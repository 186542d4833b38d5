"""Lead search matches what the lead needs too (issue 17: "opener" finds "Opener beeping"), and
migration 0024 re-indexes the leads that were indexed before `service` was part of the text."""

from __future__ import annotations

from core.storage import q
from core.storage.migrations import MIGRATIONS_DIR, split_statements
from leads import search as lead_search
from tests.conftest import sign_in
from tests.leads.test_lead_search import indexed, integrity, names
from tests.leads.test_leads_queue import make_lead


async def test_search_finds_a_lead_by_its_service_text(client, bindings, people, database):
    await make_lead(bindings, people.office_a, name="Greta Garage", service_type="Opener beeping")
    await make_lead(bindings, people.office_a, name="Walter Water", service_type="Water heater")
    await sign_in(client, bindings, people.owner)
    assert await names(client, "opener") == ["Greta Garage"]
    assert await names(client, "BEEPING") == ["Greta Garage"]
    await integrity(database)


async def test_editing_the_service_of_an_indexed_lead_moves_it_in_the_index(client, bindings, people, database):
    lead = await make_lead(bindings, people.office_a, name="Sam Spring", service_type="Broken spring")
    assert await lead_search.index_pending(database) == 1
    await database.run("UPDATE leads SET service = 'Noisy roller' WHERE display_id = ?", lead)
    await sign_in(client, bindings, people.owner)
    assert await names(client, "roller") == ["Sam Spring"]
    assert await names(client, "broken spring") == []
    await integrity(database)


async def test_migration_0024_reindexes_leads_indexed_without_their_service(client, bindings, people, database):
    lead = await make_lead(bindings, people.office_a, name="Olive Old", service_type="Opener beeping")
    # Index it as it was before 0024: the text without the service.
    await database.run("DELETE FROM lead_terms_pending")
    await database.run(
        "INSERT INTO lead_terms (rowid, terms) SELECT id, name || char(10) || email || char(10) || campaign"
        " || char(10) || zip || char(10) || coalesce(phone_last10, '') FROM leads WHERE display_id = ?",
        lead,
    )
    assert await indexed(database, "opener") == 0
    sql = (MIGRATIONS_DIR / "0024_lead_search_service.sql").read_text()
    await database.batch([q(s) for s in split_statements(sql)])
    assert await lead_search.pending(database) == 1
    await sign_in(client, bindings, people.owner)
    assert await names(client, "opener") == ["Olive Old"]
    assert await names(client, "olive") == ["Olive Old"]
    await integrity(database)
