"""The fake D1 binding (tests/fakes/d1.py) and the real engine (workerd's D1, through miniflare) answer
the same cases the same way. Each case runs on both and the answers are compared exactly (types
included: 2 and 2.0 differ), then checked against what D1 is known to do, so a change on either
side fails here. docs/architecture.md ("D1: what the real engine does") lists what these found.

Every pass runs this file: the real engine is the session's server in the d1real pass, or one
started for this module otherwise (a few seconds).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from core.storage import IntegrityError, LostRace, q
from core.storage.d1 import D1Database
from tests.fakes.d1 import D1Error, FakeD1Binding
from tests.fakes.real_d1 import RealD1Server

SCHEMA = [
    "DROP TABLE IF EXISTS parity_child",
    "DROP TABLE IF EXISTS parity_log",
    "DROP TABLE IF EXISTS parity_parent",
    "DROP TABLE IF EXISTS parity_t",
    "DROP TABLE IF EXISTS parity_fts",
    "DROP TABLE IF EXISTS parity_guard",
    "CREATE TABLE parity_t (id INTEGER PRIMARY KEY, b TEXT UNIQUE, n INTEGER, t TEXT, any_col)",
    "CREATE INDEX parity_t_n ON parity_t (n)",
    "CREATE TABLE parity_parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE parity_child (id INTEGER PRIMARY KEY,"
    " parent INTEGER NOT NULL REFERENCES parity_parent(id) ON DELETE CASCADE)",
    "CREATE TABLE parity_log (x)",
    # records.guard's table (migration 0019), under another name
    "CREATE TABLE parity_guard (ok INTEGER NOT NULL CONSTRAINT lost_race CHECK (ok = 1))",
    "CREATE TRIGGER parity_parent_gone AFTER DELETE ON parity_parent BEGIN"
    " INSERT INTO parity_log VALUES (old.id); INSERT INTO parity_log VALUES (old.id); END",
    "INSERT INTO parity_parent (id) VALUES (1), (2)",
    "INSERT INTO parity_child (id, parent) VALUES (1, 1), (2, 1), (3, 1)",
    "INSERT INTO parity_t (b) VALUES ('taken')",
    "CREATE VIRTUAL TABLE parity_fts USING fts5(body, tokenize = 'trigram')",
    "INSERT INTO parity_fts (body) VALUES ('Garage door spring'), ('sliding door track')",
]

Step = Callable[[Any], Awaitable[Any]]


def one(sql: str, *params: Any, mode: str = "all", **kw: Any) -> Step:
    async def step(b: Any) -> Any:
        st = b.prepare(sql)
        if params:
            st = st.bind(*params)
        return await getattr(st, mode)(**kw)

    return step


async def _batch_rolls_back(b: Any) -> Any:
    try:
        await b.batch(
            [
                b.prepare("INSERT INTO parity_t (b) VALUES ('new')"),
                b.prepare("INSERT INTO parity_t (b) VALUES ('taken')"),
            ]
        )
    except D1Error as exc:
        failed = str(exc)
    rows = (await b.prepare("SELECT count(*) AS n FROM parity_t WHERE b = 'new'").all())["results"]
    return [failed, rows]


async def _guarded_batch(b: Any, row_id: int) -> Any:
    """records.guard_changed's shape after an UPDATE of row ROW_ID, then a record: all or nothing."""
    try:
        await b.batch(
            [
                b.prepare("UPDATE parity_t SET n = 7 WHERE id = ?").bind(row_id),
                b.prepare("INSERT INTO parity_guard (ok) SELECT 0 WHERE NOT coalesce((changes() = ?), 0)").bind(1),
                b.prepare("INSERT INTO parity_log VALUES ('recorded')"),
            ]
        )
        outcome = "written"
    except D1Error as exc:
        outcome = str(exc)
    rows = (
        await b.prepare(
            "SELECT (SELECT count(*) FROM parity_log) AS log, (SELECT count(*) FROM parity_guard) AS guard,"
            " (SELECT count(*) FROM parity_t WHERE n = 7) AS updated"
        ).all()
    )["results"]
    return [outcome, rows]


async def _batch_answers_each(b: Any) -> Any:
    results = await b.batch(
        [b.prepare("INSERT INTO parity_t (b) VALUES (?)").bind("x"), b.prepare("SELECT b FROM parity_t ORDER BY id")]
    )
    return [[r["results"], r["meta"]["changes"]] for r in results]


async def _empty_batch(b: Any) -> Any:
    return await b.batch([])


async def _exec(b: Any) -> Any:
    done = await b.exec("INSERT INTO parity_log VALUES (7);\nINSERT INTO parity_log VALUES (8)")
    return done["count"]


async def _exec_error(b: Any) -> Any:
    return await b.exec("INSERT INTO parity_log VALUES (7);\nINSERT INTO nowhere VALUES (8)")


@dataclass(frozen=True)
class Case:
    name: str
    step: Step
    expect: Any  # the normalised answer both engines must give


CASES = [
    # values coming back: through JSON, so integral floats are ints and BLOBs are lists of ints
    Case(
        "result types",
        one("SELECT 1 AS i, 1.5 AS f, 2.0 AS g, NULL AS n, 'x' AS s, x'0102' AS blob, -0.0 AS z, 1e999 AS inf"),
        {
            "changes": 0,
            "results": [{"i": 1, "f": 1.5, "g": 2, "n": None, "s": "x", "blob": [1, 2], "z": 0, "inf": None}],
        },
    ),
    Case(
        "integers beyond 2^53 come back as float",
        one("SELECT 9007199254740993 AS x"),
        {"changes": 0, "results": [{"x": 9007199254740992.0}]},
    ),
    # values going in: every number (and boolean) is bound as REAL
    Case(
        "numbers bind as REAL",
        one(
            "SELECT typeof(?) AS i, typeof(?) AS f, typeof(?) AS t, ? || '' AS s, json_array(?) AS j",
            1,
            1.5,
            True,
            1,
            1,
        ),
        {"changes": 0, "results": [{"i": "real", "f": "real", "t": "real", "s": "1.0", "j": "[1.0]"}]},
    ),
    Case(
        "an int bound into a TEXT column is stored as '1.0'",
        lambda b: _insert_then_read(b, "UPDATE parity_t SET t = ?, n = ?, any_col = ? WHERE b = 'taken'", 1, 1, 1),
        {"changes": 0, "results": [{"t": "1.0", "tt": "text", "n": 1, "nt": "integer", "a": 1, "at": "real"}]},
    ),
    Case(
        "other binds round-trip",
        one("SELECT ? AS s, ? AS n, ? AS b, typeof(?) AS bt", "é", None, b"\x00\x01", b"\x00"),
        {"changes": 0, "results": [{"s": "é", "n": None, "b": [0, 1], "bt": "blob"}]},
    ),
    Case(
        "ints beyond 2^53 are refused",
        one("SELECT ? AS x", 2**53 + 1),
        "D1_TYPE_ERROR: Type 'bigint' not supported for value '9007199254740993'",
    ),
    Case(
        "2^53 itself is refused",
        one("SELECT ? AS x", 2**53),
        "D1_TYPE_ERROR: Type 'bigint' not supported for value '9007199254740992'",
    ),
    Case(
        "2^53 - 1 is the largest", one("SELECT ? AS x", 2**53 - 1), {"changes": 0, "results": [{"x": 9007199254740991}]}
    ),
    # limits
    Case(
        "100 parameters",
        one("SELECT " + ", ".join("?" * 100) + " AS last", *range(100)),
        {"changes": 0, "results": [{"?": 98, "last": 99}]},
    ),
    Case(
        "101 parameters",
        one("SELECT " + ", ".join("?" * 101), *range(101)),
        "D1_ERROR: too many SQL variables: SQLITE_ERROR",
    ),
    Case(
        "statements over 100 KB",
        one("SELECT '" + "x" * 100_000 + "' AS s"),
        "D1_ERROR: statement too long: SQLITE_TOOBIG",
    ),
    # D1 documents 2 MB per value; the local engine does not refuse more (nor does the fake)
    Case(
        "values over 2 MB pass locally",
        one("SELECT length(zeroblob(2000001)) AS n"),
        {"changes": 0, "results": [{"n": 2000001}]},
    ),
    Case(
        "LIKE patterns over 50 bytes",
        one("SELECT 'a' LIKE ? AS x", "a" * 51),
        "D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR",
    ),
    # error texts
    Case("syntax error", one("SELEC 1"), 'D1_ERROR: near "SELEC": syntax error: SQLITE_ERROR'),
    Case(
        "unique constraint",
        one("INSERT INTO parity_t (b) VALUES ('taken')"),
        "D1_ERROR: UNIQUE constraint failed: parity_t.b: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)",
    ),
    Case(
        "foreign key",
        one("INSERT INTO parity_child (parent) VALUES (99)"),
        "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)",
    ),
    Case("no such table", one("SELECT * FROM parity_nowhere"), "D1_ERROR: no such table: parity_nowhere: SQLITE_ERROR"),
    # changes and last_row_id
    Case(
        "changes count cascades and trigger writes",
        one("DELETE FROM parity_parent WHERE id = 1", mode="run"),
        {"changes": 6, "results": []},
    ),
    Case(
        "changes of a miss", one("UPDATE parity_t SET n = 1 WHERE id = 999", mode="run"), {"changes": 0, "results": []}
    ),
    Case("last_row_id of an insert", lambda b: _last_row_id(b), [2, 1]),
    Case(
        "RETURNING",
        one("INSERT INTO parity_t (b) VALUES ('r') RETURNING id, b"),
        {"changes": 1, "results": [{"id": 2, "b": "r"}]},
    ),
    # SQL features
    Case(
        "JSON functions",
        one(
            "SELECT json_extract('{\"a\":[1,2]}', '$.a[1]') AS x, '{\"a\":1}' ->> '$.a' AS y,"
            " (SELECT group_concat(value) FROM json_each(?)) AS z, json_group_array(3) AS g",
            "[1,2,3]",
        ),
        {"changes": 0, "results": [{"x": 2, "y": 1, "z": "1,2,3", "g": "[3]"}]},
    ),
    Case(
        "FTS5 trigram",
        one(
            "SELECT (SELECT group_concat(rowid) FROM parity_fts WHERE parity_fts MATCH ?) AS m,"
            " (SELECT count(*) FROM parity_fts WHERE body LIKE ?) AS l,"
            " (SELECT count(*) FROM parity_fts WHERE parity_fts MATCH ?) AS short",
            '"door"',
            "%DOOR%",
            '"do"',
        ),
        {"changes": 0, "results": [{"m": "1,2", "l": 2, "short": 0}]},
    ),
    Case(
        "INDEXED BY",
        one("SELECT count(*) AS n FROM parity_t INDEXED BY parity_t_n WHERE n IS NULL"),
        {"changes": 0, "results": [{"n": 1}]},
    ),
    Case(
        "INDEXED BY a missing index",
        one("SELECT * FROM parity_t INDEXED BY nope WHERE n = 1"),
        "D1_ERROR: no such index: nope: SQLITE_ERROR",
    ),
    # what D1 refuses
    Case("PRAGMA foreign_keys is on", one("PRAGMA foreign_keys"), {"changes": 0, "results": [{"foreign_keys": 1}]}),
    Case("PRAGMA defer_foreign_keys", one("PRAGMA defer_foreign_keys = on", mode="run"), {"changes": 0, "results": []}),
    Case(
        "pragma_table_info()",
        one("SELECT name FROM pragma_table_info(?) WHERE cid < 2", "parity_t"),
        {"changes": 0, "results": [{"name": "id"}, {"name": "b"}]},
    ),
    Case("PRAGMA journal_mode", one("PRAGMA journal_mode"), "D1_ERROR: not authorized: SQLITE_AUTH"),
    Case("PRAGMA user_version", one("PRAGMA user_version"), "D1_ERROR: not authorized: SQLITE_AUTH"),
    Case("ATTACH", one("ATTACH DATABASE ':memory:' AS other"), "D1_ERROR: not authorized: SQLITE_AUTH"),
    Case("temp tables", one("CREATE TEMP TABLE parity_temp (x)"), "D1_ERROR: not authorized: SQLITE_AUTH"),
    Case("BEGIN", one("BEGIN TRANSACTION"), "transaction"),
    Case("SAVEPOINT", one("SAVEPOINT x"), "transaction"),
    # statement shapes
    Case("empty SQL", one(""), "D1_ERROR: No SQL statements detected."),
    Case("only a comment", one("-- nothing"), "D1_ERROR: SQL code did not contain a statement."),
    Case(
        "two statements answer with the last",
        one("SELECT 1 AS a; SELECT 2 AS b"),
        {"changes": 0, "results": [{"b": 2}]},
    ),
    # the calls
    Case("first()", one("SELECT b FROM parity_t", mode="first"), {"b": "taken"}),
    Case("first(column)", one("SELECT b FROM parity_t", mode="first", column="b"), "taken"),
    Case("first() of nothing", one("SELECT b FROM parity_t WHERE 0", mode="first"), None),
    Case("raw()", one("SELECT id, b FROM parity_t", mode="raw"), [[1, "taken"]]),
    Case(
        "raw(columnNames) of nothing",
        one("SELECT id, b FROM parity_t WHERE 0", mode="raw", columnNames=True),
        [["id", "b"]],
    ),
    Case(
        "a failing batch changes nothing",
        _batch_rolls_back,
        [
            "D1_ERROR: UNIQUE constraint failed: parity_t.b: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)",
            [{"n": 0}],
        ],
    ),
    Case(
        "a write guard that holds writes the batch and leaves no guard row",
        lambda b: _guarded_batch(b, 1),
        ["written", [{"log": 1, "guard": 0, "updated": 1}]],
    ),
    Case(
        "a write guard that trips names its constraint and changes nothing",
        lambda b: _guarded_batch(b, 999),
        [
            "D1_ERROR: CHECK constraint failed: lost_race: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)",
            [{"log": 0, "guard": 0, "updated": 0}],
        ],
    ),
    Case("a batch answers each statement", _batch_answers_each, [[[], 1], [[{"b": "taken"}, {"b": "x"}], 0]]),
    Case("an empty batch", _empty_batch, "D1_ERROR: No SQL statements detected."),
    Case("exec()", _exec, 2),
    Case(
        "exec() error",
        _exec_error,
        "D1_EXEC_ERROR: Error in line 1: INSERT INTO parity_log VALUES (7);: no such table: nowhere: SQLITE_ERROR",
    ),
]


async def _insert_then_read(b: Any, sql: str, *params: Any) -> Any:
    await b.prepare(sql).bind(*params).run()
    return await b.prepare(
        "SELECT t, typeof(t) AS tt, n, typeof(n) AS nt, any_col AS a, typeof(any_col) AS at FROM parity_t"
    ).all()


async def _last_row_id(b: Any) -> Any:
    inserted = await b.prepare("INSERT INTO parity_t (b) VALUES ('second')").run()
    missed = await b.prepare("INSERT INTO parity_parent (id) VALUES (1) ON CONFLICT DO NOTHING").run()
    # an insert that inserts nothing leaves the connection's last id alone (here: parity_t's 2)
    return [inserted["meta"]["last_row_id"], missed["meta"]["changes"] + 1]


def _normalise(value: Any) -> Any:
    if isinstance(value, dict) and "meta" in value and "results" in value:
        return {"changes": value["meta"]["changes"], "results": value["results"]}
    return value


async def _answer(step: Step, b: Any) -> Any:
    try:
        return _normalise(await step(b))
    except D1Error as exc:
        text = re.sub(r" at offset \d+", "", str(exc))  # SQLite's error offset: newer than CPython's
        return "transaction" if "please use the state.storage.transaction()" in text else text


@pytest.fixture(scope="module")
def real_server(real_d1, tmp_path_factory):
    if real_d1 is not None:
        yield real_d1
        return
    server = RealD1Server(tmp_path_factory.mktemp("parity"))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
async def engines(real_server):
    conn = sqlite3.connect(":memory:")
    fake, real = FakeD1Binding(conn), real_server.binding()
    for b in (fake, real):
        for sql in SCHEMA:
            await b.prepare(sql).run()
    yield {"fake": fake, "real": real}
    # In the real-D1 pass this is the session's one database: leave none of our tables behind for
    # the next test (an FTS table left here made `db check` report it)
    for sql in (s for s in SCHEMA if s.startswith("DROP")):
        await real.prepare(sql).run()
    real.close()
    conn.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_the_fake_and_the_real_engine_agree(engines, case):
    answers = {name: await _answer(case.step, b) for name, b in engines.items()}
    as_json = {name: json.dumps(a, sort_keys=True) for name, a in answers.items()}  # 2 and 2.0 differ
    assert as_json["fake"] == as_json["real"], answers
    assert as_json["real"] == json.dumps(case.expect, sort_keys=True)


async def test_the_adapter_sees_the_same_errors_on_both(engines):
    for b in engines.values():
        db = D1Database(b)
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await db.batch([q("INSERT INTO parity_t (b) VALUES ('taken')")])
        result = (await db.batch([q("DELETE FROM parity_parent WHERE id = 1")]))[0]
        assert result.changes == 6  # 1 row, 3 cascaded children, 2 trigger rows: not "== 1"
        with pytest.raises(LostRace, match="lost_race"):
            await db.batch([q("INSERT INTO parity_guard (ok) VALUES (0)")])
        with pytest.raises(IntegrityError) as refused:
            await db.batch([q("INSERT INTO parity_guard (ok) VALUES (NULL)")])
        assert not isinstance(refused.value, LostRace)  # only our constraint's name makes a lost race


async def test_tag_verbs_report_a_change_even_though_a_trigger_writes_too(bindings, people):
    """customer_tags' trigger rewrites customers.tags, so meta.changes is 2 for one tag: the verbs must
    ask "changed at all?" (they compared with 1 and answered False on D1)."""
    from customers import tags as customer_tags
    from tests.customers_support import make_customer

    customer = await make_customer(bindings, people.office_a, "Tagged Person")
    now = bindings.clock.now()
    assert await customer_tags.add_tag(bindings.db, now, people.owner, customer, "VIP") is True
    assert await customer_tags.add_tag(bindings.db, now, people.owner, customer, "VIP") is False
    assert await customer_tags.remove_tag(bindings.db, now, people.owner, customer, "VIP") is True
    assert await customer_tags.remove_tag(bindings.db, now, people.owner, customer, "VIP") is False


async def test_our_runner_migrates_through_a_d1_binding_to_the_same_schema(tmp_path):
    from core.storage import migrations

    local = sqlite3.connect(str(tmp_path / "local.sqlite3"))
    migrations.migrate(local)
    remote = sqlite3.connect(str(tmp_path / "d1.sqlite3"))
    names = await migrations.migrate_database(D1Database(FakeD1Binding(remote)))
    assert names == [m.name for m in migrations.available()]  # each file one batch, in wrangler's order
    assert await migrations.migrate_database(D1Database(FakeD1Binding(remote))) == []  # and only once
    schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    assert remote.execute(schema).fetchall() == local.execute(schema).fetchall()
    applied = "SELECT name FROM d1_migrations ORDER BY id"
    assert remote.execute(applied).fetchall() == local.execute(applied).fetchall()
    local.close()
    remote.close()
