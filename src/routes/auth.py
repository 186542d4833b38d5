"""Sign in and sign out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accounts import login, sessions
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
    token = await sessions.start(
        b.db,
        b.clock.now(),
        b.settings,
        outcome.user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        replacing=request.cookies.get(sessions.cookie_name(b.settings)),
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        sessions.cookie_name(b.settings),
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=b.settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


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
