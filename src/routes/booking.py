"""The public booking widget: `/book/<slug>` as a full page, `?inline=1` inside a host site's iframe,
`?test=1` to walk the flow without storing anything. No session is used: the pages render without
the caller's identity, and every answer carries the embed's own CSP (frame-ancestors)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from booking import embeds as booking
from booking import requests as booking_requests
from booking import slots as booking_slots
from booking.embeds import Embed
from booking.requests import Answer
from routes.guard import bindings_of, client_ip
from routes.intake import BadBody, read_body
from routes.pages import render

router = APIRouter(tags=["booking"])


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "yes")


def _page(request: Request, template: str, embed: Embed | None, status: int = 200, **context: Any) -> Response:
    inline = _flag(request, "inline")
    response = render(
        request,
        template,
        status_code=status,
        embed=embed,
        inline=inline,
        test=_flag(request, "test"),
        user=None,  # a public page: nothing of the caller's staff session reaches it
        nav=[],
        csrf_token="",
        **context,
    )
    response.headers["content-security-policy"] = booking_requests.csp(embed, inline)
    response.headers["cache-control"] = "no-store"
    return response


def _action(request: Request, embed: Embed) -> str:
    """Where the form posts. In redirect mode an inline form targets the top window (only it may
    leave for the business's thank-you page), so its answer is a full page, not the inline one."""
    inline = _flag(request, "inline") and embed.confirm_mode != "redirect"
    query = {k: "1" for k, on in (("inline", inline), ("test", _flag(request, "test"))) if on}
    return f"/book/{embed.slug}" + (f"?{urlencode(query)}" if query else "")


def _form(request: Request, embed: Embed, status: int = 200, **context: Any) -> Response:
    now = bindings_of(request).clock.now()
    params = request.query_params
    # every key has its hidden input, empty when the URL has none: the host page's companion script
    # (static/booking-embed.js) fills them by message after the frame has loaded
    tracking = {k: params.get(k, "")[:200] for k in booking_requests.TRACKING_KEYS}
    referrer = params.get("ref", "") or request.headers.get("referer", "")
    return _page(
        request,
        "booking/page.html",
        embed,
        status,
        weeks=booking_slots.strip(embed.zone, now, embed.open_hour, embed.close_hour),
        hours=list(range(embed.open_hour, embed.close_hour - 1, booking_slots.WINDOW_HOURS)),
        hour_label=booking_slots.hour_label,
        zone_name=booking_slots.zone_name(embed.zone),
        submission_id=secrets.token_urlsafe(18),
        tracking=tracking,
        referrer=referrer[:500],
        action=_action(request, embed),
        target="_top" if _flag(request, "inline") and embed.confirm_mode == "redirect" else "_self",
        honeypot=booking_requests.HONEYPOT,
        **{"values": {}, "errors": {}, **context},
    )


async def _embed(request: Request, slug: str) -> Embed | None:
    return await booking.by_slug(bindings_of(request).db, slug[:60])


def _missing(request: Request) -> Response:
    return _page(request, "booking/missing.html", None, 404)


@router.get("/book/{slug}", include_in_schema=False)
async def booking_page(request: Request, slug: str) -> Response:
    embed = await _embed(request, slug)
    if embed is None:
        return _missing(request)
    if not embed.live:
        return _page(request, "booking/paused.html", embed)
    return _form(request, embed)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("content-type", "") or "application/json" in request.headers.get(
        "accept", ""
    )


def _json(answer: Answer) -> JSONResponse:
    if answer.status == "invalid":
        return JSONResponse({"status": "error", "detail": "Invalid input.", "errors": answer.errors}, status_code=422)
    if answer.status == "rate_limited":
        return JSONResponse(
            {"status": "error", "detail": "Too many bookings; try again later."},
            status_code=429,
            headers={"Retry-After": str(answer.retry_after)},
        )
    body: dict[str, Any] = {"status": "success", "result": answer.status}
    if answer.status in ("created", "duplicate"):
        body["lead_id"] = answer.lead_id
    return JSONResponse(body)


@router.post("/book/{slug}", summary="Book a window through an online booking embed")
async def booking_submit(request: Request, slug: str) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, slug)
    if embed is None:
        return _missing(request)
    if not embed.live:
        return _page(request, "booking/paused.html", embed)
    try:
        payload, raw, content_type = await read_body(request)
    except BadBody as exc:
        return _form(request, embed, exc.status, form_error=exc.message)
    if not isinstance(payload, dict):
        return JSONResponse({"status": "error", "detail": "Send the form's fields."}, status_code=400)
    answer = await booking_requests.book(
        b.db,
        b.clock.now(),
        embed,
        payload,
        raw=raw,
        content_type=content_type,
        ip=client_ip(request),
        test=_flag(request, "test"),
        idempotency_key=request.headers.get("idempotency-key"),
    )
    if _wants_json(request):
        return _json(answer)
    if answer.status == "invalid":
        values = {
            **booking_requests.clean(payload),
            **{k: str(payload.get(k) or "") for k in ("service", "day", "hour")},
        }
        return _form(request, embed, 422, values=values, errors=answer.errors)
    if answer.status == "rate_limited":
        return _form(
            request,
            embed,
            429,
            values=booking_requests.clean(payload),
            form_error="We're getting a lot of bookings right now. Please try again a little later, or call us.",
        )
    if embed.confirm_mode == "redirect" and embed.redirect_url:
        response = RedirectResponse(embed.redirect_url, status_code=303)
        response.headers["content-security-policy"] = booking_requests.csp(embed, False)
        return response
    return _page(request, "booking/thanks.html", embed, window=answer.window, day_label=booking_requests.day_label)


@router.get("/book/{slug}/images/{name}", include_in_schema=False)
async def booking_image(request: Request, slug: str, name: str) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, slug)
    found = booking.image_key(embed, name) if embed else None
    data = await b.files.get(found[0]) if found and b.files is not None else None
    if found is None or data is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    return Response(
        data,
        media_type=found[1],
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
