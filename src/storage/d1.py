"""D1 implementation of the Database interface, over the Worker's `env.DB` binding.

It only assumes D1's documented JavaScript API (`prepare().bind().all()/run()`, `batch([...])`),
reached through Pyodide. Results may arrive as plain dicts (the runtime SDK wraps bindings) or as
JsProxy objects (older runtimes), so everything passes through `_py` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage import Database, DatabaseError, IntegrityError, Param, ReadHelpers, Result, Statement, check_params


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
        return IntegrityError(text)
    return DatabaseError(text)


class D1Database(ReadHelpers, Database):
    def __init__(self, binding: Any):
        self.binding = binding

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
