"""Export the list you are looking at (issue 17): `/clients/export.{csv,xlsx}` and
`/leads/export.{csv,xlsx}` take the list page's own query string (its filters, search and sort) and
answer every matching row the user may see, one row per record with its primary contact. The
owner's full export is routes/exports.py."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core.errors import NotFound
from leads import settings as lead_settings
from ops import list_exports
from routes import customer_list, lead_queue
from routes.guard import bindings_of, current_user

router = APIRouter()
# /openapi.json: a file, not JSON
FILE = {200: {"content": {t: {} for t in list_exports.TYPES.values()}, "description": "The rows, as a file"}}


def _format(fmt: str) -> str:
    if fmt not in list_exports.TYPES:
        raise NotFound("Exports are .csv or .xlsx.")
    return fmt


async def _answer(request: Request, kind: str, fmt: str, sheet: list_exports.Sheet) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    await list_exports.record(b.db, now, current_user(request), kind, fmt, sheet, request.url.query)
    name = list_exports.filename(kind, now, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(list_exports.render(sheet, fmt), media_type=list_exports.TYPES[fmt], headers=headers)


@router.get(
    "/clients/export.{fmt}",
    tags=["customers"],
    summary="The clients list as filtered, as CSV or XLSX",
    response_class=Response,
    responses=FILE,  # type: ignore[arg-type]
)
async def clients_export(request: Request, fmt: str, params: customer_list.ListParams = Depends()) -> Response:
    fmt = _format(fmt)
    user = current_user(request)
    query = customer_list.build_query(user, params)
    zone = await lead_queue._zone(request, user)
    sheet = await list_exports.customer_sheet(bindings_of(request).db, user, query, zone)
    return await _answer(request, "clients", fmt, sheet)


@router.get(
    "/leads/export.{fmt}",
    tags=["leads"],
    summary="The leads queue as filtered, as CSV or XLSX",
    response_class=Response,
    responses=FILE,  # type: ignore[arg-type]
)
async def leads_export(request: Request, fmt: str, params: lead_queue.QueueParams = Depends()) -> Response:
    fmt = _format(fmt)
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    escalation, zone = await asyncio.gather(lead_settings.escalation_minutes(b.db), lead_queue._zone(request, user))
    query = lead_queue.build_query(user, now, zone, **params.values, escalation_minutes=escalation)
    sheet = await list_exports.lead_sheet(b.db, user, query, now)
    return await _answer(request, "leads", fmt, sheet)
