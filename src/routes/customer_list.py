"""The customer list: the `/clients` page ("Clients" is its title and URL) and `GET /api/customers`
(same filters, same rules)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from accounts import authz, offices
from accounts.users import User
from core.inputs import Id
from core.text import SEARCH_MIN
from customers import listing as customer_list
from customers import record as customers
from customers import tags as customer_tags
from leads import sources as lead_sources
from routes import customer_new
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter()


class ListParams:
    """The list's filters, shared by the page and the JSON API (repeat a key for several values)."""

    def __init__(
        self,
        office: list[Id] = Query([]),
        status: list[str] = Query([]),
        tag: list[str] = Query([]),
        source: list[str] = Query([]),
        open_tickets: bool = False,
        unmatched: bool = False,
        archived: bool = False,
        q: str = Query("", max_length=60),
        sort: str = Query("name", max_length=10),
        page: int = Query(1, ge=1, le=100_000),
        per_page: int = Query(customer_list.PER_PAGE, ge=1, le=100),
    ):
        self.values: dict[str, Any] = {k: v for k, v in locals().items() if k != "self"}


def build_query(user: User, params: ListParams) -> customer_list.Query:
    v = params.values
    bad = [s for s in v["status"] if s not in customer_list.STATUSES]
    if v["sort"] not in customer_list.SORTS:
        bad.append(v["sort"])
    bad += [t for t in v["tag"] + v["source"] if not t.strip() or len(t) > customer_tags.MAX_LENGTH]
    if len(v["tag"]) + len(v["source"]) + len(v["office"]) > 60:
        raise HTTPException(422, "Too many filter values.")
    if bad:
        raise HTTPException(422, f"Unknown filter value(s): {', '.join(repr(b) for b in bad)}.")
    return customer_list.Query(
        offices=authz.requested_offices(user, v["office"]),  # only other offices asked for: nothing
        statuses=v["status"],
        tags=v["tag"],
        sources=v["source"],
        open_tickets=v["open_tickets"],
        unmatched=v["unmatched"],
        archived=v["archived"],
        search=v["q"],
        sort=v["sort"],
        page=v["page"],
        per_page=v["per_page"],
    )


async def _run(request: Request, params: ListParams) -> tuple[customer_list.Query, customer_list.ListPage, dict]:
    user = current_user(request)
    db = bindings_of(request).db
    query = build_query(user, params)
    result = await customer_list.customer_page(db, user, query)
    tags = await customer_tags.tags_for(db, [r["id"] for r in result.rows])
    items = {
        r["id"]: customers.public(r)
        | {
            "tags": tags.get(r["id"], []),
            "source_label": r["source_label"],
            "contact_name": r["contact_name"],
            "quickbooks_customer_id": r["quickbooks_customer_id"],
        }
        for r in result.rows
    }
    return query, result, items


@router.get("/clients", include_in_schema=False)
async def list_page(request: Request, params: ListParams = Depends()) -> Response:
    user = current_user(request)
    db = bindings_of(request).db
    # the list and the page's other reads, gathered: on D1 reads made together share a round trip
    (query, result, items), all_offices, sources, vocabulary = await asyncio.gather(
        _run(request, params), offices.all_offices(db), lead_sources.all_sources(db), customer_tags.vocabulary(db)
    )
    first = (query.page - 1) * query.per_page + 1 if items else 0
    return render(
        request,
        "customers/list.html",
        title="Clients",
        items=list(items.values()),
        result=result,
        query=query,
        filters=params.values,
        first=first,
        last=first + len(items) - 1 if items else 0,
        offices=authz.visible_offices(user, all_offices),
        sources=sources,
        tags=vocabulary,
        statuses=customer_list.STATUSES,
        sorts=customer_list.SORTS,
        search_min=SEARCH_MIN,
        search_cap=customer_list.SEARCH_CAP,
        **customer_new.form_context(request, all_offices, sources),  # issue 17: the New client form here
    )


@router.get("/api/customers", tags=["customers"], summary="The clients list, filtered, searched and paged")
async def api_list(request: Request, params: ListParams = Depends()) -> dict[str, Any]:
    query, result, items = await _run(request, params)
    answer: dict[str, Any] = {
        "items": list(items.values()),
        "total": result.total,
        "total_capped": result.capped,  # true: more than `total` customers match
        "page": query.page,
        "per_page": query.per_page,
    }
    if query.search.strip():
        answer["search_limited"] = result.search_limited
        answer["search_too_short"] = result.search_too_short
    return answer
