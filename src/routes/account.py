"""The signed-in user's own page: who am I, my API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from accounts import api_tokens, authz, offices
from core.inputs import Id
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter(include_in_schema=False)


async def _account_page(request: Request, new_token: str | None = None) -> Response:
    user = current_user(request)
    db = bindings_of(request).db
    tokens = await api_tokens.for_user(db, user.id)
    office_names = [o.name for o in authz.visible_offices(user, await offices.all_offices(db))]
    response = render(request, "account.html", tokens=tokens, office_names=office_names, new_token=new_token)
    if new_token:
        response.headers["cache-control"] = "no-store"  # the one time the plain token is shown
    return response


@router.get("/account")
async def account(request: Request) -> Response:
    return await _account_page(request)


@router.post("/account/tokens")
async def create_token(request: Request, name: str = Form(..., min_length=1, max_length=80)) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    with refusals_go_back_to("/account"):
        token = await api_tokens.create_token(b.db, b.clock.now(), user.actor, user, name)
    return await _account_page(request, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: Id) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    revoked = await api_tokens.revoke_token(b.db, b.clock.now(), user.actor, user, token_id)
    return redirect("/account", "Token revoked." if revoked else "That token was already revoked.")
