"""Sign in (password, then a code for users with a second factor) and sign out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accounts import authz, login, second_step, sessions, two_factor
from accounts.users import User
from core.vault import KeyRing
from routes.guard import bindings_of, client_ip, current_user
from routes.pages import redirect, render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "porchlight_login"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never an absolute URL or a scheme-relative //host.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, status: int = 200, error: str = "", email: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status_code=status,
        error=error,
        email=email,
        login_token=token,
        next=_safe_next(request.query_params.get("next")),
        expired=request.query_params.get("expired") == "1",
    )
    settings = bindings_of(request).settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    if getattr(request.state, "user", None):
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


@router.post("/login")
async def login_submit(
    request: Request,
    email: str = Form("", max_length=254),
    password: str = Form("", max_length=1024),
    login_token: str = Form("", max_length=100),
    next: str = Form("/", max_length=2000),
) -> Response:
    b = bindings_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, login_token):
        return _login_page(request, 403, "Your sign-in form expired. Please try again.", email)
    outcome = await login.attempt(b.db, b.clock.now(), email=email, password=password, ip=client_ip(request))
    if outcome.user is None:
        return _login_page(request, outcome.status, outcome.message, email)
    if outcome.second_step:
        token = await second_step.start(b.db, b.clock.now(), outcome.user, _safe_next(next))
        response = RedirectResponse("/login/code", status_code=303)
        _set_cookie(request, response, second_step.COOKIE, token, max_age=int(second_step.LIFETIME.total_seconds()))
        return response
    return await _signed_in(request, outcome.user, _safe_next(next))


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    secure = bindings_of(request).settings.secure_cookies
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)


async def _signed_in(request: Request, user: User, next_url: str) -> Response:
    """Start the session (with whatever it must do first: a new password, setting up a second factor)."""
    b = bindings_of(request)
    pending = await two_factor.pending_for(b.db, user)
    token = await sessions.start(
        b.db,
        b.clock.now(),
        b.settings,
        user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        replacing=request.cookies.get(sessions.cookie_name(b.settings)),
        pending=pending,
    )
    response = RedirectResponse(authz.PENDING_PAGE[pending] if pending else next_url, status_code=303)
    _set_cookie(request, response, sessions.cookie_name(b.settings), token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    response.delete_cookie(second_step.COOKIE, path="/")
    return response


def _code_page(request: Request, status: int = 200, error: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login_code.html", status_code=status, error=error, login_token=token)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/login/code")
async def code_form(request: Request) -> Response:
    b = bindings_of(request)
    if not await second_step.waiting(b.db, b.clock.now(), request.cookies.get(second_step.COOKIE, "")):
        return redirect("/login", second_step.EXPIRED)
    return _code_page(request)


@router.post("/login/code")
async def code_submit(
    request: Request,
    code: str = Form("", max_length=64),
    login_token: str = Form("", max_length=100),
) -> Response:
    b = bindings_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, login_token):
        return _code_page(request, 403, "Your sign-in form expired. Please try again.")
    outcome = await second_step.attempt(
        b.db,
        b.clock.now(),
        KeyRing.from_settings(b.settings),
        token=request.cookies.get(second_step.COOKIE, ""),
        code=code,
        ip=client_ip(request),
    )
    if outcome.restart:
        response = redirect("/login", outcome.message)
        response.delete_cookie(second_step.COOKIE, path="/")
        return response
    if outcome.user is None:
        return _code_page(request, outcome.status, outcome.message)
    return await _signed_in(request, outcome.user, _safe_next(outcome.next_url))


@router.post("/logout")
async def logout(request: Request) -> Response:
    b = bindings_of(request)
    current_user(request)
    token = request.cookies.get(sessions.cookie_name(b.settings))
    if token:
        await sessions.end(b.db, token)
    response = redirect("/login", "You are signed out.")
    response.delete_cookie(sessions.cookie_name(b.settings), path="/", secure=b.settings.secure_cookies, httponly=True)
    return response
