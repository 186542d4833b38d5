"""The one write guard (records.guard, migration 0019): a version-guarded change that lost its race
stops its whole batch, so nothing of it is written (no row, no timeline entry, no audit row), and the
caller gets storage.LostRace, told from every other failure by the name of our CHECK (`lost_race`).

These run in every pass: on real SQLite, through the D1 adapter over the fake binding
(PORCHLIGHT_TEST_DB=d1) and over the real D1 engine (PORCHLIGHT_TEST_DB=d1real).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from core import records
from core.records import SYSTEM
from core.storage import IntegrityError, LostRace, q
from customers import actions as customer_actions
from customers import record as customers
from leads import actions as lead_actions
from leads import queue as leads
from tests.conftest import snapshot_file
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead

SRC = Path(__file__).resolve().parents[1] / "src"


def _records(now, subject_id: int) -> list:
    return [
        records.timeline(now, SYSTEM, "lead", subject_id, "sys", "guarded entry"),
        records.audit(now, SYSTEM, "guard.test", "guarded audit row"),
    ]


async def _count(database, table: str) -> int:
    row = await database.first(f"SELECT COUNT(*) AS n FROM {table}")
    return int(row["n"])


async def test_a_guard_that_holds_writes_the_batch_and_leaves_the_guard_table_empty(bindings, database):
    now = bindings.clock.now()
    before = await _count(database, "audit_log")
    await database.batch([records.guard("1 = 1"), *_records(now, 1)])
    assert await _count(database, "audit_log") == before + 1
    assert await _count(database, "write_guard") == 0


async def test_a_guard_that_trips_writes_nothing_of_the_batch(bindings, database, db_path):
    now = bindings.clock.now()
    before = snapshot_file(db_path)
    # the records come first: they are undone too, not merely never reached
    with pytest.raises(LostRace, match="lost_race"):
        await database.batch([*_records(now, 1), records.guard("0 = 1")])
    assert snapshot_file(db_path) == before


async def test_other_constraint_failures_are_not_a_lost_race(bindings, database, db_path):
    now = bindings.clock.now()
    before = snapshot_file(db_path)
    for refused_sql in (
        "INSERT INTO write_guard (ok) VALUES (NULL)",  # NOT NULL on the guard table: not our CHECK
        "INSERT INTO d1_migrations (name) SELECT name FROM d1_migrations LIMIT 1",  # UNIQUE
    ):
        with pytest.raises(IntegrityError) as refused:
            await database.batch([*_records(now, 1), q(refused_sql)])
        assert not isinstance(refused.value, LostRace)
    assert snapshot_file(db_path) == before


async def test_a_lost_race_on_a_lead_is_a_conflict_and_writes_nothing(bindings, people, database, db_path):
    display = await make_lead(bindings, people.office_a, name="Raced Rita")
    stale = await leads.lead_for_user(database, people.owner, display)
    await lead_actions.claim_lead(database, bindings.clock.now(), people.agent, stale)  # someone else got there
    before = snapshot_file(db_path)
    with pytest.raises(lead_actions.Conflict):
        await lead_actions.edit_lead(database, bindings.clock.now(), people.owner, stale, {"service": "Gate repair"})
    assert snapshot_file(db_path) == before  # no edit, no timeline entry, no audit row


async def test_a_lost_race_on_a_customer_is_a_conflict_and_writes_nothing(bindings, people, database, db_path):
    made = await make_customer(bindings, people.office_a, "Raced Customer")
    stale = await customers.customer_for_user(database, people.owner, made["display_id"])
    now = bindings.clock.now()
    await customer_actions.edit_customer(database, now, people.owner, stale, {"company": "First Co"})
    before = snapshot_file(db_path)
    with pytest.raises(customers.Conflict):
        await customer_actions.edit_customer(database, now, people.owner, stale, {"company": "Second Co"})
    assert snapshot_file(db_path) == before


async def test_a_tripped_batch_rolls_back_alone_among_batches_committed_together(bindings, people, database):
    """SQLite commits the batches of one loop turn together; the one whose guard trips is undone alone."""
    now = bindings.clock.now()
    audits = await _count(database, "audit_log")
    good = database.batch([records.audit(now, SYSTEM, "guard.kept", "kept")])
    lost = database.batch([records.audit(now, SYSTEM, "guard.lost", "lost"), records.guard("0 = 1")])
    outcomes = await asyncio.gather(good, lost, return_exceptions=True)
    assert not isinstance(outcomes[0], BaseException) and isinstance(outcomes[1], LostRace)
    assert await _count(database, "audit_log") == audits + 1
    assert await database.first("SELECT 1 AS x FROM audit_log WHERE action = 'guard.lost'") is None


def test_the_guard_is_the_only_lost_race_mechanism():
    """No other way back in: no json() of non-JSON to raise from SQL, no guard table written outside
    records.py, no error recognised by its text outside the storage layer."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        rel = path.relative_to(SRC).as_posix()
        if re.search(r"json\('[^'{\[]", text):
            offenders.append(f"{rel}: json() of non-JSON")
        if "write_guard" in text and rel != "records.py":
            offenders.append(f"{rel}: writes the guard table itself")
        if "malformed JSON" in text or ("lost_race" in text and rel != "records.py" and not rel.startswith("storage/")):
            offenders.append(f"{rel}: recognises an error by its text")
    assert offenders == []
