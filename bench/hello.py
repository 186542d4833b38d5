"""The bare baseline: the least an ASGI app can do, served by the same uvicorn as Porchlight."""

from __future__ import annotations

from typing import Any

_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"5")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": b"hello"})
