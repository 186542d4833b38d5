"""CP → 💰 Finance settings (owner; FIN-8, FIN-10): the Finance email sender's state (edited on its own
form, /maintenance/email/finance), the Finance outbound SMS line, the weekly payment summaries'
switch, each job partner's report email, Send now (a preview), and the last sends. JSON under
/api/finance-settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from core import email as mail
from core.inputs import Count, Id, parse_id
from messaging import identities, lines
from network import settings as job_settings
from routes import lookup, outbox_kick
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render
from tasks import finance_settings, payment_summaries

router = APIRouter()

HOME = "/maintenance/finance"
PARTNERS = job_settings.KINDS["job_partners"]


async def _sender(request: Request) -> dict[str, Any]:
    b = bindings_of(request)
    row = await identities.get(b.db, "finance")
    return {
        "identity": identities.shape(row, "finance"),
        "missing": identities.missing(row, smtp=mail.needs_smtp_login(b)),
    }


@router.get(HOME, include_in_schema=False)
async def page(request: Request) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    all_lines = [{"row": r, "refusal": lines.refusal(r)} for r in await lines.all_lines(b.db)]
    no_email = await b.db.all("SELECT id, name FROM contractors WHERE active = 1 AND trim(email) = '' ORDER BY name")
    return render(
        request,
        "finance/settings.html",
        config=await finance_settings.settings(b.db),
        sender=await _sender(request),
        lines=all_lines,
        partners=await job_settings.all_values(b.db, PARTNERS, active_only=True),
        no_email=no_email,
        sends=await payment_summaries.recent_sends(b.db),
        next_week=payment_summaries.current_week(now),
        last_week=payment_summaries.latest_week(now),
        me=current_user(request).email,
    )


@router.post(HOME, include_in_schema=False)
async def save_form(
    request: Request,
    sms_line_id: str = Form("", max_length=12),
    weekly_enabled: str = Form("", max_length=2),
    version: int = Form(0, ge=0),
) -> Response:
    b = bindings_of(request)
    fields = {"sms_line_id": parse_id(sms_line_id) if sms_line_id else None, "weekly_enabled": weekly_enabled == "1"}
    if sms_line_id and fields["sms_line_id"] is None:
        fields["sms_line_id"] = -1  # not a number: the verb refuses it, naming the field
    with refusals_go_back_to(HOME):
        await finance_settings.save(b.db, b.clock.now(), current_user(request).actor, {**fields, "version": version})
    return redirect(HOME, "Finance settings saved.")


@router.post(HOME + "/partners/{partner_id}", include_in_schema=False)
async def partner_form(request: Request, partner_id: Id, report_email: str = Form("", max_length=300)) -> Response:
    b = bindings_of(request)
    row = await lookup.job_setting(request, PARTNERS, partner_id)
    with refusals_go_back_to(HOME):
        await job_settings.update_value(
            b.db, b.clock.now(), current_user(request).actor, PARTNERS, row, {"report_email": report_email}
        )
    return redirect(HOME, f"Report email of {row['name']} saved.")


@router.post(HOME + "/send", include_in_schema=False)
async def send_form(
    request: Request, to: str = Form("", max_length=300), week: str = Form("current", max_length=10)
) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to(HOME):
        n = await payment_summaries.send_now(b.db, b.clock.now(), current_user(request).actor, to, week)
    outbox_kick.soon(request)
    return redirect(HOME, f"{n} summar{'ies' if n != 1 else 'y'} on the way to {to.strip()} (previews).")


# --- JSON ------------------------------------------------------------------------------------------


class FinanceSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sms_line_id: Id | None = Field(None, description="One of the synced SMS lines (not toll-free, not no-reply)")
    weekly_enabled: StrictBool | None = Field(None, description="Send the weekly payment summaries (FIN-8)")
    version: Count | None = Field(None, description="The version you read; a newer one is a 409")


class SendNowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(max_length=300, description="Where the previews go (every summary, addressed to you)")
    week: str = Field("current", description="current (this week so far) or last (the last complete week)")


async def _out(request: Request) -> dict[str, Any]:
    b = bindings_of(request)
    sends = await payment_summaries.recent_sends(b.db, 10)
    return {
        **await finance_settings.settings(b.db),
        "email_sender": await _sender(request),
        "recent_sends": [
            {k: s[k] for k in ("week_key", "recipient_kind", "recipient_id", "recipient_name", "email", "outcome")}
            | {"reason": s["reason"], "jobs": s["jobs"], "reimbursements": s["reimbursements"], "at": s["sent_at"]}
            for s in sends
        ],
    }


@router.get("/api/finance-settings", tags=["finance"], summary="Finance settings (owner; FIN-10)")
async def api_get(request: Request) -> dict[str, Any]:
    return await _out(request)


@router.put("/api/finance-settings", tags=["finance"], summary="Set the Finance SMS line and the weekly summaries")
async def api_put(request: Request, body: FinanceSettingsIn) -> dict[str, Any]:
    b = bindings_of(request)
    fields = body.model_dump(exclude_unset=True)  # an explicit null weekly_enabled is a 422, not ignored
    await finance_settings.save(b.db, b.clock.now(), current_user(request).actor, fields)
    return await _out(request)


@router.post(
    "/api/finance-settings/send-now", tags=["finance"], summary="Send the weekly payment summaries now, as previews"
)
async def api_send(request: Request, body: SendNowIn) -> dict[str, int]:
    b = bindings_of(request)
    queued = await payment_summaries.send_now(b.db, b.clock.now(), current_user(request).actor, body.to, body.week)
    outbox_kick.soon(request)
    return {"queued": queued}
