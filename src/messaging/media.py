"""MMS attachments (SMS-5): image, video, audio or PDF, at most 4 MiB (4,194,304 bytes, inclusive).
Larger → 413, any other type → 415, decided from the bytes (magic numbers), never the name. Stored
in the file store under `sms/<message uid>/<n>`; the provider fetches them through a signed URL."""

from __future__ import annotations

import hashlib
import hmac

from core.attachments import FileRefused, Upload, clean_name, sniff
from core.filestore import FileStore

MAX_BYTES = 4 * 1024 * 1024
MAX_FILES = 5
_FTYP_VIDEO = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"3gp4", b"3gp5", b"3g2a", b"qt  ", b"M4V ")
_FTYP_AUDIO = (b"M4A ", b"M4B ")


def _media_type(data: bytes) -> str | None:
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _FTYP_AUDIO:
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in _FTYP_VIDEO:
            return "video/mp4"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"#!AMR"):
        return "audio/amr"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def check(filename: str, data: bytes) -> Upload:
    if len(data) > MAX_BYTES:
        raise FileRefused("Attachments may be at most 4 MB.", 413)
    if not data:
        raise FileRefused("That file is empty.", 422)
    name = clean_name(filename)
    kind = _media_type(data) or sniff(data, "x.bin")
    if kind is None or not kind.startswith(("image/", "video/", "audio/", "application/pdf")):
        raise FileRefused("Attach an image, video, audio file or PDF.", 415)
    return Upload(name, kind, data)


def key_for(uid: str, index: int) -> str:
    return f"sms/{uid}/{index}"


def signature(secret: str, uid: str, index: int) -> str:
    return hmac.new(secret.encode(), f"sms-media:{uid}:{index}".encode(), hashlib.sha256).hexdigest()[:32]


async def store(files: FileStore, uid: str, index: int, upload: Upload) -> dict[str, object]:
    """Put an attachment in the file store; the message's `media` entry for it."""
    key = key_for(uid, index)
    await files.put(key, upload.data, upload.content_type)
    return {"key": key, "content_type": upload.content_type, "name": upload.filename, "size": len(upload.data)}
