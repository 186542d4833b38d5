"""Resetting a teammate's sign-in (owner and admin): a temporary password they must change at next
sign-in, or their two-step sign-in (a lost phone). Whom each may reset is `authz.may_reset_credentials`."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from accounts import authz, two_factor, users
from core.errors import NotFound
from core.inputs import Id
from routes import lookup
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter(include_in_schema=False)


async def _target(request: Request, user_id: int) -> users.User:
    """A user the caller may reset; anyone else is answered as missing (their existence is not news)."""
    target = await lookup.user(request, user_id)
    if not authz.may_reset_credentials(current_user(request), target):
        raise NotFound("We couldn't find that user.")
    return target


@router.get("/people")
async def people(request: Request) -> Response:
    me = current_user(request)
    db = bindings_of(request).db
    shown = [u for u in await users.all_users(db) if u.active and authz.may_reset_credentials(me, u)]
    enrolled = {u.id for u in shown if await two_factor.enrolled(db, u.id)}
    return render(request, "account/people.html", people=shown, enrolled=enrolled)


@router.post("/people/{user_id}/password")
async def reset_password(request: Request, user_id: Id, password: str = Form("", max_length=1024)) -> Response:
    target = await _target(request, user_id)
    b = bindings_of(request)
    with refusals_go_back_to(f"/people#user-{user_id}"):
        await users.reset_password(b.db, b.clock.now(), actor_of(request), target, password)
    return redirect(
        "/people", f"{target.name}'s password was reset. Give them the temporary one; they choose their own at sign-in."
    )


@router.post("/people/{user_id}/two-factor/reset")
async def reset_two_factor(request: Request, user_id: Id) -> Response:
    target = await _target(request, user_id)
    b = bindings_of(request)
    await two_factor.reset(b.db, b.clock.now(), actor_of(request), target)
    return redirect("/people", f"Two-step sign-in was reset for {target.name}; they were signed out everywhere.")
