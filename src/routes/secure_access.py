"""Secure-access items on the client page (an htmx panel) and in the JSON API.

Every answer shows secrets masked except the two reveal routes, which are POSTs (a deliberate act,
CSRF-checked, never prefetched or cached), write one audit row each and answer `no-store`.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from accounts import authz
from core.errors import Conflict
from core.inputs import Id
from core.storage import Row
from core.vault import KeyRing, VaultError
from customers import secure_access
from routes import lookup
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, refusals_show, render
from routes.patching import Patch

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Kind = Literal["wifi", "device", "account", "other"]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=secure_access.MAX_LABEL)
    kind: Kind = "wifi"
    username: str = Field("", max_length=secure_access.MAX_USERNAME)
    secret: SecretStr = Field(min_length=1, max_length=secure_access.MAX_SECRET)
    notes: str = Field("", max_length=secure_access.MAX_NOTES)


class ItemPatch(Patch):
    label: str | None = Field(None, min_length=1, max_length=secure_access.MAX_LABEL)
    kind: Kind | None = None
    username: str | None = Field(None, max_length=secure_access.MAX_USERNAME)
    secret: SecretStr | None = Field(None, min_length=1, max_length=secure_access.MAX_SECRET)
    notes: str | None = Field(None, max_length=secure_access.MAX_NOTES)


def _ring(request: Request) -> KeyRing:
    return KeyRing.from_settings(bindings_of(request).settings)


async def _reveal(request: Request, display_id: str, item_id: Id) -> tuple[Row, str]:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    item = await lookup.secure_item(request, customer, item_id)
    try:
        secret = await secure_access.reveal(b.db, b.clock.now(), actor_of(request), _ring(request), customer, item)
    except VaultError as exc:
        raise Conflict(f"This secret cannot be opened: {exc}.") from None
    return item, secret


# --- the panel on the client page ---------------------------------------------------------------


async def _panel(request: Request, customer: Row, error: str = "", status_code: int = 200) -> Response:
    items = await secure_access.items_for(bindings_of(request).db, customer["id"])
    return render(
        request,
        "customers/_secure_access.html",
        status_code=status_code,
        customer={"id": customer["display_id"], "name": customer["name"]},
        secure_panel={"items": [secure_access.public(i) for i in items], "error": error},
        kinds=secure_access.KIND_LABELS,
    )


async def _after_change(request: Request, customer: Row, message: str, error: str = "") -> Response:
    """htmx swaps the panel in place; a plain form post goes back to the client page."""
    if request.headers.get("hx-request"):
        return await _panel(request, customer, error)
    if error:
        raise HTTPException(422, error)
    return redirect(f"/clients/{customer['display_id']}#secure-access", message)


@router.get("/clients/{display_id}/secure-access", include_in_schema=False)
async def panel(request: Request, display_id: str) -> Response:
    return await _panel(request, await lookup.customer(request, display_id))


@router.post("/clients/{display_id}/secure-access", include_in_schema=False)
async def create_from_form(
    request: Request,
    display_id: str,
    label: str = Form("", max_length=secure_access.MAX_LABEL),
    kind: str = Form("wifi", max_length=20),
    username: str = Form("", max_length=secure_access.MAX_USERNAME),
    secret: str = Form("", max_length=secure_access.MAX_SECRET),
    notes: str = Form("", max_length=secure_access.MAX_NOTES),
) -> Response:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    async with refusals_show(lambda exc: _after_change(request, customer, "", exc.message)):
        item = secure_access.check_input(label, kind, username, notes)
        await secure_access.create_item(b.db, b.clock.now(), actor_of(request), _ring(request), customer, item, secret)
    return await _after_change(request, customer, f"Saved “{item.label}”.")


@router.post("/clients/{display_id}/secure-access/{item_id}", include_in_schema=False)
async def update_from_form(
    request: Request,
    display_id: str,
    item_id: Id,
    label: str = Form("", max_length=secure_access.MAX_LABEL),
    kind: str = Form("wifi", max_length=20),
    username: str = Form("", max_length=secure_access.MAX_USERNAME),
    secret: str = Form("", max_length=secure_access.MAX_SECRET),
    notes: str = Form("", max_length=secure_access.MAX_NOTES),
) -> Response:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    current = await lookup.secure_item(request, customer, item_id)
    async with refusals_show(lambda exc: _after_change(request, customer, "", exc.message)):
        item = secure_access.check_input(label, kind, username, notes)
        try:
            await secure_access.update_item(
                b.db, b.clock.now(), actor_of(request), _ring(request), customer, current, item, secret or None
            )
        except VaultError as exc:
            message = f"The saved secret cannot be opened ({exc}); enter it again."
            return await _after_change(request, customer, "", message)
    return await _after_change(request, customer, f"Saved “{item.label}”.")


@router.post("/clients/{display_id}/secure-access/{item_id}/delete", include_in_schema=False)
async def delete_from_form(request: Request, display_id: str, item_id: Id) -> Response:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    current = await lookup.secure_item(request, customer, item_id)
    await secure_access.delete_item(b.db, b.clock.now(), actor_of(request), customer, current)
    return await _after_change(request, customer, f"Deleted “{current['label']}”.")


@router.post("/clients/{display_id}/secure-access/{item_id}/reveal", include_in_schema=False)
async def reveal_on_page(request: Request, display_id: str, item_id: Id) -> Response:
    item, secret = await _reveal(request, display_id, item_id)
    template = "customers/_secret.html" if request.headers.get("hx-request") else "customers/secret.html"
    response = render(
        request, template, customer={"id": display_id.upper()}, item=secure_access.public(item), secret=secret
    )
    response.headers.update(NO_STORE)
    return response


# --- JSON API -----------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/secure-access", tags=["customers"], summary="Secure-access items (masked)")
async def api_list(request: Request, display_id: str) -> dict[str, Any]:
    customer = await lookup.customer(request, display_id)
    items = await secure_access.items_for(bindings_of(request).db, customer["id"])
    user = current_user(request)
    return {"items": [secure_access.public(i) for i in items], "can_reveal": authz.can(user, "secure_access.reveal")}


@router.post(
    "/api/customers/{display_id}/secure-access",
    tags=["customers"],
    summary="Save a secure-access item (the answer shows it masked)",
    status_code=201,
)
async def api_create(request: Request, display_id: str, body: ItemIn) -> dict[str, Any]:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    item = secure_access.check_input(body.label, body.kind, body.username, body.notes)
    item_id = await secure_access.create_item(
        b.db, b.clock.now(), actor_of(request), _ring(request), customer, item, body.secret.get_secret_value()
    )
    return secure_access.public(await lookup.secure_item(request, customer, item_id))


@router.patch(
    "/api/customers/{display_id}/secure-access/{item_id}",
    tags=["customers"],
    summary="Change a secure-access item; send `secret` only to replace it",
)
async def api_update(request: Request, display_id: str, item_id: Id, body: ItemPatch) -> dict[str, Any]:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    current = await lookup.secure_item(request, customer, item_id)
    item = secure_access.check_input(
        body.label if body.label is not None else current["label"],
        body.kind or current["kind"],
        body.username if body.username is not None else current["username"],
        body.notes if body.notes is not None else current["notes"],
    )
    secret = body.secret.get_secret_value() if body.secret else None
    try:
        await secure_access.update_item(
            b.db, b.clock.now(), actor_of(request), _ring(request), customer, current, item, secret
        )
    except VaultError as exc:
        raise Conflict(f"The saved secret cannot be opened ({exc}); send a new `secret`.") from None
    return secure_access.public(await lookup.secure_item(request, customer, item_id))


@router.delete(
    "/api/customers/{display_id}/secure-access/{item_id}", tags=["customers"], summary="Delete a secure-access item"
)
async def api_delete(request: Request, display_id: str, item_id: Id) -> dict[str, Any]:
    b = bindings_of(request)
    customer = await lookup.customer(request, display_id)
    current = await lookup.secure_item(request, customer, item_id)
    await secure_access.delete_item(b.db, b.clock.now(), actor_of(request), customer, current)
    return {"deleted": item_id}


@router.post(
    "/api/customers/{display_id}/secure-access/{item_id}/reveal",
    tags=["customers"],
    summary="Reveal one secret (audited; the answer is never cached)",
)
async def api_reveal(request: Request, display_id: str, item_id: Id, response: Response) -> dict[str, Any]:
    item, secret = await _reveal(request, display_id, item_id)
    response.headers.update(NO_STORE)
    return {"id": item["id"], "label": item["label"], "secret": secret}
