"""The assistant's read-only tools over jobs (issue 24, AIA-2/AIA-3 with jobs from issue 20).

The same filters and scope as `GET /api/jobs` (jobs.board's `Filters`, `listing` and `public_many`
with the asking user): an agent sees their offices' jobs, a partner only their own. Counts are exact;
lists stop at 300 and say `truncated`. Each row is cut down from the job's public JSON, so the role
rules hold as they do in the API: a contractor's phone and email only to those who may see them
(never partners, X-4), the payout only to the finance roles (`jobs.finance`). Registered into
assistant.tools' TOOLS when imported (assistant.chat imports it), so tools.py needs no import back.
"""

from __future__ import annotations

from typing import Any

from accounts import authz
from assistant import tools
from core.errors import Invalid
from jobs import board, record, schedule

SHOWN = (
    "display_id",
    "status",
    "status_label",
    "office_name",
    "date_start",
    "time_start",
    "time_zone",
    "job_type_label",
    "partner_label",
    "first_name",
    "last_name",
    "company",
    "city",
    "state",
    "contractor_name",
    "customer_id",
    "attention",
)
OPTIONAL = ("contractor_phone", "contractor_email", "payout_cents")  # present only where the role may see them


async def _filters(ctx: tools.Context, args: dict[str, Any]) -> board.Filters:
    if not authz.can(ctx.user, "jobs.view"):
        raise tools.ToolError("jobs not found")
    raw = args.get("status") or []
    statuses = [raw] if isinstance(raw, str) else raw
    if not isinstance(statuses, list) or any(s not in record.STATUSES for s in statuses):
        raise tools.ToolError(f"status must be among {', '.join(record.STATUSES)}")
    dates: dict[str, str | None] = {}
    for name in ("date_from", "date_to"):
        try:
            dates[name] = schedule.check_date(args[name], name) if args.get(name) else None
        except Invalid:
            raise tools.ToolError(f"{name} must be a date as YYYY-MM-DD") from None
    for name in ("attention", "rebooked"):
        if args.get(name) is not None and not isinstance(args.get(name), bool):
            raise tools.ToolError(f"{name} must be true or false")
    return board.Filters(
        statuses=list(statuses),
        office_ids=await tools._office_ids(ctx, args),
        date_from=dates["date_from"],
        date_to=dates["date_to"],
        attention=bool(args.get("attention")),
        rebooked=bool(args.get("rebooked")),
        q=tools._text(args, "query", 60),
    )


async def count_jobs(ctx: tools.Context, args: dict[str, Any]) -> dict[str, Any]:
    f = await _filters(ctx, args)
    return {"count": await board.count(ctx.db, ctx.user, ctx.now, f), "filters": args}


async def list_jobs(ctx: tools.Context, args: dict[str, Any]) -> dict[str, Any]:
    f = await _filters(ctx, args)
    limit = tools._limit(args)
    rows: list[Any] = []
    cursor: str | None = None
    while len(rows) <= limit:
        page = await board.listing(ctx.db, ctx.user, ctx.now, f, limit=limit + 1 - len(rows), cursor=cursor)
        rows += page.rows
        cursor = page.next_cursor
        if cursor is None:
            break
    shown = await board.public_many(ctx.db, ctx.user, ctx.now, rows[:limit])
    items = [{k: j.get(k) for k in SHOWN} | {k: j[k] for k in OPTIONAL if k in j} for j in shown]
    return {"items": items, "returned": len(items), "truncated": len(rows) > limit}


_FILTERS = {
    "office": tools._OFFICE,
    "status": {"type": "array", "items": {"type": "string", "enum": list(record.STATUSES)}},
    "date_from": {"type": "string", "description": "first appointment date, YYYY-MM-DD"},
    "date_to": {"type": "string", "description": "last appointment date, YYYY-MM-DD"},
    "attention": {"type": "boolean", "description": "only jobs needing attention"},
    "rebooked": {"type": "boolean"},
    "query": {"type": "string", "description": "name, phone digits, address, job number, contractor"},
}

TOOLS: dict[str, tuple[Any, dict[str, Any]]] = {
    "count_jobs": (count_jobs, tools._spec("count_jobs", "Exact number of (unarchived) jobs.", _FILTERS)),
    "list_jobs": (
        list_jobs,
        tools._spec(
            "list_jobs",
            f"Jobs in appointment order, at most {tools.LIST_CAP}.",
            {**_FILTERS, "limit": tools._LIMIT},
        ),
    ),
}

tools.TOOLS.update(TOOLS)
