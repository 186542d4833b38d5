"""The connected company and the shape of one imported document in billing lists, shared by
`billing` and `estimates`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.storage import Database, Row
from quickbooks import oauth

APP_HOST = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}
DOC_COLUMNS = (
    "entity, qbo_id, doc_number, name, customer_qbo_id, txn_date, due_date, expiration_date, status,"
    " total_cents, balance_cents, unapplied_cents, synced_at"
)


@dataclass(frozen=True)
class Company:
    realm_id: str
    environment: str
    company_name: str
    status: str
    last_sync_at: str | None

    def url(self, entity: str, qbo_id: str) -> str:
        """The document in QuickBooks' own web app ("open in QuickBooks")."""
        host = APP_HOST.get(self.environment, APP_HOST["production"])
        if entity == "Customer":
            return f"{host}/app/customerdetail?nameId={qbo_id}"
        return f"{host}/app/{entity.lower()}?txnId={qbo_id}"


async def company(db: Database) -> Company | None:
    conn = await oauth.connection(db)
    if conn is None:
        return None
    return Company(conn.realm_id, conn.environment, conn.company_name, conn.status, conn.last_sync_at)


def money_row(row: Row, co: Company) -> dict[str, Any]:
    """One document for a list: the fields every billing table shows."""
    return {
        "entity": row["entity"],
        "qbo_id": row["qbo_id"],
        "number": row["doc_number"] or row["qbo_id"],
        "customer": row["name"] or "",
        "customer_qbo_id": row["customer_qbo_id"],
        "date": row["txn_date"],
        "due": row["due_date"],
        "expires": row["expiration_date"],
        "status": row["status"],
        "total_cents": int(row["total_cents"] or 0),
        "balance_cents": None if row["balance_cents"] is None else int(row["balance_cents"]),
        "unapplied_cents": None if row["unapplied_cents"] is None else int(row["unapplied_cents"]),
        "synced_at": row["synced_at"],
        "url": co.url(row["entity"], row["qbo_id"]),
    }
