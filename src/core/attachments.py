"""What an uploaded file may be, for every upload Porchlight takes (customer files, lead photos,
booking images): limited in size and to an allow-list of types decided from the bytes themselves
(magic numbers), never from the name or the browser's Content-Type: a page renamed `photo.png` is
refused. Names are cleaned for display and for Content-Disposition.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.errors import Invalid

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


class FileRefused(Invalid):
    """Why an upload was refused. An Invalid whose `status` says which: 413 too large, 415 type, 422 other."""

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
