"""The report's tables: the data behind every chart and list of `/reports`, shown under each chart and
exported as CSV, built from the one `reports.summary` answer so the page, the export and the JSON agree.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Cell = str | int | float | None
_FIGURE = re.compile(r"-\$?[\d,]+(\.\d+)?%?")  # a negative amount or rate: safe as it is


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def duration(seconds: int | None) -> str:
    """1 h 05 m, 12 m 30 s, 45 s; — when there is nothing to average."""
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} s"
    return f"{secs} s"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _tiles(s: dict[str, Any]) -> Table:
    t = s["tiles"]
    rows: list[tuple[Cell, ...]] = [
        ("Leads", t["leads"]),
        ("Converted", t["converted"]),
        ("Irrelevant", t["irrelevant"]),
        ("Conversion rate", percent(t["conversion_rate"])),
        ("Fresh", t["fresh"]),
        ("Not yet scheduled", t["not_yet_scheduled"]),
        ("Needs follow-up", t["needs_follow_up"]),
        ("Consultation call", t["consultation_call"]),
        ("Average first response", duration(t["avg_response_seconds"])),
        ("Leads with a first response", t["responded"]),
        ("New customers", t["customers"]),
        ("Missing lead source (all time)", t["missing_source"]),
    ]
    if t["outstanding_invoices"] is not None:
        rows += [
            ("Outstanding invoices", t["outstanding_invoices"]["count"]),
            ("Outstanding amount", money(t["outstanding_invoices"]["cents"])),
        ]
    if t["active_estimates"] is not None:
        rows += [("Active estimates", t["active_estimates"]["count"])]
    return Table("tiles", "Figures", ("Figure", "Value"), rows)


def _rows(key: str, *columns: str) -> Callable[[dict[str, Any]], list[tuple[Cell, ...]]]:
    return lambda s: [tuple(r[c] for c in columns) for r in s[key]]


def _customers(s: dict[str, Any]) -> list[tuple[Cell, ...]]:
    shown = s["customers_by_source"]["sales_shown"]
    out: list[tuple[Cell, ...]] = []
    for r in s["customers_by_source"]["rows"]:
        out.append((r["label"], r["customers"], percent(r["share"]), money(r["sales_cents"]) if shown else "—"))
        for d in r.get("detail", []):
            out.append((f"  Other: {d['name']} ({d['display_id']})", "", "", f"source: {d['source']}"))
    return out


def _quickbooks_sales(s: dict[str, Any]) -> list[tuple[Cell, ...]]:
    qb = s["quickbooks"]
    if qb.get("state") != "connected":
        return []
    return [
        (w["label"], f"{w['start']} – {w['end']}", money(w["cents"]), money(w["prior_cents"]), percent(w["change_pct"]))
        for w in qb["sales"]
    ]


def _estimates(s: dict[str, Any]) -> list[tuple[Cell, ...]]:
    qb = s["quickbooks"]
    if qb.get("state") != "connected":
        return []
    return [
        (e["number"], e["customer"], e["date"], e["expires"] or "", e["status"] or "Pending", money(e["total_cents"]))
        for e in qb["active_estimates"]["items"]
    ]


def _jobs_figures(s: dict[str, Any]) -> list[tuple[Cell, ...]]:
    """The Jobs tab's tiles (issue 20); none when the user has no Jobs tab."""
    if s.get("jobs") is None:
        return []
    t = s["jobs"]["tiles"]
    return [
        ("Jobs", t["jobs"]),
        ("Completed (Done)", t["done"]),
        ("Done rate", percent(t["done_rate"])),
        ("Cancelled", t["cancelled"]),
        ("Cancel rate", percent(t["cancel_rate"])),
        ("Revenue (closing of Done jobs)", money(t["revenue_cents"])),
        ("Deposits (jobs with a deposit)", t["deposits"]),
        ("Deposit amounts", money(t["deposit_cents"])),
        ("Rebooked", t["rebooked"]),
        ("K-accepted", t["k_accepted"]),
        ("Parts cost", money(t["parts_cents"])),
    ]


def _jobs_rows(key: str, build: Callable[[dict[str, Any]], tuple[Cell, ...]]) -> Callable[..., list[tuple[Cell, ...]]]:
    return lambda s: [build(r) for r in s["jobs"][key]] if s.get("jobs") is not None else []


def _facet_row(r: dict[str, Any]) -> tuple[Cell, ...]:
    return (r["label"], r["jobs"], r["share"], r["done"], r["cancelled"], money(r["revenue_cents"]))


SPECS: tuple[tuple[str, str, tuple[str, ...], Callable[[dict[str, Any]], list[tuple[Cell, ...]]]], ...] = (
    (
        "leads_by_status",
        "Leads by status",
        ("Status", "Leads", "Share %"),
        _rows("leads_by_status", "label", "leads", "share"),
    ),
    (
        "leads_by_office",
        "Leads by office",
        ("Office", "Leads", "Open", "Converted", "Irrelevant", "Conversion %"),
        _rows("leads_by_office", "office", "leads", "open", "converted", "irrelevant", "conversion_rate"),
    ),
    (
        "source_mix",
        "Lead creation by source",
        ("Source", "Leads", "Share %"),
        _rows("source_mix", "label", "leads", "share"),
    ),
    ("pipeline", "Current pipeline (leads in the queue now)", ("Status", "Leads"), _rows("pipeline", "label", "leads")),
    (
        "status_by_day",
        "Leads by status per day",
        ("Date", "Converted", "Open", "Irrelevant"),
        _rows("status_by_day", "date", "converted", "open", "irrelevant"),
    ),
    ("customers_by_source", "Customers by source", ("Source", "Customers", "Share", "Sales"), _customers),
    (
        "reactivation_by_day",
        "BookBack reactivation per day",
        ("Date", "Detected", "Reactivated", "Converted"),
        _rows("reactivation_by_day", "date", "detected", "reactivated", "converted"),
    ),
    (
        "follow_up_by_day",
        "Follow-up activity per day",
        ("Date", "Call attempts", "Conversions of earlier leads"),
        _rows("follow_up_by_day", "date", "call_attempts", "conversions"),
    ),
    (
        "conversion_by_attempt",
        "Conversion by call attempts",
        ("Call attempts", "Leads", "Converted", "Conversion %"),
        _rows("conversion_by_attempt", "label", "leads", "converted", "rate"),
    ),
    (
        "agents",
        "Agent performance",
        ("Person", "Calls", "Claims", "Conversions", "First responses", "Average response"),
        lambda s: [
            (a["name"], a["calls"], a["claims"], a["conversions"], a["responses"], duration(a["avg_response_seconds"]))
            for a in s["agents"]
        ],
    ),
    (
        "missing_source",
        "Missing lead source",
        ("Record", "Name", "Office", "What is missing"),
        lambda s: [(i["display_id"], i["name"], i["office"], i["detail"]) for i in s["missing_source"]["items"]],
    ),
    ("quickbooks_sales", "QuickBooks sales", ("Window", "Dates", "Sales", "Prior period", "Change"), _quickbooks_sales),
    (
        "active_estimates",
        "Active estimates",
        ("Estimate", "Customer", "Date", "Expires", "Status", "Amount"),
        _estimates,
    ),
    # The Jobs tab (issue 20)
    ("jobs_figures", "Jobs figures", ("Figure", "Value"), _jobs_figures),
    (
        "jobs_by_status",
        "Jobs by status",
        ("Status", "Jobs", "Share %"),
        _jobs_rows("jobs_by_status", lambda r: (r["label"], r["jobs"], r["share"])),
    ),
    (
        "jobs_by_office",
        "Jobs by office",
        ("Office", "Jobs", "Done", "Cancelled", "Revenue"),
        _jobs_rows(
            "jobs_by_office", lambda r: (r["office"], r["jobs"], r["done"], r["cancelled"], money(r["revenue_cents"]))
        ),
    ),
    (
        "jobs_by_type",
        "Jobs by type",
        ("Type", "Jobs", "Share %", "Done", "Cancelled", "Revenue"),
        _jobs_rows("jobs_by_type", _facet_row),
    ),
    (
        "jobs_by_source",
        "Jobs by source",
        ("Source", "Jobs", "Share %", "Done", "Cancelled", "Revenue"),
        _jobs_rows("jobs_by_source", _facet_row),
    ),
    (
        "jobs_by_day",
        "Jobs created per day",
        ("Date", "Done", "Open", "Cancelled"),
        _jobs_rows("jobs_by_day", lambda r: (r["date"], r["done"], r["open"], r["cancelled"])),
    ),
    (
        "top_contractors",
        "Top contractors",
        ("Contractor", "Jobs", "Done", "Cancelled", "Revenue"),
        _jobs_rows(
            "top_contractors", lambda r: (r["name"], r["jobs"], r["done"], r["cancelled"], money(r["revenue_cents"]))
        ),
    ),
)
NAMES = ("tiles", *(name for name, *_ in SPECS))


def tables(summary: dict[str, Any]) -> dict[str, Table]:
    out = {"tiles": _tiles(summary)}
    for name, title, headers, build in SPECS:
        out[name] = Table(name, title, headers, build(summary))
    return out


def _safe(cell: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _FIGURE.fullmatch(cell):
        return "'" + cell
    return "" if cell is None else cell


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_safe(c) for c in row])
    return buffer.getvalue()
