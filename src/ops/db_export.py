"""`porchlight db export TABLE | --query SQL --format csv|json`: one table or one query for operators,
through sqlite-utils (local only; it is a `dev` extra and the Worker never imports this module).

What may leave is the owner's export's rule (src/ops/exports.py `column_rule`), not a second list: a
table export drops and masks exactly what the workbook does. A query is held to the same rule by an
SQLite authorizer, which sees every column the query reads, however it is aliased or wrapped in a
function: reading a dropped or masked column, or any column of an excluded table, refuses the
query. The connection is also query-only, so a query cannot write.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import json
import sqlite3
from collections.abc import Iterable
from typing import Any, TextIO

from core.storage.sqlite import SqliteDatabase
from ops import exports

FORMATS = ("csv", "json")
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


class ExportRefused(Exception):
    """Nothing was written; the message names the table or column and why."""


def _plain(value: Any) -> Any:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _write(columns: list[str], rows: Iterable[Iterable[Any]], out: TextIO, fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([exports.csv_cell(_plain(v)) for v in row])
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(("," if count else "") + "\n" + json.dumps(dict(zip(columns, map(_plain, row), strict=True))))
        count += 1
    out.write("\n]\n")
    return count


def export_table(conn: sqlite3.Connection, name: str, out: TextIO, fmt: str) -> int:
    found = {t.name: t for t in asyncio.run(exports.tables(SqliteDatabase(conn)))}
    table = found.get(name)
    if table is None:
        if name in exports.EXCLUDED:
            raise ExportRefused(f"table {name} is never exported: {exports.EXCLUDED[name]}")
        raise ExportRefused(f"no exportable table {name!r}; these are: {', '.join(sorted(found))}")
    select = ", ".join(f'"{c}"' for c in table.columns)
    import sqlite_utils  # a dev-extra tool: imported on use, so the shipped module imports anywhere

    rows = sqlite_utils.Database(conn)[name].rows_where(select=select, order_by="rowid" if table.rowid else None)
    masked = (
        [(exports.MASK if r[c] not in (None, "") else r[c]) if c in table.masked else r[c] for c in table.columns]
        for r in rows
    )
    return _write(list(table.columns), masked, out, fmt)


def export_query(conn: sqlite3.Connection, sql: str, out: TextIO, fmt: str) -> int:
    import sqlite_utils  # a dev-extra tool: imported on use, so the shipped module imports anywhere

    db = sqlite_utils.Database(conn)  # before the authorizer: it sets its own pragmas on open
    refused: list[str] = []

    def authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None) -> int:
        if action == sqlite3.SQLITE_READ and arg1 and arg2 and exports.column_rule(arg1, arg2) != "keep":
            rule = exports.column_rule(arg1, arg2)
            reason = exports.EXCLUDED.get(arg1) or ("masked" if rule == "mask" else "left out") + " in every export"
            refused.append(f"the query reads {arg1}.{arg2}, which is never exported ({reason})")
            return sqlite3.SQLITE_DENY
        if action not in _ALLOWED:
            refused.append("only SELECT queries can be exported")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(authorize)
    try:
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        return _write(columns, cursor, out, fmt)
    except sqlite3.DatabaseError as exc:
        raise ExportRefused(refused[0] if refused else f"the query failed: {exc}") from None
    finally:
        conn.set_authorizer(None)
