"""Email senders (owner, under Maintenance; EML-1…EML-9, FIN-10): each office's identity and Finance's,
the form (the password is never shown: blank keeps it), and Send Test with the server's answer.
`{which}` is an office id or `finance`. JSON under /api/email-identities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import offices
from core import email as mail
from core.errors import NotFound
from core.vault import KeyRing
from messaging import identities
from routes.guard import bindings_of, current_user
from routes.pages import form_status, redirect, refusals_show, render

router = APIRouter()

HOME = "/maintenance/email"


async def _which(request: Request, which: str) -> tuple[str, int | None, str]:
    """(kind, office id, label) for `finance` or an office id; another thing is a 404."""
    if which == "finance":
        return "finance", None, "Finance"
    if not which.isdigit() or len(which) > 12:
        raise NotFound("We couldn't find that office.")
    office = await offices.get(bindings_of(request).db, int(which))
    if office is None:
        raise NotFound("We couldn't find that office.")
    return "office", office.id, f"office {office.name}"


async def _list(request: Request) -> list[dict[str, Any]]:
    b = bindings_of(request)
    smtp = mail.needs_smtp_login(b)
    senders: list[tuple[str, str, str, int | None]] = [
        (str(o.id), o.name, "office", o.id) for o in await offices.all_offices(b.db)
    ]
    senders.append(("finance", "Finance", "finance", None))
    found = []
    for which, label, kind, office_id in senders:
        row = await identities.get(b.db, kind, office_id)
        found.append(
            {
                "which": which,
                "label": label,
                "missing": identities.missing(row, smtp=smtp),
                "shape": identities.shape(row, kind, office_id),
            }
        )
    return found


@router.get(HOME, include_in_schema=False)
async def index(request: Request) -> Response:
    b = bindings_of(request)
    return render(
        request, "maintenance/email_identities.html", items=await _list(request), provider=mail.provider(b).name
    )


async def _form(
    request: Request,
    which: str,
    status: int = 200,
    error: str = "",
    fields: dict | None = None,
    form: dict | None = None,
    said: mail.Sent | None = None,
) -> Response:
    b = bindings_of(request)
    kind, office_id, label = await _which(request, which)
    row = await identities.get(b.db, kind, office_id)
    return render(
        request,
        "maintenance/email_identity.html",
        status_code=status,
        which=which,
        label=label,
        identity=identities.shape(row, kind, office_id),
        form=form or {},
        error=error,
        fields=fields or {},
        said=said,
        provider=mail.provider(b).name,
        missing=identities.missing(row, smtp=mail.needs_smtp_login(b)),
    )


@router.get(HOME + "/{which}", include_in_schema=False)
async def edit(request: Request, which: str) -> Response:
    return await _form(request, which)


async def _save(request: Request, which: str, values: dict[str, Any], version: int | None) -> dict[str, Any]:
    b = bindings_of(request)
    kind, office_id, label = await _which(request, which)
    cleaned = identities.check(**values)
    row = await identities.save(
        b.db,
        b.clock.now(),
        current_user(request).actor,
        KeyRing.from_settings(b.settings),
        kind=kind,
        office_id=office_id,
        office_label=label,
        values=cleaned,
        version=version,
    )
    return identities.shape(row)


@router.post(HOME + "/{which}", include_in_schema=False)
async def save_form(
    request: Request,
    which: str,
    from_email: str = Form("", max_length=300),
    from_name: str = Form("", max_length=200),
    smtp_host: str = Form("", max_length=300),
    smtp_port: str = Form("587", max_length=6),
    password: str = Form("", max_length=300),
    version: int = Form(0, ge=0),
) -> Response:
    values = {
        "from_email": from_email,
        "from_name": from_name,
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "password": password,
    }
    form = {k: v for k, v in values.items() if k != "password"}  # never echoed back, even unsaved
    async with refusals_show(
        lambda exc: _form(request, which, form_status(exc), exc.message, getattr(exc, "fields", {}), form)
    ):
        await _save(request, which, values, version)
    return redirect(f"{HOME}/{which}", "Sender saved.")


@router.post(HOME + "/{which}/test", include_in_schema=False)
async def test_form(request: Request, which: str, to: str = Form("", max_length=300)) -> Response:
    b = bindings_of(request)
    kind, office_id, label = await _which(request, which)
    async with refusals_show(
        lambda exc: _form(request, which, form_status(exc), exc.message, getattr(exc, "fields", {}), {"to": to})
    ):
        sent = await identities.send_test(
            b, current_user(request).actor, kind=kind, office_id=office_id, label=label, to=to
        )
    return await _form(request, which, 200 if sent.ok else 502, form={"to": to}, said=sent)


# --- JSON ----------------------------------------------------------------------------------------


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_email: str = Field("", max_length=300)
    from_name: str = Field("", max_length=200)
    smtp_host: str = Field("", max_length=300)
    smtp_port: int = Field(587, description="587 (STARTTLS) or 465 (SSL)")
    password: str = Field("", max_length=300, description="The app password; empty keeps the stored one")
    version: int | None = Field(None, ge=0, description="The version you read; a newer one answers 409")


class TestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(..., max_length=300)


@router.get("/api/email-identities", tags=["email"], summary="Every office's email sender and Finance's")
async def api_list(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "items": [{**i["shape"], "missing": i["missing"]} for i in await _list(request)],
            "provider": mail.provider(bindings_of(request)).name,
        }
    )


@router.get("/api/email-identities/{which}", tags=["email"], summary="One email sender (an office id or finance)")
async def api_get(request: Request, which: str) -> JSONResponse:
    kind, office_id, _ = await _which(request, which)
    return JSONResponse(
        identities.shape(await identities.get(bindings_of(request).db, kind, office_id), kind, office_id)
    )


@router.put("/api/email-identities/{which}", tags=["email"], summary="Save an email sender (password: blank keeps)")
async def api_put(request: Request, which: str, body: IdentityIn) -> JSONResponse:
    values = body.model_dump(exclude={"version"})
    return JSONResponse(await _save(request, which, values, body.version))


@router.post("/api/email-identities/{which}/test", tags=["email"], summary="Send Test: the server's answer")
async def api_test(request: Request, which: str, body: TestIn) -> JSONResponse:
    b = bindings_of(request)
    kind, office_id, label = await _which(request, which)
    sent = await identities.send_test(
        b, current_user(request).actor, kind=kind, office_id=office_id, label=label, to=body.to
    )
    return JSONResponse({"ok": sent.ok, "said": sent.said}, status_code=200 if sent.ok else 502)
