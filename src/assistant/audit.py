"""Every assistant turn, stored (AIA-8): conversations, turns (question, answer, model, tokens, cost,
status) and the exact tool calls (input and output as the model saw them). This module owns
`assistant_conversations`, `assistant_turns` and `assistant_tool_calls`.

Spend (AIA-7) is each user's own: the sum of their turns' cost on the current New York day, kept on
each turn as `spend_day`, so midnight America/New_York starts a new day whatever the server's zone.
A failed turn keeps what it used (its tokens so far) and counts toward the day like any other.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz
from accounts.users import User
from core import cardcheck
from core.clock import iso
from core.storage import Database, Row, Statement, q

BUDGET_ZONE = ZoneInfo("America/New_York")
MAX_TITLE = 80


def spend_day(now: datetime) -> str:
    """The New York calendar day of `now` (the budget's day, AIA-7)."""
    return now.astimezone(BUDGET_ZONE).date().isoformat()


async def spent_today(db: Database, user_id: int, now: datetime) -> int:
    row = await db.first(
        "SELECT COALESCE(SUM(cost_micros), 0) AS spent FROM assistant_turns WHERE user_id = ? AND spend_day = ?",
        user_id,
        spend_day(now),
    )
    return int(row["spent"]) if row else 0


async def new_conversation(
    db: Database, now: datetime, user: User, title: str, *, customer_id: int | None = None, ticket_id: int | None = None
) -> int:
    results = await db.batch(
        [
            q(
                "INSERT INTO assistant_conversations (user_id, title, customer_id, ticket_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                user.id,
                cardcheck.redact(" ".join(title.split()))[:MAX_TITLE],
                customer_id,
                ticket_id,
                iso(now),
                iso(now),
            )
        ]
    )
    return int(results[0].last_row_id or 0)


async def conversation_for(db: Database, user: User, conversation_id: int) -> Row | None:
    """A conversation the user may read: their own; the owner (audit.view) any (AIA-8)."""
    row = await db.first(
        "SELECT c.*, u.name AS user_name FROM assistant_conversations c JOIN users u ON u.id = c.user_id"
        " WHERE c.id = ?",
        conversation_id,
    )
    if row is None or not authz.may_replay(user, row):
        return None
    return row


async def conversations(db: Database, user: User, *, everyone: bool = False, limit: int = 100) -> list[Row]:
    """The user's conversations, newest first; with `everyone` (owner only) all users'."""
    mine = "1 = 1" if everyone and authz.can(user, "audit.view") else "c.user_id = ?"
    params: list[Any] = [] if mine == "1 = 1" else [user.id]
    return await db.all(
        "SELECT c.*, u.name AS user_name, (SELECT COUNT(*) FROM assistant_turns t WHERE t.conversation_id = c.id)"
        " AS turns, (SELECT COALESCE(SUM(cost_micros), 0) FROM assistant_turns t WHERE t.conversation_id = c.id)"
        f" AS cost_micros FROM assistant_conversations c JOIN users u ON u.id = c.user_id WHERE {mine}"
        " ORDER BY c.id DESC LIMIT ?",
        *params,
        limit,
    )


async def turns_of(db: Database, conversation_id: int) -> list[Row]:
    return await db.all("SELECT * FROM assistant_turns WHERE conversation_id = ? ORDER BY id", conversation_id)


async def tool_calls_of(db: Database, turn_ids: list[int]) -> dict[int, list[Row]]:
    if not turn_ids:
        return {}
    marks = ", ".join("?" for _ in turn_ids)
    rows = await db.all(
        f"SELECT * FROM assistant_tool_calls WHERE turn_id IN ({marks}) ORDER BY turn_id, seq", *turn_ids
    )
    found: dict[int, list[Row]] = {}
    for r in rows:
        found.setdefault(int(r["turn_id"]), []).append(r)
    return found


async def start_turn(db: Database, now: datetime, user: User, conversation_id: int, question: str, model: str) -> int:
    results = await db.batch(
        [
            q(
                "INSERT INTO assistant_turns (conversation_id, user_id, question, model, spend_day, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                conversation_id,
                user.id,
                question,
                model,
                spend_day(now),
                iso(now),
            ),
            q("UPDATE assistant_conversations SET updated_at = ? WHERE id = ?", iso(now), conversation_id),
        ]
    )
    return int(results[0].last_row_id or 0)


async def finish_turn(
    db: Database,
    now: datetime,
    turn_id: int,
    *,
    answer: str,
    status: str,
    error: str,
    input_tokens: int,
    output_tokens: int,
    cost_micros: int,
    tool_calls: list[tuple[str, dict[str, Any], Any]],
) -> None:
    """The turn's outcome and its tool calls, one batch."""
    statements = [
        q(
            "UPDATE assistant_turns SET answer = ?, status = ?, error = ?, input_tokens = ?, output_tokens = ?,"
            " cost_micros = ?, finished_at = ? WHERE id = ?",
            answer,
            status,
            error,
            input_tokens,
            output_tokens,
            cost_micros,
            iso(now),
            turn_id,
        )
    ]
    for seq, (name, given, output) in enumerate(tool_calls, start=1):
        statements.append(
            q(
                "INSERT INTO assistant_tool_calls (turn_id, seq, name, input_json, output_json) VALUES (?, ?, ?, ?, ?)",
                turn_id,
                seq,
                name,
                json.dumps(given, sort_keys=True, default=str),
                json.dumps(output, sort_keys=True, default=str),
            )
        )
    await db.batch(statements)


def turn_public(row: Row, calls: list[Row]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "question": row["question"],
        "answer": row["answer"],
        "status": row["status"],
        "error": row["error"],
        "model": row["model"],
        "input_tokens": row["input_tokens"],
        "output_tokens": row["output_tokens"],
        "cost_usd": round(row["cost_micros"] / 1_000_000, 6),
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "tool_calls": [
            {"name": c["name"], "input": json.loads(c["input_json"]), "output": json.loads(c["output_json"])}
            for c in calls
        ],
    }


def conversation_public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user": row.get("user_name"),
        "title": row["title"],
        "turns": row.get("turns"),
        "cost_usd": round((row.get("cost_micros") or 0) / 1_000_000, 6),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def transcript(db: Database, conversation_id: int) -> str:
    """A conversation as text, for saving it to a ticket (questions and answers, not tool output)."""
    parts = []
    for t in await turns_of(db, conversation_id):
        parts.append(f"Q: {t['question']}")
        if t["answer"]:
            parts.append(f"A: {t['answer']}")
    return "\n\n".join(parts)


def move_customer(from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: ticket chats about one customer now name the keeper (ops/customer_merge.py)."""
    return q(
        "UPDATE assistant_conversations SET customer_id = ? WHERE customer_id = ?", to_customer_id, from_customer_id
    )
