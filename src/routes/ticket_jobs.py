"""Linked jobs on a ticket (issue 24): link and unlink from the ticket page and the JSON API. Only
jobs of the ticket's customer that the caller may see (tickets.job_links; 422 naming `job_id`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from core.inputs import Id
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to
from tickets import job_links

router = APIRouter(tags=["tickets"])


class LinkJob(BaseModel):
    job_id: Id


def public_job(row: dict[str, Any]) -> dict[str, Any]:
    return {"job_id": row["id"], "display_id": row["display_id"], "status": row["status"]}


async def _linked(request: Request, ticket: dict[str, Any]) -> dict[str, Any]:
    rows = await job_links.jobs_of(bindings_of(request).db, current_user(request), ticket["id"])
    return {"number": ticket["number"], "jobs": [public_job(r) for r in rows]}


@router.post("/tickets/{number}/jobs", include_in_schema=False)
async def link_page(request: Request, number: str, job_id: int | None = Form(None)) -> Response:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#jobs"):
        job = await job_links.link(b.db, b.clock.now(), current_user(request), ticket, job_id or 0)
    return redirect(f"/tickets/{ticket['number']}#jobs", f"{job['display_id']} linked.")


@router.post("/tickets/{number}/jobs/{job_id}/unlink", include_in_schema=False)
async def unlink_page(request: Request, number: str, job_id: Id) -> Response:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#jobs"):
        await job_links.unlink(b.db, b.clock.now(), current_user(request), ticket, job_id)
    return redirect(f"/tickets/{ticket['number']}#jobs", "Job unlinked.")


@router.post("/api/tickets/{number}/jobs", summary="Link a job of the ticket's customer", status_code=201)
async def api_link(request: Request, number: str, body: LinkJob) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    await job_links.link(b.db, b.clock.now(), current_user(request), ticket, body.job_id)
    return await _linked(request, ticket)


@router.delete("/api/tickets/{number}/jobs/{job_id}", summary="Unlink a job from the ticket")
async def api_unlink(request: Request, number: str, job_id: Id) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    await job_links.unlink(b.db, b.clock.now(), current_user(request), ticket, job_id)
    return await _linked(request, ticket)
