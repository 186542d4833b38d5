"""The clients list: filtering, searching and paging the customer book (seed 000 "Clients").

Reads only; the rows belong to `customers`. Built to stay fast at 200,000 customers
(docs/performance.md, "The clients list"), with the ideas of the leads queue:

- every read walks one covering index of migration 0009 (rebuilt by 0016 with each customer's tags
  as a delimited column at the end), named with INDEXED BY, and decides on each entry without
  visiting the table — a tag too, by `instr` on that column;
- the total is counted up to `count_cap + 1` ("10,000+" beyond it);
- when several filters could each narrow the read, each candidate range is counted (capped, index
  only) and the cheapest is read; a big match is paged straight off an index already in list order
  and stopped at the page's end, a small one is read whole and sorted;
- a tag's own range (`customer_tags`) is a set of customer ids, each sought in the newest-first
  index; it is read only when that costs less than walking another filter's range (`_choose`);
- search goes through the FTS5 trigram table `customer_terms`, newest SEARCH_CAP matches first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from accounts import authz
from accounts.users import User
from core.storage import Database, Param, Row, sql_in
from core.text import search_expression
from customers import record as customers
from customers import tags as customer_tags

PER_PAGE = 25
STATUSES = customers.STATUSES
SORTS = {"name": "Name A–Z", "newest": "Newest first"}
SEARCH_CAP = 2_000
_SMALL = 2_000  # at most this many matches: read them all and sort
_PROBE = 10_000  # candidate ranges are counted up to here
# Reading one customer by id (a seek) costs about as much as walking this many entries of an index
# range and testing them (measured at 200,000 customers: ~1 µs against ~0.13 µs).
_BY_ID_COST = 8


@dataclass
class Query:
    offices: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # any of them
    sources: list[str] = field(default_factory=list)
    open_tickets: bool = False
    unmatched: bool = False  # not matched to a QuickBooks customer
    archived: bool = False  # archived customers only (otherwise they are hidden)
    search: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = PER_PAGE
    count_cap: int = 10_000


@dataclass
class ListPage:
    rows: list[Row]
    total: int  # exact up to the query's count_cap; `capped` says there are more
    capped: bool = False
    search_limited: bool = False  # more than SEARCH_CAP customers matched; only the newest were looked at
    search_too_short: bool = False


@dataclass(frozen=True)
class _Range:
    """A way to read the candidates: the table expression and the condition that bounds its entries."""

    source: str
    condition: str
    params: list[Param]
    ordered: bool  # the entries come out in list order (sort = name)
    probe: bool = True  # worth counting to compare; False: assume it is large

    @property
    def by_id(self) -> bool:
        """A set of customer ids (tagged, with open tickets), read by seeking each one."""
        return not self.source.startswith("customers ")


_DISPLAY_ID = re.compile(r"^C-?(\d{1,12})$", re.IGNORECASE)
_SHORT_NUMBER = re.compile(r"^\d{1,2}$")


class _Where:
    """Conditions joined with AND, their `?` values in the same order."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.params: list[Param] = []

    def add(self, sql: str, params: list[Param] | None = None) -> None:
        self.terms.append(sql)
        self.params.extend(params or [])

    def sql(self) -> str:
        return " AND ".join(self.terms) or "1 = 1"


def _tag_in(tags: list[str]) -> tuple[str, list[Param]]:
    return sql_in("tag", [customer_tags.fold(" ".join(t.split())) for t in tags])


def _tag_column(tags: list[str]) -> tuple[str, list[Param]]:
    """Any of the tags, tested on `customers.tags` ('|commercial|vip|', migration 0016). A value holding
    '|' is no tag (customer_tags.normalize refuses it) and could span two, so it matches nothing."""
    needles = sorted({f"|{t}|" for t in (customer_tags.fold(" ".join(t.split())) for t in tags) if "|" not in t})
    if not needles:
        return "0 = 1", []
    return "(" + " OR ".join(["instr(c.tags, ?) > 0"] * len(needles)) + ")", list(needles)


def _conditions(user: User, query: Query, tags_driving: bool) -> _Where:
    where = _Where()
    scope, scope_params = authz.customer_scope(user)
    where.add(scope, scope_params)
    where.add("c.archived_at IS NOT NULL" if query.archived else "c.archived_at IS NULL")
    for column, values in (("c.office_id", query.offices), ("c.status", query.statuses), ("c.source", query.sources)):
        if values:
            condition, params = sql_in(column, list(values))
            where.add(condition, params)
    if query.unmatched:
        where.add("c.quickbooks_customer_id IS NULL")
    if query.open_tickets:
        where.add("c.id IN (SELECT customer_id FROM customer_open_tickets)")
    if query.tags:
        if tags_driving:  # read the tagged customers by id
            condition, params = _tag_in(query.tags)
            where.add(f"c.id IN (SELECT customer_id FROM customer_tags WHERE {condition})", params)
        else:  # decided on each entry of another index, which holds the tags column
            condition, params = _tag_column(query.tags)
            where.add(condition, params)
    return where


def _ranges(user: User, query: Query) -> list[_Range]:
    """The ways this query can be read, each bounded by one of its filters."""
    archived = "c.archived_at IS NOT NULL" if query.archived else "c.archived_at IS NULL"
    in_order = query.sort == "name" and not query.archived  # archived_at is a range then, not an equality
    # The user's own offices bound every read of theirs, so as a range they come after the filters
    # they chose: when two ranges both count past the probe's cap, the earlier one is read.
    scope_offices = [] if query.offices else authz.scope_office_ids(user) or []
    found: list[_Range] = []
    for index, column, values in (
        ("customers_l_office", "c.office_id", query.offices),
        ("customers_l_status", "c.status", query.statuses),
        ("customers_l_source", "c.source", query.sources),
        ("customers_l_office", "c.office_id", scope_offices),
    ):
        if values:
            condition, params = sql_in(column, list(values))
            found.append(
                _Range(
                    f"customers c INDEXED BY {index}",
                    f"{condition} AND {archived}",
                    params,
                    in_order and len(values) == 1,
                )
            )
    if query.unmatched:
        found.append(
            _Range(
                "customers c INDEXED BY customers_l_unmatched",
                f"c.quickbooks_customer_id IS NULL AND {archived}",
                [],
                in_order,
            )
        )
    if query.tags:
        condition, params = _tag_in(query.tags)
        found.append(_Range("customer_tags INDEXED BY customer_tags_tag", condition, params, False))
    if query.open_tickets:  # open tickets are few next to customers: read those customers by id
        found.append(_Range("customer_open_tickets", "1 = 1", [], False))
    whole = "customers_l_name" if query.sort == "name" else "customers_l_newest"
    found.append(_Range(f"customers c INDEXED BY {whole}", archived, [], not query.archived, probe=False))
    return found


async def _count(db: Database, source: str, where: str, params: list[Param], limit: int) -> int:
    row = await db.first(
        f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {source} WHERE {where} LIMIT {int(limit)})", *params
    )
    return int(row["n"]) if row else 0


async def _choose(db: Database, ranges: list[_Range]) -> tuple[_Range, _Range]:
    """(cheapest range, smallest range already in list order). Counting only when two could compete.

    A set of ids costs _BY_ID_COST index entries per id, so the sets are counted first and, when the
    cheapest is counted exactly, the index ranges are counted up to what it costs: 30,000 dormant
    customers on the status index beat 5,000 tagged ones read by id; 170,000 active ones do not."""
    costs: list[float] = [_PROBE + 1 if r.probe else math.inf for r in ranges]
    if sum(r.probe for r in ranges) > 1:
        sets = [n for n, r in enumerate(ranges) if r.probe and r.by_id]
        for n in sets:
            r = ranges[n]
            costs[n] = _BY_ID_COST * await _count(db, r.source, r.condition, r.params, _PROBE + 1)
        exact = [costs[n] for n in sets if costs[n] <= _BY_ID_COST * _PROBE]
        cap = int(max(_PROBE, min(exact, default=0)))
        for n, r in enumerate(ranges):
            if r.probe and not r.by_id:
                costs[n] = await _count(db, r.source, r.condition, r.params, cap + 1)
    by_cost = sorted(range(len(ranges)), key=lambda n: costs[n])  # stable: ties keep the order of _ranges
    cheapest = ranges[by_cost[0]]
    ordered = next((ranges[n] for n in by_cost if ranges[n].ordered), ranges[-1])
    return cheapest, ordered


def _order(query: Query, alias: str = "c") -> str:
    if query.sort == "newest":
        return f"{alias}.id DESC"
    return f"{alias}.name COLLATE NOCASE, {alias}.id"


async def _search_condition(db: Database, where: _Where, term: str) -> tuple[str, bool, bool]:
    """Narrow `where` to what `term` finds. Returns (the table to read, too short to search, more than
    SEARCH_CAP matched)."""
    if m := _DISPLAY_ID.match(term):
        where.add("c.display_id = ?", [f"C-{m.group(1)}"])
        return "customers c", False, False
    if _SHORT_NUMBER.match(term):  # a short QuickBooks id is too short for trigrams: match it exactly
        where.add("c.quickbooks_customer_id = ?", [term])
        return "customers c", False, False
    expression = search_expression(term)
    if expression is None:
        return "", True, False
    where.add(
        "c.id IN (SELECT rowid FROM customer_terms WHERE customer_terms MATCH ? ORDER BY rowid DESC LIMIT ?)",
        [expression, SEARCH_CAP],
    )
    found = await db.first(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM customer_terms WHERE customer_terms MATCH ? LIMIT ?)",
        expression,
        SEARCH_CAP + 1,
    )
    # NOT INDEXED: read the few matches by rowid rather than walk an index testing each against them.
    return "customers c NOT INDEXED", False, bool(found and found["n"] > SEARCH_CAP)


async def customer_page(db: Database, user: User, query: Query) -> ListPage:
    """One page of the customers this user may see, A–Z (or newest first), with the total."""
    if not authz.sees_customers(user):  # partners never see the customer book; skip the reads
        return ListPage([], 0)
    per_page = max(1, min(query.per_page, 100))
    offset = (max(query.page, 1) - 1) * per_page
    order = _order(query)
    term = query.search.strip()
    if term:
        # At most SEARCH_CAP rows, read by id: every filter is checked on each, then sorted.
        where = _conditions(user, query, tags_driving=False)
        source, too_short, limited = await _search_condition(db, where, term[:60])
        if too_short:
            return ListPage([], 0, search_too_short=True)
        total = await _count(db, source, where.sql(), where.params, query.count_cap + 1)
        picked = f"SELECT c.id FROM {source} WHERE {where.sql()} ORDER BY {order} LIMIT {per_page} OFFSET {offset}"
        return await _finish(db, query, picked, where.params, total, limited)
    cheapest, ordered = await _choose(db, _ranges(user, query))
    by_id = cheapest.by_id
    counting = _conditions(user, query, tags_driving=cheapest.source.startswith("customer_tags"))
    source = cheapest.source
    if by_id:
        # Each id is sought in the newest-first index (archived_at, id, …, tags), whose entry holds
        # every filter column: the count reads no table row, the page only those of its matches.
        # Archived customers make archived_at a range there, so they are read by rowid.
        source = "customers c NOT INDEXED" if query.archived else "customers c INDEXED BY customers_l_newest"
    total = await _count(db, source, counting.sql(), counting.params, query.count_cap + 1)
    if total <= _SMALL or not ordered.ordered:
        picked_from, where = source, counting
    else:
        picked_from, where = ordered.source, _conditions(user, query, tags_driving=False)
    picked = f"SELECT c.id FROM {picked_from} WHERE {where.sql()} ORDER BY {order} LIMIT {per_page} OFFSET {offset}"
    return await _finish(db, query, picked, where.params, total, False)


async def _finish(db: Database, query: Query, picked: str, params: list[Param], total: int, limited: bool) -> ListPage:
    """The display columns for the page's ids, in list order."""
    rows = await db.all(
        "SELECT c.*, o.name AS office_name, s.label AS source_label,"
        " (SELECT name FROM customer_contacts p WHERE p.customer_id = c.id AND p.is_primary = 1) AS contact_name"
        f" FROM ({picked}) k JOIN customers c ON c.id = k.id JOIN offices o ON o.id = c.office_id"
        f" LEFT JOIN lead_sources s ON s.key = c.source ORDER BY {_order(query)}",
        *params,
    )
    return ListPage(rows, min(total, query.count_cap), total > query.count_cap, limited)
