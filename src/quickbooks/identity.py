"""Customer identity: which Porchlight customer an imported QuickBooks customer is (the "QuickBooks
matches" review queue in Clients).

The link is `customers.quickbooks_customer_id`; at most one customer holds a given QuickBooks id
(every link statement checks). A QuickBooks customer is in one of four states:
- **linked** — a customer holds its id;
- **ignored** — a person said it is not one of ours (`quickbooks_match_decisions`);
- **unlinked** — a person undid its link: it waits for review and is never auto-linked again;
- **pending** — none of these.

`auto_link` (after each import or sync tick that brought data) links every active, pending QuickBooks
customer for which exactly one live Porchlight customer shares its e-mail or its last-10 phone digits
(customer row or any contact, either phone), when that customer holds no other QuickBooks id and is
nobody else's only match. It is set-based (a few statements whatever the size) and idempotent. The
rest wait for a person, who sees candidates — the same e-mail/phone matches plus names that look
alike (FTS trigram search, ranked by `difflib`) — and links, creates a customer from it, or ignores.

No CRM field is changed by any of this except the link itself; creating a customer copies the
QuickBooks name, e-mail, phone and billing address into a *new* customer only.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts import authz
from accounts.offices import Office
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, Param, Row, Statement, q
from customers import actions as customer_actions
from customers import record as customers

STATES = ("pending", "linked", "ignored", "unlinked", "all")
PAGE = 25
SCAN = 2000  # QuickBooks customers per auto-link query
NAME_CANDIDATES = 5
NAME_FLOOR = 0.55  # difflib ratio below which a name is not offered
_STOPWORDS = frozenset({"llc", "inc", "ltd", "the", "and", "co", "corp", "company", "deleted"})

_LINKED = "EXISTS (SELECT 1 FROM customers c WHERE c.quickbooks_customer_id = o.qbo_id)"
_DECIDED = (
    "EXISTS (SELECT 1 FROM quickbooks_match_decisions d WHERE d.realm_id = o.realm_id AND d.qbo_id = o.qbo_id"
    " AND d.decision = ?)"
)
_UNDECIDED = (
    "NOT EXISTS (SELECT 1 FROM quickbooks_match_decisions d WHERE d.realm_id = o.realm_id AND d.qbo_id = o.qbo_id)"
)
_LIVE_QBO = "o.realm_id = ? AND o.entity = 'Customer' AND o.deleted_at IS NULL"
_LIVE_CUSTOMER = "c.archived_at IS NULL AND c.merged_into_id IS NULL"


# --- exact matches -------------------------------------------------------------------------------

# (qbo_id, customer_id) for every shared e-mail or phone, QuickBooks customers filtered by {where}.
_EXACT = """
SELECT o.qbo_id AS qbo_id, c.id AS customer_id FROM quickbooks_objects o
  JOIN customers c ON c.email = o.email WHERE {where} AND o.email IS NOT NULL AND {live}
UNION SELECT o.qbo_id, c.id FROM quickbooks_objects o
  JOIN customers c ON c.phone_last10 = o.phone_last10 WHERE {where} AND o.phone_last10 IS NOT NULL AND {live}
UNION SELECT o.qbo_id, c.id FROM quickbooks_objects o JOIN customer_contacts k ON k.email = o.email
  JOIN customers c ON c.id = k.customer_id WHERE {where} AND o.email IS NOT NULL AND {live}
UNION SELECT o.qbo_id, c.id FROM quickbooks_objects o JOIN customer_contacts k ON k.phone_last10 = o.phone_last10
  JOIN customers c ON c.id = k.customer_id WHERE {where} AND o.phone_last10 IS NOT NULL AND {live}
UNION SELECT o.qbo_id, c.id FROM quickbooks_objects o JOIN customer_contacts k ON k.alt_phone_last10 = o.phone_last10
  JOIN customers c ON c.id = k.customer_id WHERE {where} AND o.phone_last10 IS NOT NULL AND {live}
"""


def _exact_sql(where: str, extra_live: str = "") -> str:
    return _EXACT.format(where=where, live=_LIVE_CUSTOMER + extra_live)


async def auto_link(db: Database, realm: str, now: datetime) -> int:
    """Link every pending QuickBooks customer with exactly one e-mail/phone match. Returns how many."""
    pairs: dict[str, set[int]] = defaultdict(set)
    after = ""
    while True:
        chunk = await db.all(
            f"SELECT o.qbo_id FROM quickbooks_objects o WHERE {_LIVE_QBO} AND coalesce(o.active, 1) = 1"
            f" AND o.qbo_id > ? AND NOT {_LINKED} AND {_UNDECIDED}"
            " AND (o.email IS NOT NULL OR o.phone_last10 IS NOT NULL) ORDER BY o.qbo_id LIMIT ?",
            realm,
            after,
            SCAN,
        )
        if not chunk:
            break
        ids = json.dumps([r["qbo_id"] for r in chunk])
        where = "o.realm_id = ? AND o.entity = 'Customer' AND o.qbo_id IN (SELECT value FROM json_each(?))"
        for row in await db.all(_exact_sql(where), *([realm, ids] * 5)):
            pairs[row["qbo_id"]].add(int(row["customer_id"]))
        after = chunk[-1]["qbo_id"]
        if len(chunk) < SCAN:
            break
    unique = {qbo: next(iter(ids)) for qbo, ids in pairs.items() if len(ids) == 1}
    claimed: dict[int, int] = defaultdict(int)
    for customer_id in unique.values():
        claimed[customer_id] += 1
    links = [(customer_id, qbo) for qbo, customer_id in unique.items() if claimed[customer_id] == 1]
    if not links:
        return 0
    linking = [customer_id for customer_id, _ in links]
    before = await _linked_count(db, linking)
    await db.batch(_auto_statements(realm, now, json.dumps(links)))
    return await _linked_count(db, linking) - before


async def _linked_count(db: Database, customer_ids: list[int]) -> int:
    row = await db.first(
        "SELECT COUNT(*) AS n FROM customers WHERE id IN (SELECT value FROM json_each(?))"
        " AND quickbooks_customer_id IS NOT NULL",
        json.dumps(customer_ids),
    )
    return int(row["n"]) if row else 0


def _auto_statements(realm: str, now: datetime, links: str) -> list[Statement]:
    """One batch for every auto-link: the links (each guarded: customer still free and live, the
    QuickBooks id still nobody's), then a timeline entry and an audit row per link made now."""
    stamp = iso(now)
    # json_each drives every statement (CROSS JOIN keeps it the outer loop), so the work grows with
    # the number of links, not with links × customers.
    pairs = customers.QUICKBOOKS_PAIRS
    made = (
        f"FROM {pairs} AS j CROSS JOIN customers c ON c.id = j.customer_id AND c.quickbooks_customer_id = j.qbo_id"
        " JOIN quickbooks_objects o ON o.realm_id = ?3 AND o.entity = 'Customer' AND o.qbo_id = j.qbo_id"
        " WHERE c.updated_at = ?2 AND NOT EXISTS (SELECT 1 FROM timeline_entries t WHERE t.subject_type = 'customer'"
        " AND t.subject_id = c.id AND t.kind = 'billing' AND t.created_at = ?2 AND t.actor_user_id IS NULL)"
    )
    body = "'Linked to QuickBooks customer ' || coalesce(o.name, c.quickbooks_customer_id) || ' (same e-mail or phone)'"
    meta = "json_object('quickbooks_customer_id', c.quickbooks_customer_id, 'how', 'auto', 'customer', c.display_id)"
    return [
        customers.link_quickbooks_pairs(links, stamp),
        # Audit first: the timeline row written next is what marks a link as recorded.
        records.audit_rows(
            f"SELECT ?2, NULL, 'System', c.office_id, 'quickbooks.match.auto_linked', c.display_id || ': ' || {body},"
            f" {meta}, NULL {made}",
            links,
            stamp,
            realm,
        ),
        records.timeline_rows(
            f"SELECT 'customer', c.id, c.office_id, 'billing', {body}, NULL, 'System', {meta}, ?2 {made}",
            links,
            stamp,
            realm,
        ),
    ]


# --- the review queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    customer_id: int
    display_id: str
    name: str
    company: str
    office: str
    email: str
    phone: str | None
    linked_to: str | None
    reasons: tuple[str, ...]
    score: float

    def as_json(self) -> dict[str, Any]:
        return {
            "customer": self.display_id,
            "name": self.name,
            "company": self.company,
            "office": self.office,
            "email": self.email,
            "phone": self.phone,
            "linked_to_quickbooks_customer": self.linked_to,
            "reasons": list(self.reasons),
            "score": round(self.score, 2),
        }


def _state_sql(state: str) -> tuple[str, list[Param]]:
    if state == "linked":
        return _LINKED, []
    if state in ("ignored", "unlinked"):
        return f"NOT {_LINKED} AND {_DECIDED}", [state]
    if state == "pending":
        return f"NOT {_LINKED} AND {_UNDECIDED} AND coalesce(o.active, 1) = 1", []
    return "1 = 1", []


async def counts(db: Database, realm: str) -> dict[str, int]:
    out = {}
    for state in ("pending", "linked", "ignored", "unlinked"):
        where, params = _state_sql(state)
        row = await db.first(
            f"SELECT COUNT(*) AS n FROM quickbooks_objects o WHERE {_LIVE_QBO} AND {where}", realm, *params
        )
        out[state] = int(row["n"]) if row else 0
    return out


async def queue(
    db: Database, user: User, realm: str, *, state: str = "pending", page: int = 1, search: str = ""
) -> dict[str, Any]:
    """A page of QuickBooks customers in `state`, by name, each with its link and candidates."""
    if state not in STATES:
        raise Invalid(f"State must be one of: {', '.join(STATES)}.")
    where, params = _state_sql(state)
    if search:
        where += " AND (o.name LIKE ? OR o.company LIKE ? OR o.email LIKE ?)"
        params += [f"%{search}%"] * 3
    rows = await db.all(
        "SELECT o.qbo_id, o.name, o.company, o.email, o.phone_last10, o.active, o.balance_cents, o.raw,"
        " (SELECT d.decision FROM quickbooks_match_decisions d WHERE d.realm_id = o.realm_id AND d.qbo_id = o.qbo_id)"
        " AS decision FROM quickbooks_objects o"
        f" WHERE {_LIVE_QBO} AND {where} ORDER BY o.name COLLATE NOCASE, o.qbo_id LIMIT ? OFFSET ?",
        realm,
        *params,
        PAGE + 1,
        (max(page, 1) - 1) * PAGE,
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    items = [await _item(db, user, realm, r) for r in rows]
    return {
        "state": state,
        "page": max(page, 1),
        "more": more,
        "items": items,
        "counts": await counts(db, realm),
    }


async def _item(db: Database, user: User, realm: str, row: Row) -> dict[str, Any]:
    linked = await db.first(
        "SELECT c.display_id, c.name, c.office_id FROM customers c WHERE c.quickbooks_customer_id = ?", row["qbo_id"]
    )
    raw = json.loads(row["raw"] or "{}")
    phone = next(
        (raw[k]["FreeFormNumber"] for k in ("PrimaryPhone", "Mobile") if isinstance(raw.get(k), dict)),
        None,
    )
    if linked is not None:
        state = "linked"
    elif row["decision"]:
        state = row["decision"]
    else:
        state = "pending" if row["active"] != 0 else "inactive"
    visible = linked is not None and authz.visible_office(user, linked["office_id"])
    return {
        "qbo_id": row["qbo_id"],
        "name": row["name"] or "",
        "company": row["company"] or "",
        "email": row["email"],
        "phone": phone,
        "active": row["active"] != 0,
        "balance_cents": int(row["balance_cents"] or 0),
        "state": state,
        "linked": {"customer": linked["display_id"], "name": linked["name"]} if visible and linked else None,
        "candidates": [] if linked else [c.as_json() for c in await candidates(db, user, realm, row)],
    }


def _tokens(*names: str | None) -> list[str]:
    words = {w for n in names if n for w in re.findall(r"[^\W_]{3,}", n.lower())}
    return sorted(words - _STOPWORDS, key=len, reverse=True)[:4]


async def candidates(db: Database, user: User, realm: str, qbo: Row) -> list[Candidate]:
    """Customers this person may see that could be this QuickBooks customer: shared e-mail or phone
    first, then the closest names."""
    scope, scope_params = authz.office_filter(user, "c.office_id")
    where = "o.realm_id = ? AND o.entity = 'Customer' AND o.qbo_id = ?"
    exact = await db.all(_exact_sql(where, f" AND {scope}"), *([realm, qbo["qbo_id"], *scope_params] * 5))
    found: dict[int, set[str]] = defaultdict(set)
    for r in exact:
        found[int(r["customer_id"])].add("email or phone")
    tokens = _tokens(qbo["name"], qbo["company"])
    if tokens:
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        named = await db.all(
            "SELECT c.id FROM customers c WHERE c.id IN (SELECT rowid FROM customer_terms WHERE customer_terms MATCH ?"
            f" ORDER BY rowid DESC LIMIT 200) AND {_LIVE_CUSTOMER} AND {scope}",
            match,
            *scope_params,
        )
        for r in named:
            found[int(r["id"])]
    if not found:
        return []
    rows = await db.all(
        "SELECT c.id, c.display_id, c.name, c.company, c.email, c.phone, c.quickbooks_customer_id, o.name AS office"
        " FROM customers c JOIN offices o ON o.id = c.office_id WHERE c.id IN (SELECT value FROM json_each(?))",
        json.dumps(list(found)),
    )
    target = (qbo["name"] or "").lower()
    company = (qbo["company"] or "").lower()
    out = []
    for r in rows:
        score = max(
            difflib.SequenceMatcher(None, target, (r["name"] or "").lower()).ratio(),
            difflib.SequenceMatcher(None, company, (r["company"] or r["name"] or "").lower()).ratio() if company else 0,
        )
        reasons = set(found[r["id"]])
        if score >= NAME_FLOOR:
            reasons.add("similar name")
        if not reasons:
            continue
        out.append(
            Candidate(
                r["id"],
                r["display_id"],
                r["name"],
                r["company"],
                r["office"],
                r["email"],
                r["phone"],
                r["quickbooks_customer_id"],
                tuple(sorted(reasons)),
                score + (1 if "email or phone" in reasons else 0),
            )
        )
    out.sort(key=lambda c: (-c.score, c.display_id))
    exact_ones = [c for c in out if "email or phone" in c.reasons]
    return exact_ones + [c for c in out if "email or phone" not in c.reasons][:NAME_CANDIDATES]


# --- the verbs -----------------------------------------------------------------------------------


async def quickbooks_customer(db: Database, realm: str, qbo_id: str) -> Row:
    row = await db.first(
        f"SELECT o.* FROM quickbooks_objects o WHERE {_LIVE_QBO} AND o.qbo_id = ?", realm, str(qbo_id)[:40]
    )
    if row is None:
        raise NotFound("No such QuickBooks customer.")
    return row


def _audit(now: datetime, actor: Actor, action: str, summary: str, office_id: int | None, **meta: object) -> Statement:
    return records.audit(now, actor, action, summary, office_id=office_id, meta=meta)


def _decide(now: datetime, user: User, realm: str, qbo_id: str, decision: str) -> Statement:
    return q(
        "INSERT INTO quickbooks_match_decisions (realm_id, qbo_id, decision, decided_at, decided_by)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (realm_id, qbo_id) DO UPDATE SET decision = excluded.decision,"
        " decided_at = excluded.decided_at, decided_by = excluded.decided_by",
        realm,
        qbo_id,
        decision,
        iso(now),
        user.id,
    )


def _undecide(realm: str, qbo_id: str) -> Statement:
    return q("DELETE FROM quickbooks_match_decisions WHERE realm_id = ? AND qbo_id = ?", realm, qbo_id)


def _link_statements(
    now: datetime, user: User, realm: str, qbo: Row, customer_id: int, office_id: int, how: str
) -> list[Statement]:
    """Set the link on a customer that holds none, unless another customer holds this id (then the
    batch stops), with its timeline entry and audit row."""
    name = qbo["name"] or qbo["qbo_id"]
    return [
        customers.link_quickbooks(now, customer_id, qbo["qbo_id"]),
        records.guard_changed(),
        _undecide(realm, qbo["qbo_id"]),
        customers.timeline(
            now,
            user.actor,
            customer_id,
            office_id,
            "billing",
            f"Linked to QuickBooks customer {name} by {user.name}",
            quickbooks_customer_id=qbo["qbo_id"],
            how=how,
        ),
        records.audit(
            now,
            user.actor,
            f"quickbooks.match.{how}",
            f"{user.name} linked QuickBooks customer {name} ({qbo['qbo_id']})",
            office_id=office_id,
            meta={"quickbooks_customer_id": qbo["qbo_id"], "customer_id": customer_id},
        ),
    ]


async def _run(db: Database, statements: list[Statement], message: str) -> None:
    try:
        await db.batch(statements)
    except records.LostRace:
        raise Conflict(message) from None


async def link(db: Database, now: datetime, user: User, realm: str, qbo_id: str, customer: Row) -> None:
    """Link a QuickBooks customer to a Porchlight customer the person may see."""
    qbo = await quickbooks_customer(db, realm, qbo_id)
    if customer["merged_into_id"] or customer["archived_at"]:
        raise Invalid("That customer is archived; link its live record instead.")
    if customer["quickbooks_customer_id"] == qbo["qbo_id"]:
        return
    if customer["quickbooks_customer_id"]:
        raise Conflict(
            f"{customer['display_id']} is already linked to QuickBooks customer {customer['quickbooks_customer_id']};"
            " unlink that first."
        )
    await _run(
        db,
        [
            customers.still_at("customers", customer),
            *_link_statements(now, user, realm, qbo, customer["id"], customer["office_id"], "linked"),
        ],
        "That QuickBooks customer was linked to another customer a moment ago.",
    )


async def unlink(db: Database, now: datetime, user: User, realm: str, qbo_id: str) -> str:
    """Undo a link (made by hand or automatically); the QuickBooks customer goes back to review and
    is not auto-linked again. Returns the customer's display id."""
    qbo = await quickbooks_customer(db, realm, qbo_id)
    linked = await db.first("SELECT * FROM customers WHERE quickbooks_customer_id = ?", qbo["qbo_id"])
    if linked is None or not authz.visible_office(user, linked["office_id"]):
        raise (Conflict if linked is None else NotFound)("That QuickBooks customer is not linked.")
    name = qbo["name"] or qbo["qbo_id"]
    await _run(
        db,
        [
            customers.unlink_quickbooks(now, linked["id"], qbo["qbo_id"]),
            records.guard_changed(),
            _decide(now, user, realm, qbo["qbo_id"], "unlinked"),
            customers.timeline(
                now,
                user.actor,
                linked["id"],
                linked["office_id"],
                "billing",
                f"Unlinked from QuickBooks customer {name} by {user.name}",
                quickbooks_customer_id=qbo["qbo_id"],
            ),
            _audit(
                now,
                user.actor,
                "quickbooks.match.unlinked",
                f"{user.name} unlinked QuickBooks customer {name} from {linked['display_id']}",
                linked["office_id"],
                quickbooks_customer_id=qbo["qbo_id"],
                customer=linked["display_id"],
            ),
        ],
        "That link changed a moment ago.",
    )
    return str(linked["display_id"])


async def ignore(db: Database, now: datetime, user: User, realm: str, qbo_id: str) -> None:
    qbo = await quickbooks_customer(db, realm, qbo_id)
    if await db.first("SELECT 1 FROM customers WHERE quickbooks_customer_id = ?", qbo["qbo_id"]):
        raise Conflict("That QuickBooks customer is linked; unlink it first.")
    await db.batch(
        [
            _decide(now, user, realm, qbo["qbo_id"], "ignored"),
            _audit(
                now,
                user.actor,
                "quickbooks.match.ignored",
                f"{user.name} ignored QuickBooks customer {qbo['name'] or qbo['qbo_id']}",
                None,
                quickbooks_customer_id=qbo["qbo_id"],
            ),
        ]
    )


def new_customer_from(qbo: Row) -> customer_actions.NewCustomer:
    """A new customer holding what QuickBooks knows: name, company, e-mail, phone, billing address."""
    raw = json.loads(qbo["raw"] or "{}")
    phone = next((raw[k]["FreeFormNumber"] for k in ("PrimaryPhone", "Mobile") if isinstance(raw.get(k), dict)), "")
    given = " ".join(p for p in (raw.get("GivenName"), raw.get("FamilyName")) if p)
    company = (raw.get("CompanyName") or "").strip()
    name = (raw.get("DisplayName") or given or company or f"QuickBooks customer {qbo['qbo_id']}").strip()
    bill = raw.get("BillAddr") if isinstance(raw.get("BillAddr"), dict) else None
    address = (
        {
            "line1": bill.get("Line1") or "",
            "line2": bill.get("Line2") or "",
            "city": bill.get("City") or "",
            "state": bill.get("CountrySubDivisionCode") or "",
            "zip": bill.get("PostalCode") or "",
        }
        if bill and bill.get("Line1")
        else None
    )
    # A phone with an extension ("x12") would not pass the contact check; keep the number part.
    phone = re.split(r"\s*(?:x|ext\.?)\s*\d+$", phone.strip(), flags=re.IGNORECASE)[0]
    return customer_actions.NewCustomer(
        name=name,
        kind="company" if company else "private",
        company=company,
        contact={"name": given or name, "email": qbo["email"] or "", "phone": phone},
        billing_address=address,
    )


async def create(db: Database, now: datetime, user: User, realm: str, qbo_id: str, office: Office) -> str:
    """A new Porchlight customer from a QuickBooks customer, linked in the same batch."""
    qbo = await quickbooks_customer(db, realm, qbo_id)
    if await db.first("SELECT 1 FROM customers WHERE quickbooks_customer_id = ?", qbo["qbo_id"]):
        raise Conflict("That QuickBooks customer is already linked.")
    if not authz.visible_office(user, office.id):
        raise NotFound("Choose one of your offices.")
    try:
        return await customer_actions.create_customer(
            db,
            now,
            user,
            office,
            new_customer_from(qbo),
            also=lambda customer_id: _link_statements(now, user, realm, qbo, customer_id, office.id, "created"),
        )
    except records.LostRace:
        raise Conflict("That QuickBooks customer was linked to another customer a moment ago.") from None
