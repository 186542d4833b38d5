"""Reading one uploaded file from a multipart form, bounded, for every route that takes uploads."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from core.attachments import FileRefused

# Multipart framing around one file is small; a body beyond the limit plus this is refused unread.
ENVELOPE = 64 * 1024


async def read_upload(request: Request, field: str, max_bytes: int, noun: str) -> tuple[str, bytes]:
    """(filename, bytes) of the form's one file. Refused by Content-Length before the body is parsed,
    then by what was actually read (a body may lie): 413 when too big, 422 when there is no file."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes + ENVELOPE:
        raise FileRefused(f"{noun.capitalize()}s may be at most {max_bytes // (1024 * 1024)} MB.", 413)
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        raise FileRefused(f"Choose a {noun} to upload.", 422)
    return upload.filename or noun, await upload.read(max_bytes + 1)
