"""The 📱 SMS panel (SMS-1…SMS-9, SMS-11): the thread list and one conversation, server-rendered, as
the /sms page and as the fragment of the slide-over the top bar's 📱 opens over any page (sms-panel.js);
`public/static/sms.js` polls `/api/last-change` each second and reloads the two fragments when the
stamp moves. Replies and attachments are a multipart form (works without JS too)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from accounts import authz, offices
from core import attachments
from core.attachments import FileRefused
from core.inputs import Count, Id, parse_id
from core.storage import Row
from messaging import consent, inbox, lines, media, sms, sms_delivery, templates, threads
from routes import lookup, outbox_kick
from routes.guard import actor_of, bindings_of, current_user, files_of
from routes.pages import redirect, render
from routes.uploads import ENVELOPE

router = APIRouter()
assert sms_delivery.KIND == sms.KIND  # importing it registers the outbox handler for texts


def filters_of(request: Request) -> inbox.Filters:
    p = request.query_params
    office_ids = tuple(o for o in (parse_id(v) for v in p.getlist("office")) if o is not None)
    return inbox.Filters(
        p.get("q", "")[:80], office_ids, p.get("unread") in ("1", "on", "true"), p.get("before", "")[:60]
    )


def _query(filters: inbox.Filters, **extra: Any) -> str:
    pairs: list[tuple[str, Any]] = [("q", filters.search)] if filters.search else []
    pairs += [("office", o) for o in filters.offices]
    if filters.unread_only:
        pairs.append(("unread", "1"))
    pairs += [(k, v) for k, v in extra.items() if v]
    return urlencode(pairs)


async def thread_context(request: Request, thread: Row) -> dict[str, Any]:
    """What the conversation pane shows, and why the reply box is locked when it is (NUM-3/4, STOP)."""
    db = bindings_of(request).db
    user = current_user(request)
    locked = lines.refusal({"number": thread["line_number"], "no_reply": thread["no_reply"]})
    stop = await consent.suppression(db, thread["their_number"])
    if not locked and stop is not None:
        locked = (
            consent.opted_out_message(thread["their_number"], stop)
            + " Every text to this number is refused until they reply START."
        )
    if not locked and not authz.can(user, "sms.send"):
        locked = "Your role can read conversations but not reply."
    return {
        "thread": thread,
        "messages": await threads.messages(db, thread["id"]),
        "locked": locked,
        "templates": await templates.all_templates(db),
        "max_body": sms.MAX_BODY,
    }


async def _list_context(request: Request) -> dict[str, Any]:
    b, user = bindings_of(request), current_user(request)
    filters = filters_of(request)
    page = await inbox.threads_page(b.db, user, filters)
    all_offices = authz.visible_offices(user, await offices.all_offices(b.db, include_inactive=False))
    return {"page": page, "filters": filters, "offices": all_offices, "query": _query(filters)}


async def _inbox_context(request: Request, thread: Id | None) -> dict[str, Any]:
    """The thread list, the chosen conversation (else the newest) and the change stamp the poll starts from."""
    context = await _list_context(request)
    chosen = await lookup.sms_thread(request, thread) if thread else None
    if chosen is None and context["page"].threads:
        chosen = await lookup.sms_thread(request, context["page"].threads[0]["id"])
    pane = await thread_context(request, chosen) if chosen else {}
    stamp = await inbox.last_change(bindings_of(request).db, current_user(request))
    return {"chosen": chosen, "stamp": stamp, **context, **pane}


@router.get("/sms", include_in_schema=False)
async def panel(request: Request, thread: Id | None = None) -> Response:
    return render(request, "sms/panel.html", title="SMS", **await _inbox_context(request, thread))


@router.get("/sms/panel", include_in_schema=False)
async def overlay(request: Request, thread: Id | None = None) -> Response:
    """The same inbox as a fragment for the slide-over the top bar's 📱 opens on any page; the full page
    without htmx (a bookmarked or opened-in-a-new-tab fragment URL)."""
    if request.headers.get("hx-request") != "true":
        query = request.url.query
        return redirect("/sms" + (f"?{query}" if query else ""))
    return render(request, "sms/_inbox.html", overlay=True, **await _inbox_context(request, thread))


@router.get("/sms/threads", include_in_schema=False)
async def thread_list(request: Request) -> Response:
    context = await _list_context(request)
    selected = parse_id(request.query_params.get("selected", ""))
    return render(request, "sms/_list.html", selected=selected, **context)


@router.get("/sms/threads/{thread_id}", include_in_schema=False)
async def thread_pane(request: Request, thread_id: Id) -> Response:
    thread = await lookup.sms_thread(request, thread_id)
    if request.headers.get("hx-request") != "true":
        return redirect(f"/sms?thread={thread_id}")
    return render(request, "sms/_thread.html", **await thread_context(request, thread))


async def read_reply(request: Request) -> tuple[str, list[tuple[str, bytes]]]:
    """(body, files) of a reply form, bounded before parsing (413), one attachment at most."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > media.MAX_BYTES + ENVELOPE:
        raise FileRefused("Attachments may be at most 4 MB.", 413)
    form = await request.form(max_files=1, max_fields=5)
    files = []
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        files.append((upload.filename, await upload.read(media.MAX_BYTES + 1)))
    body = form.get("body")
    return (body if isinstance(body, str) else ""), files


async def send_reply(request: Request, thread: Row, body: str, files: list[tuple[str, bytes]]) -> str:
    b = bindings_of(request)
    uploads = [media.check(name, data) for name, data in files]
    uid = await sms.reply(b.db, b.files, b.clock.now(), actor_of(request), thread, body, uploads)
    outbox_kick.soon(request)  # delivered right after the response
    return uid


@router.post("/sms/threads/{thread_id}/reply", include_in_schema=False)
async def reply_form(request: Request, thread_id: Id) -> Response:
    thread = await lookup.sms_thread(request, thread_id)
    body, files = await read_reply(request)
    await send_reply(request, thread, body, files)
    if request.headers.get("hx-request") == "true":
        fresh = await lookup.sms_thread(request, thread_id)
        return render(request, "sms/_thread.html", **await thread_context(request, fresh))
    return redirect(f"/sms?thread={thread_id}")


async def _flip(request: Request, thread_id: Id, verb: str) -> Response:
    thread = await lookup.sms_thread(request, thread_id)
    db = bindings_of(request).db
    await (sms.resolve(db, thread["id"]) if verb == "resolve" else sms.mark_unread(db, thread["id"]))
    if request.headers.get("hx-request") == "true":
        fresh = await lookup.sms_thread(request, thread_id)
        return render(request, "sms/_thread.html", **await thread_context(request, fresh))
    return redirect(f"/sms?thread={thread_id}")


@router.post("/sms/threads/{thread_id}/resolve", include_in_schema=False)
async def resolve_form(request: Request, thread_id: Id) -> Response:
    return await _flip(request, thread_id, "resolve")


@router.post("/sms/threads/{thread_id}/unread", include_in_schema=False)
async def unread_form(request: Request, thread_id: Id) -> Response:
    return await _flip(request, thread_id, "unread")


@router.get("/sms/attachments/{uid}/{index}", include_in_schema=False)
async def attachment(request: Request, uid: str, index: Count) -> Response:
    db = bindings_of(request).db
    message = await threads.message_by_uid(db, uid[:40])
    if message is None:
        raise HTTPException(404, "Not found.")
    await lookup.sms_thread(request, message["thread_id"])  # the conversation's scope decides
    item = await sms.attachment(db, uid, index)
    data = await files_of(request).get(item["key"]) if item else None
    if item is None or data is None:
        raise HTTPException(404, "Not found.")
    name = str(item.get("name") or "attachment")
    return Response(
        data,
        media_type=str(item["content_type"]),
        headers={
            "Content-Disposition": f'inline; filename="{attachments.ascii_name(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )
