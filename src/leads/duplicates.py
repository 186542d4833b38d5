"""Duplicate leads (seed 002 "Duplicate cleanup"): leads that share a phone (last 10 digits) or a
partner's lead id from the same source, and the merge that keeps one and archives the rest.

Finding groups never groups the whole table. It walks the user's open leads newest first and keeps
each lead that heads a group — it has an older twin but no newer one — so every group appears once,
at its newest lead, and the walk stops as soon as a page is full. Each step is two index probes
(`leads_phone_last10`, `leads_open_external`). A sparse table could make that walk long, so one
request looks at no more than `WINDOW` leads and hands back a cursor to look further back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from accounts import authz
from accounts.users import User
from core import records
from core.errors import Conflict, Invalid
from core.storage import MAX_SAFE_INT, Database, Row, Statement
from leads import intake
from leads import record as lead_record

GROUPS_PER_PAGE = 20
MEMBERS_SHOWN = 10  # a phone shared by hundreds of leads (a test number) still renders
WINDOW = 20_000  # leads looked at per request, at most
MAX_MERGE = 20  # leads archived into a keeper in one go

_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+Z)_(\d{1,16})$")
_TOP = ("9999", MAX_SAFE_INT)  # sorts after every real created_at


@dataclass
class Group:
    match: str  # "phone" or "external_id"
    members: list[Row]  # newest first, at most MEMBERS_SHOWN
    total: int  # members in all, shown or not


@dataclass
class Page:
    groups: list[Group] = field(default_factory=list)
    next_cursor: str | None = None  # where the next page's walk starts
    searched_back_to: str | None = None  # set when the page stopped at WINDOW, not because it was full


def parse_cursor(text: str | None) -> tuple[str, int] | None:
    match = _CURSOR.match(text or "")
    return (match.group(1), int(match.group(2))) if match else None


def _cursor(row: Row) -> str:
    return f"{row['created_at']}_{row['id']}"


def _newer_and_older(match: str, scope: str) -> str:
    """SQL true when `l` is the newest of at least two open, visible leads matching `match`."""
    newer = "(d.created_at, d.id) > (l.created_at, l.id)"
    older = "(d.created_at, d.id) < (l.created_at, l.id)"
    probe = f"SELECT 1 FROM leads d WHERE {match} AND d.archived_at IS NULL AND {scope}"
    return f"(NOT EXISTS ({probe} AND {newer}) AND EXISTS ({probe} AND {older}))"


_PHONE = "d.phone_last10 = l.phone_last10"
_EXTERNAL = "d.source_key = l.source_key AND d.external_id = l.external_id"


async def find_groups(db: Database, user: User, cursor: str | None = None) -> Page:
    """One page of duplicate groups in the user's offices, newest first."""
    start = parse_cursor(cursor) or _TOP
    # The unary + keeps the walk on the created-order index whatever the office list.
    scope, scope_params = authz.office_filter(user, "+l.office_id")
    probe_scope, probe_params = authz.office_filter(user, "d.office_id")
    floor = await db.first(
        f"SELECT l.created_at, l.id FROM leads l WHERE l.archived_at IS NULL AND {scope}"
        " AND (l.created_at, l.id) < (?, ?) ORDER BY l.created_at DESC, l.id DESC LIMIT 1 OFFSET ?",
        *scope_params,
        *start,
        WINDOW - 1,
    )
    bound, bound_params = ("(l.created_at, l.id) >= (?, ?)", [floor["created_at"], floor["id"]]) if floor else ("1", [])
    phone_head = _newer_and_older(_PHONE, probe_scope)
    external_head = _newer_and_older(_EXTERNAL, probe_scope)
    heads = await db.all(
        f"SELECT l.id, l.created_at, l.phone_last10, l.source_key, l.external_id,"
        f" l.phone_last10 IS NOT NULL AND {phone_head} AS by_phone,"
        f" l.external_id IS NOT NULL AND {external_head} AS by_external"
        f" FROM leads l WHERE l.archived_at IS NULL AND {scope} AND (l.created_at, l.id) < (?, ?) AND {bound}"
        f" AND ((l.phone_last10 IS NOT NULL AND {phone_head}) OR (l.external_id IS NOT NULL AND {external_head}))"
        " ORDER BY l.created_at DESC, l.id DESC LIMIT ?",
        *probe_params,
        *probe_params,
        *probe_params,
        *probe_params,
        *scope_params,
        *start,
        *bound_params,
        *probe_params,
        *probe_params,
        *probe_params,
        *probe_params,
        GROUPS_PER_PAGE + 1,
    )
    page = Page()
    if len(heads) > GROUPS_PER_PAGE:
        heads = heads[:GROUPS_PER_PAGE]
        page.next_cursor = _cursor(heads[-1])
    elif floor is not None:
        page.next_cursor = _cursor(floor)
        page.searched_back_to = floor["created_at"]
    phone_heads = [h for h in heads if h["by_phone"]]
    external_heads = [h for h in heads if h["by_external"]]
    by_phone = await _members(db, user, [h["phone_last10"] for h in phone_heads], "l.phone_last10 = j.value")
    by_external = await _members(
        db,
        user,
        [[h["source_key"], h["external_id"]] for h in external_heads],
        "l.source_key = json_extract(j.value, '$[0]') AND l.external_id = json_extract(j.value, '$[1]')",
    )
    found = {("phone", h["id"]): by_phone.get(i) for i, h in enumerate(phone_heads)}
    found |= {("external_id", h["id"]): by_external.get(i) for i, h in enumerate(external_heads)}
    for h in heads:
        for match in ("phone", "external_id"):
            members = found.get((match, h["id"]))
            if members:
                page.groups.append(Group(match, *members))
    return page


_MEMBER_COLUMNS = (
    "l.id, l.display_id, l.version, l.office_id, o.name AS office_name, o.time_zone, l.source_key,"
    " s.label AS source_label, s.color AS source_color, l.status, l.name, l.phone, l.phone_raw, l.phone_last10,"
    " l.email, l.external_id, l.claimed_by, l.call_count, l.created_at, l.zip, l.address"
)


async def _members(db: Database, user: User, keys: list, join: str) -> dict[int, tuple[list[Row], int]]:
    """The open, visible leads of each key (by its position in `keys`), newest first, capped per group."""
    if not keys:
        return {}
    scope, params = authz.office_filter(user, "l.office_id")
    rows = await db.all(
        f"SELECT * FROM (SELECT {_MEMBER_COLUMNS}, j.key AS group_index,"
        " ROW_NUMBER() OVER (PARTITION BY j.key ORDER BY l.created_at DESC, l.id DESC) AS rank,"
        " COUNT(*) OVER (PARTITION BY j.key) AS group_size"
        f" FROM json_each(?) j JOIN leads l ON {join} JOIN offices o ON o.id = l.office_id"
        f" LEFT JOIN lead_sources s ON s.key = l.source_key WHERE l.archived_at IS NULL AND {scope})"
        " WHERE rank <= ? ORDER BY group_index, rank",
        json.dumps(keys),
        *params,
        MEMBERS_SHOWN,
    )
    groups: dict[int, tuple[list[Row], int]] = {}
    for row in rows:
        members, _ = groups.get(row["group_index"], ([], 0))
        members.append(row)
        groups[row["group_index"]] = (members, row["group_size"])
    return {k: v for k, v in groups.items() if v[1] > 1}


def _same_lead(keeper: Row, other: Row) -> bool:
    same_phone = bool(keeper["phone_last10"]) and keeper["phone_last10"] == other["phone_last10"]
    same_external = (
        bool(keeper["external_id"])
        and keeper["external_id"] == other["external_id"]
        and keeper["source_key"] == other["source_key"]
    )
    return same_phone or same_external


async def merge(
    db: Database, now: datetime, user: User, keeper: Row, others: list[Row], versions: dict[str, int] | None = None
) -> None:
    """Keep `keeper`; archive `others` with their timelines copied onto it — all or nothing.

    `versions` are the versions the person saw (display id → version); without them the rows'
    own are used. Any lead changed since, or archived, makes the whole merge a `Conflict`."""
    _check_merge(keeper, others)
    ids = [keeper["id"], *(o["id"] for o in others)]
    seen = versions or {}
    guarded = [(row["id"], int(seen.get(row["display_id"], row["version"]))) for row in (keeper, *others)]
    names = [o["display_id"] for o in others]
    statements = [
        lead_record.keep_one(now, keeper["id"], guarded),
        records.guard_changed(len(ids)),
    ]
    for other in others:
        statements += _merged_timeline(now, user, keeper, other)
    # A partner retrying one of the merged deliveries is answered with the lead that lives on.
    statements.append(intake.move_keys(keeper["id"], [o["id"] for o in others]))
    statements.append(
        records.audit(
            now,
            user.actor,
            "lead.merged",
            f"{keeper['display_id']} kept; merged {', '.join(names)}",
            office_id=keeper["office_id"],
            meta={"lead": keeper["display_id"], "merged": names},
        )
    )
    try:
        await db.batch(statements)
    except records.LostRace:
        raise Conflict("Someone changed one of these leads a moment ago. Reload and choose again.") from None


def _check_merge(keeper: Row, others: list[Row]) -> None:
    """Refuse a merge that is empty, too big, names a lead twice, touches an archived lead, or
    joins a lead that shares neither a phone nor a partner lead id with the keeper."""
    if not others:
        raise Invalid("Choose at least one lead to merge into the one you keep.")
    if len(others) > MAX_MERGE:
        raise Invalid(f"Merge at most {MAX_MERGE} leads at a time.")
    ids = [keeper["id"], *(o["id"] for o in others)]
    if len(set(ids)) != len(ids):
        raise Invalid("Each lead can appear only once, and the keeper is not merged into itself.")
    for row in (keeper, *others):
        if row["archived_at"]:
            raise Invalid(f"{row['display_id']} is already archived; restore it first or leave it out.")
    for other in others:
        if not _same_lead(keeper, other):
            raise Invalid(
                f"{other['display_id']} shares neither a phone nor a partner lead id with {keeper['display_id']}."
            )


def _merged_timeline(now: datetime, user: User, keeper: Row, other: Row) -> list[Statement]:
    """The timeline rows for one merged lead: its entries copied onto the keeper, then a note on
    each side saying where it went."""
    return [
        # Every entry of `other`, re-filed under the keeper with its original time and author.
        records.copy_timeline(
            "lead",
            other["id"],
            keeper["id"],
            keeper["office_id"],
            f"Merged from {other['display_id']}: ",
            other["display_id"],
        ),
        records.timeline(
            now,
            user.actor,
            "lead",
            keeper["id"],
            "sys",
            f"Merged from {other['display_id']} by {user.name}; its timeline is copied above",
            office_id=keeper["office_id"],
            meta={"merged_from": other["display_id"]},
        ),
        records.timeline(
            now,
            user.actor,
            "lead",
            other["id"],
            "sys",
            f"Merged into {keeper['display_id']} by {user.name} and archived",
            office_id=other["office_id"],
            meta={"merged_into": keeper["display_id"]},
        ),
    ]
