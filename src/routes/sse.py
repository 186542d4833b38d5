"""Server-sent events for streamed AI answers (issue 24): each event dict becomes `event: <name>` and
a JSON `data:` line. Proxies must not buffer it (`X-Accel-Buffering: no`, `Cache-Control: no-cache`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse


async def _encode(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    async for event in events:
        name = event.get("event", "message")
        yield f"event: {name}\ndata: {json.dumps(event, default=str)}\n\n".encode()


def stream(events: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    return StreamingResponse(
        _encode(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
