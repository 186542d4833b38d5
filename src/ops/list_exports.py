"""Export the list you are looking at (issue 17): the clients list or the leads queue with its current
filters, as CSV or XLSX, one row per record with its primary contact.

The rows come from the same reads as the pages (`customers.listing.customer_page`, `leads.queue.queue`)
with the same query, so office scope, a partner's own leads and a fresh lead's hidden phone apply
exactly as on screen; only the paging differs (every page, up to EXPORT_CAP rows). Text a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe
in both formats (`ops.exports.csv_cell`, OWASP "CSV injection"). The owner's full export is
`ops/exports.py`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.users import User
from core import records
from core.clock import parse
from core.storage import Database
from customers import listing as customer_list
from customers import tags as customer_tags
from leads import queue as leads
from ops.exports import XLSX_TYPE, csv_cell, xlsx_value

EXPORT_CAP = 10_000  # rows; the sheet says when the list was longer
CHUNK = 500  # rows per read
CSV_TYPE = "text/csv; charset=utf-8"
TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    truncated: bool = False  # more rows matched than EXPORT_CAP


def _local(value: str | None, zone: ZoneInfo) -> str:
    """An ISO UTC time as the reader's wall clock ("2026-12-06 09:30")."""
    return parse(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


async def customer_sheet(db: Database, user: User, query: customer_list.Query, zone: ZoneInfo) -> Sheet:
    headers = [
        "Client", "Name", "Kind", "Company", "Office", "Status", "Primary contact", "Phone", "Email",
        "Address", "ZIP", "Tags", "Source", "QuickBooks id", f"Created ({zone.key})",
    ]  # fmt: skip
    sheet = Sheet("Clients", headers, [])
    page = 1
    while True:
        result = await customer_list.customer_page(db, user, replace(query, page=page, per_page=CHUNK))
        tags = await customer_tags.tags_for(db, [r["id"] for r in result.rows])
        for r in result.rows:
            sheet.rows.append(
                [
                    r["display_id"], r["name"], r["kind"], r["company"], r["office_name"], r["status"],
                    r["contact_name"] or r["name"], r["phone"], r["email"], r["address"], r["zip"],
                    ", ".join(tags.get(r["id"], [])), r["source_label"] or r["source"],
                    r["quickbooks_customer_id"], _local(r["created_at"], zone),
                ]
            )  # fmt: skip
        if len(result.rows) < CHUNK or not _room(sheet):
            return sheet
        page += 1


async def lead_sheet(db: Database, user: User, query: leads.Query, now: datetime) -> Sheet:
    headers = [
        "Lead", "Name", "Status", "Office", "Source", "Phone", "Email", "ZIP", "What they need",
        "Campaign", "Claimed by", "Next contact", "Created", "Time zone", "Archived",
    ]  # fmt: skip
    sheet = Sheet("Leads", headers, [])
    page = 1
    while True:
        result = await leads.queue(db, user, replace(query, page=page, per_page=CHUNK), now)
        for r in result.rows:
            shown = leads.public(r, user, now)  # the phone as the page shows it (hidden until claimed)
            zone = ZoneInfo(r["time_zone"])
            sheet.rows.append(
                [
                    shown["id"], shown["name"], leads.STATUS_LABELS.get(r["status"], r["status"]), shown["office"],
                    r["source_label"] or r["source_key"], shown["phone"], shown["email"], shown["zip"], r["service"],
                    shown["campaign"], shown["claimed_by"] or "", _local(r["next_contact_at"], zone),
                    _local(r["created_at"], zone), zone.key, "yes" if r["archived_at"] else "",
                ]
            )  # fmt: skip
        if len(result.rows) < CHUNK or not _room(sheet):
            return sheet
        page += 1


def _room(sheet: Sheet) -> bool:
    """False once the sheet holds EXPORT_CAP rows (cut to it, and marked)."""
    if len(sheet.rows) < EXPORT_CAP:
        return True
    sheet.truncated = True
    del sheet.rows[EXPORT_CAP:]
    return False


def _note(sheet: Sheet) -> list[str]:
    return [f"Only the first {EXPORT_CAP:,} rows: narrow the filters to export the rest."]


def to_csv(sheet: Sheet) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(sheet.headers)
    for row in sheet.rows:
        out.writerow(["" if v is None else csv_cell(v) for v in row])
    if sheet.truncated:
        out.writerow(_note(sheet))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def to_xlsx(sheet: Sheet) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.title)
    ws.freeze_panes = "A2"

    def cells(values: list[Any], bold: bool = False) -> list[WriteOnlyCell]:
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, xlsx_value(csv_cell(value)))
            if cell.data_type == "f":  # never a formula, whatever it starts with
                cell.data_type = "s"
            if bold:
                cell.font = Font(bold=True)
            out.append(cell)
        return out

    ws.append(cells(sheet.headers, bold=True))
    for row in sheet.rows:
        ws.append(cells(row))
    if sheet.truncated:
        ws.append(cells(_note(sheet)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(sheet: Sheet, fmt: str) -> bytes:
    return to_xlsx(sheet) if fmt == "xlsx" else to_csv(sheet)


def filename(kind: str, now: datetime, fmt: str) -> str:
    return f"porchlight-{kind}-{now.strftime('%Y%m%d-%H%M')}.{fmt}"


async def record(db: Database, now: datetime, user: User, kind: str, fmt: str, sheet: Sheet, query: str) -> None:
    """The audit row of a list export: who took how many rows of which list, with which filters."""
    await db.batch(
        [
            records.audit(
                now,
                user.actor,
                f"{kind}.exported",
                f"{user.actor.label} exported {len(sheet.rows):,} {kind} as {fmt.upper()}",
                meta={"rows": len(sheet.rows), "format": fmt, "filters": query[:500], "truncated": sheet.truncated},
            )
        ]
    )
