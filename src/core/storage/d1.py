"""D1 implementation of the Database interface, over the Worker's `env.DB` binding.

It only assumes D1's documented JavaScript API (`prepare().bind().all()/run()`, `batch([...])`),
reached through Pyodide. Results may arrive as plain dicts (the runtime SDK wraps bindings) or as
JsProxy objects (older runtimes), so everything passes through `_py` first.

Every call is a network round trip to D1, so reads issued together are sent together: `all` and
`first` calls made together (under `asyncio.gather`, until a loop turn passes with no new read)
go out as one `batch`, which D1 answers in one round trip and from one snapshot. A failing batch of reads is
retried one by one, so each caller gets its own answer or its own error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from core.storage import (
    Database,
    DatabaseError,
    Param,
    ReadHelpers,
    Result,
    Row,
    Statement,
    check_params,
    integrity_error,
)


def _py(value: Any) -> Any:
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def _result(raw: Any) -> Result:
    raw = _py(raw)
    rows = [dict(_py(r)) for r in (raw.get("results") or [])]
    meta = _py(raw.get("meta") or {})
    return Result(rows=rows, changes=int(meta.get("changes") or 0), last_row_id=meta.get("last_row_id"))


def _error(exc: Exception) -> DatabaseError:
    text = str(exc)
    if "constraint" in text.lower():
        return integrity_error(text)
    return DatabaseError(text)


class D1Database(ReadHelpers, Database):
    def __init__(self, binding: Any):
        self.binding = binding
        self._reads: list[tuple[Statement, asyncio.Future[Result]]] = []
        self._sending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    async def all(self, sql: str, *params: Param) -> list[Row]:
        return (await self._read(Statement(sql, params))).rows

    async def first(self, sql: str, *params: Param) -> Row | None:
        rows = (await self._read(Statement(sql, params))).rows
        return rows[0] if rows else None

    def _read(self, st: Statement) -> asyncio.Future[Result]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        if not self._reads:
            loop.call_soon(self._send_reads, 1)  # after every task already runnable has asked too
        self._reads.append((st, future))
        return future

    def _send_reads(self, seen: int) -> None:
        if len(self._reads) > seen:
            # more arrived during that turn (tasks a gather inside a gather starts one turn later):
            # wait one more turn, until a turn passes without new reads
            asyncio.get_running_loop().call_soon(self._send_reads, len(self._reads))
            return
        reads, self._reads = self._reads, []
        task = asyncio.ensure_future(self._answer(reads))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _answer(self, reads: list[tuple[Statement, asyncio.Future[Result]]]) -> None:
        if len(reads) > 1:
            try:
                results = await self.batch([st for st, _ in reads])
            except DatabaseError:
                pass  # one of them failed: below, each gets its own answer or error
            else:
                for (_, future), result in zip(reads, results, strict=True):
                    if not future.done():
                        future.set_result(result)
                return
        for st, future in reads:
            try:
                result = await self.run(st.sql, *st.params)
            except BaseException as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)

    def _prepare(self, st: Statement) -> Any:
        stmt = self.binding.prepare(st.sql)
        params = check_params(st.params)
        return stmt.bind(*params) if params else stmt

    async def run(self, sql: str, *params: Param) -> Result:
        try:
            return _result(await self._prepare(Statement(sql, params)).all())
        except DatabaseError:
            raise
        except Exception as exc:  # JsException from the runtime: keep its text
            raise _error(exc) from exc

    async def batch(self, statements: Sequence[Statement]) -> list[Result]:
        if not statements:
            return []
        try:
            prepared = [self._prepare(st) for st in statements]
            raw = _py(await self.binding.batch(prepared))
        except DatabaseError:
            raise
        except Exception as exc:
            raise _error(exc) from exc
        return [_result(r) for r in raw]
