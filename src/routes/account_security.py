"""Account security: change one's own password, set up / turn off two-step sign-in, recovery codes."""

from __future__ import annotations

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from accounts import authz, password_change, two_factor
from core.vault import KeyRing
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, refusals_show, render

router = APIRouter(include_in_schema=False)


def _ring(request: Request) -> KeyRing:
    return KeyRing.from_settings(bindings_of(request).settings)


def _session_id(request: Request) -> int | None:
    session = getattr(request.state, "session", None)
    return session.id if session else None


def _pending(request: Request) -> str | None:
    session = getattr(request.state, "session", None)
    return session.pending if session else None


def _no_store(response: Response) -> Response:
    response.headers["cache-control"] = "no-store"
    return response


async def _page(
    request: Request, status: int = 200, error: str = "", errors_: dict | None = None, new_codes: list | None = None
) -> Response:
    user = current_user(request)
    db = bindings_of(request).db
    response = render(
        request,
        "account/security.html",
        status_code=status,
        status=await two_factor.status(db, user),
        pending=_pending(request),
        error=error,
        errors=errors_ or {},
        new_codes=new_codes,
        may_reset_others=authz.can(user, "users.reset"),
    )
    return _no_store(response)


_INLINE = {"current_password", "new_password"}  # shown next to their input in the password form


def _shown(request: Request):
    return lambda exc: _page(request, exc.status, "" if _INLINE & set(exc.fields) else exc.message, exc.fields)


@router.get("/account/security")
async def security(request: Request) -> Response:
    return await _page(request)


@router.post("/account/password")
async def change_password(
    request: Request,
    current_password: str = Form("", max_length=1024),
    new_password: str = Form("", max_length=1024),
) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        pending = await password_change.change_password(
            b.db,
            b.clock.now(),
            actor_of(request),
            user,
            session_id=_session_id(request),
            current=current_password,
            new=new_password,
        )
    message = "Password changed. You were signed out on every other device."
    return redirect(authz.PENDING_PAGE[pending] if pending else "/account/security", message)


async def _enrol_page(request: Request, status: int = 200, error: str = "", new_codes: list | None = None) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    setup = None if new_codes else await two_factor.pending_setup(b.db, _ring(request), user)
    qr_svg = segno.make(setup.uri, error="m").svg_inline(scale=5, border=2, omitsize=True) if setup else ""
    response = render(
        request,
        "account/enrol.html",
        status_code=status,
        setup=setup,
        qr_svg=qr_svg,
        error=error,
        new_codes=new_codes,
        pending=_pending(request),
    )
    return _no_store(response)


@router.post("/account/two-factor/start")
async def start(request: Request) -> Response:
    b = bindings_of(request)
    with_refusal = refusals_show(lambda exc: _page(request, exc.status, exc.message))
    async with with_refusal:
        await two_factor.begin(b.db, b.clock.now(), _ring(request), current_user(request))
    return redirect("/account/two-factor/enrol")


@router.get("/account/two-factor/enrol")
async def enrol(request: Request) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    if await two_factor.enrolled(b.db, user.id):
        return redirect("/account/security", "Two-step sign-in is already on.")
    if await two_factor.pending_setup(b.db, _ring(request), user) is None:
        # straight here from sign-in (the role requires it), or a set-up that was never started
        await two_factor.begin(b.db, b.clock.now(), _ring(request), user)
    return await _enrol_page(request)


@router.post("/account/two-factor/confirm")
async def confirm(request: Request, code: str = Form("", max_length=64)) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    async with refusals_show(lambda exc: _enrol_page(request, exc.status, exc.message)):
        codes = await two_factor.confirm(
            b.db, b.clock.now(), _ring(request), actor_of(request), user, code, session_id=_session_id(request)
        )
    return await _enrol_page(request, new_codes=codes)


@router.post("/account/two-factor/disable")
async def disable(
    request: Request, password: str = Form("", max_length=1024), code: str = Form("", max_length=64)
) -> Response:
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        await two_factor.disable(
            b.db, b.clock.now(), _ring(request), actor_of(request), current_user(request), password=password, code=code
        )
    return redirect("/account/security", "Two-step sign-in is off.")


@router.post("/account/two-factor/recovery-codes")
async def recovery_codes(request: Request, code: str = Form("", max_length=64)) -> Response:
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        codes = await two_factor.new_recovery_codes(
            b.db, b.clock.now(), _ring(request), actor_of(request), current_user(request), code=code
        )
    return await _page(request, new_codes=codes)
