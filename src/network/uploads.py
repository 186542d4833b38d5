"""Bulk uploads: contractors (CTR-7…CTR-10, up to 1,000 rows) and service areas (SA-4, SA-5, up to 500).

Columns are read by position. Each row is checked whole; a row with any error is listed (row number,
field, message) and nothing of it is stored; the other rows are imported. A row equal to what is
already stored is "unchanged" and writes nothing, so uploading the same file again gives the same
data and reports the same errors. Valid rows are written in batches of `CHUNK` rows (each batch one
transaction); a batch that fails (someone added the same name meanwhile) is retried row by row so
only the clashing row becomes an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import records, sheets
from core.errors import Invalid
from core.geocoding import Geocoder
from core.records import Actor, Ref
from core.storage import Database, IntegrityError, Statement
from network import areas, contractors

MAX_CONTRACTOR_ROWS = 1000
MAX_AREA_ROWS = 500
CHUNK = 100

# CTR-7: columns A–K.
CONTRACTOR_COLUMNS = (
    "name",
    "contact_name",
    "phone",
    "contact2_name",
    "phone2",
    "email",
    "profit_share_percent",
    "secondary_share_percent",
    "secondary_zips",
    "secondary_partners",
    "notes",
)
AREA_COLUMNS = ("label", "zip", "area_code", "office_address")  # SA-4: columns A–D


@dataclass
class Report:
    columns: tuple[str, ...]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, fields: dict[str, str]) -> None:
        """Each message with its field and the spreadsheet column it came from (A, B, …)."""
        for name, message in fields.items():
            name = name if name in self.columns else self.columns[0]
            column = "ABCDEFGHIJK"[self.columns.index(name)]
            self.errors.append({"row": row, "column": column, "field": name, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": sorted(self.errors, key=lambda e: (e["row"], e["field"])),
        }


@dataclass
class Planned:
    row: int
    key: str
    statements: list[Statement]
    created: bool


async def _write(db: Database, plans: list[Planned], report: Report) -> None:
    for start in range(0, len(plans), CHUNK):
        chunk = plans[start : start + CHUNK]
        try:
            await db.batch([s for p in chunk for s in p.statements])
            _count(chunk, report)
        except (IntegrityError, records.LostRace):
            for plan in chunk:  # one at a time, so only the clashing row fails
                try:
                    await db.batch(plan.statements)
                    _count([plan], report)
                except (IntegrityError, records.LostRace):
                    report.error(plan.row, {"": f"{plan.key!r} was changed or added by someone else meanwhile."})


def _count(plans: list[Planned], report: Report) -> None:
    for plan in plans:
        if plan.created:
            report.created += 1
        else:
            report.updated += 1


# --- contractors ----------------------------------------------------------------------------------


def _contractor_fields(row: sheets.SheetRow) -> dict[str, Any]:
    return {name: row.cell(i) for i, name in enumerate(CONTRACTOR_COLUMNS)}


def _checked_contractor(fields: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The row's columns, secondary ZIPs and partners (Invalid names the field)."""
    cols = contractors.check_columns(fields)
    if not cols.get("name"):
        raise Invalid("name: required.", "name")
    zips = contractors.zip_list(fields["secondary_zips"])
    partners = contractors.partner_list(fields["secondary_partners"])
    return cols, zips, partners


def _same(current: dict[str, Any], cols: dict[str, Any], zips: list[str], partners: list[str]) -> bool:
    return (
        all(current["row"][k] == v for k, v in cols.items())
        and current["zips"] == zips
        and [p.casefold() for p in current["partners"]] == [p.casefold() for p in partners]
    )


async def _existing_contractors(db: Database) -> dict[str, dict[str, Any]]:
    rows = await db.all("SELECT * FROM contractors")
    out: dict[str, dict[str, Any]] = {r["name"].casefold(): {"row": r, "zips": [], "partners": []} for r in rows}
    by_id = {r["id"]: out[r["name"].casefold()] for r in rows}
    for r in await db.all("SELECT contractor_id, zip FROM contractor_secondary_zips ORDER BY zip"):
        by_id[r["contractor_id"]]["zips"].append(r["zip"])
    for r in await db.all(
        "SELECT contractor_id, partner_name FROM contractor_secondary_partners ORDER BY partner_name COLLATE NOCASE"
    ):
        by_id[r["contractor_id"]]["partners"].append(r["partner_name"])
    return out


def _contractor_plan(
    now: datetime,
    number: int,
    current: dict[str, Any] | None,
    cols: dict[str, Any],
    zips: list[str],
    partners: list[str],
) -> Planned:
    """CTR-8: an existing name gets its contact and share fields refreshed (blank cells clear them);
    a new name is inserted with no job types and no areas. Job types and areas are never touched."""
    data = contractors.ContractorInput(columns=cols, secondary_zips=zips, secondary_partners=partners)
    if current is None:
        ref = Ref("SELECT id FROM contractors WHERE name = ? COLLATE NOCASE", (cols["name"],))
        statements = [contractors.insert_statement(now, cols), *contractors.children(ref, data)]
        return Planned(number, cols["name"], statements, True)
    row = current["row"]
    statements = [
        contractors.update_statement(now, row, cols),
        records.guard_changed(),
        *contractors.children(row["id"], data),
    ]
    return Planned(number, cols["name"], statements, False)


async def import_contractors(db: Database, now: datetime, actor: Actor, data: bytes) -> dict[str, Any]:
    rows = sheets.without_header(sheets.read_rows(data, MAX_CONTRACTOR_ROWS, "contractor"))
    existing = await _existing_contractors(db)
    report, plans, seen = Report(CONTRACTOR_COLUMNS), list[Planned](), dict[str, int]()
    for row in rows:
        fields = _contractor_fields(row)
        # A blank cell clears the field on update (CTR-10); blank percentages mean "none".
        try:
            cols, zips, partners = _checked_contractor(fields)
        except Invalid as refused:
            report.error(row.number, refused.fields or {"name": refused.message})
            continue
        key = cols["name"].casefold()
        if key in seen:
            report.error(row.number, {"name": f"{cols['name']!r} is also on row {seen[key]}: one row per contractor."})
            continue
        seen[key] = row.number
        current = existing.get(key)
        if current is not None:
            cols.pop("name")  # the key: its spelling on file stays as the owner typed it
            if _same(current, cols, zips, partners):
                report.unchanged += 1
                continue
            cols["name"] = current["row"]["name"]
        plans.append(_contractor_plan(now, row.number, current, cols, zips, partners))
    await _write(db, plans, report)
    await _audit(db, now, actor, "contractors.imported", "Contractor upload", report)
    return report.as_dict()


async def _audit(db: Database, now: datetime, actor: Actor, action: str, what: str, report: Report) -> None:
    summary = (
        f"{what}: {report.created} added, {report.updated} updated, {len({e['row'] for e in report.errors})} refused"
    )
    await db.batch([records.audit(now, actor, action, summary, meta=report.as_dict() | {"errors": len(report.errors)})])


# --- service areas --------------------------------------------------------------------------------


async def import_areas(db: Database, now: datetime, actor: Actor, geocoder: Geocoder, data: bytes) -> dict[str, Any]:
    """SA-4/SA-5: each ZIP geocoded; a label already used (case-insensitive, by an existing area with
    other values or an earlier row) is refused; a row equal to an existing area is unchanged."""
    rows = sheets.without_header(sheets.read_rows(data, MAX_AREA_ROWS, "service area"))
    existing = {r["label"].casefold(): r for r in await areas.all_areas(db)}
    report, plans, seen = Report(AREA_COLUMNS), list[Planned](), dict[str, int]()
    for row in rows:
        fields = {name: row.cell(i) for i, name in enumerate(AREA_COLUMNS)}
        try:
            area = await areas.check_input(geocoder, fields)
        except Invalid as refused:
            report.error(row.number, refused.fields or {"label": refused.message})
            continue
        key = area.label.casefold()
        if key in seen:
            report.error(row.number, {"label": f"{area.label!r} is also on row {seen[key]}: labels are unique."})
            continue
        seen[key] = row.number
        current = existing.get(key)
        if current is not None:
            if (current["zip"], current["area_code"], current["office_address"]) == (
                area.zip,
                area.area_code,
                area.office_address,
            ):
                report.unchanged += 1
            else:
                report.error(row.number, {"label": f"a service area named {current['label']!r} already exists."})
            continue
        plans.append(Planned(row.number, area.label, [areas.insert_statement(now, area)], True))
    await _write(db, plans, report)
    await _audit(db, now, actor, "service_areas.imported", "Service area upload", report)
    return report.as_dict()
