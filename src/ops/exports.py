"""The owner's full data export (no lock-in): every table of the CRM data model, as one `.xlsx`
workbook or as a zip of CSVs, and the secure-access audit workbook.

Tables are found in the schema, so a table added by a later migration is exported without anyone
remembering to list it here. What is left out is decided by name instead: the login and machinery
tables in `EXCLUDED`, virtual (search) tables and their shadow tables, and columns whose names say
they hold credentials — password hashes are dropped, tokens and secrets are masked. Secure-access
secrets are always masked here; only the audit workbook can reveal them, and only when asked.

Memory stays bounded: rows are read a page at a time (keyset on rowid), the zip is written through an
unseekable sink that is drained after every page, and the workbook is built by openpyxl's write-only
mode (rows go to temporary files) into a spooled file that is then streamed out in chunks.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.clock import iso
from core.storage import MAX_SAFE_INT, Database
from customers import secure_access

PAGE = 500
CHUNK = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
XLSX_CELL_MAX = 32_767
MASK = secure_access.MASK
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Tables that are the app's machinery or hold credentials, not business data.
EXCLUDED = {
    "sessions": "sign-in sessions (token hashes)",
    "api_tokens": "API tokens (token hashes)",
    "rate_counters": "sign-in throttle counters",
    "cron_leases": "scheduler leases",
    "intake_keys": "webhook idempotency keys",
    "d1_migrations": "schema version records",
}
_DROPPED_COLUMN = re.compile(r"password|_hash$|csrf", re.IGNORECASE)
_MASKED_COLUMN = re.compile(r"token|secret|sealed", re.IGNORECASE)
# Columns the name rule would mask that hold no credential: a QuickBooks SyncToken is the object's
# optimistic-concurrency version number (Intuit sends it with every object), needed to update it.
_NOT_SECRET = {("quickbooks_objects", "sync_token")}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A cell a spreadsheet would evaluate (OWASP CSV injection), unless it is a plain number or phone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # as stored
    masked: frozenset[str]
    dropped: tuple[str, ...]
    rowid: bool  # False for WITHOUT ROWID tables

    @property
    def headers(self) -> list[str]:
        return list(self.columns)


def column_rule(table: str, column: str) -> str:
    """What an export does with one column: "keep", "mask" or "drop". The one list of what never
    leaves in clear, shared by the owner's download and `porchlight db export` (src/ops/db_export.py)."""
    if table in EXCLUDED or _DROPPED_COLUMN.search(column):
        return "drop"
    if _MASKED_COLUMN.search(column) and (table, column) not in _NOT_SECRET:
        return "mask"
    return "keep"


async def tables(db: Database) -> list[Table]:
    """Every business table, in creation order, with the columns that may leave the building."""
    rows = await db.all("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    virtual = [r["name"] for r in rows if (r["sql"] or "").upper().startswith("CREATE VIRTUAL TABLE")]
    found: list[Table] = []
    for row in rows:
        name = row["name"]
        if (
            name in EXCLUDED
            or name.startswith(("sqlite_", "_cf_"))
            or not _IDENTIFIER.match(name)
            or any(name == v or name.startswith(f"{v}_") for v in virtual)
        ):
            continue
        info = await db.all("SELECT name FROM pragma_table_info(?) ORDER BY cid", name)
        names = [c["name"] for c in info if _IDENTIFIER.match(c["name"])]
        kept = tuple(c for c in names if column_rule(name, c) != "drop")
        found.append(
            Table(
                name=name,
                columns=kept,
                masked=frozenset(c for c in kept if column_rule(name, c) == "mask"),
                dropped=tuple(c for c in names if c not in kept),
                rowid="WITHOUT ROWID" not in (row["sql"] or "").upper(),
            )
        )
    return found


async def rows(db: Database, table: Table) -> AsyncIterator[list[Any]]:
    """The table's rows a page at a time, sensitive columns masked."""
    cols = ", ".join(f'"{c}"' for c in table.columns)
    after: int = -MAX_SAFE_INT  # the smallest int that can cross into D1 (2^53 itself cannot)
    offset = 0
    while True:
        if table.rowid:
            page = await db.all(
                f'SELECT rowid AS "__rowid", {cols} FROM "{table.name}" WHERE rowid > ? ORDER BY rowid LIMIT ?',
                after,
                PAGE,
            )
        else:  # WITHOUT ROWID tables are small link tables: offset paging is fine
            page = await db.all(f'SELECT {cols} FROM "{table.name}" ORDER BY {cols} LIMIT ? OFFSET ?', PAGE, offset)
            offset += len(page)
        for row in page:
            yield [
                (MASK if row[c] not in (None, "") else row[c]) if c in table.masked else row[c] for c in table.columns
            ]
        if len(page) < PAGE:
            return
        if table.rowid:
            after = page[-1]["__rowid"]


def _about(now: datetime, found: list[Table]) -> list[list[str]]:
    lines = [
        ["Porchlight data export"],
        ["Exported at (UTC)", iso(now)],
        [""],
        ["Every table of the CRM is a sheet (or a CSV file) of its own, with its columns as stored."],
        ["Times are UTC ISO-8601; money is integer cents; ids join the sheets to each other."],
        ["Secure-access secrets, tokens and similar values are masked as " + MASK + "."],
        ["Left out: " + "; ".join(f"{k} ({v})" for k, v in EXCLUDED.items())],
    ]
    for t in found:
        if t.dropped:
            lines.append([f"Columns left out of {t.name}: {', '.join(t.dropped)}"])
    return lines


# --- CSV zip ------------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """An unseekable file that keeps what was written until drained: zipfile then writes data
    descriptors instead of seeking back, so the archive can leave while it is being made."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER_LIKE.match(value):
        return "'" + value
    return value


async def csv_zip(db: Database, now: datetime) -> AsyncIterator[bytes]:
    sink = _Sink()
    found = await tables(db)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "\n".join(" ".join(line) for line in _about(now, found)) + "\n")
        for table in found:
            with archive.open(f"{table.name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                out = csv.writer(text)
                out.writerow(table.headers)
                count = 0
                async for values in rows(db, table):
                    out.writerow([csv_cell(v) for v in values])
                    count += 1
                    if count % PAGE == 0:
                        text.flush()
                        yield sink.drain()
                text.flush()
                text.detach()
            yield sink.drain()
    yield sink.drain()


# --- xlsx ---------------------------------------------------------------------------------------


def xlsx_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > XLSX_CELL_MAX:
        marker = "… [cut: the full value is in the CSV export]"
        value = value[: XLSX_CELL_MAX - len(marker)] + marker
    return value


def _cells(sheet: WriteOnlyWorksheet, values: list[Any], bold: bool = False) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, xlsx_value(value))
        if cell.data_type == "f":  # a string starting with "=": keep it text, never a formula
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _stream(workbook: Workbook) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _sheet_name(name: str, used: set[str]) -> str:
    base = name[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"~{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


async def workbook(db: Database, now: datetime) -> AsyncIterator[bytes]:
    """The full export as one workbook: an About sheet, then a sheet per table."""
    book = Workbook(write_only=True)
    found = await tables(db)
    about = book.create_sheet("About")
    for line in _about(now, found):
        about.append(_cells(about, line))
    used = {"about"}
    for table in found:
        sheet = book.create_sheet(_sheet_name(table.name, used))
        sheet.append(_cells(sheet, table.headers, bold=True))
        async for values in rows(db, table):
            sheet.append(_cells(sheet, values))
    for chunk in _stream(book):
        yield chunk


# --- the secure-access audit --------------------------------------------------------------------


def audit_workbook(result: secure_access.Audit, now: datetime, *, revealed: bool) -> Iterator[bytes]:
    """One row per unique secret with where it is used, and a sheet of every item."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("Unique secrets")
    summary.append(
        _cells(summary, [f"Secure-access audit · {iso(now)} UTC · secrets {'REVEALED' if revealed else 'masked'}"])
    )
    summary.append(
        _cells(summary, ["Group", "Secret", "Items", "Customers", "Used by", "Where (labels)", "Kinds"], bold=True)
    )
    items = book.create_sheet("Items")
    items.append(
        _cells(
            items,
            ["Group", "Customer", "Customer name", "Office", "Label", "Kind", "Username", "Key", "Updated"],
            bold=True,
        )
    )
    for number, group in enumerate(result.groups, start=1):
        summary.append(_cells(summary, _group_row(number, group)))
        for use in group.uses:
            items.append(_cells(items, _use_row(number, use, use["updated_at"])))
    for use, reason in result.unreadable:
        items.append(_cells(items, _use_row("unreadable", use, reason)))
    yield from _stream(book)


def _group_row(number: int, group: secure_access.Group) -> list[object]:
    """One unique secret on the summary sheet: where it is used, by whom, as what."""
    used_by = "; ".join(sorted({f"{u['display_id']} {u['customer_name']}" for u in group.uses}))
    labels = "; ".join(sorted({u["label"] for u in group.uses}))
    kinds = ", ".join(sorted({u["kind"] for u in group.uses}))
    return [number, group.secret, len(group.uses), len(group.customers), used_by, labels, kinds]


def _use_row(group: int | str, use: dict[str, Any], last: str) -> list[object]:
    """One item on the Items sheet; `last` is its update time, or why it could not be read."""
    keys = ("display_id", "customer_name", "office_name", "label", "kind", "username", "key_id")
    return [group, *(use[k] for k in keys), last]


def filename(kind: str, now: datetime, extension: str) -> str:
    return f"porchlight-{kind}-{now.strftime('%Y%m%d-%H%M')}.{extension}"
