"""The owner's Control Panel pages of issue 23: 🔁 Recurring tasks (RTK-1, RTK-2) and Email reports
(seed 002 "Auto-emailed reports"), with their APIs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz, offices, users
from core.inputs import Id, parse_id, parse_int
from routes import outbox_kick
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render
from tasks import recurring, report_emails

router = APIRouter()

RECURRING = "/maintenance/recurring-tasks"
EMAILS = "/maintenance/email-reports"


def _template_out(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "cadence": row["cadence"],
        "weekday": row["weekday"],
        "month_day": row["month_day"],
        "time_of_day": row["time_of_day"],
        "assignee_user_id": row["assignee_user_id"],
        "assignee_office_id": row["assignee_office_id"],
        "active": bool(row["active"]),
    }


@router.get(RECURRING, include_in_schema=False)
async def recurring_page(request: Request) -> Response:
    db = bindings_of(request).db
    return render(
        request,
        "tasks/recurring.html",
        templates=await recurring.all_templates(db),
        offices=await offices.all_offices(db, include_inactive=False),
        people=[u for u in await users.all_users(db) if authz.takes_tasks(u)],
        weekdays=recurring.WEEKDAYS,
    )


@router.post(RECURRING, include_in_schema=False)
async def recurring_create(
    request: Request,
    title: str = Form("", max_length=800),
    description: str = Form("", max_length=10_000),
    cadence: str = Form("", max_length=10),
    weekday: str = Form("", max_length=2),
    month_day: str = Form("", max_length=3),
    time_of_day: str = Form("", max_length=5),
    assign_to: str = Form("office", max_length=10),
    assignee_user_id: str = Form("", max_length=12),
    assignee_office_id: str = Form("", max_length=12),
) -> Response:
    b = bindings_of(request)
    values = {
        "title": title,
        "description": description,
        "cadence": cadence,
        "weekday": parse_int(weekday),
        "month_day": parse_int(month_day),
        "time_of_day": time_of_day,
        "assignee_user_id": parse_id(assignee_user_id) if assign_to == "user" else None,
        "assignee_office_id": parse_id(assignee_office_id) if assign_to == "office" else None,
    }
    with refusals_go_back_to(RECURRING):
        await recurring.create(b.db, b.clock.now(), current_user(request), values)
    return redirect(RECURRING, f"Recurring task “{title.strip()[:60]}” added.")


@router.post(RECURRING + "/{template_id}/active", include_in_schema=False)
async def recurring_toggle(request: Request, template_id: Id, active: str = Form("", max_length=1)) -> Response:
    b = bindings_of(request)
    row = await recurring.get(b.db, template_id)
    with refusals_go_back_to(RECURRING):
        await recurring.update(b.db, b.clock.now(), current_user(request), row, {"active": active == "1"})
    return redirect(RECURRING, f"“{row['title'][:60]}” {'resumed' if active == '1' else 'paused'}.")


@router.post(RECURRING + "/{template_id}/delete", include_in_schema=False)
async def recurring_delete(request: Request, template_id: Id) -> Response:
    b = bindings_of(request)
    row = await recurring.get(b.db, template_id)
    await recurring.delete(b.db, b.clock.now(), current_user(request), row)
    return redirect(RECURRING, f"“{row['title'][:60]}” deleted; the tasks it made stay.")


class RecurringTemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=800)
    description: str = Field("", max_length=10_000)
    cadence: str = Field(description="daily, weekly or monthly")
    weekday: int | None = Field(None, ge=1, le=7, description="Weekly: 1 = Monday … 7 = Sunday")
    month_day: int | None = Field(
        None, ge=1, le=31, description="Monthly: 1–31; 29–31 fire on a shorter month's last day"
    )
    time_of_day: str = Field(max_length=5, description="HH:MM on a 15-minute step, America/New_York")
    assignee_user_id: Id | None = None
    assignee_office_id: Id | None = None
    active: bool = True


class RecurringTemplatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=800)
    description: str | None = Field(None, max_length=10_000)
    cadence: str | None = None
    weekday: int | None = Field(None, ge=1, le=7)
    month_day: int | None = Field(None, ge=1, le=31)
    time_of_day: str | None = Field(None, max_length=5)
    assignee_user_id: Id | None = None
    assignee_office_id: Id | None = None
    active: bool | None = None


@router.get("/api/recurring-tasks", tags=["tasks"], summary="Recurring task templates (owner)")
async def api_templates(request: Request) -> list[dict[str, Any]]:
    return [_template_out(r) for r in await recurring.all_templates(bindings_of(request).db)]


@router.post("/api/recurring-tasks", tags=["tasks"], summary="Add a recurring task (owner; RTK-2)", status_code=201)
async def api_template_create(request: Request, body: RecurringTemplateIn) -> dict[str, Any]:
    b = bindings_of(request)
    new_id = await recurring.create(b.db, b.clock.now(), current_user(request), body.model_dump())
    return _template_out(await recurring.get(b.db, new_id))


@router.patch("/api/recurring-tasks/{template_id}", tags=["tasks"], summary="Change or pause a recurring task")
async def api_template_patch(request: Request, template_id: Id, body: RecurringTemplatePatch) -> dict[str, Any]:
    b = bindings_of(request)
    row = await recurring.get(b.db, template_id)
    await recurring.update(b.db, b.clock.now(), current_user(request), row, body.model_dump(exclude_unset=True))
    return _template_out(await recurring.get(b.db, template_id))


@router.delete("/api/recurring-tasks/{template_id}", tags=["tasks"], summary="Delete a template (its tasks stay)")
async def api_template_delete(request: Request, template_id: Id) -> Response:
    b = bindings_of(request)
    await recurring.delete(b.db, b.clock.now(), current_user(request), await recurring.get(b.db, template_id))
    return Response(status_code=204)


# --- Email reports -------------------------------------------------------------------------------


@router.get(EMAILS, include_in_schema=False)
async def emails_page(request: Request) -> Response:
    db = bindings_of(request).db
    sends = await db.all("SELECT * FROM report_email_sends ORDER BY sent_at DESC LIMIT 10")
    return render(request, "tasks/email_reports.html", config=await report_emails.settings(db), sends=sends)


@router.post(EMAILS, include_in_schema=False)
async def emails_save(
    request: Request,
    recipients: str = Form("", max_length=4000),
    daily: str = Form("", max_length=2),
    weekly: str = Form("", max_length=2),
    monthly: str = Form("", max_length=2),
) -> Response:
    b = bindings_of(request)
    periods = {"daily": daily == "1", "weekly": weekly == "1", "monthly": monthly == "1"}
    with refusals_go_back_to(EMAILS):
        await report_emails.save(b.db, b.clock.now(), current_user(request).actor, recipients, periods)
    return redirect(EMAILS, "Email reports saved.")


@router.post(EMAILS + "/send", include_in_schema=False)
async def emails_send(request: Request, period: str = Form("daily", max_length=10)) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to(EMAILS):
        n = await report_emails.send_now(b.db, b.clock.now(), current_user(request).actor, period)
    outbox_kick.soon(request)
    return redirect(EMAILS, f"The {period} report is on its way to {n} recipient{'s' if n != 1 else ''}.")


class EmailSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipients: list[str] = Field(max_length=report_emails.MAX_RECIPIENTS * 2)
    daily: bool = False
    weekly: bool = False
    monthly: bool = False


class SendNowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field("daily", description="daily, weekly or monthly")


@router.get("/api/report-emails", tags=["reports"], summary="Emailed reports: recipients and periods (owner)")
async def api_emails(request: Request) -> dict[str, Any]:
    return await report_emails.settings(bindings_of(request).db)


@router.put("/api/report-emails", tags=["reports"], summary="Set the emailed reports' recipients and periods")
async def api_emails_set(request: Request, body: EmailSettingsIn) -> dict[str, Any]:
    b = bindings_of(request)
    periods = body.model_dump(exclude={"recipients"})
    await report_emails.save(b.db, b.clock.now(), current_user(request).actor, body.recipients, periods)
    return await report_emails.settings(b.db)


@router.post("/api/report-emails/send", tags=["reports"], summary="Send a period's report now (a preview)")
async def api_emails_send(request: Request, body: SendNowIn) -> dict[str, int]:
    b = bindings_of(request)
    queued = await report_emails.send_now(b.db, b.clock.now(), current_user(request).actor, body.period)
    outbox_kick.soon(request)
    return {"queued": queued}
