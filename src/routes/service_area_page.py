"""The Service Areas page (SA-1…SA-5): a searchable, sortable list, the add/edit form with the ZIP
lookup done on save, and the bulk upload. Staff read it; owner and finance admins change it (X-2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz
from core.inputs import Id, parse_id
from network import areas, coverage, uploads
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import form_status, redirect, refusals_show, render
from routes.uploads import read_upload

router = APIRouter(include_in_schema=False)

URL = "/service-areas"
PAGE_SIZE = 100
SORTS = {
    "label": lambda r: (r["label"].casefold(), r["id"]),
    "place": lambda r: (r["state"], r["city"].casefold(), r["zip"]),
    "area_code": lambda r: (r["area_code"] or "~", r["label"].casefold()),
}


def _filtered(rows: list[Any], q: str, sort: str) -> list[Any]:
    needle = q.strip().casefold()
    if needle:
        rows = [
            r
            for r in rows
            if needle in r["label"].casefold()
            or needle in r["city"].casefold()
            or r["zip"].startswith(needle)
            or needle == r["state"].casefold()
            or needle == r["area_code"]
        ]
    return sorted(rows, key=SORTS.get(sort, SORTS["label"]))


async def _page(
    request: Request,
    *,
    status: int = 200,
    error: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
) -> Response:
    params = request.query_params
    q, sort = params.get("q", "")[:60], params.get("sort", "label")
    page = max(1, parse_id(params.get("page")) or 1)
    db = bindings_of(request).db
    rows = _filtered(await areas.all_areas(db), q, sort)
    editing = parse_id(params.get("edit"))
    current = await lookup.service_area(request, editing) if editing else None
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render(
        request,
        "network/service_areas.html",
        status_code=status,
        error=error,
        errors=errors or {},
        areas=shown,
        total=len(rows),
        page=page,
        pages=max(1, -(-len(rows) // PAGE_SIZE)),
        q=q,
        sort=sort,
        current=current,
        form=form or (dict(current) if current else {}),
        report=report,
        can_edit=authz.can(current_user(request), "network.edit"),
        counts=await _counts(request),
    )


async def _counts(request: Request) -> dict[int, int]:
    rows = await coverage.counts_by_area(bindings_of(request).db)
    return {r["id"]: r["active_contractors"] for r in rows}


@router.get(URL)
async def page(
    request: Request,
    q: str = Query("", max_length=60),
    sort: str = Query("label", max_length=20),
    page: str = Query("", max_length=6),
    edit: str = Query("", max_length=12),
) -> Response:
    return await _page(request)


def _shown(request: Request, form: dict[str, Any]) -> Any:
    return lambda exc: _page(request, status=form_status(exc), error=exc.message, errors=exc.errors, form=form)


@router.post(URL)
async def page_create(
    request: Request,
    label: str = Form("", max_length=200),
    zip: str = Form("", max_length=20),
    area_code: str = Form("", max_length=20),
    office_address: str = Form("", max_length=400),
) -> Response:
    form = {"label": label, "zip": zip, "area_code": area_code, "office_address": office_address}
    b = bindings_of(request)
    async with refusals_show(_shown(request, form)):
        area = await areas.check_input(b.geocoder, form)
        row = await areas.create_area(b.db, b.clock.now(), current_user(request).actor, area)
    return redirect(URL, f"Service area {row['label']} added ({row['city']}, {row['state']}).")


@router.post(URL + "/import")
async def page_import(request: Request) -> Response:
    b = bindings_of(request)
    async with refusals_show(lambda exc: _page(request, status=form_status(exc), error=exc.message)):
        _, data = await read_upload(request, "file", 2 * 1024 * 1024, "spreadsheet")
        report = await uploads.import_areas(b.db, b.clock.now(), current_user(request).actor, b.geocoder, data)
    return await _page(request, report=report)


@router.post(URL + "/{area_id}")
async def page_update(
    request: Request,
    area_id: Id,
    label: str = Form("", max_length=200),
    zip: str = Form("", max_length=20),
    area_code: str = Form("", max_length=20),
    office_address: str = Form("", max_length=400),
) -> Response:
    row = await lookup.service_area(request, area_id)
    form = {"id": row["id"], "label": label, "zip": zip, "area_code": area_code, "office_address": office_address}
    b = bindings_of(request)
    async with refusals_show(_shown(request, form)):
        fields = {k: v for k, v in form.items() if k != "id"}
        area = await areas.check_input(b.geocoder, fields, row)
        await areas.update_area(b.db, b.clock.now(), current_user(request).actor, row, area)
    return redirect(URL, f"Service area {label.strip()} saved.")


@router.post(URL + "/{area_id}/delete")
async def page_delete(request: Request, area_id: Id) -> Response:
    row = await lookup.service_area(request, area_id)
    b = bindings_of(request)
    await areas.delete_area(b.db, b.clock.now(), current_user(request).actor, row)
    return redirect(URL, f"Service area {row['label']} deleted.")
