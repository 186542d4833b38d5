"""SQLite implementation of the Database interface (the local runtime).

Everything runs on the event loop's thread over one connection. Reads run inline: they are short by
design (indexed, paged), and handing them to a thread costs more than they do.

Writes are committed in groups. A durable commit waits for an fsync, and while it waits the loop
serves nobody; so `batch` queues its statements and the first batch of a loop turn schedules one
flush for the end of it. The flush runs every queued batch within one BEGIN IMMEDIATE … COMMIT and
answers none of them before that commit. When one of them fails, that transaction is rolled back
and the group runs again with each batch in its own SAVEPOINT, so the failing batch rolls back
alone. Under load, the batches that arrive while one group commits form the next group. Statements
still run one at a time on one connection, so a batch never interleaves with another, which intake's
rate limit and the version-guarded verbs rely on (as on D1). A thread-per-writer design was measured
first and lost: the writer thread waited on the GIL between statements (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.storage import (
    Database,
    DatabaseError,
    Param,
    ReadHelpers,
    Result,
    Statement,
    check_params,
    integrity_error,
)

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 64 * 1024


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
    # 64 MiB of page cache (SQLite's default is 2 MiB). A lead touches some thirty b-trees (its indexes,
    # the rollups, the audit and timeline rows); with the default, their pages fell out of the cache
    # as the file grew and intake slowed by a fifth within 20,000 leads. Allocated only as used.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


def _translate(exc: sqlite3.Error) -> DatabaseError:
    if isinstance(exc, sqlite3.IntegrityError):
        return integrity_error(str(exc))
    return DatabaseError(str(exc))


_HEAD = re.compile(r"\s*(\w*)")
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"})


@functools.lru_cache(maxsize=1024)
def _head(start: str) -> str:
    """The first word of a statement's START, upper-cased. Cached: statements begin in a few dozen ways,
    each run thousands of times (an intake runs seven), and the regex cost more than the lookup."""
    match = _HEAD.match(start)
    return match.group(1).upper() if match else ""


def _guard(sql: str) -> None:
    # Ten characters decide it: no keyword is longer than nine, so a cut word is never one. Keying the
    # cache on them (not the whole statement) keeps long generated SQL out of it.
    head = _head(sql.lstrip()[:10])
    if head in _TRANSACTION_CONTROL:
        raise DatabaseError(f"{head} is not allowed: D1 has no interactive transactions; use batch()")


def _execute(conn: sqlite3.Connection, st: Statement) -> Result:
    _guard(st.sql)
    before = conn.total_changes
    cur = conn.execute(st.sql, check_params(st.params))
    rows = _dicts(cur) if cur.description else []
    # D1's meta.changes is total_changes() before and after, so it counts the rows that triggers and
    # ON DELETE CASCADE wrote too (a lead's DELETE reports 1 + its cascades + its trigger writes);
    # counted the same way here, a check that wants "exactly one row" fails locally, not only on D1.
    changes = conn.total_changes - before
    return Result(rows=rows, changes=changes, last_row_id=cur.lastrowid)


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    """The rows as dicts, built from plain tuples: `dict(sqlite3.Row)` per row was a third of a page
    read's time (the global timeline's 51 rows: 0.07 ms of 0.2; docs/performance.md, "Tasks"). A
    statement naming one column twice (in any case) keeps `dict(Row)`'s answer (the first column's value)."""
    names = [d[0] for d in cur.description]
    if len({n.lower() for n in names}) != len(names):  # Row matches names ignoring case
        return [dict(r) for r in cur.fetchall()]
    cur.row_factory = None
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


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


_Queued = tuple[list[Statement], "asyncio.Future[list[Result]]"]
_Outcome = list[Result] | BaseException


class SqliteDatabase(ReadHelpers, Database):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._pending: list[_Queued] = []

    @classmethod
    def open(cls, path: str | Path) -> SqliteDatabase:
        return cls(connect(path))

    def close(self) -> None:
        self.conn.close()

    def _execute(self, st: Statement) -> Result:
        return _execute(self.conn, st)

    async def run(self, sql: str, *params: Param) -> Result:
        try:
            return self._execute(Statement(sql, params))
        except sqlite3.Error as exc:
            raise _translate(exc) from exc

    async def batch(self, statements: Sequence[Statement]) -> list[Result]:
        if not statements:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Result]] = loop.create_future()
        if not self._pending:
            # One loop turn later than "now": requests whose bodies arrived in the same turn as this
            # one reach their batch during the next, and join this commit instead of waiting for
            # the one after (a group commit's gather window, one turn long, like PostgreSQL's
            # commit_delay). Measured under 32 senders: 15-30 batches per commit instead of about 8
            # (docs/performance.md, "Webhook intake").
            loop.call_soon(loop.call_soon, self._flush)
        self._pending.append((list(statements), future))
        # A request cancelled while it waits cancels only its wait (this future): the batch stays queued
        # and commits with its group, and the flush skips answering it.
        return await future

    def _flush(self) -> None:
        """Commit every batch queued this loop turn, together."""
        group, self._pending = self._pending, []
        outcomes = self._commit_together(group) or self._commit_apart(group)
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if future.cancelled():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _commit_together(self, group: list[_Queued]) -> list[_Outcome] | None:
        """The common case: every batch succeeds, so one plain transaction holds them all. None when
        one failed: the transaction is rolled back and the group goes the careful way.

        Without a SAVEPOINT per batch on this path: FTS5 writes its pending terms out as a new
        segment at every savepoint, which made each lead's search row cost as much as two whole
        leads (docs/performance.md, "Webhook intake")."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            done: list[_Outcome] = [[_execute(self.conn, st) for st in statements] for statements, _ in group]
            self.conn.execute("COMMIT")
            return done
        except Exception as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if len(group) == 1:  # the transaction was the batch: its failure is the answer
                return [_translate(exc) if isinstance(exc, sqlite3.Error) else exc]
            return None

    def _commit_apart(self, group: list[_Queued]) -> list[_Outcome]:
        """Each batch in its own SAVEPOINT within one transaction: a failing batch rolls back alone."""
        outcomes: list[_Outcome] = []
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for statements, _ in group:
                try:
                    outcomes.append(_run_batch(self.conn, statements))
                except Exception as exc:  # this batch alone is rolled back; the others go on
                    outcomes.append(_translate(exc) if isinstance(exc, sqlite3.Error) else exc)
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # BEGIN or COMMIT failed: nothing in the group is durable
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            outcomes = [_translate(exc) for _ in group]
        return outcomes
