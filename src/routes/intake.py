"""Public intake: partner webhooks and the website request-help form (no session; own auth)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.routing import Route

from accounts import offices
from core.text import clean_text
from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery, Outcome
from routes import guard
from routes.guard import bindings_of
from routes.pages import render
from webhooks import partner_urls

router = APIRouter(tags=["intake"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The request-help form may be framed by the business's own site, anywhere.
FRAMEABLE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors *"
)


class BadBody(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


async def read_body(request: Request) -> tuple[Any, str, str]:
    """(parsed payload, raw text, content type), refusing oversized, mistyped or malformed bodies."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > intake.MAX_BODY_BYTES:
        raise BadBody(413, f"Body too large: the limit is {intake.MAX_BODY_BYTES // 1024} KB.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > intake.MAX_BODY_BYTES:
            raise BadBody(413, f"Body too large: the limit is {intake.MAX_BODY_BYTES // 1024} KB.")
        chunks.append(chunk)
    body = b"".join(chunks)
    raw = body.decode("utf-8", errors="replace")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or (not content_type and raw.lstrip().startswith(("{", "["))):
        try:
            return intake.parse_json(raw), raw, content_type or "application/json"
        except intake.TooDeep:
            raise BadBody(400, f"JSON nested more than {intake.MAX_JSON_DEPTH} levels deep.") from None
        except ValueError:
            raise BadBody(400, "Malformed JSON body.") from None
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw, keep_blank_values=True)), raw, content_type
    if content_type == "multipart/form-data":
        return await _multipart(request, body), raw, content_type
    raise BadBody(415, "Send JSON (application/json) or a form (application/x-www-form-urlencoded).")


async def _multipart(request: Request, body: bytes) -> dict[str, str]:
    """A multipart form's text fields (files are ignored). The body was already read to bound it, so
    it is parsed from those bytes: asking the request for its form would read the stream twice."""

    async def replay() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, replay(), max_files=10, max_fields=200).parse()
    except MultiPartException as exc:
        raise BadBody(400, f"Malformed multipart form: {exc.message}") from None
    try:
        return {k: v for k, v in form.items() if isinstance(v, str)}
    finally:
        await form.close()


def answer(outcome: Outcome) -> JSONResponse:
    if outcome.status == "rate_limited":
        return JSONResponse(
            {"status": "error", "detail": "Too many leads from this source; retry later."},
            status_code=429,
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if outcome.status == "quarantined":
        return JSONResponse(
            {"status": "success", "quarantined": True, "quarantine_id": outcome.quarantine_id}, status_code=202
        )
    return JSONResponse({"status": "success", "lead_id": outcome.lead_id, "result": outcome.status})


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "detail": message}, status_code=status)


def _shared_secret_ok(request: Request) -> bool:
    sent = request.headers.get("x-webhook-secret") or request.query_params.get("secret") or ""
    expected = bindings_of(request).settings.webhook_secret.reveal()
    return secrets.compare_digest(sent.encode(), expected.encode())


async def _webhook(
    request: Request, source: lead_sources.Source | None, channel: str, partner: str | None = None
) -> Response:
    b = bindings_of(request)
    try:
        payload, raw, content_type = await read_body(request)
    except BadBody as exc:
        return _refuse(exc.status, exc.message)
    if source is None:  # the generic endpoint: source named in the body, then ?source=, then manual
        named = (payload.get("source") if isinstance(payload, dict) else None) or request.query_params.get("source")
        source = await lead_sources.by_key(b.db, str(named or "manual").strip().lower()[:40])
        source = source or await lead_sources.by_key(b.db, "manual")
        assert source is not None
    if partner is not None:  # WHI-4: the partner is whoever owns the URL, whatever the body says
        payload = {**(payload if isinstance(payload, dict) else {}), "partner_name": partner}
    delivery = Delivery(channel, content_type, raw, request.headers.get("idempotency-key"))
    return answer(await intake.receive(b.db, b.clock.now(), source, payload, delivery))


async def webhook_leads(request: Request) -> Response:
    if not _shared_secret_ok(request):
        return _refuse(401, "Missing or wrong webhook secret.")
    return await _webhook(request, None, "webhook:leads")


async def webhook_facebook(request: Request) -> Response:
    if not _shared_secret_ok(request):
        return _refuse(401, "Missing or wrong webhook secret.")
    return await _webhook(request, await lead_sources.by_key(bindings_of(request).db, "facebook"), "webhook:facebook")


async def webhook_source(request: Request) -> Response:
    source = await lead_sources.by_token(bindings_of(request).db, str(request.path_params["token"]))
    if source is None:
        return _refuse(401, "Unknown source token.")
    return await _webhook(request, source, "webhook:source")


async def webhook_partner(request: Request) -> Response:
    """A Job Partner's own lead URL (WHI-4, issue 22): the token names the partner."""
    partner = await partner_urls.partner_for(bindings_of(request).db, str(request.path_params["token"]))
    if partner is None:
        return _refuse(401, "Unknown partner token.")
    return await _webhook(request, None, "webhook:partner", partner=str(partner["name"]))


# Partner webhooks are the busiest public path, and each handler reads its own request (no
# dependencies, no session), so they are plain routes served ahead of the FastAPI routers
# (`guard.public_routes`): docs/performance.md, "Webhook intake".
WEBHOOK_ROUTES = guard.public_routes(
    [
        Route("/webhook/leads", webhook_leads, methods=["POST"]),
        Route("/webhook/facebook", webhook_facebook, methods=["POST"]),
        Route("/webhook/s/{token}", webhook_source, methods=["POST"]),
        Route("/webhook/partner/{token}", webhook_partner, methods=["POST"]),  # issue 22, WHI-4
    ]
)

_LEAD_BODY = {
    "content": {
        "application/json": {"schema": {"type": "object", "additionalProperties": True}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": True}},
    },
    "description": "The lead, with any of the field names in docs/webhooks.md.",
}
_ANSWERS = {
    "200": {"description": '`{"status":"success","lead_id":"L-…","result":"created|duplicate|reactivated"}`'},
    "202": {"description": "Authenticated but not understood: kept in quarantine for the owner."},
    "401": {"description": "Missing or wrong secret or token; nothing is written."},
    "413": {"description": "Body over 64 KB."},
    "415": {"description": "Neither JSON nor a form."},
    "429": {"description": "Over 100 leads from this source in 10 minutes; see `Retry-After`."},
}


def _operation(summary: str, secret: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": ["intake"], "summary": summary, "requestBody": _LEAD_BODY}
    if secret:
        operation["parameters"] = [
            {"name": "x-webhook-secret", "in": "header", "schema": {"type": "string"}},
            {"name": "secret", "in": "query", "schema": {"type": "string"}},
        ]
    return {"post": {**operation, "responses": _ANSWERS}}


# The plain routes are outside FastAPI's schema; app.create_app adds these to /openapi.json.
OPENAPI_PATHS = {
    "/webhook/leads": _operation("Inbound lead (shared secret)", secret=True),
    "/webhook/facebook": _operation("Inbound Facebook lead (shared secret)", secret=True),
    "/webhook/s/{token}": {
        "post": {
            **_operation("Inbound lead for one source (per-source token)", secret=False)["post"],
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        }
    },
    "/webhook/partner/{token}": {
        "post": {
            **_operation("Inbound lead from one Job Partner (per-partner token; stamps the partner)", secret=False)[
                "post"
            ],
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        }
    },
}


# --- the website form ------------------------------------------------------------------------

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid")
HONEYPOT = "company_website"
FORM_FIELDS = {"name": 200, "phone": 40, "email": 254, "zip": 20, "service": 300, "how_soon": 100, "message": 5000}
HOW_SOON = ("As soon as possible", "Within a week", "Within a month", "Just getting a quote")


async def _form_office(request: Request, slug: str | None) -> offices.Office | None:
    if not slug:
        return None
    office = await offices.by_slug(bindings_of(request).db, slug[:60])
    return office if office and office.active else None


def _form_page(request: Request, status: int = 200, **context: Any) -> Response:
    tracking = {k: request.query_params.get(k, "")[:200] for k in UTM_KEYS if request.query_params.get(k)}
    response = render(
        request,
        "request_help.html",
        status_code=status,
        how_soon=HOW_SOON,
        submission_id=secrets.token_hex(12),
        tracking=tracking,
        referrer=request.headers.get("referer", "")[:500],
        office_slug=request.query_params.get("office", "")[:60],
        **{"values": {}, "errors": {}, **context},
    )
    response.headers["content-security-policy"] = FRAMEABLE_CSP
    return response


@router.get("/request-help", include_in_schema=False)
async def request_help_form(request: Request) -> Response:
    return _form_page(request)


def _validate(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name, limit in FORM_FIELDS.items():
        if len(values.get(name, "")) > limit:
            errors[name] = f"Keep this under {limit} characters."
    if not values.get("name"):
        errors["name"] = "Tell us your name."
    if not values.get("phone") and not values.get("email"):
        errors["phone"] = "Give us a phone number or an email so we can reach you."
    return errors


def _tracking_notes(payload: dict[str, Any]) -> str:
    lines = [f"{k}: {clean_text(payload[k], 200)}" for k in UTM_KEYS if payload.get(k)]
    if payload.get("referrer"):
        lines.append(f"referrer: {clean_text(payload['referrer'], 500)}")
    return ("Tracking\n" + "\n".join(lines)) if lines else ""


@router.post("/request-help", summary="Website request-help form (form-encoded or JSON)")
async def request_help_submit(request: Request) -> Response:
    wants_json = "application/json" in request.headers.get(
        "content-type", ""
    ) or "application/json" in request.headers.get("accept", "")
    try:
        payload, raw, content_type = await read_body(request)
    except BadBody as exc:
        return (
            _refuse(exc.status, exc.message) if wants_json else _form_page(request, exc.status, form_error=exc.message)
        )
    if not isinstance(payload, dict):
        return _refuse(400, "Send the form's fields as a JSON object.")
    if payload.get(HONEYPOT):  # a bot filled the invisible field: look like success, keep nothing
        fake = f"L-{secrets.randbelow(90000) + 10000}"
        return JSONResponse({"status": "success", "lead_id": fake}) if wants_json else _thanks(request)
    values = {k: clean_text(payload.get(k), 10_000) for k in FORM_FIELDS}
    errors = _validate(values)
    if errors:
        if wants_json:
            return JSONResponse({"status": "error", "detail": "Invalid input.", "errors": errors}, status_code=422)
        return _form_page(request, 422, values=values, errors=errors)
    outcome = await _take_request(request, payload, raw, content_type, values)
    if wants_json:
        return answer(outcome)
    if outcome.status == "rate_limited":
        return _form_page(
            request,
            429,
            values=values,
            form_error="We're getting a lot of requests right now. Please try again in a few minutes, or call us.",
        )
    return _thanks(request)


async def _take_request(
    request: Request, payload: dict[str, Any], raw: str, content_type: str, values: dict[str, str]
) -> Outcome:
    """The checked form as a website lead, through intake like every other enquiry (exactly once per
    submission id or Idempotency-Key)."""
    b = bindings_of(request)
    source = await lead_sources.by_key(b.db, "website")
    assert source is not None
    submission = str(payload.get("submission_id") or "")[:64]
    delivery = Delivery(
        "request_help",
        content_type,
        raw,
        request.headers.get("idempotency-key") or (f"form:{submission}" if submission else None),
    )
    fields = {
        "full_name": values["name"],
        "phone": values["phone"],
        "email": values["email"],
        "zip": values["zip"],
        "service_type": values["service"],
        "how_soon": values["how_soon"],
        "message": values["message"],
    }
    return await intake.receive(
        b.db,
        b.clock.now(),
        source,
        fields,
        delivery,
        fixed_office=await _form_office(
            request, str(payload.get("office") or request.query_params.get("office") or "")
        ),
        extra_notes=_tracking_notes(payload),
    )


def _thanks(request: Request) -> Response:
    response = render(request, "request_help_thanks.html")
    response.headers["content-security-policy"] = FRAMEABLE_CSP
    return response
