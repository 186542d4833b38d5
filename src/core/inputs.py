"""What a request may carry: integers that fit our storage, and how big a body may be.

Every integer the HTTP layer accepts (path ids, query filters, JSON fields) is declared with `Id` or
`Int`, so a value the database cannot bind (D1 takes integers only within 2^53) is a 422 naming the
field where it enters, never a bind error deep inside a verb. `BodyLimit` caps every request body
while it streams in (docs/api.md, "Limits").
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.storage import MAX_SAFE_INT

Id = Annotated[int, Interval(ge=1, le=MAX_SAFE_INT)]
"""A record id: positive and small enough for every database we run on."""

Int = Annotated[int, Interval(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]
# A position or count from zero (an attachment's index in its message).
Count = Annotated[int, Interval(ge=0, le=MAX_SAFE_INT)]
"""Any other integer (a version, an amount): within what the database can bind."""


def parse_int(text: str | None) -> int | None:
    """A whole number typed into a form field (ASCII digits, within what the database binds), or None."""
    text = (text or "").strip()
    # isdigit alone lets "²" through, which int() then refuses.
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        return None
    value = int(text)
    return value if value <= MAX_SAFE_INT else None


def parse_id(text: str | None) -> int | None:
    """A record id typed into a form field, or None when it is not one (blank, not digits, too big)."""
    value = parse_int(text)
    return value if value is not None and value >= 1 else None


# Bodies: JSON and forms up to 1 MB; multipart (file uploads) up to the largest file plus its framing.
# Routes with tighter rules keep them (webhook intake 64 KB, a photo or file 10 MB, a booking image 200 KB).
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BODY_BYTES = 10 * 1024 * 1024 + 64 * 1024


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"Request body too large: the limit is {limit // 1024:,} KB.")


class BodyLimit:
    """Refuse a body past its limit with 413 as soon as it is known to be too big: at once when its
    Content-Length says so, else when the bytes read so far pass it (a sender may omit or lie about
    the length). The refusal is raised where the handler reads the body, so it is answered like any
    other error (JSON for the API, a page for the browser), and a handler that never reads the body
    is not refused."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, declared = MAX_BODY_BYTES, b""
        for name, value in scope["headers"]:
            if name == b"content-type" and value[:19].lower() == b"multipart/form-data":
                limit = MAX_UPLOAD_BODY_BYTES
            elif name == b"content-length":
                declared = value
        if declared.isdigit():
            if int(declared) <= limit:
                # The server delivers exactly Content-Length bytes (HTTP framing), so there is nothing
                # to count: the busiest path (a partner's webhook) pays for one look at the headers.
                await self.app(scope, receive, send)
                return

            async def refuse() -> Message:
                raise BodyTooLarge(limit)

            await self.app(scope, refuse, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
