"""QuickBooks: the owner's maintenance page, the OAuth redirect pair, the JSON API and the webhook."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from core.errors import Conflict
from quickbooks import importer, oauth, status, webhook
from quickbooks.client import QuickBooksError
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()
log = logging.getLogger("porchlight.quickbooks")
PAGE = "/maintenance/quickbooks"


class Confirm(BaseModel):
    confirm: str | None = Field(None, max_length=200)


# --- the maintenance page ------------------------------------------------------------------------


@router.get(PAGE, include_in_schema=False)
async def page(request: Request) -> Response:
    return render(request, "maintenance/quickbooks.html", qb=await status.status(bindings_of(request)))


@router.get(f"{PAGE}/progress", include_in_schema=False)
async def progress(request: Request) -> Response:
    """The progress fragment the page polls while a run is going."""
    return render(request, "maintenance/_quickbooks_progress.html", qb=await status.status(bindings_of(request)))


@router.post(f"{PAGE}/import", include_in_schema=False)
async def import_form(request: Request, confirm: str = Form("", max_length=200)) -> Response:
    with refusals_go_back_to(PAGE):
        await importer.start_import(bindings_of(request), actor_of(request), confirm=confirm)
    return redirect(PAGE, "Import started. It runs in the background; this page shows its progress.")


@router.post(f"{PAGE}/purge", include_in_schema=False)
async def purge_form(request: Request, confirm: str = Form("", max_length=200)) -> Response:
    with refusals_go_back_to(PAGE):
        removed = await importer.purge(bindings_of(request), actor_of(request), confirm=confirm)
    return redirect(PAGE, f"Purged {removed} imported records. Nothing was changed in QuickBooks.")


@router.post(f"{PAGE}/disconnect", include_in_schema=False)
async def disconnect_form(request: Request) -> Response:
    b = bindings_of(request)
    async with b.http() as http:
        done = await oauth.disconnect(b, http, actor_of(request))
    return redirect(PAGE, "QuickBooks disconnected; its tokens were revoked and wiped." if done else "Not connected.")


# --- OAuth ---------------------------------------------------------------------------------------


@router.get("/quickbooks/connect", tags=["quickbooks"], summary="Start connecting a QuickBooks company (owner)")
async def connect(request: Request) -> Response:
    session = getattr(request.state, "session", None)
    if session is None:
        return JSONResponse({"detail": "Connect QuickBooks from a signed-in browser session."}, status_code=400)
    with refusals_go_back_to(PAGE, (Conflict,)):
        url = await oauth.connect_url(bindings_of(request), session.id, current_user(request).id)
    return RedirectResponse(url, status_code=303)


@router.get("/quickbooks/callback", tags=["quickbooks"], summary="Where Intuit sends the owner back")
async def callback(
    request: Request,
    code: str = Query("", max_length=512),
    state: str = Query("", max_length=200),
    realm_id: str = Query("", alias="realmId", max_length=40),
    error: str = Query("", max_length=100),
) -> Response:
    session = getattr(request.state, "session", None)
    if error:
        return redirect(
            PAGE,
            "QuickBooks connection was cancelled."
            if error == "access_denied"
            else f"QuickBooks did not connect ({error}).",
        )
    if session is None or not state:
        return redirect(PAGE, "That QuickBooks sign-in is not for this session. Start again with Connect.")
    b = bindings_of(request)
    try:
        with refusals_go_back_to(PAGE, (Conflict,)):
            async with b.http() as http:
                conn = await oauth.complete(
                    b, http, actor_of(request), session_id=session.id, code=code, state=state, realm_id=realm_id
                )
    except QuickBooksError as exc:  # Intuit's answer, not ours
        log.warning("quickbooks connect failed: %s", exc.summary())
        return redirect(PAGE, f"QuickBooks did not accept the connection: {exc.summary()}")
    return redirect(PAGE, f"Connected to {conn.company_name or conn.realm_id} ({conn.environment}).")


# --- JSON API ------------------------------------------------------------------------------------


@router.get("/api/quickbooks/status", tags=["quickbooks"], summary="Connection, token health, sync, latest import")
async def api_status(request: Request) -> dict:
    return await status.status(bindings_of(request))


@router.post("/api/quickbooks/import", tags=["quickbooks"], summary="Start (or resume) the one-time import")
async def api_import(request: Request, body: Confirm | None = None) -> Response:
    b = bindings_of(request)
    run = await importer.start_import(b, actor_of(request), confirm=body.confirm if body else None)
    return JSONResponse(run.as_json(), status_code=202)


@router.post("/api/quickbooks/purge", tags=["quickbooks"], summary="Delete imported QuickBooks data here only")
async def api_purge(request: Request, body: Confirm | None = None) -> Response:
    removed = await importer.purge(bindings_of(request), actor_of(request), confirm=body.confirm if body else None)
    return JSONResponse({"removed": removed})


@router.post("/api/quickbooks/disconnect", tags=["quickbooks"], summary="Revoke and wipe the QuickBooks tokens")
async def api_disconnect(request: Request) -> dict:
    b = bindings_of(request)
    async with b.http() as http:
        return {"disconnected": await oauth.disconnect(b, http, actor_of(request))}


# --- webhook -------------------------------------------------------------------------------------


@router.post("/webhook/quickbooks", tags=["quickbooks"], summary="Intuit's change notifications (signed)")
async def receive(request: Request) -> Response:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > webhook.MAX_BODY_BYTES:
        return JSONResponse({"detail": "Body too large."}, status_code=413)
    body = await request.body()
    b = bindings_of(request)
    verifier = b.settings.secret("QBO_WEBHOOK_VERIFIER_TOKEN")
    if len(body) > webhook.MAX_BODY_BYTES or not webhook.signature_ok(
        body, request.headers.get("intuit-signature"), verifier
    ):
        return JSONResponse({"detail": "Bad or missing intuit-signature."}, status_code=401)
    recorded = await webhook.record(b.db, b.clock.now(), webhook.changes_in(body))
    return JSONResponse({"status": "ok", "recorded": recorded})
