"""The Contractors page (CTR-1…CTR-10): the list with search and job-type pills, the inline Active
toggle, the add/edit form, and the bulk upload. Staff read it; owner and finance admins change it
(X-2); partners never reach it (X-4). The coverage map is drawn by the map capability."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz
from core.inputs import Id, parse_id
from network import areas, contractors, uploads
from network import settings as job_settings
from network.values import bp_percent
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import form_status, redirect, refusals_show, render
from routes.uploads import read_upload

router = APIRouter(include_in_schema=False)

URL = "/contractors"
AREA_CHECKBOXES_UP_TO = 400  # beyond this the form leaves areas to the map and the API


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
    q, type_id = params.get("q", "")[:60], parse_id(params.get("type"))
    db = bindings_of(request).db
    rows = await contractors.listing(db, search=q.strip(), job_type_id=type_id)
    chosen = parse_id(params.get("id"))
    current = await lookup.contractor(request, chosen) if chosen else None
    if form is None:
        form = await _form_of(request, current) if current else {"kind": "company", "active": True}
    all_areas = await areas.all_areas(db)
    return render(
        request,
        "network/contractors.html",
        status_code=status,
        error=error,
        errors=errors or {},
        contractors=[dict(r) | {"job_type_ids": json.loads(r["job_type_ids_json"])} for r in rows],
        q=q,
        type_id=type_id,
        current=current,
        form=form,
        report=report,
        job_types=await job_settings.all_values(db, job_settings.KINDS["job_types"]),
        areas=all_areas if len(all_areas) <= AREA_CHECKBOXES_UP_TO else None,
        can_edit=authz.can(current_user(request), "network.edit"),
        new=params.get("new") == "1",
    )


async def _form_of(request: Request, row: Any) -> dict[str, Any]:
    details = await contractors.details(bindings_of(request).db, row["id"])
    return dict(row) | {
        "profit_share_percent": _pct(row["profit_share_bp"]),
        "secondary_share_percent": _pct(row["secondary_share_bp"]),
        "job_type_ids": details["job_type_ids"],
        "area_ids": details["area_ids"],
        "secondary_zips": ", ".join(details["secondary_zips"]),
        "secondary_partners": ", ".join(details["secondary_partners"]),
        "active": bool(row["active"]),
    }


def _pct(bp: int | None) -> str:
    value = bp_percent(bp)
    return "" if value is None else f"{value:g}"


@router.get(URL)
async def page(
    request: Request,
    q: str = Query("", max_length=60),
    type: str = Query("", max_length=12),
    id: str = Query("", max_length=12),
    new: str = Query("", max_length=1),
) -> Response:
    return await _page(request)


async def _fields(request: Request) -> dict[str, Any]:
    form = await request.form(max_fields=12_000)
    text = {
        k: str(form.get(k) or "")[:4000]
        for k in (
            *contractors.TEXT_FIELDS,
            *contractors.PHONE_FIELDS,
            "name",
            "kind",
            "profit_share_percent",
            "secondary_share_percent",
            "secondary_zips",
            "secondary_partners",
        )
    }
    ids = {k: [i for i in (parse_id(str(v)) for v in form.getlist(k)) if i] for k in ("job_type_ids", "area_ids")}
    return text | ids | {"active": form.get("active") == "true"}


def _shown(request: Request, form: dict[str, Any]) -> Any:
    return lambda exc: _page(request, status=form_status(exc), error=exc.message, errors=exc.errors, form=form)


@router.post(URL)
async def page_create(request: Request) -> Response:
    fields = await _fields(request)
    b = bindings_of(request)
    async with refusals_show(_shown(request, fields)):
        data = await contractors.check_input(b.db, fields, creating=True, geocoder=b.geocoder)
        row = await contractors.create_contractor(b.db, b.clock.now(), current_user(request).actor, data)
    return redirect(f"{URL}?id={row['id']}", f"Contractor {row['name']} added.")


@router.post(URL + "/import")
async def page_import(request: Request) -> Response:
    b = bindings_of(request)
    async with refusals_show(lambda exc: _page(request, status=form_status(exc), error=exc.message)):
        _, data = await read_upload(request, "file", 2 * 1024 * 1024, "spreadsheet")
        report = await uploads.import_contractors(b.db, b.clock.now(), current_user(request).actor, data)
    return await _page(request, report=report)


@router.post(URL + "/{contractor_id}")
async def page_update(request: Request, contractor_id: Id) -> Response:
    row = await lookup.contractor(request, contractor_id)
    fields = await _fields(request)
    if fields.get("area_ids") == [] and (await request.form()).get("areas_shown") != "1":
        fields.pop("area_ids")  # the form had no area checkboxes: leave the areas alone
    b = bindings_of(request)
    async with refusals_show(_shown(request, fields | {"id": row["id"]})):
        data = await contractors.check_input(b.db, fields, creating=False, geocoder=b.geocoder)
        await contractors.update_contractor(b.db, b.clock.now(), current_user(request).actor, row, data)
    return redirect(f"{URL}?id={row['id']}", f"Contractor {fields['name'].strip()} saved.")


@router.post(URL + "/{contractor_id}/active")
async def page_toggle(
    request: Request, contractor_id: Id, active: str = Form("", max_length=5), back: str = Form("", max_length=200)
) -> Response:
    """CTR-5: the inline ✓ Active / ○ Off pill, without opening the form."""
    row = await lookup.contractor(request, contractor_id)
    b = bindings_of(request)
    updated = await contractors.set_active(b.db, b.clock.now(), current_user(request).actor, row, active == "true")
    query = {k: v for k, v in (("q", back[:60]),) if v}
    where = URL + ("?" + urlencode(query) if query else "")
    return redirect(where, f"{updated['name']} is {'active' if updated['active'] else 'off'}.")
