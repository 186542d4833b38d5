"""Tasks (issue 23, TSK-1…TSK-10): the 📋 page with its three tabs, the create form (pre-linked from a
lead, job, customer or ticket), done / re-open / delete, the badge's count, and `/api/tasks`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz, offices, users
from core.errors import Invalid
from core.inputs import Id, parse_id
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render
from tasks import tasks

router = APIRouter()

SCOPE_LABELS = {"mine": "My Tasks", "office": "My Office", "all": "All"}


def _scopes(request: Request) -> list[str]:
    user = current_user(request)
    return [s for s in authz.TASK_SCOPES if s != "all" or authz.can(user, "tasks.all")]


async def _choices(request: Request) -> tuple[list[Any], list[Any]]:
    """Whom the signed-in user may assign to (TSK-9): their offices and active teammates."""
    db, user = bindings_of(request).db, current_user(request)
    office_rows = [
        o for o in await offices.all_offices(db, include_inactive=False) if authz.may_assign_office(user, o.id)
    ]
    people = [u for u in await users.all_users(db) if authz.may_assign_user(user, u, None)]
    return office_rows, people


@router.get("/tasks", include_in_schema=False)
async def page(
    request: Request,
    scope: str = Query("mine", max_length=10),
    status: str = Query("open", max_length=10),
    link_kind: str = Query("", max_length=10),
    link_id: str = Query("", max_length=20),
) -> Response:
    b, user = bindings_of(request), current_user(request)
    scope = scope if scope in _scopes(request) else "mine"
    link = await lookup.task_link(request, link_kind, link_id) if link_kind and link_id else None
    rows = await tasks.listing(b.db, user, scope, status if status in ("open", "done") else "open")
    office_rows, people = await _choices(request)
    return render(
        request,
        "tasks/page.html",
        rows=rows,
        scope=scope,
        status=status,
        scopes=[(s, SCOPE_LABELS[s]) for s in _scopes(request)],
        link=link,
        offices=office_rows,
        people=people,
        now=b.clock.now(),
        overdue=lambda r: tasks.is_overdue(r, b.clock.now()),
        may_edit=lambda r: authz.may_edit_task(user, r),
    )


def _assignee(assign_to: str, user_id: str, office_id: str) -> dict[str, Any]:
    if assign_to == "office":
        return {"assignee_user_id": None, "assignee_office_id": parse_id(office_id)}
    return {"assignee_user_id": parse_id(user_id), "assignee_office_id": None}


@router.post("/tasks", include_in_schema=False)
async def page_create(
    request: Request,
    title: str = Form("", max_length=tasks.MAX_TITLE * 4),
    description: str = Form("", max_length=tasks.MAX_DESCRIPTION * 2),
    due_at: str = Form("", max_length=40),
    assign_to: str = Form("user", max_length=10),
    assignee_user_id: str = Form("", max_length=12),
    assignee_office_id: str = Form("", max_length=12),
    link_kind: str = Form("", max_length=10),
    link_id: str = Form("", max_length=20),
    back: str = Form("", max_length=200),
) -> Response:
    b, user = bindings_of(request), current_user(request)
    target = back if back.startswith("/") and not back.startswith("//") else "/tasks"
    with refusals_go_back_to(target):
        link = await lookup.task_link(request, link_kind, link_id) if link_kind and link_id else None
        values = {"title": title, "description": description, "due_at": due_at}
        await tasks.create(
            b.db, b.clock.now(), user, {**values, **_assignee(assign_to, assignee_user_id, assignee_office_id)}, link
        )
    return redirect(target, f"Task “{title.strip()[:60]}” created.")


async def _verb(request: Request, task_id: int, verb: Any, done: str, back: str) -> Response:
    target = back if back.startswith("/") and not back.startswith("//") else "/tasks"
    row = await lookup.task(request, task_id)
    with refusals_go_back_to(target):
        await lookup.act(request, row, verb)
    return redirect(target, done.format(title=row["title"][:60]))


@router.post("/tasks/{task_id}/done", include_in_schema=False)
async def page_done(request: Request, task_id: Id, back: str = Form("", max_length=200)) -> Response:
    return await _verb(request, task_id, tasks.mark_done, "✅ “{title}” done.", back)


@router.post("/tasks/{task_id}/reopen", include_in_schema=False)
async def page_reopen(request: Request, task_id: Id, back: str = Form("", max_length=200)) -> Response:
    return await _verb(request, task_id, tasks.reopen, "↩ “{title}” re-opened.", back)


@router.post("/tasks/{task_id}/delete", include_in_schema=False)
async def page_delete(request: Request, task_id: Id, back: str = Form("", max_length=200)) -> Response:
    return await _verb(request, task_id, tasks.delete, "Task “{title}” deleted.", back)


# --- API -----------------------------------------------------------------------------------------


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(lead|customer|job|ticket)$")
    id: str = Field(min_length=1, max_length=20, description="The record's display id, e.g. L-1042 or C-1007")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=tasks.MAX_TITLE * 4)
    description: str = Field("", max_length=tasks.MAX_DESCRIPTION * 2)
    due_at: str | None = Field(None, max_length=40, description="ISO date-time; without an offset, in your zone")
    assignee_user_id: Id | None = None
    assignee_office_id: Id | None = None
    link: LinkIn | None = None
    ticket_id: str | None = Field(
        None, min_length=1, max_length=20, description="A ticket's number (T-1001): the same as link kind ticket"
    )


class TaskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=tasks.MAX_TITLE * 4)
    description: str | None = Field(None, max_length=tasks.MAX_DESCRIPTION * 2)
    due_at: str | None = Field(None, max_length=40)
    assignee_user_id: Id | None = None
    assignee_office_id: Id | None = None


@router.get("/api/tasks", tags=["tasks"], summary="Tasks in a scope: mine, office or all (TSK-2)")
async def api_list(
    request: Request,
    scope: str = Query("mine", pattern="^(mine|office|all)$"),
    status: str = Query("open", pattern="^(open|done|any)$"),
) -> list[dict[str, Any]]:
    if scope == "all" and not authz.can(current_user(request), "tasks.all"):
        raise Invalid("Only admins and the owner see All.", "scope")
    rows = await tasks.listing(bindings_of(request).db, current_user(request), scope, status)
    return [tasks.public(r) for r in rows]


@router.get("/api/tasks/badge", tags=["tasks"], summary="Open My Tasks due today or overdue (the 📋 badge, TSK-3)")
async def api_badge(request: Request) -> dict[str, int]:
    b = bindings_of(request)
    return {"due": await tasks.badge_count(b.db, current_user(request), b.clock.now())}


@router.post("/api/tasks", tags=["tasks"], summary="Create a task (TSK-1, TSK-9)", status_code=201)
async def api_create(request: Request, body: TaskIn) -> dict[str, Any]:
    b, user = bindings_of(request), current_user(request)
    if body.link and body.ticket_id:
        raise Invalid("A task links to one record: send link or ticket_id, not both.", "ticket_id")
    link: tasks.Link | None = None
    if body.ticket_id:
        link = await lookup.task_link(request, "ticket", body.ticket_id, "ticket_id")
    elif body.link:
        link = await lookup.task_link(request, body.link.kind, body.link.id)
    values = body.model_dump(exclude={"link", "ticket_id"})
    task_id = await tasks.create(b.db, b.clock.now(), user, values, link)
    return tasks.public(await lookup.task(request, task_id))


@router.get("/api/tasks/{task_id}", tags=["tasks"], summary="One task")
async def api_get(request: Request, task_id: Id) -> dict[str, Any]:
    return tasks.public(await lookup.task(request, task_id))


@router.patch("/api/tasks/{task_id}", tags=["tasks"], summary="Edit a task (creator, assignee, admins; TSK-6)")
async def api_patch(request: Request, task_id: Id, body: TaskPatch) -> dict[str, Any]:
    row = await lookup.task(request, task_id)
    await lookup.act(request, row, tasks.update, body.model_dump(exclude_unset=True))
    return tasks.public(await lookup.task(request, task_id))


@router.delete("/api/tasks/{task_id}", tags=["tasks"], summary="Delete a task (creator, assignee, admins)")
async def api_delete(request: Request, task_id: Id) -> Response:
    await lookup.act(request, await lookup.task(request, task_id), tasks.delete)
    return Response(status_code=204)


@router.post("/api/tasks/{task_id}/done", tags=["tasks"], summary="Mark done; the second to try gets 409 (TSK-7)")
async def api_done(request: Request, task_id: Id) -> dict[str, Any]:
    await lookup.act(request, await lookup.task(request, task_id), tasks.mark_done)
    return tasks.public(await lookup.task(request, task_id))


@router.post("/api/tasks/{task_id}/reopen", tags=["tasks"], summary="Re-open a done task (TSK-4, TSK-6)")
async def api_reopen(request: Request, task_id: Id) -> dict[str, Any]:
    await lookup.act(request, await lookup.task(request, task_id), tasks.reopen)
    return tasks.public(await lookup.task(request, task_id))
