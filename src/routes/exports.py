"""Maintenance → Export (owner): the full data export as a workbook or a zip of CSVs, and the
secure-access audit. Each download writes an audit row before the first byte leaves."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse

from core import records
from core.vault import KeyRing
from customers import secure_access
from ops import exports
from routes.guard import actor_of, bindings_of
from routes.pages import render

router = APIRouter()
CONFIRM_WORD = "REVEAL"


def _headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


async def _record(request: Request, action: str, summary: str) -> None:
    b = bindings_of(request)
    actor = actor_of(request)
    await b.db.batch([records.audit(b.clock.now(), actor, action, f"{actor.label} {summary}")])


@router.get("/maintenance/export", include_in_schema=False)
async def export_page(request: Request) -> Response:
    return render(request, "maintenance/export.html", confirm_word=CONFIRM_WORD, error="")


@router.get("/api/export.xlsx", tags=["export"], summary="Everything, one sheet per table (owner; secrets masked)")
async def export_xlsx(request: Request) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    await _record(request, "export.xlsx", "downloaded the full data export (xlsx)")
    return StreamingResponse(
        exports.workbook(b.db, now),
        media_type=exports.XLSX_TYPE,
        headers=_headers(exports.filename("export", now, "xlsx")),
    )


@router.get("/api/export.zip", tags=["export"], summary="Everything, one CSV per table, zipped (owner; secrets masked)")
async def export_zip(request: Request) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    await _record(request, "export.zip", "downloaded the full data export (CSV zip)")
    return StreamingResponse(
        exports.csv_zip(b.db, now),
        media_type="application/zip",
        headers=_headers(exports.filename("export", now, "zip")),
    )


async def _audit_download(request: Request, *, reveal: bool) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    result = await secure_access.audit(b.db, KeyRing.from_settings(b.settings), reveal=reveal)
    if reveal:
        await b.db.batch([secure_access.revealed_audit_row(now, actor_of(request), result)])
    return StreamingResponse(
        exports.audit_workbook(result, now, revealed=reveal),
        media_type=exports.XLSX_TYPE,
        headers=_headers(exports.filename("secure-access-audit", now, "xlsx")),
    )


@router.get(
    "/api/export/secure-access.xlsx",
    tags=["export"],
    summary="Secure-access audit: one row per unique saved secret and where it is used (masked)",
)
async def secure_access_audit(request: Request) -> Response:
    return await _audit_download(request, reveal=False)


@router.post("/maintenance/export/secure-access", include_in_schema=False)
async def secure_access_audit_form(
    request: Request, reveal: str = Form(""), confirm: str = Form("", max_length=20)
) -> Response:
    """Masked unless the owner ticked "reveal" *and* typed the confirmation word."""
    if not reveal:
        return await _audit_download(request, reveal=False)
    if confirm.strip().upper() != CONFIRM_WORD:
        return render(
            request,
            "maintenance/export.html",
            status_code=422,
            confirm_word=CONFIRM_WORD,
            error=f"To include secrets in clear, tick the box and type {CONFIRM_WORD}. Nothing was exported.",
        )
    return await _audit_download(request, reveal=True)
