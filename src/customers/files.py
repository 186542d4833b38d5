"""A customer's files: metadata in `customer_files`, bytes in the file store (folder / R2).

Uploads are limited in size and to an allow-list of types decided from the bytes themselves (magic
numbers), never from the name or the browser's Content-Type: a page renamed `photo.png` is refused.
Each file is stored under a random key, so the uploaded name reaches storage only as metadata.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from core import records
from core.clock import iso
from core.filestore import FileStore
from core.records import Actor
from core.storage import Database, Row, q

MAX_BYTES = 10 * 1024 * 1024
TEXT_EXTENSIONS = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".md": "text/plain"}
ALLOWED = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "text/plain",
    "text/csv",
)


class FileRefused(ValueError):
    """Why an upload was refused; `status` is the HTTP answer (413 too large, 415 type, 422 other)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def sniff(data: bytes, filename: str) -> str | None:
    """The content type the bytes really are, if it is one we accept; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return _text_type(data, filename)


def _text_type(data: bytes, filename: str) -> str | None:
    """Plain text has no magic number: accept UTF-8 without control bytes, under a text name."""
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if extension not in TEXT_EXTENSIONS or not data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        return None
    return TEXT_EXTENSIONS[extension]


def clean_name(filename: str) -> str:
    """A display name: the last path part, printable, at most 200 characters."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "file"


def ascii_name(filename: str) -> str:
    """For the plain `filename=` of Content-Disposition; the full name goes in `filename*`."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._ -]", "_", plain).strip() or "file"


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def check_upload(filename: str, data: bytes) -> Upload:
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Files may be at most {MAX_BYTES // (1024 * 1024)} MB.", 413)
    if not data:
        raise FileRefused("That file is empty.", 422)
    name = clean_name(filename)
    kind = sniff(data, name)
    if kind is None:
        raise FileRefused(
            "Only images (PNG, JPEG, GIF, WebP, HEIC), PDFs and plain text or CSV files are accepted.", 415
        )
    return Upload(name, kind, data)


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
