"""Jobs as JSON (issue 20): the list with the board's filters and cursor paging, one job with its
timeline, create, edit, status, K-confirm, rebook, contractor, archive/restore, delete, and the
attention count. Money is integer cents (`*_cents`), percentages basis points (`*_bp`).
The board page is routes/job_board.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz
from core import records
from core.errors import Forbidden, Invalid
from core.inputs import Id
from core.storage import Row
from jobs import actions, archive, board, dispatch, record, schedule, status
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch

router = APIRouter(tags=["jobs"])


class ListParams:
    """The board's filters (BRD-3, BRD-6, BRD-7; repeat a key for several values)."""

    def __init__(
        self,
        status: list[str] = Query([], description="submitted, in_progress, deposit, pending, done, cancelled"),
        job_type: list[Id] = Query([]),
        job_source: list[Id] = Query([], description="Job Source: job partner ids"),
        office: list[Id] = Query([]),
        contractor: list[str] = Query([], description="contractor ids, or `unassigned`"),
        date_from: str = Query("", max_length=10, description="first local date_start, YYYY-MM-DD"),
        date_to: str = Query("", max_length=10, description="last local date_start, YYYY-MM-DD"),
        attention: bool = Query(False, description="only jobs needing attention (ignores the dates)"),
        rebooked: bool = Query(False, description="only jobs with rebooked_at set"),
        archived: bool = Query(False, description="the archived jobs instead (admin and above)"),
        q: str = Query("", max_length=60, description="name, phone digits, address, job number, contractor"),
        cursor: str = Query("", max_length=200),
        limit: int = Query(board.PAGE, ge=1, le=board.MAX_PAGE),
    ):
        self.values = dict(locals())
        self.values.pop("self")


def filters(user_params: dict[str, Any]) -> board.Filters:
    p = user_params
    for s in p["status"]:
        if s not in record.STATUSES:
            raise Invalid(f"status: {s[:30]!r} is not a job status.", "status")
    contractors: list[int] = []
    for c in p["contractor"]:
        if c == "unassigned":
            continue
        if not c.isdigit() or not 0 < int(c) < 2**53:
            raise Invalid("contractor: a contractor id or `unassigned`.", "contractor")
        contractors.append(int(c))
    return board.Filters(
        statuses=p["status"],
        job_type_ids=p["job_type"],
        partner_ids=p["job_source"],
        office_ids=p["office"],
        contractor_ids=contractors,
        unassigned="unassigned" in p["contractor"],
        date_from=schedule.check_date(p["date_from"], "date_from") if p["date_from"] else None,
        date_to=schedule.check_date(p["date_to"], "date_to") if p["date_to"] else None,
        attention=p["attention"],
        rebooked=p["rebooked"],
        q=p["q"],
        archived=p["archived"],
    )


@router.get("/api/jobs", summary="Jobs in appointment order, filtered, cursor-paged")
async def api_list(request: Request, params: ListParams = Depends()) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    f = filters(params.values)
    if f.archived:
        if not authz.can(user, "jobs.archive"):
            raise Forbidden("Only admins and above see archived jobs.")
    now = b.clock.now()
    page = await board.listing(b.db, user, now, f, limit=params.values["limit"], cursor=params.values["cursor"] or None)
    return {"items": await board.public_many(b.db, user, now, page.rows), "next_cursor": page.next_cursor}


@router.get("/api/jobs/attention-count", summary="How many visible jobs need attention (ATT-7)")
async def api_attention_count(request: Request) -> dict[str, int]:
    b = bindings_of(request)
    return {"count": await board.attention_count(b.db, current_user(request), b.clock.now())}


@router.get("/api/jobs/changes", summary="A marker that moves when a visible job changes (live refresh)")
async def api_changes(request: Request) -> dict[str, str]:
    return {"marker": await board.latest_change(bindings_of(request).db, current_user(request))}


async def one(request: Request, row: Row, *, with_timeline: bool = True) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    out = (await board.public_many(b.db, user, now, [row]))[0]
    if with_timeline:
        entries = await records.timeline_for(b.db, "job", row["id"])
        out["timeline"] = [{k: t[k] for k in ("created_at", "kind", "body", "actor_label")} for t in entries]
    return out


@router.get("/api/jobs/{display_id}", summary="One job with its derived flags and timeline")
async def api_job(request: Request, display_id: str) -> dict[str, Any]:
    return await one(request, await lookup.job(request, display_id))


class JobIn(BaseModel):
    """The New Job form (JOB-6…JOB-17)."""

    model_config = ConfigDict(extra="forbid")
    office_id: Id | None = Field(None, description="one of your offices with Jobs on; default your first")
    first_name: str = Field("", max_length=200)
    last_name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    unit: str = Field("", max_length=60)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=20)
    postal_code: str = Field("", max_length=10)
    lat: float | None = None
    lng: float | None = None
    service_area_id: Id | None = None
    job_type_id: Id | None = None
    partner_id: Id | None = Field(None, description="the Job Partner (Job Source), required")
    company: str = Field("", max_length=200, description="default: the office name")
    contractor_id: Id | None = None
    date_start: str = Field("", max_length=10)
    time_start: str = Field("", max_length=5)
    date_end: str = Field("", max_length=10, description="default: start + 2 h")
    time_end: str = Field("", max_length=5)
    notes: str = Field("", max_length=8000)
    tag_ids: list[Id] = Field(default_factory=list, max_length=50)
    lead_id: str = Field("", max_length=20, description="the lead this job is made from (L-…)")
    customer_id: str = Field("", max_length=20, description="the customer (C-…)")


@router.post("/api/jobs", status_code=201, summary="Create a job (agents and up)")
async def api_create(request: Request, body: JobIn) -> dict[str, Any]:
    b = bindings_of(request)
    created = await actions.create_job(b.db, b.geocoder, b.clock.now(), current_user(request), body.model_dump())
    return await one(request, created.job) | {"duplicate_address": created.duplicates}


class JobPatch(Patch):
    NULLABLE = frozenset({"lat", "lng", "service_area_id"})
    version: int | None = Field(None, description="the version you read; 409 when the job moved on")
    first_name: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    unit: str | None = Field(None, max_length=60)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=20)
    postal_code: str | None = Field(None, max_length=10)
    lat: float | None = None
    lng: float | None = None
    service_area_id: Id | None = None
    job_type_id: Id | None = None
    partner_id: Id | None = None
    company: str | None = Field(None, max_length=200)
    office_id: Id | None = Field(None, description="refused unless unchanged: the office is frozen")
    date_start: str | None = Field(None, max_length=10)
    time_start: str | None = Field(None, max_length=5)
    date_end: str | None = Field(None, max_length=10)
    time_end: str | None = Field(None, max_length=5)
    notes: str | None = Field(None, max_length=8000)
    tag_ids: list[Id] | None = Field(None, max_length=50)
    follow_up_date: str | None = Field(None, max_length=10, description="Pending: reschedule the follow-up")
    follow_up_time: str | None = Field(None, max_length=5)


@router.patch("/api/jobs/{display_id}", summary="Edit a job's operational fields")
async def api_patch(request: Request, display_id: str, body: JobPatch) -> dict[str, Any]:
    b = bindings_of(request)
    user = current_user(request)
    row = await lookup.job(request, display_id)
    fields = body.model_dump(exclude_unset=True)
    follow = {k: fields.pop(k) for k in ("follow_up_date", "follow_up_time") if k in fields}
    now = b.clock.now()
    if follow:
        row = await status.reschedule_follow_up(b.db, now, user, row, follow | {"version": fields.get("version")})
        fields.pop("version", None)
    if set(fields) - {"version"}:
        row = await actions.edit_job(b.db, b.geocoder, now, user, row, fields)
    return await one(request, row)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=20)
    version: int | None = None
    note: str = Field("", max_length=4000, description="required for deposit and pending")
    deposit_cents: int | None = Field(None, description="deposit: > 0")
    expected_completion_date: str | None = Field(None, max_length=10)
    follow_up_date: str | None = Field(None, max_length=10)
    follow_up_time: str | None = Field(None, max_length=5)
    closing_cents: int | None = Field(None, description="done: ≥ 0")
    parts_cents: int | None = Field(None, description="done: ≥ 0")
    cancel_reason: str | None = Field(None, max_length=300)


@router.post("/api/jobs/{display_id}/status", summary="Move a job to a status with its required fields")
async def api_status(request: Request, display_id: str, body: StatusIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    fields = body.model_dump(exclude={"status"})
    row = await status.set_status(b.db, b.clock.now(), current_user(request), row, body.status, fields)
    return await one(request, row)


class ContractorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contractor_id: Id | None = Field(None, description="null removes the contractor")


@router.post("/api/jobs/{display_id}/k-confirm", summary="K-confirm (optionally reassigning)")
async def api_k(request: Request, display_id: str, body: ContractorIn | None = None) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    chosen = body.contractor_id if body else None
    row = await dispatch.k_confirm(b.db, b.clock.now(), current_user(request), row, chosen)
    return await one(request, row)


@router.delete("/api/jobs/{display_id}/k-confirm", summary="Clear the K-confirmation")
async def api_un_k(request: Request, display_id: str) -> dict[str, Any]:
    b = bindings_of(request)
    row = await dispatch.clear_k(b.db, b.clock.now(), current_user(request), await lookup.job(request, display_id))
    return await one(request, row)


class RebookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    change_window: bool = False
    date_start: str | None = Field(None, max_length=10)
    time_start: str | None = Field(None, max_length=5)
    date_end: str | None = Field(None, max_length=10)
    time_end: str | None = Field(None, max_length=5)
    change_contractor: bool = False
    contractor_id: Id | None = None


@router.post("/api/jobs/{display_id}/rebook", summary="Rebook: new window and/or contractor; K clears")
async def api_rebook(request: Request, display_id: str, body: RebookIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await dispatch.rebook(b.db, b.clock.now(), current_user(request), row, body.model_dump())
    return await one(request, row)


@router.get("/api/jobs/{display_id}/contractors", summary="Contractors offered for this job (area + type)")
async def api_offered(request: Request, display_id: str) -> dict[str, Any]:
    row = await lookup.job(request, display_id)
    return {"items": await dispatch.offered(bindings_of(request).db, row)}


@router.put("/api/jobs/{display_id}/contractor", summary="Find Contractor: assign (or remove) the contractor")
async def api_assign(request: Request, display_id: str, body: ContractorIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await dispatch.assign(b.db, b.clock.now(), current_user(request), row, body.contractor_id)
    return await one(request, row)


@router.post("/api/jobs/{display_id}/archive", summary="Archive a job (admin and above)")
async def api_archive(request: Request, display_id: str) -> dict[str, Any]:
    b = bindings_of(request)
    row = await archive.archive(b.db, b.clock.now(), current_user(request), await lookup.job(request, display_id))
    return await one(request, row)


@router.post("/api/jobs/{display_id}/restore", summary="Restore an archived job (admin and above)")
async def api_restore(request: Request, display_id: str) -> dict[str, Any]:
    b = bindings_of(request)
    row = await archive.restore(b.db, b.clock.now(), current_user(request), await lookup.job(request, display_id))
    return await one(request, row)


@router.delete("/api/jobs/{display_id}", status_code=204, summary="Delete a job for good (owner)")
async def api_delete(request: Request, display_id: str) -> Response:
    b = bindings_of(request)
    await archive.delete(b.db, b.clock.now(), current_user(request), await lookup.job(request, display_id))
    return Response(status_code=204)
