"""A fake of the Worker's D1 binding (`env.DB`) that behaves like D1 where it matters.

Backed by sqlite3, it mirrors D1's JavaScript API as Python sees it: `prepare(sql).bind(*args)`,
awaitable `all()/run()/first()/raw()`, `batch([...])` (one transaction: all or nothing) and
`exec()`. It returns D1's result shape (`{"success", "meta", "results"}` with D1's meta keys) and
refuses what D1 refuses: more than 100 bound parameters, bind types D1 cannot take (datetime,
tuple, bytearray, ints beyond 2^53, …), statements over 100 KB, and BEGIN/COMMIT/SAVEPOINT.
Errors are raised as `D1Error` with D1's message prefixes.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

MAX_PARAMS = 100
MAX_SQL_BYTES = 100_000
MAX_SAFE = 2**53


class D1Error(Exception):
    pass


def _check_bind(value: Any) -> Any:
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE:
            raise D1Error("D1_TYPE_ERROR: Type 'bigint' not supported for value")
        return value
    if isinstance(value, bytes):
        return value
    raise D1Error(f"D1_TYPE_ERROR: Type '{type(value).__name__}' not supported for value '{value!r}'")


def _check_sql(sql: str) -> None:
    if len(sql.encode()) > MAX_SQL_BYTES:
        raise D1Error("D1_ERROR: statement too long: SQLITE_TOOBIG")
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if head in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
        raise D1Error(
            "D1_ERROR: To execute a transaction, please use the state.storage.transaction() API instead of the"
            " SQL BEGIN TRANSACTION or SAVEPOINT statements."
        )


class FakeStatement:
    def __init__(self, db: FakeD1Binding, sql: str, params: tuple[Any, ...] = ()):
        _check_sql(sql)
        self.db, self.sql, self.params = db, sql, params

    def bind(self, *values: Any) -> FakeStatement:
        if len(values) > MAX_PARAMS:
            raise D1Error(f"D1_ERROR: too many SQL variables (got {len(values)}, max {MAX_PARAMS}): SQLITE_RANGE")
        return FakeStatement(self.db, self.sql, tuple(_check_bind(v) for v in values))

    def _execute(self) -> dict[str, Any]:
        started = time.perf_counter()
        before = self.db.conn.total_changes
        try:
            cur = self.db.conn.execute(self.sql, self.params)
            rows = [dict(r) for r in cur.fetchall()] if cur.description else []
        except sqlite3.Error as exc:
            raise D1Error(f"D1_ERROR: {exc}: SQLITE_ERROR") from exc
        # total_changes() before and after, as D1 reports it: trigger writes and cascades count too
        changes = self.db.conn.total_changes - before
        self.db.statements += 1
        return {
            "success": True,
            "results": rows,
            "meta": {
                "duration": (time.perf_counter() - started) * 1000,
                "changes": changes,
                "last_row_id": cur.lastrowid or 0,
                "changed_db": changes > 0,
                "rows_read": len(rows),
                "rows_written": changes,
                "size_after": 0,
            },
        }

    async def all(self) -> dict[str, Any]:
        return self.db._single(self)

    async def run(self) -> dict[str, Any]:
        return self.db._single(self)

    async def first(self, column: str | None = None) -> Any:
        rows = self.db._single(self)["results"]
        if not rows:
            return None
        return rows[0][column] if column else rows[0]

    async def raw(self, columnNames: bool = False) -> list[list[Any]]:
        rows = self.db._single(self)["results"]
        out = [list(r.values()) for r in rows]
        return ([list(rows[0].keys())] if rows and columnNames else []) + out


class FakeD1Binding:
    def __init__(self, conn: sqlite3.Connection):
        conn.isolation_level = None
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")  # D1 always enforces foreign keys
        self.conn = conn
        self.statements = 0

    def prepare(self, sql: str) -> FakeStatement:
        return FakeStatement(self, sql)

    def _single(self, st: FakeStatement) -> dict[str, Any]:
        # D1 runs each query in an implicit transaction of its own.
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
        self.conn.execute("BEGIN")
        try:
            results = [s._execute() for s in statements]
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return results

    async def exec(self, sql: str) -> dict[str, Any]:
        started = time.perf_counter()
        count = 0
        for part in filter(str.strip, sql.split(";\n")):
            _check_sql(part)
            self.conn.execute(part)
            count += 1
        return {"count": count, "duration": (time.perf_counter() - started) * 1000}
