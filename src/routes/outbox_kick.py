"""Deliver right after the response (X-11, X-12): a request that enqueued something calls `soon`;
once its response has gone out, `DeliverAfterResponse` runs a small drain.

Locally (uvicorn) that is the same task, after the last body chunk was sent; at the edge the Workers
ASGI adapter answers the fetch as soon as the body is complete and keeps the rest of the app's task
alive with `ctx.waitUntil`, so this drain runs there under waitUntil. Either way the request never
waits on a third party, and what the drain leaves (or fails to do) the one-minute tick picks up.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from core import outbox

log = logging.getLogger("porchlight.outbox")
FLAG = "outbox_kick"


def soon(request: Request) -> None:
    """Ask for a delivery run once this request's response has been sent."""
    setattr(request.state, FLAG, True)


class DeliverAfterResponse:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] != "http" or not (scope.get("state") or {}).get(FLAG):
            return
        bindings: Any = scope["app"].state.bindings  # the app's, read per request (tests swap them)
        try:
            await outbox.drain(bindings, outbox.KICK_LIMIT, owner="kick")
        except Exception:  # never the user's problem: the tick retries
            log.exception("delivery after the response failed; the outbox tick will retry")
