"""The Workiz import (IMP-1…IMP-10): `POST /api/jobs/import` (multipart: `file`, `office_id`,
`company`) reads the file into a batch and answers what needs mapping; `POST
/api/jobs/import/{import_id}/commit` creates the jobs a bounded number of rows per call (call again
until `state` is `done`); `GET /api/jobs/import/{import_id}` is the progress. The page `/jobs/import`
drives them through static/job_import.js. Owner, admin and finance admin (IMP-10).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz
from core.errors import Invalid
from core.inputs import Id
from jobs import actions, workiz
from routes.guard import bindings_of, current_user
from routes.pages import render
from routes.uploads import read_upload

router = APIRouter(tags=["jobs"])


@router.post(
    "/api/jobs/import",
    status_code=201,
    summary="Read a Workiz export (.xlsx/.csv, ≤ 5,000 rows, ≤ 10 MB) into an import batch: the preview",
)
async def api_preview(request: Request) -> dict[str, Any]:
    name, data = await read_upload(request, "file", workiz.MAX_BYTES, "spreadsheet")
    form = await request.form()
    office = str(form.get("office_id") or "")
    if not office.isdigit():
        raise Invalid("office_id: pick the office for the batch.", "office_id")
    b = bindings_of(request)
    company = str(form.get("company") or "")
    return await workiz.preview(b.db, b.clock.now(), current_user(request), int(office), company, name, data)


class CommitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mapping: dict[str, dict[str, Id | None]] | None = Field(
        None,
        description="each unmatched value once: {tech: {name: contractor id|null}, source: {name: partner id}, "
        "type: {name: job type id}}; given on the first call",
    )


@router.post("/api/jobs/import/{import_id}/commit", summary="Create the batch's jobs (call until state = done)")
async def api_commit(request: Request, import_id: str, body: CommitIn) -> dict[str, Any]:
    b = bindings_of(request)
    user = current_user(request)
    batch = await workiz.batch_of(b.db, user, import_id[:40])
    return await workiz.commit(b.db, b.clock.now(), user, batch, body.mapping)


@router.get("/api/jobs/import/{import_id}", summary="An import's progress and, when done, its skipped rows")
async def api_progress(request: Request, import_id: str) -> dict[str, Any]:
    b = bindings_of(request)
    batch = await workiz.batch_of(b.db, current_user(request), import_id[:40])
    return await workiz.progress(b.db, batch["uuid"])


@router.get("/jobs/import", include_in_schema=False)
async def import_page(request: Request) -> Response:
    db = bindings_of(request).db
    user = current_user(request)
    offices = [o for o in await actions.enabled_offices(db) if authz.visible_office(user, o["id"])]
    return render(
        request,
        "jobs/import.html",
        offices=offices,
        contractors=await db.all("SELECT id, name FROM contractors WHERE active = 1 ORDER BY name COLLATE NOCASE"),
        partners=await db.all("SELECT id, name FROM job_partners WHERE active = 1 ORDER BY name COLLATE NOCASE"),
        job_types=await db.all(
            "SELECT id, label AS name FROM job_types WHERE active = 1 ORDER BY label COLLATE NOCASE"
        ),
        max_rows=workiz.MAX_ROWS,
    )
