"""The assistant's read-only tools (AIA-2, AIA-3, AIA-10, AIA-11).

Each tool asks the same scope as the HTTP routes for the asking user — `authz.lead_scope`,
`authz.customer_scope`, `authz.visible_offices`, the reports' `summary` with the user — so an agent
of one office gets that office's numbers only, whatever the model asks for. An office, customer or
ticket the user cannot see answers "not found", exactly like one that does not exist (an invented
argument never reveals whether a record exists elsewhere). Counts are exact `COUNT(*)`; lists stop at
300 rows and say `truncated`. Nothing here reads secure-access items, tokens or passwords, and every
string a tool returns passes `scrub`: card numbers redacted, secret-named keys dropped. Record text
(a lead's note) is returned as data inside the tool result; the system prompt tells the model so,
and scope holds whatever the model then asks for.

In a ticket's troubleshooting chat (`Context.customer` set) only the customer tools remain, limited
to that customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from accounts import authz, offices
from accounts.users import User
from core import cardcheck
from core.clock import iso
from core.errors import Refused
from core.storage import Database, Row
from customers import record as customers
from leads import sources as lead_sources
from network import contractors as network_contractors
from reports import summary as report_summary
from tickets import entries as ticket_entries
from tickets import record as tickets

LIST_CAP = 300
LEAD_STATUSES = ("fresh", "not_yet_scheduled", "needs_follow_up", "consultation_call", "converted", "irrelevant")
_SECRET_KEY = re.compile(r"(secret|password|token|sealed|card|cvv|api_key)", re.IGNORECASE)


class ToolError(Exception):
    """The tool's answer is an error the model sees (`is_error`), e.g. "office X not found"."""


@dataclass
class Context:
    db: Database
    user: User
    now: datetime
    customer: Row | None = None  # a ticket's chat: tools limited to this customer


def scrub(value: Any) -> Any:
    """What a tool returns, with card numbers redacted and secret-named fields removed (AIA-11)."""
    if isinstance(value, str):
        return cardcheck.redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _text(args: dict[str, Any], name: str, limit: int = 100) -> str:
    value = args.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ToolError(f"{name} must be text")
    return str(value).strip()[:limit]


def _limit(args: dict[str, Any]) -> int:
    raw = args.get("limit", LIST_CAP)
    try:
        return max(1, min(int(raw), LIST_CAP))
    except (TypeError, ValueError):
        raise ToolError("limit must be a whole number") from None


async def _office_ids(ctx: Context, args: dict[str, Any]) -> list[int]:
    """The office named (id, slug or name) among the user's, or [] for all of theirs."""
    wanted = _text(args, "office")
    if not wanted:
        return []
    mine = authz.visible_offices(ctx.user, await offices.all_offices(ctx.db))
    for o in mine:
        if wanted.lower() in (str(o.id), o.slug.lower(), o.name.lower()):
            return [o.id]
    raise ToolError(f"office {wanted!r} not found")


def _status(args: dict[str, Any], allowed: tuple[str, ...]) -> str:
    status = _text(args, "status").lower().replace(" ", "_")
    if status and status not in allowed:
        raise ToolError(f"status must be one of {', '.join(allowed)}")
    return status


async def _lead_where(ctx: Context, args: dict[str, Any]) -> tuple[str, list[Any]]:
    scope, params = authz.lead_scope(ctx.user, "l")
    where, values = [scope, "l.archived_at IS NULL"], list(params)
    ids = await _office_ids(ctx, args)
    if ids:
        where.append("l.office_id = ?")
        values.append(ids[0])
    if status := _status(args, LEAD_STATUSES):
        where.append("l.status = ?")
        values.append(status)
    if source := _text(args, "source"):
        keys = {s.key.lower(): s.key for s in await lead_sources.all_sources(ctx.db)}
        labels = {s.label.lower(): s.key for s in await lead_sources.all_sources(ctx.db)}
        key = keys.get(source.lower()) or labels.get(source.lower())
        if key is None:
            raise ToolError(f"source {source!r} not found")
        where.append("l.source_key = ?")
        values.append(key)
    return " AND ".join(where), values


async def count_leads(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    where, values = await _lead_where(ctx, args)
    row = await ctx.db.first(f"SELECT COUNT(*) AS n FROM leads l WHERE {where}", *values)
    return {"count": int(row["n"]) if row else 0, "filters": args}


async def list_leads(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    where, values = await _lead_where(ctx, args)
    limit = _limit(args)
    rows = await ctx.db.all(
        "SELECT l.display_id, l.name, l.status, l.source_key, l.office_id, l.created_at, l.next_contact_at,"
        f" l.call_count, l.notes, l.claimed_by, l.phone FROM leads l WHERE {where} ORDER BY l.id DESC LIMIT ?",
        *values,
        limit + 1,
    )
    items = [
        {
            "id": r["display_id"],
            "name": r["name"],
            "status": r["status"],
            "source": r["source_key"],
            "office_id": r["office_id"],
            "created_at": r["created_at"],
            "next_contact_at": r["next_contact_at"],
            "calls": r["call_count"],
            "notes": (r["notes"] or "")[:500],
            **({"phone": r["phone"]} if authz.sees_lead_phone(ctx.user, r) else {}),
        }
        for r in rows[:limit]
    ]
    return {"items": items, "returned": len(items), "truncated": len(rows) > limit}


def _customer_where(ctx: Context, args: dict[str, Any], ids: list[int]) -> tuple[str, list[Any]]:
    scope, params = authz.customer_scope(ctx.user, "c")
    where, values = [scope, "c.archived_at IS NULL"], list(params)
    if ids:
        where.append("c.office_id = ?")
        values.append(ids[0])
    if status := _status(args, ("active", "dormant")):
        where.append("c.status = ?")
        values.append(status)
    if words := _text(args, "query"):
        where.append("(lower(c.name) LIKE ? OR lower(c.company) LIKE ?)")
        values.extend([f"%{words.lower()}%"] * 2)
    return " AND ".join(where), values


async def count_customers(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    where, values = _customer_where(ctx, args, await _office_ids(ctx, args))
    row = await ctx.db.first(f"SELECT COUNT(*) AS n FROM customers c WHERE {where}", *values)
    return {"count": int(row["n"]) if row else 0, "filters": args}


async def list_customers(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    where, values = _customer_where(ctx, args, await _office_ids(ctx, args))
    limit = _limit(args)
    rows = await ctx.db.all(
        "SELECT c.display_id, c.name, c.company, c.status, c.office_id, c.created_at,"
        " (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id AND t.status != 'closed') AS open_tickets"
        f" FROM customers c WHERE {where} ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?",
        *values,
        limit + 1,
    )
    items = [dict(r) | {"id": r["display_id"]} for r in rows[:limit]]
    for item in items:
        item.pop("display_id", None)
    return {"items": items, "returned": len(items), "truncated": len(rows) > limit}


async def _customer(ctx: Context, args: dict[str, Any]) -> Row:
    wanted = _text(args, "customer_id", 20)
    if ctx.customer is not None:
        if wanted and wanted.upper() != str(ctx.customer["display_id"]).upper():
            raise ToolError(f"customer {wanted!r} not found")
        return ctx.customer
    row = await customers.customer_for_user(ctx.db, ctx.user, wanted) if wanted else None
    if row is None:
        raise ToolError(f"customer {wanted!r} not found")
    return row


async def get_customer(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """The record as the customer page shows it, without secure-access items or billing tokens."""
    row = await _customer(ctx, args)
    contacts = await customers.contacts_of(ctx.db, row["id"])
    addresses = await customers.addresses_of(ctx.db, row["id"])
    notes = await customers.notes_of(ctx.db, row["id"])
    own = await tickets.tickets_of(ctx.db, row["id"])
    return {
        "id": row["display_id"],
        "name": row["name"],
        "company": row["company"],
        "status": row["status"],
        "office_id": row["office_id"],
        "contacts": [customers.contact_public(c) for c in contacts],
        "addresses": [customers.one_line(a) for a in addresses],
        "notes": [n["body"][:1000] for n in notes[:20]],
        "tickets": [{"number": t["number"], "title": t["title"], "status": t["status"]} for t in own],
    }


async def list_tickets(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    status = _status(args, tickets.STATUSES)
    limit = _limit(args)
    if ctx.customer is not None or _text(args, "customer_id"):
        customer = await _customer(ctx, args)
        rows = [r for r in await tickets.tickets_of(ctx.db, customer["id"]) if not status or r["status"] == status]
        rows = rows[: limit + 1]
    else:
        rows = await tickets.search(ctx.db, ctx.user, "", status=status, limit=limit + 1)
    items = [tickets.public(r) for r in rows[:limit]]
    return {"items": items, "returned": len(items), "truncated": len(rows) > limit}


async def get_ticket(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    number = _text(args, "number", 20)
    row = await tickets.ticket_for_user(ctx.db, ctx.user, number)
    if row is None or (ctx.customer is not None and row["customer_id"] != ctx.customer["id"]):
        raise ToolError(f"ticket {number!r} not found")
    items = await ticket_entries.entries_of(ctx.db, row["id"])
    return {**tickets.public(row), "entries": [ticket_entries.public(e) | {"body": e["body"][:4000]} for e in items]}


async def recent_calls(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Call attempts logged on leads (the leads' timelines), newest first."""
    try:
        days = max(1, min(int(args.get("days", 7)), 90))
    except (TypeError, ValueError):
        raise ToolError("days must be a whole number") from None
    scope, params = authz.lead_scope(ctx.user, "l")
    ids = await _office_ids(ctx, args)
    where = f"{scope} AND t.subject_type = 'lead' AND t.kind = 'call' AND t.created_at >= ?"
    values = [*params, iso(ctx.now - timedelta(days=days))]
    if ids:
        where += " AND l.office_id = ?"
        values.append(ids[0])
    total = await ctx.db.first(
        f"SELECT COUNT(*) AS n FROM timeline_entries t JOIN leads l ON l.id = t.subject_id WHERE {where}", *values
    )
    rows = await ctx.db.all(
        "SELECT l.display_id, l.name, t.body, t.actor_label, t.created_at FROM timeline_entries t"
        f" JOIN leads l ON l.id = t.subject_id WHERE {where} ORDER BY t.id DESC LIMIT ?",
        *values,
        LIST_CAP + 1,
    )
    items = [dict(r) for r in rows[:LIST_CAP]]
    return {"count": int(total["n"]) if total else 0, "items": items, "truncated": len(rows) > LIST_CAP}


async def report_figures(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """The Reports page's tiles and status counts for a period, for the user's offices."""
    period = _text(args, "period") or "month"
    ids = await _office_ids(ctx, args)
    try:
        figures = await report_summary.summary(ctx.db, ctx.user, ctx.now, period, office_ids=ids or None)
    except Refused as exc:
        raise ToolError(exc.message) from None
    return {
        "period": figures["period"],
        "offices": figures["offices"],
        "tiles": figures["tiles"],
        "leads_by_status": figures["leads_by_status"],
        "leads_by_office": figures["leads_by_office"],
        "source_mix": figures["source_mix"],
    }


async def contractors(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """The contractor network (issue 19): the same listing and permission as GET /api/contractors;
    the network is company-wide, so every staff role sees all of it and partners none."""
    if not authz.can(ctx.user, "network.view"):
        raise ToolError("contractors not found")
    active = args.get("active")
    if active is not None and not isinstance(active, bool):
        raise ToolError("active must be true or false")
    rows = await network_contractors.listing(ctx.db, search=_text(args, "search", 40), active=active)
    limit = _limit(args)
    items = [
        {
            "id": r["id"],
            "name": r["name"],
            "kind": r["kind"],
            "active": bool(r["active"]),
            "contact_name": r["contact_name"],
            "phone": r["phone"],
            "email": r["email"],
            "home": ", ".join(x for x in (r["home_city"], r["home_state"]) if x),
            "service_areas": r["area_count"],
        }
        for r in rows[:limit]
    ]
    return {"count": len(rows), "items": items, "returned": len(items), "truncated": len(rows) > limit}


_OFFICE = {"type": "string", "description": "office id, slug or name (omit for all of the user's offices)"}
_LIMIT = {"type": "integer", "description": f"at most {LIST_CAP}"}
_LEAD_FILTERS = {
    "office": _OFFICE,
    "status": {"type": "string", "enum": list(LEAD_STATUSES)},
    "source": {"type": "string", "description": "lead source key or label"},
}


def _spec(name: str, description: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "input_schema": {"type": "object", "properties": properties, "required": list(required)},
    }


TOOLS: dict[str, tuple[Any, dict[str, Any]]] = {
    "count_leads": (count_leads, _spec("count_leads", "Exact number of open (unarchived) leads.", _LEAD_FILTERS)),
    "list_leads": (
        list_leads,
        _spec("list_leads", f"Leads, newest first, at most {LIST_CAP}.", {**_LEAD_FILTERS, "limit": _LIMIT}),
    ),
    "count_customers": (
        count_customers,
        _spec(
            "count_customers",
            "Exact number of customers.",
            {
                "office": _OFFICE,
                "status": {"type": "string", "enum": ["active", "dormant"]},
                "query": {"type": "string"},
            },
        ),
    ),
    "list_customers": (
        list_customers,
        _spec(
            "list_customers",
            f"Customers A-Z with open-ticket counts, at most {LIST_CAP}.",
            {"office": _OFFICE, "query": {"type": "string"}, "limit": _LIMIT},
        ),
    ),
    "get_customer": (
        get_customer,
        _spec(
            "get_customer",
            "One customer's record: contacts, addresses, notes, tickets.",
            {"customer_id": {"type": "string"}},
        ),
    ),
    "list_tickets": (
        list_tickets,
        _spec(
            "list_tickets",
            "Support tickets, open first.",
            {
                "status": {"type": "string", "enum": list(tickets.STATUSES)},
                "customer_id": {"type": "string"},
                "limit": _LIMIT,
            },
        ),
    ),
    "get_ticket": (
        get_ticket,
        _spec(
            "get_ticket",
            "One ticket with its notes, transcripts and saved chats.",
            {"number": {"type": "string"}},
            ("number",),
        ),
    ),
    "recent_calls": (
        recent_calls,
        _spec("recent_calls", "Call attempts logged on leads.", {"days": {"type": "integer"}, "office": _OFFICE}),
    ),
    "report_figures": (
        report_figures,
        _spec(
            "report_figures",
            "The Reports page's figures for a period.",
            {"period": {"type": "string", "enum": ["today", "week", "month", "year"]}, "office": _OFFICE},
        ),
    ),
    "contractors": (
        contractors,
        _spec(
            "contractors",
            f"The contractor network A-Z: exact count and at most {LIST_CAP} rows.",
            {"search": {"type": "string"}, "active": {"type": "boolean"}, "limit": _LIMIT},
        ),
    ),
}
TICKET_TOOLS = ("get_customer", "list_tickets", "get_ticket")


def specs(ctx: Context) -> list[dict[str, Any]]:
    names = TICKET_TOOLS if ctx.customer is not None else tuple(TOOLS)
    return [TOOLS[n][1] for n in names]


async def run(ctx: Context, name: str, args: Any) -> tuple[Any, bool]:
    """(output, is_error). Unknown tools, bad arguments and out-of-scope records are errors the model
    sees; the output is always scrubbed."""
    allowed = TICKET_TOOLS if ctx.customer is not None else tuple(TOOLS)
    if name not in allowed:
        return {"error": f"tool {name!r} not found"}, True
    if not isinstance(args, dict):
        return {"error": "arguments must be an object"}, True
    try:
        return scrub(await TOOLS[name][0](ctx, args)), False
    except ToolError as exc:
        return {"error": scrub(str(exc))}, True
