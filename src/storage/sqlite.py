"""SQLite implementation of the Database interface (the local runtime).

Reads run synchronously on the event loop's thread over one connection: they are short by design
(indexed, paged) and cheaper inline than handed to a thread.

Writes go to one writer thread with its own connection (`_Writer`). A durable commit waits for an
fsync; on the loop that wait stalled every other request. On the writer it does not, and the batches
that queue up meanwhile share the next commit (group commit): each runs inside its own SAVEPOINT, so
one failing batch rolls back alone, and none is answered before the COMMIT that makes it durable.
Statements still run one at a time on one connection, so a batch never interleaves with another,
which intake's rate limit and the version-guarded verbs rely on (as on D1).
"""

from __future__ import annotations

import asyncio
import queue
import re
import sqlite3
import threading
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
GROUP_LIMIT = 64  # batches sharing one commit at most, so one commit's work stays short


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


_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def _reads_only(sql: str) -> bool:
    """A statement the loop's connection may run: SELECT (or WITH … SELECT) without a write in it."""
    head = sql.lstrip()[:8].upper()
    return head.startswith(("SELECT", "WITH", "EXPLAIN", "VALUES")) and not _WRITES.search(sql)


def _execute(conn: sqlite3.Connection, st: Statement) -> Result:
    _guard(st.sql)
    cur = conn.execute(st.sql, check_params(st.params))
    rows = [dict(r) for r in cur.fetchall()] if cur.description else []
    changes = cur.rowcount if cur.rowcount > 0 else 0
    return Result(rows=rows, changes=changes, last_row_id=cur.lastrowid)


def _run_batch(conn: sqlite3.Connection, statements: Sequence[Statement]) -> list[Result]:
    """All of them or none, inside the caller's transaction (a SAVEPOINT makes it nestable)."""
    conn.execute("SAVEPOINT batch")
    try:
        results = [_execute(conn, st) for st in statements]
    except BaseException:
        conn.execute("ROLLBACK TO batch")
        conn.execute("RELEASE batch")
        raise
    conn.execute("RELEASE batch")
    return results


class SqliteDatabase(ReadHelpers, Database):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._writer: _Writer | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> SqliteDatabase:
        return cls(connect(path))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.conn.close()

    def _execute(self, st: Statement) -> Result:
        return _execute(self.conn, st)

    def _writer_or_none(self) -> _Writer | None:
        """The writer thread, started on the first write. A database without a file (":memory:") has
        no second connection to give it, so it writes inline instead."""
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    row = self.conn.execute("PRAGMA database_list").fetchone()
                    path = row["file"] if row else ""
                    if path:
                        self._writer = _Writer(path)
        return self._writer

    async def run(self, sql: str, *params: Param) -> Result:
        if not _reads_only(sql):
            return (await self.batch([Statement(sql, params)]))[0]
        try:
            return self._execute(Statement(sql, params))
        except sqlite3.Error as exc:
            raise _translate(exc) from exc

    async def batch(self, statements: Sequence[Statement]) -> list[Result]:
        if not statements:
            return []
        writer = self._writer_or_none()
        if writer is not None:
            return await writer.submit(list(statements))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            results = _run_batch(self.conn, statements)
        except BaseException as exc:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _translate(exc) from exc
            raise
        self.conn.execute("COMMIT")
        return results


_Item = tuple[list[Statement], asyncio.AbstractEventLoop, "asyncio.Future[list[Result]]"]


class _Writer:
    """One thread and one connection that apply batches in arrival order, committing them in groups."""

    def __init__(self, path: str):
        self.conn = connect(path)
        self.queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="sqlite-writer", daemon=True)
        self.thread.start()

    async def submit(self, statements: list[Statement]) -> list[Result]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Result]] = loop.create_future()
        self.queue.put((statements, loop, future))
        # Shielded: a request cancelled mid-wait must not lose sight of a batch that still commits.
        return await asyncio.shield(future)

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=10)
        self.conn.close()

    def _serve(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            group = [item]
            stopping = False
            while len(group) < GROUP_LIMIT:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                group.append(more)
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[_Item]) -> None:
        outcomes: list[list[Result] | BaseException] = []
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for statements, _, _ in group:
                try:
                    outcomes.append(_run_batch(self.conn, statements))
                except Exception as exc:  # this batch alone is rolled back; the others go on
                    outcomes.append(_translate(exc) if isinstance(exc, sqlite3.Error) else exc)
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # BEGIN or COMMIT failed: nothing in the group is durable
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            outcomes = [_translate(exc)] * len(group)
        for (_, loop, future), outcome in zip(group, outcomes, strict=True):
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:  # that event loop is closed: nobody is waiting any more
                pass


def _settle(future: asyncio.Future[list[Result]], outcome: list[Result] | BaseException) -> None:
    if future.cancelled():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
