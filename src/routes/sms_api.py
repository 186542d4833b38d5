"""The SMS JSON API (docs/api.md "SMS"): the change stamp, threads, replies, lines, senders, templates.

`POST /api/sms/reply` takes JSON `{"thread_id": …, "body": …}` (or `{"line_id": …, "to": …, "body": …}`
to start a conversation), or a multipart form with `thread_id`, `body` and one `file` (MMS). Answers
201 `{"uid", "status": "queued"}`; 403 from a toll-free or no-reply line or to an opted-out number;
404 for another office's thread or an unknown line; 413/415 for the attachment; 422 for the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz
from core.errors import Invalid, NotFound
from core.inputs import Id, parse_id
from messaging import inbox, lines, sms, templates, threads
from routes import lookup
from routes.guard import actor_of, bindings_of, current_user
from routes.sms import filters_of, read_reply, send_reply

router = APIRouter(tags=["sms"])


def _thread_json(row: dict[str, Any]) -> dict[str, Any]:
    person = row.get("lead") or row.get("customer")
    return {
        "id": row["id"],
        "line": {"id": row["line_id"], "number": row["line_number"], "label": row["line_label"]},
        "office_id": row["office_id"],
        "their_number": row["their_number"],
        "lead": {"display_id": row["lead"]["display_id"], "name": row["lead"]["name"]} if row.get("lead") else None,
        "customer": (
            {"display_id": row["customer"]["display_id"], "name": row["customer"]["name"]}
            if row.get("customer")
            else None
        ),
        "name": person["name"] if person else None,
        "unread": row["unread"],
        "last_at": row["last_at"],
        "last_body": row["last_body"],
        "last_direction": row["last_direction"],
    }


def _message_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": row["uid"],
        "direction": row["direction"],
        "body": row["body"],
        "status": row["status"],
        "error": row["error"] or None,
        "origin": row["origin"],
        "resolved": bool(row["resolved"]),
        "attachments": [
            {"name": m.get("name"), "content_type": m.get("content_type"), "url": m.get("url")} for m in row["media"]
        ],
        "created_at": row["created_at"],
    }


@router.get("/api/last-change", summary="The SMS change stamp and unread count (poll each second)")
async def last_change(request: Request) -> dict[str, int]:
    return await inbox.last_change(bindings_of(request).db, current_user(request))


@router.get("/api/sms/threads", summary="SMS threads, newest first (q, office, unread, before)")
async def list_threads(request: Request) -> dict[str, Any]:
    page = await inbox.threads_page(bindings_of(request).db, current_user(request), filters_of(request))
    return {"threads": [_thread_json(t) for t in page.threads], "next": page.next_cursor or None}


@router.get("/api/sms/threads/{thread_id}", summary="One SMS thread with its messages")
async def show_thread(request: Request, thread_id: Id) -> dict[str, Any]:
    thread = await lookup.sms_thread(request, thread_id)
    messages = await threads.messages(bindings_of(request).db, thread_id)
    return {**_thread_json(thread), "messages": [_message_json(m) for m in messages]}


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    thread_id: Id | None = None
    line_id: Id | None = None
    to: str | None = Field(default=None, max_length=40)
    body: str = Field(default="", max_length=4000)


async def _thread_for(request: Request, data: ReplyIn) -> dict[str, Any]:
    if data.thread_id is not None:
        return await lookup.sms_thread(request, data.thread_id)
    if data.line_id is None or not data.to:
        raise Invalid("Name the thread_id, or a line_id and to.", "thread_id")
    b, user = bindings_of(request), current_user(request)
    line = await lines.by_id(b.db, data.line_id)
    if not authz.sees_sms_thread(user, line["office_id"]):
        raise NotFound("We couldn't find that SMS line.")
    number = lines.e164(data.to)
    existing = await inbox.existing_thread(b.db, user, line["id"], number)
    if existing is not None:
        return existing
    return {
        "id": None,
        "line_id": line["id"],
        "line_number": line["number"],
        "no_reply": line["no_reply"],
        "their_number": number,
        "their_last10": number[-10:],
    }


@router.post("/api/sms/reply", status_code=201, summary="Send a text in a thread (or start one); queued at once")
async def api_reply(request: Request) -> JSONResponse:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        body, files = await read_reply(request)
        form = await request.form()
        data = ReplyIn(thread_id=parse_id(str(form.get("thread_id") or "")), body=body)
    else:
        try:
            data = ReplyIn.model_validate(await request.json())
        except ValueError as exc:
            raise Invalid(f"Send JSON with thread_id and body: {str(exc)[:200]}", "body") from None
        files, body = [], data.body
    thread = await _thread_for(request, data)
    uid = await send_reply(request, thread, body, files)
    return JSONResponse({"uid": uid, "status": "queued"}, status_code=201)


@router.post("/api/sms/threads/{thread_id}/resolve", summary="Resolve a thread (clears its unread badge)")
async def api_resolve(request: Request, thread_id: Id) -> dict[str, Any]:
    thread = await lookup.sms_thread(request, thread_id)
    await sms.resolve(bindings_of(request).db, thread["id"])
    return {"id": thread_id, "unread": 0}


@router.post("/api/sms/threads/{thread_id}/unread", summary="Flip a thread back to unread")
async def api_unread(request: Request, thread_id: Id) -> dict[str, Any]:
    thread = await lookup.sms_thread(request, thread_id)
    await sms.mark_unread(bindings_of(request).db, thread["id"])
    fresh = await lookup.sms_thread(request, thread_id)
    return {"id": thread_id, "unread": fresh["unread"]}


@router.get("/api/sms/lines", summary="Our SMS lines")
async def api_lines(request: Request) -> dict[str, Any]:
    rows = await lines.all_lines(bindings_of(request).db)
    return {
        "lines": [
            {
                "id": r["id"],
                "number": r["number"],
                "label": r["label"],
                "office_id": r["office_id"],
                "no_reply": bool(r["no_reply"]),
                "can_send": lines.refusal(r) is None,
                "why_not": lines.refusal(r),
            }
            for r in rows
        ]
    }


@router.post("/api/sms/lines/sync", summary="Sync lines from the provider (upsert by number)")
async def api_sync(request: Request) -> dict[str, int]:
    b = bindings_of(request)
    async with b.http() as http:
        done = await lines.sync(b.db, http, b.sms, b.clock.now(), actor_of(request))
    return {"seen": done.seen, "added": done.added}


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    office_id: Id | None = None
    no_reply: bool = False
    label: str = Field(default="", max_length=80)


@router.patch("/api/sms/lines/{line_id}", summary="Set a line's office, label and no-reply switch")
async def api_line(request: Request, line_id: Id, data: LineIn) -> dict[str, Any]:
    b = bindings_of(request)
    await lines.configure(b.db, b.clock.now(), actor_of(request), line_id, data.office_id, data.no_reply, data.label)
    return {"id": line_id, "office_id": data.office_id, "no_reply": data.no_reply, "label": data.label}


class SenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Id


@router.put("/api/sms/senders/{office_id}", summary="Pick the office's sender line (NUM-2)")
async def api_sender(request: Request, office_id: Id, data: SenderIn) -> dict[str, int]:
    b = bindings_of(request)
    await lines.choose_sender(b.db, b.clock.now(), actor_of(request), office_id, data.line_id)
    return {"office_id": office_id, "line_id": data.line_id}


@router.get("/api/sms/templates", summary="Quick-reply templates (NUM-5)")
async def api_templates(request: Request) -> dict[str, Any]:
    return {"templates": await templates.all_templates(bindings_of(request).db)}


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    body: str = Field(max_length=4000)


@router.post("/api/sms/templates", status_code=201, summary="Add a quick-reply template")
async def api_add_template(request: Request, data: TemplateIn) -> dict[str, Any]:
    b = bindings_of(request)
    new_id = await templates.create(b.db, b.clock.now(), actor_of(request), data.name, data.body)
    return {"id": new_id, "name": data.name.strip(), "body": data.body.strip()}


@router.delete("/api/sms/templates/{template_id}", status_code=204, summary="Delete a template")
async def api_delete_template(request: Request, template_id: Id) -> None:
    b = bindings_of(request)
    await templates.delete(b.db, b.clock.now(), actor_of(request), template_id)
