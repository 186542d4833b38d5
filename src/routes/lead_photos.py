"""Photos on a lead: the record page's panel (forms, no JS needed), the image route, the JSON API.

Images are served inline, but only after the lead's access check, with the type sniffed at upload,
`nosniff` and a CSP that allows nothing, so a photo can only ever be shown as a picture.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from core import attachments
from core.inputs import Id
from core.storage import Row
from leads import photos as lead_photos
from routes import lookup
from routes.guard import actor_of, bindings_of, current_user, files_of
from routes.pages import redirect, refusals_go_back_to
from routes.uploads import read_upload

router = APIRouter()


async def _upload(request: Request, lead: Row) -> int:
    name, data = await read_upload(request, "photo", lead_photos.MAX_BYTES, "photo")
    checked = lead_photos.check_photo(name, data)
    b = bindings_of(request)
    return await lead_photos.add_photo(b.db, files_of(request), b.clock.now(), actor_of(request), lead, checked)


async def _delete(request: Request, display_id: str, photo_id: Id) -> Row:
    b = bindings_of(request)
    lead = await lookup.lead(request, display_id)
    photo = await lookup.photo(request, lead, photo_id)
    await lead_photos.delete_photo(
        b.db, files_of(request), b.clock.now(), current_user(request), actor_of(request), lead, photo
    )
    return photo


@router.get("/leads/{display_id}/photos/{photo_id}", include_in_schema=False)
async def show_photo(request: Request, display_id: str, photo_id: Id) -> Response:
    lead = await lookup.lead(request, display_id)
    photo = await lookup.photo(request, lead, photo_id)
    data = await lead_photos.read_photo(files_of(request), photo)
    if data is None:
        raise HTTPException(410, "The photo's bytes are missing from storage.")
    name = photo["filename"]
    return Response(
        data,
        media_type=photo["content_type"],
        headers={
            "Content-Disposition": f'inline; filename="{attachments.ascii_name(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )


@router.post("/leads/{display_id}/photos", include_in_schema=False)
async def upload_from_form(request: Request, display_id: str) -> Response:
    lead = await lookup.lead(request, display_id)
    with refusals_go_back_to(f"/leads/{lead['display_id']}#photos"):
        await _upload(request, lead)
    return redirect(f"/leads/{lead['display_id']}#photos", "Photo added.")


@router.post("/leads/{display_id}/photos/{photo_id}/delete", include_in_schema=False)
async def delete_from_form(request: Request, display_id: str, photo_id: Id) -> Response:
    photo = await _delete(request, display_id, photo_id)
    return redirect(f"/leads/{display_id.upper()}#photos", f"Deleted “{photo['filename']}”.")


@router.get("/api/leads/{display_id}/photos", tags=["leads"], summary="A lead's photos, newest first")
async def api_list(request: Request, display_id: str) -> dict[str, Any]:
    lead = await lookup.lead(request, display_id)
    rows = await lead_photos.photos_for(bindings_of(request).db, lead["id"])
    return {"items": [lead_photos.public(r, lead["display_id"]) for r in rows]}


@router.post(
    "/api/leads/{display_id}/photos",
    tags=["leads"],
    summary="Add a photo (multipart field `photo`; PNG, JPEG, GIF or WebP; at most 10 MB)",
    status_code=201,
)
async def api_upload(request: Request, display_id: str) -> dict[str, Any]:
    lead = await lookup.lead(request, display_id)
    photo_id = await _upload(request, lead)
    rows = await lead_photos.photos_for(bindings_of(request).db, lead["id"])
    return next(lead_photos.public(r, lead["display_id"]) for r in rows if r["id"] == photo_id)


@router.delete(
    "/api/leads/{display_id}/photos/{photo_id}", tags=["leads"], summary="Delete a photo (its uploader, or admin+)"
)
async def api_delete(request: Request, display_id: str, photo_id: Id) -> dict[str, Any]:
    await _delete(request, display_id, photo_id)
    return {"deleted": photo_id}
