"""A customer's files: metadata in `customer_files`, bytes in the file store (folder / R2).

What may be uploaded is core/attachments.py's rule (shared with lead photos and booking images).
Each file is stored under a random key, so the uploaded name reaches storage only as metadata.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from core import records
from core.attachments import Upload
from core.clock import iso
from core.filestore import FileStore
from core.records import Actor
from core.storage import Database, Row, Statement, q


def public(row: Row) -> dict[str, object]:
    return {
        "id": row["id"],
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size_bytes": row["size_bytes"],
        "sha256": row["sha256"],
        "uploaded_by": row.get("uploader_name"),
        "created_at": row["created_at"],
    }


async def files_for(db: Database, customer_id: int) -> list[Row]:
    return await db.all(
        "SELECT f.*, u.name AS uploader_name FROM customer_files f LEFT JOIN users u ON u.id = f.uploaded_by"
        " WHERE f.customer_id = ? ORDER BY f.id DESC",
        customer_id,
    )


async def file_for(db: Database, customer_id: int, file_id: int) -> Row | None:
    return await db.first("SELECT * FROM customer_files WHERE id = ? AND customer_id = ?", file_id, customer_id)


async def add_file(db: Database, store: FileStore, now: datetime, actor: Actor, customer: Row, upload: Upload) -> int:
    """Bytes first, then the row: a failed batch leaves an orphan object (harmless, unreferenced),
    never a row pointing at nothing."""
    key = f"customers/{customer['id']}/{secrets.token_hex(16)}"
    await store.put(key, upload.data, upload.content_type)
    digest = hashlib.sha256(upload.data).hexdigest()
    results = await db.batch(
        [
            q(
                "INSERT INTO customer_files (customer_id, storage_key, filename, content_type, size_bytes, sha256,"
                " uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                customer["id"],
                key,
                upload.filename,
                upload.content_type,
                len(upload.data),
                digest,
                actor.user_id,
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "customer_file.upload",
                f"{actor.label} uploaded “{upload.filename}” to {customer['display_id']}",
                office_id=customer["office_id"],
                meta={"customer": customer["display_id"], "size": len(upload.data), "type": upload.content_type},
            ),
            records.timeline(
                now,
                actor,
                "customer",
                customer["id"],
                "file",
                f"File “{upload.filename}” uploaded",
                office_id=customer["office_id"],
            ),
        ]
    )
    return int(results[0].rows[0]["id"])


def move_all(from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: the bytes stay under their random key in the file store; only the owner changes."""
    return q("UPDATE customer_files SET customer_id = ? WHERE customer_id = ?", to_customer_id, from_customer_id)


async def read_file(store: FileStore, row: Row) -> bytes | None:
    return await store.get(row["storage_key"])


async def delete_file(db: Database, store: FileStore, now: datetime, actor: Actor, customer: Row, row: Row) -> None:
    """The row (and its audit entry) first, then the bytes: a crash in between leaves an orphan
    object, never a listed file that cannot be downloaded."""
    await db.batch(
        [
            q("DELETE FROM customer_files WHERE id = ? AND customer_id = ?", row["id"], customer["id"]),
            records.if_changed(
                records.audit(
                    now,
                    actor,
                    "customer_file.delete",
                    f"{actor.label} deleted “{row['filename']}” from {customer['display_id']}",
                    office_id=customer["office_id"],
                    meta={"customer": customer["display_id"], "file_id": row["id"]},
                )
            ),
            records.timeline(
                now,
                actor,
                "customer",
                customer["id"],
                "file",
                f"File “{row['filename']}” deleted",
                office_id=customer["office_id"],
            ),
        ]
    )
    await store.delete(row["storage_key"])
