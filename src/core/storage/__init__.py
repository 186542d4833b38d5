"""The one database chokepoint: a small async interface with two implementations.

`SqliteDatabase` (local, CPython) and `D1Database` (the Worker's D1 binding) answer the same four
calls. Multi-statement changes go through `batch`, which is atomic in both — D1 has no interactive
transactions, so nothing in the app may rely on BEGIN/COMMIT.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Param = str | int | float | bytes | None
Row = dict[str, Any]

MAX_PARAMS = 100  # D1's limit per statement; the SQLite implementation enforces it too.
# Number.MAX_SAFE_INTEGER: Pyodide hands larger ints (2^53 itself included) to D1 as BigInt, which
# D1 refuses; the real-D1 test pass caught a bound 2^53.
MAX_SAFE_INT = 2**53 - 1


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    params: tuple[Param, ...] = ()


def q(sql: str, *params: Param) -> Statement:
    """Build a statement for `batch`: `q("UPDATE users SET name = ? WHERE id = ?", name, uid)`."""
    return Statement(sql, params)


@dataclass(slots=True)
class Result:
    rows: list[Row] = field(default_factory=list)
    # Every row the statement wrote, including its triggers' and foreign-key cascades' writes (D1's
    # meta.changes); "did it match?" is `changes > 0`, never `== 1`.
    changes: int = 0
    last_row_id: int | None = None


class DatabaseError(Exception):
    """A statement failed; the batch it belonged to changed nothing."""


class IntegrityError(DatabaseError):
    """A constraint (UNIQUE, FOREIGN KEY, CHECK) refused the change."""


class LostRace(DatabaseError):
    """A write guard (`records.guard`) found the row changed meanwhile: the batch stopped there and
    wrote nothing. Recognised by the name of the guard table's CHECK, `lost_race` (migration 0019),
    which both SQLite and D1 put in the error's text. Not an IntegrityError: a handler for a refused
    value (a taken slug, a taken number) must not mistake a lost race for one."""


GUARD_CONSTRAINT = "lost_race"
_GUARD_FAILED = f"CHECK constraint failed: {GUARD_CONSTRAINT}"


def integrity_error(text: str) -> DatabaseError:
    """The IntegrityError for a refused change's message: LostRace when our guard refused it."""
    return LostRace(text) if _GUARD_FAILED in text else IntegrityError(text)


class BindError(DatabaseError):
    """A parameter D1 cannot bind (datetime, bool-as-object, big int, too many parameters)."""


_BINDABLE = frozenset({str, float, bytes, type(None)})
# Half a surrogate pair (JSON's "\ud800") is no character and has no UTF-8 form, so SQLite cannot bind
# it. Both implementations bind U+FFFD in its place: the row is kept with the character replaced.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_params(params: Sequence[Any]) -> tuple[Param, ...]:
    """Refuse what D1 would refuse, so local runs catch it before the edge does."""
    if len(params) > MAX_PARAMS:
        raise BindError(f"{len(params)} bound parameters; D1 allows {MAX_PARAMS} (use json_each(?))")
    for p in params:  # the common case, checked by exact type: nothing to convert
        kind = type(p)
        if kind is int:
            if not -MAX_SAFE_INT <= p <= MAX_SAFE_INT:
                break
        elif kind is str:
            if not p.isascii() and _LONE_SURROGATE.search(p):
                break
        elif kind not in _BINDABLE:
            break
    else:
        return tuple(params)
    out: list[Param] = []
    for p in params:
        if isinstance(p, str):
            out.append(_LONE_SURROGATE.sub("\ufffd", p))
        elif p is None or isinstance(p, float | bytes):
            out.append(p)
        elif isinstance(p, bool):
            out.append(int(p))
        elif isinstance(p, int):
            if not -MAX_SAFE_INT <= p <= MAX_SAFE_INT:
                raise BindError("integers of 2^53 and beyond cannot cross into D1; store them as text")
            out.append(p)
        else:
            raise BindError(f"cannot bind {type(p).__name__}; bind str, int, float, bytes or None")
    return tuple(out)


def sql_in(column: str, values: Sequence[Param]) -> tuple[str, list[Param]]:
    """`column IN (…)` the planner can use well: an equality for one value (so an index also yields the
    order), placeholders for short lists, json_each for long ones (D1's 100-parameter limit)."""
    if len(values) == 1:
        return f"{column} = ?", [values[0]]
    if len(values) <= 10:
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)
    return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]


class Database(Protocol):
    async def all(self, sql: str, *params: Param) -> list[Row]: ...

    async def first(self, sql: str, *params: Param) -> Row | None: ...

    async def run(self, sql: str, *params: Param) -> Result: ...

    async def batch(self, statements: Sequence[Statement]) -> list[Result]: ...


def noted_probe(table: str) -> Statement:
    """The "anything noted?" read of `drain_noted` as a statement (a row when there is work), for a
    caller that puts it in a batch of its own (the cron dispatcher's probes)."""
    return q(f"SELECT 1 AS noted FROM {table} LIMIT 1")


async def drain_noted(
    db: Database,
    table: str,
    work: Callable[[str, int], list[Statement]],
    *,
    chunk: int,
    limit: int | None = None,
) -> int:
    """Work through a table of noted lead ids (`lead_id`), oldest first, one batch per chunk: WORK's
    statements for the chunk (given the chunk's ids as a subquery with one `?`, and the size to bind
    there) and forgetting those notes happen together, so two drains at once never count one twice.
    Stops when fewer than a chunk were left (or LIMIT were handled); writes nothing when none are
    noted. Returns how many notes were forgotten."""
    probe = noted_probe(table)
    if not await db.first(probe.sql, *probe.params):
        return 0
    ids = f"SELECT lead_id FROM {table} ORDER BY lead_id LIMIT ?"
    done = 0
    while limit is None or done < limit:
        size = chunk if limit is None else min(chunk, limit - done)
        results = await db.batch([*work(ids, size), q(f"DELETE FROM {table} WHERE lead_id IN ({ids})", size)])
        forgotten = results[-1].changes
        done += forgotten
        if forgotten < size:
            break
    return done


class ReadHelpers:
    """`all` and `first` in terms of `run`, shared by both implementations."""

    async def run(self, sql: str, *params: Param) -> Result:
        raise NotImplementedError

    async def all(self, sql: str, *params: Param) -> list[Row]:
        return (await self.run(sql, *params)).rows

    async def first(self, sql: str, *params: Param) -> Row | None:
        rows = (await self.run(sql, *params)).rows
        return rows[0] if rows else None
