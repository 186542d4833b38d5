"""Rows of an uploaded spreadsheet (CSV or .xlsx), as text, for every bulk upload.

The type is told from the bytes, not the name: an .xlsx is a ZIP archive holding
`xl/workbook.xml`; anything else must be UTF-8 text (a BOM is dropped) and is read as CSV. Cells
come back as stripped strings (numbers from a workbook as written: 40 not 40.0); fully blank rows
are skipped but keep their row numbers, so an error names the row a person sees in their program.
A formula cell's text is kept as text: nothing here evaluates it, and exports neutralise it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from core.attachments import FileRefused
from core.errors import Invalid

MAX_BYTES = 2 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class SheetRow:
    number: int  # 1-based, as the spreadsheet program shows it
    cells: list[str]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("file: upload a .xlsx workbook or a UTF-8 .csv file.", "file") from None
    if "\x00" in text:
        raise Invalid("file: upload a .xlsx workbook or a UTF-8 .csv file.", "file")
    try:
        return [[_text(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        raise Invalid("file: that CSV could not be read.", "file") from None


def _xlsx_rows(data: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook; each means "unreadable"
        raise Invalid("file: that workbook could not be read.", "file") from None
    try:
        rows: list[list[str]] = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_text(c) for c in row])
            if len(rows) > max_rows + 1:  # a header row and one too many are enough to refuse
                break
        return rows
    except Exception:  # a damaged sheet inside a readable archive
        raise Invalid("file: that workbook could not be read.", "file") from None
    finally:
        book.close()


def read_rows(data: bytes, max_rows: int, noun: str) -> list[SheetRow]:
    """The non-blank rows (a header row included; the caller decides what a header is). Refuses the
    whole file when it is empty, too large, not a workbook or CSV, or has more than MAX_ROWS rows
    besides a header."""
    if not data:
        raise Invalid("file: that file is empty.", "file")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Spreadsheets may be at most {MAX_BYTES // (1024 * 1024)} MB.", 413)
    if data.startswith(XLSX_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" not in names:
            raise Invalid("file: upload a .xlsx workbook or a UTF-8 .csv file.", "file")
        raw = _xlsx_rows(data, max_rows)
    else:
        raw = _csv_rows(data)
    rows = [SheetRow(i, cells) for i, cells in enumerate(raw, 1) if any(cells)]
    if len(rows) > max_rows + 1 or (len(rows) == max_rows + 1 and not _looks_like_header(rows[0])):
        raise Invalid(f"file: at most {max_rows} {noun} rows in one upload.", "file")
    if not rows:
        raise Invalid("file: that file has no rows.", "file")
    return rows


# What a template's first column heading says (the A column of each upload: a name or a label).
HEADER_NAMES = frozenset(
    {
        "name",
        "label",
        "contractor",
        "contractor name",
        "company",
        "company name",
        "area",
        "area label",
        "service area",
        "service area label",
    }
)


def _looks_like_header(row: SheetRow) -> bool:
    first = " ".join(row.cell(0).casefold().split("(")[0].replace("*", " ").replace(":", " ").split())
    return first in HEADER_NAMES


def without_header(rows: list[SheetRow]) -> list[SheetRow]:
    """CTR-10: a first row that names its columns is skipped."""
    return rows[1:] if rows and _looks_like_header(rows[0]) else rows
