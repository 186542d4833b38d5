"""A fake of the Worker's D1 binding (`env.DB`) that behaves like D1 where it matters.

Backed by sqlite3, it mirrors D1's JavaScript API as Python sees it: `prepare(sql).bind(*args)`,
awaitable `all()/run()/first()/raw()`, `batch([...])` (one transaction: all or nothing) and
`exec()`. It returns D1's result shape (`{"success", "meta", "results"}` with D1's meta keys) and
copies what the real engine does, as measured against it (tests/core/test_d1_parity.py runs the same
cases on this fake and on workerd's D1; docs/architecture.md lists the differences it found):

- every number is bound as a REAL (JavaScript has one number type), so an int bound into a TEXT
  context reads back as '1.0'; booleans too; ints beyond 2^53 and objects are refused at bind();
- results cross as JSON: integral floats come back as int, BLOBs as lists of ints, infinities as
  None, integers beyond 2^53 lose precision (Pyodide turns them into float);
- SQLite's own limits as D1 sets them (100 bound parameters, 100 KB statements, 50-byte LIKE
  patterns) and D1's authorizer (no ATTACH, temp tables or most PRAGMAs, no BEGIN); D1's documented
  2 MB value limit is not enforced by the local engine, so not here either;
- `changes` is every row written, including trigger and cascade writes;
- error texts `D1_ERROR: <sqlite message>: <code> (extended: <extended code>)`.

What it does not copy: `duration`, `rows_read`, `rows_written` and `size_after` are rough (the app
reads only `changes` and `last_row_id`), and D1's `_cf_*` tables do not exist here.
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from typing import Any

MAX_PARAMS = 100
MAX_SQL_BYTES = 100_000
MAX_SAFE = 2**53 - 1  # Number.MAX_SAFE_INTEGER: Pyodide passes larger ints as BigInt, which D1 refuses
MAX_LIKE_PATTERN = 50

# PRAGMAs the real engine answers; it refuses every other one with "not authorized".
ALLOWED_PRAGMAS = frozenset(
    {
        "data_version",
        "foreign_keys",
        "defer_foreign_keys",
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "quick_check",
        "optimize",
        "case_sensitive_like",
        "recursive_triggers",
        "reverse_unordered_selects",
        "legacy_alter_table",
    }
)

TRANSACTION_REFUSED = (
    "D1_ERROR: To execute a transaction, please use the state.storage.transaction() or"
    " state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements."
    " The JavaScript API is safer because it will automatically roll back on exceptions, and because it"
    " interacts correctly with Durable Objects' automatic atomic write coalescing."
)

_PRIMARY_CODES = {
    1: "SQLITE_ERROR",
    4: "SQLITE_ABORT",
    5: "SQLITE_BUSY",
    11: "SQLITE_CORRUPT",
    13: "SQLITE_FULL",
    18: "SQLITE_TOOBIG",
    19: "SQLITE_CONSTRAINT",
    20: "SQLITE_MISMATCH",
    21: "SQLITE_MISUSE",
    23: "SQLITE_AUTH",
    25: "SQLITE_RANGE",
}
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


class D1Error(Exception):
    pass


def _check_bind(value: Any) -> Any:
    """What D1's bind() does with a value Pyodide hands it: numbers (and booleans) become REAL."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE:
            raise D1Error(f"D1_TYPE_ERROR: Type 'bigint' not supported for value '{value}'")
        return float(value)
    if isinstance(value, bytes):
        return value
    raise D1Error(f"D1_TYPE_ERROR: Type 'object' not supported for value '{value!r}'")


def _from_json(value: Any) -> Any:
    """A value as it reaches Python after crossing D1's JSON and Pyodide."""
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) <= MAX_SAFE else value
    if isinstance(value, int) and abs(value) > MAX_SAFE:
        return float(value)
    return value


def _error(exc: sqlite3.Error) -> D1Error:
    extended = getattr(exc, "sqlite_errorname", None) or "SQLITE_ERROR"
    primary = _PRIMARY_CODES.get(getattr(exc, "sqlite_errorcode", 1) & 0xFF, "SQLITE_ERROR")
    code = primary if extended == primary else f"{primary} (extended: {extended})"
    return D1Error(f"D1_ERROR: {exc}: {code}")


def _split(sql: str) -> list[str]:
    """D1 runs every statement of a multi-statement string and answers with the last one's."""
    parts, start = [], 0
    for end in (i + 1 for i, ch in enumerate(sql) if ch == ";"):
        if sqlite3.complete_statement(sql[start:end]):
            parts.append(sql[start:end])
            start = end
    parts.append(sql[start:])
    return [p for p in parts if _COMMENTS.sub("", p).strip(" \t\r\n;")]


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() not in ALLOWED_PRAGMAS:
        return sqlite3.SQLITE_DENY
    if action in (sqlite3.SQLITE_CREATE_TEMP_TABLE, sqlite3.SQLITE_CREATE_TEMP_INDEX, sqlite3.SQLITE_CREATE_TEMP_VIEW):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_CREATE_TEMP_TRIGGER:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class FakeStatement:
    def __init__(self, db: FakeD1Binding, sql: str, params: tuple[Any, ...] = ()):
        self.db, self.sql, self.params = db, sql, params

    def bind(self, *values: Any) -> FakeStatement:
        return FakeStatement(self.db, self.sql, tuple(_check_bind(v) for v in values))

    def _execute(self) -> dict[str, Any]:
        started = time.perf_counter()
        conn = self.db.conn
        if not self.sql.strip():
            raise D1Error("D1_ERROR: No SQL statements detected.")
        parts = _split(self.sql)
        if not parts:
            raise D1Error("D1_ERROR: SQL code did not contain a statement.")
        if len(self.sql.encode()) > MAX_SQL_BYTES:
            raise D1Error("D1_ERROR: statement too long: SQLITE_TOOBIG")
        before = conn.total_changes
        for part in parts:
            head = part.lstrip().split(None, 1)[0].upper()
            if head in {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
                raise D1Error(TRANSACTION_REFUSED)
            try:
                # (parameters with several statements in one string: not measured, not used)
                cur = conn.execute(part, self.params if len(parts) == 1 else ())
                names = [d[0] for d in cur.description] if cur.description else []
                raw = cur.fetchall() if cur.description else []
            except sqlite3.Error as exc:
                raise _error(exc) from exc
        rows = [{name: _from_json(v) for name, v in zip(names, r, strict=True)} for r in raw]
        # total_changes() before and after, as D1 reports it: trigger writes and cascades count too
        changes = conn.total_changes - before
        self.db.statements += 1
        return {
            "success": True,
            "results": rows,
            "columns": names,
            "meta": {
                "served_by": "fake-d1",
                "duration": (time.perf_counter() - started) * 1000,
                "changes": changes,
                "last_row_id": conn.execute("SELECT last_insert_rowid()").fetchone()[0],
                "changed_db": changes > 0,
                "rows_read": len(rows),
                "rows_written": changes,
                "size_after": 0,
            },
        }

    @staticmethod
    def _shape(result: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in result.items() if k != "columns"}

    async def all(self) -> dict[str, Any]:
        return self._shape(self.db._single(self))

    async def run(self) -> dict[str, Any]:
        return self._shape(self.db._single(self))

    async def first(self, column: str | None = None) -> Any:
        rows = self.db._single(self)["results"]
        if not rows:
            return None
        if column is not None and column not in rows[0]:
            raise D1Error(f"D1_COLUMN_NOTFOUND: Column not found ({column})")
        return rows[0][column] if column is not None else rows[0]

    async def raw(self, columnNames: bool = False) -> list[list[Any]]:
        result = self.db._single(self)
        out = [list(r.values()) for r in result["results"]]
        return ([result["columns"]] if columnNames else []) + out


class FakeD1Binding:
    def __init__(self, conn: sqlite3.Connection):
        conn.isolation_level = None
        conn.row_factory = None
        conn.execute("PRAGMA foreign_keys = ON")  # D1 always enforces foreign keys
        # D1's limits are SQLite's own, lowered: the engine raises its own errors at them
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, MAX_PARAMS)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN)
        conn.set_authorizer(_authorize)
        self.conn = conn
        self.statements = 0
        self.calls = 0  # round trips: one per awaited call (a batch is one)

    def prepare(self, sql: str) -> FakeStatement:
        return FakeStatement(self, sql)

    def _single(self, st: FakeStatement) -> dict[str, Any]:
        # D1 runs each query in an implicit transaction of its own.
        self.calls += 1
        self.conn.execute("BEGIN")
        try:
            result = st._execute()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return result

    async def batch(self, statements: list[FakeStatement]) -> list[dict[str, Any]]:
        if not isinstance(statements, list) or not all(isinstance(s, FakeStatement) for s in statements):
            raise D1Error("D1_ERROR: batch() expects an array of prepared statements")
        if not statements:
            raise D1Error("D1_ERROR: No SQL statements detected.")
        self.calls += 1
        self.conn.execute("BEGIN")
        try:
            results = [FakeStatement._shape(s._execute()) for s in statements]
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return results

    async def exec(self, sql: str) -> dict[str, Any]:
        """Line by line, all or nothing; the real engine names line 1 whichever line failed."""
        started = time.perf_counter()
        self.calls += 1
        lines = [line for line in sql.split("\n") if line.strip()]
        self.conn.execute("BEGIN")
        try:
            for line in lines:
                FakeStatement(self, line)._execute()
        except D1Error as exc:
            self.conn.execute("ROLLBACK")
            detail = str(exc).removeprefix("D1_ERROR: ")
            raise D1Error(f"D1_EXEC_ERROR: Error in line 1: {lines[0]}: {detail}") from exc
        self.conn.execute("COMMIT")
        return {"count": len(lines), "duration": (time.perf_counter() - started) * 1000}
