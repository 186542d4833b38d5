"""The development webhook receiver (issue 22): `POST /dev/webhook-receiver/{name}` answers 200 to
anything outside production (404 there), so `make dev`'s demo webhooks are delivered and show in the
Timeline with their exact bodies. It stores nothing: the Timeline is the capture."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from routes import guard
from routes.guard import bindings_of


async def receive(request: Request) -> Response:
    if bindings_of(request).settings.production:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    body = await request.body()
    return JSONResponse({"received": True, "webhook_id": request.headers.get("webhook-id"), "bytes": len(body)})


ROUTES = guard.public_routes([Route("/dev/webhook-receiver/{name}", receive, methods=["POST"])])
