"""The SMS provider's webhooks (SMS-12) and the signed media URL it fetches MMS files from.

Plain Starlette routes served ahead of the FastAPI routers, like the intake webhooks (no session;
each authenticates by the provider's signature): `POST /webhook/sms/{provider}` for inbound texts
and `POST /webhook/sms/{provider}/status` for delivery-status callbacks, where `{provider}` is the
configured provider's name (`twilio` or `ctm`). A bad or missing signature is 401 and stores
nothing; a replayed delivery is 200 and adds nothing. docs/messaging.md says where to point them.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.sms_gateway import SmsGateway
from messaging import media, sms
from routes import guard, outbox_kick
from routes.guard import bindings_of

MAX_BODY = 64 * 1024
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "detail": message}, status_code=status)


def _ok(gateway: SmsGateway, result: str) -> Response:
    if gateway.name == "twilio":  # Twilio reads the answer as TwiML: an empty one sends no reply
        return Response(TWIML_EMPTY, media_type="text/xml")
    return JSONResponse({"status": "success", "result": result})


def signed_url(gateway: SmsGateway, request: Request) -> str:
    """The URL the provider signed: our public address when configured (behind a proxy the request's
    own URL may differ in scheme or host), else the URL as received."""
    if gateway.public_url:
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{gateway.public_url}{request.url.path}{query}"
    return str(request.url)


async def _read(request: Request) -> tuple[bytes, dict[str, str]] | Response:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        return _refuse(413, "Body too large.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return _refuse(413, "Body too large.")
    form: dict[str, str] = {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return raw, form


async def _authentic(request: Request) -> tuple[SmsGateway, bytes, dict[str, str]] | Response:
    gateway = bindings_of(request).sms
    if request.path_params["provider"] != gateway.name or gateway.name == "dev":
        return _refuse(404, "No SMS provider of that name is configured.")
    read = await _read(request)
    if isinstance(read, Response):
        return read
    raw, form = read
    if not gateway.verify(signed_url(gateway, request), request.headers, raw, form):
        return _refuse(401, "Missing or wrong signature.")
    return gateway, raw, form


async def inbound(request: Request) -> Response:
    checked = await _authentic(request)
    if isinstance(checked, Response):
        return checked
    gateway, raw, form = checked
    message = gateway.parse_inbound(raw, form)
    if message is None:
        return _refuse(400, "Not an inbound text.")
    b = bindings_of(request)
    try:
        received = await sms.receive(b.db, b.clock.now(), message)
    except sms.UnknownLine:
        return _refuse(404, f"{message.to} is not one of our SMS lines; sync the lines first.")
    if received.consent in ("opt_out", "help"):
        outbox_kick.soon(request)  # the confirmation or help reply goes right after this answer
    return _ok(gateway, received.status)


async def status(request: Request) -> Response:
    checked = await _authentic(request)
    if isinstance(checked, Response):
        return checked
    gateway, raw, form = checked
    update = gateway.parse_status(raw, form)
    if update is None:
        return _ok(gateway, "ignored")  # an intermediate state (queued, sending): nothing to record
    b = bindings_of(request)
    found = await sms.delivery_status(b.db, b.clock.now(), update.provider_ref, update.status, update.error)
    return _ok(gateway, "updated" if found else "unknown")


async def media_file(request: Request) -> Response:
    """An MMS file, for the provider to fetch: the URL carries a signature only we can make."""
    b = bindings_of(request)
    uid, index = str(request.path_params["uid"])[:40], str(request.path_params["index"])
    if not (index.isascii() and index.isdigit() and len(index) < 4):
        return _refuse(404, "Not found.")
    expected = media.signature(b.settings.webhook_secret.reveal(), uid, int(index))
    if not secrets.compare_digest(request.query_params.get("sig", ""), expected):
        return _refuse(404, "Not found.")
    stored = await sms.attachment(b.db, uid, int(index))
    if stored is None or b.files is None:
        return _refuse(404, "Not found.")
    data = await b.files.get(stored["key"])
    if data is None:
        return _refuse(404, "Not found.")
    return Response(data, media_type=stored["content_type"], headers={"Cache-Control": "private, max-age=3600"})


WEBHOOK_ROUTES = guard.public_routes(
    [
        Route("/webhook/sms/{provider}", inbound, methods=["POST"]),
        Route("/webhook/sms/{provider}/status", status, methods=["POST"]),
        Route("/sms/media/{uid}/{index}", media_file, methods=["GET"]),
    ]
)

_SIGNED = {
    "parameters": [
        {"name": "provider", "in": "path", "required": True, "schema": {"type": "string", "enum": ["twilio", "ctm"]}},
        {"name": "X-Twilio-Signature", "in": "header", "schema": {"type": "string"}},
        {"name": "X-CTM-Signature", "in": "header", "schema": {"type": "string"}},
    ],
    "responses": {
        "200": {"description": "Stored, or a replay of a delivery already stored (nothing new)."},
        "400": {"description": "Authenticated but not a text / status the provider sends."},
        "401": {"description": "Missing or wrong signature; nothing is stored."},
        "404": {"description": "Another provider's name, or a text to a number that is not our line."},
        "413": {"description": "Body over 64 KB."},
    },
}
OPENAPI_PATHS: dict[str, Any] = {
    "/webhook/sms/{provider}": {"post": {"tags": ["sms"], "summary": "Inbound text (provider-signed)", **_SIGNED}},
    "/webhook/sms/{provider}/status": {
        "post": {"tags": ["sms"], "summary": "Delivery-status callback (provider-signed)", **_SIGNED}
    },
}
