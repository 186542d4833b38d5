"""SQLite implementation of the Database interface (the local runtime).

Calls run synchronously on the event loop's thread over one connection. That is deliberate: each
call finishes before another can start, so a `batch` (BEGIN IMMEDIATE … COMMIT) can never interleave
with other statements, and SQLite allows one writer at a time anyway. Queries are short by design
(indexed, paged); see docs/performance.md for what that costs under load.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from storage import (
    Database,
    DatabaseError,
    IntegrityError,
    Param,
    ReadHelpers,
    Result,
    Statement,
    check_params,
)

BUSY_TIMEOUT_MS = 5000


def connect(path: str | Path) -> sqlite3.Connection:
    """Open a connection with the pragmas both runtimes must agree on."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")  # D1 always enforces them
    return conn


def _translate(exc: sqlite3.Error) -> DatabaseError:
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(str(exc))
    return DatabaseError(str(exc))


def _guard(sql: str) -> None:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if head in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"}:
        raise DatabaseError(f"{head} is not allowed: D1 has no interactive transactions; use batch()")


class SqliteDatabase(ReadHelpers, Database):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    @classmethod
    def open(cls, path: str | Path) -> SqliteDatabase:
        return cls(connect(path))

    def close(self) -> None:
        self.conn.close()

    def _execute(self, st: Statement) -> Result:
        _guard(st.sql)
        cur = self.conn.execute(st.sql, check_params(st.params))
        rows = [dict(r) for r in cur.fetchall()] if cur.description else []
        changes = cur.rowcount if cur.rowcount > 0 else 0
        return Result(rows=rows, changes=changes, last_row_id=cur.lastrowid)

    async def run(self, sql: str, *params: Param) -> Result:
        try:
            return self._execute(Statement(sql, params))
        except sqlite3.Error as exc:
            raise _translate(exc) from exc

    async def batch(self, statements: Sequence[Statement]) -> list[Result]:
        if not statements:
            return []
        results: list[Result] = []
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for st in statements:
                results.append(self._execute(st))
        except BaseException as exc:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _translate(exc) from exc
            raise
        self.conn.execute("COMMIT")
        return results
