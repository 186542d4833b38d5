"""A customer's files on the client page (an htmx panel) and in the JSON API.

Downloads are always attachments with the type we sniffed at upload and `nosniff`, under a CSP that
allows nothing, so an uploaded file can never run as a page of ours.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from core import attachments
from core.attachments import FileRefused
from core.inputs import Id
from core.storage import Row
from customers import files as customer_files
from routes import lookup
from routes.guard import actor_of, bindings_of, files_of
from routes.pages import redirect, refusals_show, render
from routes.uploads import read_upload

router = APIRouter()


async def _upload(request: Request, customer: Row) -> int:
    name, data = await read_upload(request, "file", attachments.MAX_BYTES, "file")
    checked = attachments.check_upload(name, data)
    b = bindings_of(request)
    return await customer_files.add_file(b.db, files_of(request), b.clock.now(), actor_of(request), customer, checked)


def _download(row: Row, data: bytes) -> Response:
    name = row["filename"]
    disposition = f"attachment; filename=\"{attachments.ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    media = row["content_type"] + ("; charset=utf-8" if row["content_type"].startswith("text/") else "")
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )


async def _send(request: Request, display_id: str, file_id: Id) -> Response:
    customer = await lookup.customer(request, display_id)
    row = await lookup.file(request, customer, file_id)
    data = await customer_files.read_file(files_of(request), row)
    if data is None:
        raise HTTPException(410, "The file's contents are missing from storage.")
    return _download(row, data)


# --- the panel on the client page ---------------------------------------------------------------


async def _panel(request: Request, customer: Row, error: str = "") -> Response:
    rows = await customer_files.files_for(bindings_of(request).db, customer["id"])
    return render(
        request,
        "customers/_files.html",
        customer={"id": customer["display_id"], "name": customer["name"]},
        files_panel={"files": [customer_files.public(r) for r in rows], "error": error},
        max_mb=attachments.MAX_BYTES // (1024 * 1024),
    )


@router.get("/clients/{display_id}/files", include_in_schema=False)
async def panel(request: Request, display_id: str) -> Response:
    return await _panel(request, await lookup.customer(request, display_id))


@router.post("/clients/{display_id}/files", include_in_schema=False)
async def upload_from_form(request: Request, display_id: str) -> Response:
    customer = await lookup.customer(request, display_id)
    if not request.headers.get("hx-request"):
        await _upload(request, customer)
        return redirect(f"/clients/{customer['display_id']}#files", "File uploaded.")
    # htmx swaps only 2xx answers: show the refusal inside the panel
    async with refusals_show(lambda exc: _panel(request, customer, exc.message), (FileRefused,)):
        await _upload(request, customer)
    return await _panel(request, customer)


@router.get("/clients/{display_id}/files/{file_id}", include_in_schema=False)
async def download_on_page(request: Request, display_id: str, file_id: Id) -> Response:
    return await _send(request, display_id, file_id)


@router.post("/clients/{display_id}/files/{file_id}/delete", include_in_schema=False)
async def delete_from_form(request: Request, display_id: str, file_id: Id) -> Response:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    row = await lookup.file(request, customer, file_id)
    actor = actor_of(request)
    await customer_files.delete_file(b.db, files_of(request), b.clock.now(), actor, customer, row)
    if request.headers.get("hx-request"):
        return await _panel(request, customer)
    return redirect(f"/clients/{customer['display_id']}#files", f"Deleted “{row['filename']}”.")


# --- JSON API -----------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/files", tags=["customers"], summary="A customer's files")
async def api_list(request: Request, display_id: str) -> dict[str, Any]:
    customer = await lookup.customer(request, display_id)
    rows = await customer_files.files_for(bindings_of(request).db, customer["id"])
    return {"items": [customer_files.public(r) for r in rows]}


@router.post(
    "/api/customers/{display_id}/files",
    tags=["customers"],
    summary="Upload a file (multipart field `file`; images, PDF, text; at most 10 MB)",
    status_code=201,
)
async def api_upload(request: Request, display_id: str) -> dict[str, Any]:
    customer = await lookup.customer(request, display_id)
    file_id = await _upload(request, customer)
    return customer_files.public(await lookup.file(request, customer, file_id))


@router.get("/api/customers/{display_id}/files/{file_id}", tags=["customers"], summary="Download a file")
async def api_download(request: Request, display_id: str, file_id: Id) -> Response:
    return await _send(request, display_id, file_id)


@router.delete("/api/customers/{display_id}/files/{file_id}", tags=["customers"], summary="Delete a file")
async def api_delete(request: Request, display_id: str, file_id: Id) -> dict[str, Any]:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    row = await lookup.file(request, customer, file_id)
    actor = actor_of(request)
    await customer_files.delete_file(b.db, files_of(request), b.clock.now(), actor, customer, row)
    return {"deleted": file_id}
