"""Rendering: the Jinja2 environment, the page context every template gets, flashes, error pages."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts import authz
from core import errors, localtime
from routes import guard, timeline_text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FLASH_COOKIE = "porchlight_flash"

_env: Environment | None = None


def environment() -> Environment:
    """Built on first use, not at import (the Worker snapshots module state at deploy)."""
    global _env
    if _env is None:
        _env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _env.filters["when"] = _when
        _env.filters["without_author"] = timeline_text.without_author  # issue 17
        _env.filters["pretty_json"] = lambda s: json.dumps(json.loads(s or "{}"), indent=2, ensure_ascii=False)
    return _env


@pass_context
def _when(context: Any, value: str | None, zone: str | None = None, day: bool = False, short: bool = False) -> str:
    """UTC ISO text → "Mar 10, 2026 11:00 AM EDT": in the zone given, else the page's `shown_zone`
    (a lead page sets the lead's own zone for the whole panel), else the viewer's office zone.
    `short`: the compact form of list rows (no year when it is this year's), given the page's `now`."""
    where = zone or context.get("shown_zone") or context.get("viewer_zone")
    return localtime.shown(value, where, day=day, short_in=context.get("now") if short else None)


def page_context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    return {
        "request": request,
        "user": user,
        "nav": authz.nav_for(user) if user else [],
        "can": (lambda action: authz.can(user, action)),
        "csrf_token": session.csrf_token if session else "",
        "path": request.url.path,
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
        "viewer_zone": user.time_zone if user else "UTC",  # times on the page, unless it names another zone
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render({**page_context(request), **context})
    response = HTMLResponse(html, status_code=status_code)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """Post/redirect/get, carrying a one-time message to the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash)[:300], max_age=60, path="/", httponly=True, samesite="lax")
    return response


async def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if guard.wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    if not hasattr(request.state, "user"):
        # No route matched, so the gate never ran: still show the signed-in shell on the error page.
        try:
            principal = await guard.identify(request)
            request.state.user, request.state.session = principal.user, principal.session
        except guard.LoginRequired:
            request.state.user = None
    return render(request, "error.html", status_code=status, status=status, message=message)


async def refusal(request: Request, exc: Exception) -> Response:
    """The one answer to a domain's refusal (errors.NotFound/Forbidden/Conflict/Invalid): its status, and
    `{"detail": message}` for the API (plus `fields` when an Invalid names fields) or the error page."""
    assert isinstance(exc, errors.Refused)
    if guard.wants_json(request):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        return JSONResponse(body, status_code=exc.status)
    return await _error(request, exc.status, exc.message)


REFUSED_CHANGE = (errors.Invalid, errors.Conflict)


class Answer(Exception):
    """A finished response carried out of a route by the helpers below; the app answers it as it is."""

    def __init__(self, response: Response):
        self.response = response


@asynccontextmanager
async def refusals_show(
    show: Callable[[errors.Refused], Response | Awaitable[Response]],
    kinds: tuple[type[errors.Refused], ...] = REFUSED_CHANGE,
) -> AsyncIterator[None]:
    """For a page that answers a refused change by showing the form (or record) again with why:
    `async with refusals_show(lambda exc: _form(request, 400, exc.message)): await verb(...)`.
    Only `kinds` are shown; anything else (by default NotFound, Forbidden) goes to the one handler."""
    try:
        yield
    except kinds as exc:
        shown = show(exc)
        raise Answer(await shown if inspect.isawaitable(shown) else shown) from None


@contextmanager
def refusals_go_back_to(url: str, kinds: tuple[type[errors.Refused], ...] = REFUSED_CHANGE) -> Iterator[None]:
    """For a page's POST that answers a refused change by going back with the reason as a flash message
    (post/redirect/get): `with refusals_go_back_to(url): await verb(...)`. Only `kinds` go back;
    anything else (by default NotFound, Forbidden) gets the error page from the one handler."""
    try:
        yield
    except kinds as exc:
        raise Answer(redirect(url, exc.message)) from None


def form_status(exc: errors.Refused) -> int:
    """A form shown again with why: 409 when someone else saved first, 400 for what the person can fix."""
    return 409 if isinstance(exc, errors.Conflict) else 400


def install_error_handlers(app: Any) -> None:
    @app.exception_handler(Answer)
    async def _answer(request: Request, exc: Answer) -> Response:
        return exc.response

    @app.exception_handler(guard.LoginRequired)
    async def _login(request: Request, exc: guard.LoginRequired) -> Response:
        if exc.api:
            return JSONResponse(
                {"detail": "Sign in, or send a valid API token as 'Authorization: Bearer …'."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        suffix = "&expired=1" if exc.expired else ""
        return RedirectResponse(f"/login?next={exc.next_url}{suffix}", status_code=303)

    @app.exception_handler(guard.FinishSigningIn)
    async def _finish(request: Request, exc: guard.FinishSigningIn) -> Response:
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "We couldn't find that page.", 405: "That action isn't available here."}
        message = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code not in messages
            else messages.get(exc.status_code, str(exc.detail))
        )
        headers = dict(exc.headers or {})
        return await _error(request, exc.status_code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [_describe(e) for e in exc.errors()]
        if guard.wants_json(request):
            return JSONResponse({"detail": "Invalid input.", "errors": problems}, status_code=422)
        return render(request, "error.html", status_code=422, status=422, message="; ".join(problems))


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))
