"""The Database interface: both implementations, atomic batches, and D1's rules."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from core.storage import BindError, DatabaseError, IntegrityError, q
from core.storage.d1 import D1Database
from core.storage.sqlite import SqliteDatabase
from tests.fakes.d1 import D1Error, FakeD1Binding

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)"


@pytest.fixture(params=["sqlite", "d1"])
def db(request, tmp_path):
    conn = sqlite3.connect(str(tmp_path / "t.sqlite3"), check_same_thread=False)
    conn.execute(SCHEMA)
    conn.commit()
    if request.param == "sqlite":
        conn.close()
        database = SqliteDatabase.open(tmp_path / "t.sqlite3")
        yield database
        database.close()
    else:
        yield D1Database(FakeD1Binding(conn))
        conn.close()


async def test_it_runs_and_reads_back(db):
    result = await db.run("INSERT INTO t (name, n) VALUES (?, ?)", "a", 1)
    assert result.changes == 1 and result.last_row_id == 1
    assert await db.all("SELECT name, n FROM t") == [{"name": "a", "n": 1}]
    assert await db.first("SELECT name FROM t WHERE n = ?", 1) == {"name": "a"}
    assert await db.first("SELECT name FROM t WHERE n = ?", 2) is None


async def test_a_batch_is_all_or_nothing(db):
    await db.run("INSERT INTO t (name) VALUES ('keep')")
    with pytest.raises(IntegrityError):
        await db.batch(
            [
                q("INSERT INTO t (name) VALUES (?)", "first"),
                q("UPDATE t SET n = 7 WHERE name = 'keep'"),
                q("INSERT INTO t (name) VALUES (?)", "keep"),  # UNIQUE violation: everything rolls back
            ]
        )
    assert await db.all("SELECT name, n FROM t") == [{"name": "keep", "n": None}]


async def test_a_batch_returns_each_statements_result(db):
    results = await db.batch(
        [q("INSERT INTO t (name) VALUES ('a'), ('b')"), q("SELECT COUNT(*) AS c FROM t"), q("DELETE FROM t")]
    )
    assert results[0].changes == 2
    assert results[1].rows == [{"c": 2}]
    assert results[2].changes == 2


async def test_batches_sent_together_keep_their_own_outcomes(db):
    # On SQLite these share one commit: all in one plain transaction, and when one fails, again with a
    # SAVEPOINT each. Either way each batch is all-or-nothing on its own and sees those before it.
    import asyncio

    await db.run("INSERT INTO t (name, n) VALUES ('taken', 0)")

    def batch(name: str, n: int) -> list:
        return [q("INSERT INTO t (name, n) VALUES (?, ?)", name, n), q("SELECT COUNT(*) AS c FROM t")]

    outcomes = await asyncio.gather(
        db.batch(batch("a", 1)),
        db.batch([q("UPDATE t SET n = 9 WHERE name = 'a'"), *batch("taken", 2)]),  # fails: UNIQUE
        db.batch(batch("b", 3)),
        db.batch([q("UPDATE t SET n = n + 10 WHERE name = 'b'"), q("SELECT n FROM t WHERE name = 'b'")]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], IntegrityError)
    assert outcomes[0][1].rows == [{"c": 2}] and outcomes[2][1].rows == [{"c": 3}]
    assert outcomes[3][1].rows == [{"n": 13}]
    assert await db.all("SELECT name, n FROM t ORDER BY name") == [
        {"name": "a", "n": 1},
        {"name": "b", "n": 13},
        {"name": "taken", "n": 0},
    ]


async def test_a_lone_failing_batch_changes_nothing_and_the_next_one_commits(db):
    import asyncio

    with pytest.raises(IntegrityError):
        await db.batch([q("INSERT INTO t (name) VALUES ('x')"), q("INSERT INTO t (name) VALUES ('x')")])
    await asyncio.gather(db.batch([q("INSERT INTO t (name) VALUES ('y')")]))
    assert await db.all("SELECT name FROM t") == [{"name": "y"}]


async def test_a_batch_whose_request_was_cancelled_still_commits(tmp_path):
    # A client that hangs up mid-intake must not leave its lead half-known: the batch is already queued.
    import asyncio

    conn = sqlite3.connect(str(tmp_path / "c.sqlite3"))
    conn.execute(SCHEMA)
    conn.commit()
    conn.close()
    database = SqliteDatabase.open(tmp_path / "c.sqlite3")
    waiting = asyncio.ensure_future(database.batch([q("INSERT INTO t (name) VALUES ('kept')")]))
    await asyncio.sleep(0)  # queued, not yet flushed
    waiting.cancel()
    others = await database.batch([q("INSERT INTO t (name) VALUES ('next')")])
    assert waiting.cancelled() and others[0].changes == 1
    assert await database.all("SELECT name FROM t ORDER BY id") == [{"name": "kept"}, {"name": "next"}]
    database.close()


async def test_it_refuses_more_than_100_parameters(db):
    with pytest.raises(BindError):
        await db.all("SELECT " + ", ".join("?" for _ in range(101)), *range(101))
    rows = await db.all("SELECT value FROM json_each(?)", "[" + ",".join(map(str, range(500))) + "]")
    assert len(rows) == 500  # the documented way around the limit


@pytest.mark.parametrize("value", [datetime.now(UTC), (1, 2), [1], bytearray(b"x"), 2**60, object()])
async def test_it_refuses_bind_types_d1_cannot_take(db, value):
    with pytest.raises(BindError):
        await db.run("INSERT INTO t (name) VALUES (?)", value)
    assert await db.all("SELECT * FROM t") == []


async def test_it_refuses_interactive_transactions(db):
    with pytest.raises(DatabaseError):
        await db.run("BEGIN")


@pytest.mark.parametrize("sql", ["  begin immediate", "\n\tCOMMIT", "savepoint x", "release x", "END", "Rollback"])
async def test_it_refuses_interactive_transactions_however_written(db, sql):
    # The first-word check is cached on a statement's start: case and leading space must not slip past it.
    for _ in range(2):  # the second time is answered from the cache
        with pytest.raises(DatabaseError):
            await db.run(sql)


async def test_bools_become_integers(db):
    await db.run("INSERT INTO t (name, n) VALUES (?, ?)", "x", True)
    assert (await db.first("SELECT n FROM t"))["n"] == 1


# --- the fake binding itself behaves like D1 --------------------------------------------------


@pytest.fixture
def binding(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "d1.sqlite3"))
    conn.execute(SCHEMA)
    conn.commit()
    yield FakeD1Binding(conn)
    conn.close()


async def test_the_fake_d1_returns_d1s_result_shape(binding):
    result = await binding.prepare("INSERT INTO t (name) VALUES (?)").bind("a").run()
    assert result["success"] is True and result["results"] == []
    assert set(result["meta"]) == {
        "served_by",
        "duration",
        "changes",
        "last_row_id",
        "changed_db",
        "rows_read",
        "rows_written",
        "size_after",
    }
    assert result["meta"]["changes"] == 1 and result["meta"]["last_row_id"] == 1
    assert await binding.prepare("SELECT name FROM t").first("name") == "a"
    assert await binding.prepare("SELECT id, name FROM t").raw(columnNames=True) == [["id", "name"], [1, "a"]]


async def test_the_fake_d1_rejects_what_d1_rejects(binding):
    with pytest.raises(D1Error, match="D1_TYPE_ERROR"):
        binding.prepare("SELECT ?").bind(datetime.now(UTC))
    # the rest, like D1, when the statement runs (tests/core/test_d1_parity.py holds the real engine to it)
    with pytest.raises(D1Error, match="too many SQL variables"):
        await binding.prepare("SELECT " + ", ".join("?" * 101)).bind(*range(101)).all()
    with pytest.raises(D1Error, match="transaction"):
        await binding.prepare("BEGIN TRANSACTION").run()
    with pytest.raises(D1Error, match="too long"):
        await binding.prepare("SELECT '" + "x" * 100_001 + "'").all()


async def test_the_fake_d1_batch_rolls_back_on_failure(binding):
    with pytest.raises(D1Error):
        await binding.batch(
            [binding.prepare("INSERT INTO t (name) VALUES ('a')"), binding.prepare("INSERT INTO t (name) VALUES ('a')")]
        )
    assert (await binding.prepare("SELECT COUNT(*) AS c FROM t").first("c")) == 0


def test_the_suite_runs_on_the_database_it_was_asked_for(database):
    from tests.conftest import DB_MODE

    expected = D1Database if DB_MODE in ("d1", "d1real") else SqliteDatabase
    assert isinstance(database, expected)


async def test_reads_made_together_reach_d1_as_one_batch_and_fail_alone(binding):
    import asyncio

    db = D1Database(binding)
    await db.run("INSERT INTO t (name, n) VALUES ('a', 1)")
    binding.calls = 0
    one, two, many = await asyncio.gather(
        db.first("SELECT name FROM t WHERE n = ?", 1), db.all("SELECT COUNT(*) AS c FROM t"), db.all("SELECT 2 AS x")
    )
    assert (one, two, many) == ({"name": "a"}, [{"c": 1}], [{"x": 2}])
    assert binding.calls == 1  # one round trip for three reads
    good, bad = await asyncio.gather(db.all("SELECT 1 AS x"), db.all("SELECT * FROM nowhere"), return_exceptions=True)
    assert good == [{"x": 1}] and isinstance(bad, DatabaseError) and "no such table" in str(bad)
    binding.calls = 0
    assert await db.first("SELECT name FROM t") == {"name": "a"}
    assert binding.calls == 1  # a read alone is sent alone, not as a batch of one
