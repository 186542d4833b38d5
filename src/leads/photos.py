"""Photos on a lead (seed 001 "notes/photos"): metadata in `lead_photos`, bytes in the file store.

Only the raster images every browser shows inline (PNG, JPEG, GIF, WebP) are taken, decided from the
bytes with the shared upload sniffer and size limit (`core/attachments.py`), never from the name or the
browser's Content-Type. Bytes are stored under a random key, so the uploaded name is only metadata.
Whoever uploaded a photo may delete it; so may admins and up (`leads.photos.delete_any`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from accounts import authz
from accounts.users import User
from core import attachments, records
from core.attachments import FileRefused, Upload
from core.clock import iso
from core.errors import Forbidden
from core.filestore import FileStore
from core.records import Actor
from core.storage import Database, Row, q

MAX_BYTES = attachments.MAX_BYTES
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def check_photo(filename: str, data: bytes) -> Upload:
    """The upload, if it is an image we take; FileRefused (413 / 415 / 422) otherwise."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Photos may be at most {MAX_BYTES // (1024 * 1024)} MB.", 413)
    if not data:
        raise FileRefused("That file is empty.", 422)
    name = attachments.clean_name(filename)
    kind = attachments.sniff(data, name)
    if kind not in IMAGE_TYPES:
        raise FileRefused("Only photos are accepted here: PNG, JPEG, GIF or WebP.", 415)
    return Upload(name, kind, data)


def public(row: Row, lead_display_id: str) -> dict[str, object]:
    return {
        "id": row["id"],
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size_bytes": row["size_bytes"],
        "sha256": row["sha256"],
        "uploaded_by": row.get("uploader_name"),
        "uploaded_by_id": row["uploaded_by"],
        "created_at": row["created_at"],
        "url": f"/leads/{lead_display_id}/photos/{row['id']}",
    }


async def photos_for(db: Database, lead_id: int) -> list[Row]:
    return await db.all(
        "SELECT p.*, u.name AS uploader_name FROM lead_photos p LEFT JOIN users u ON u.id = p.uploaded_by"
        " WHERE p.lead_id = ? ORDER BY p.id DESC",
        lead_id,
    )


async def photo_for(db: Database, lead_id: int, photo_id: int) -> Row | None:
    return await db.first("SELECT * FROM lead_photos WHERE id = ? AND lead_id = ?", photo_id, lead_id)


def may_delete(user: User, photo: Row) -> bool:
    return authz.may_delete_photo(user, photo)


async def add_photo(db: Database, store: FileStore, now: datetime, actor: Actor, lead: Row, upload: Upload) -> int:
    """Bytes first, then the row with its timeline and audit entries in one batch: a failure in
    between leaves an unreferenced object, never a listed photo without bytes."""
    if lead["archived_at"]:
        raise FileRefused("This lead is archived; restore it before adding photos.", 409)
    key = f"leads/{lead['id']}/{secrets.token_hex(16)}"
    await store.put(key, upload.data, upload.content_type)
    results = await db.batch(
        [
            q(
                "INSERT INTO lead_photos (lead_id, storage_key, filename, content_type, size_bytes, sha256,"
                " uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                lead["id"],
                key,
                upload.filename,
                upload.content_type,
                len(upload.data),
                hashlib.sha256(upload.data).hexdigest(),
                actor.user_id,
                iso(now),
            ),
            records.timeline(
                now, actor, "lead", lead["id"], "photo", f"Photo “{upload.filename}” added", office_id=lead["office_id"]
            ),
            records.audit(
                now,
                actor,
                "lead.photo_added",
                f"{lead['display_id']}: photo “{upload.filename}” added",
                office_id=lead["office_id"],
                meta={"lead": lead["display_id"], "size": len(upload.data), "type": upload.content_type},
            ),
        ]
    )
    return int(results[0].rows[0]["id"])


async def delete_photo(
    db: Database, store: FileStore, now: datetime, user: User, actor: Actor, lead: Row, photo: Row
) -> None:
    """The row and its records first, then the bytes. Two deletes at once: the second records nothing."""
    if not may_delete(user, photo):
        raise Forbidden("Only whoever added a photo, or an admin, may delete it.")
    await db.batch(
        [
            q("DELETE FROM lead_photos WHERE id = ? AND lead_id = ?", photo["id"], lead["id"]),
            records.if_changed(
                records.audit(
                    now,
                    actor,
                    "lead.photo_deleted",
                    f"{lead['display_id']}: photo “{photo['filename']}” deleted",
                    office_id=lead["office_id"],
                    meta={"lead": lead["display_id"], "photo_id": photo["id"]},
                )
            ),
            # changes() now reads the audit insert, which happened only if the DELETE did.
            records.if_changed(
                records.timeline(
                    now,
                    actor,
                    "lead",
                    lead["id"],
                    "photo",
                    f"Photo “{photo['filename']}” deleted",
                    office_id=lead["office_id"],
                )
            ),
        ]
    )
    await store.delete(photo["storage_key"])


async def read_photo(store: FileStore, photo: Row) -> bytes | None:
    return await store.get(photo["storage_key"])


async def drop_bytes(store: FileStore | None, photos: list[Row]) -> None:
    """After a lead is deleted for good (its photo rows go with it, ON DELETE CASCADE), its bytes too."""
    if store is None:
        return
    for photo in photos:
        await store.delete(photo["storage_key"])
