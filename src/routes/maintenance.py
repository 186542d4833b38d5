"""Maintenance (the owner's control panel): users, offices, audit log, system (backups)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from accounts import authz, offices, two_factor, users
from core import localtime, outbox, records
from core.clock import iso
from core.errors import Invalid
from core.inputs import Id
from core.storage import migrations
from leads import intake
from leads import sources as lead_sources
from ops import backups, scheduled_jobs
from routes import lookup
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, refusals_show, render

router = APIRouter(prefix="/maintenance", include_in_schema=False)


@router.get("")
async def index(request: Request) -> Response:
    db = bindings_of(request).db
    counts = {
        "users": await users.count(db, active_only=True),
        "offices": await offices.count_active(db),
        "audit": await records.audit_count(db),
        "quarantine": len(await intake.quarantined(db)),
        "sources": len(await lead_sources.all_sources(db)),
        "sequences": len(await lead_sources.sequences(db)),
        "outbox": sum((await outbox.counts(db)).values()),  # issue 21: not delivered yet, or never
    }
    b = bindings_of(request)
    return render(
        request,
        "maintenance/index.html",
        counts=counts,
        backup=backups.status(b.backups, b.clock.now()),
        production=b.settings.production,
    )


@router.get("/system")
async def system(request: Request) -> Response:
    b = bindings_of(request)
    applied, jobs = await asyncio.gather(migrations.applied_count(b.db), scheduled_jobs.last_runs(b.db, b.clock.now()))
    return render(
        request,
        "maintenance/system.html",
        backup=backups.status(b.backups, b.clock.now()),
        migrations=applied,
        jobs=jobs,  # the cron jobs' last runs (cron_leases)
        describe_age=backups.describe_age,
        human_size=backups.human_size,
        time_travel=backups.TIME_TRAVEL_DOCS,
    )


# --- users -----------------------------------------------------------------------------------


async def _user_form(request: Request, target: users.User | None, status: int = 200, error: str = "", **form):
    db = bindings_of(request).db
    timeline = await records.timeline_for(db, "user", target.id) if target else []
    return render(
        request,
        "maintenance/user_form.html",
        status_code=status,
        target=target,
        offices=await offices.all_offices(db),
        roles=users.ROLE_LABELS,
        error=error,
        form=form,
        timeline=timeline,
    )


@router.get("/users")
async def user_list(request: Request) -> Response:
    db = bindings_of(request).db
    office_names = {o.id: o.name for o in await offices.all_offices(db)}
    return render(
        request,
        "maintenance/users.html",
        people=await users.all_users(db),
        office_names=office_names,
        roles=users.ROLE_LABELS,
        required_roles=await two_factor.required_roles(db),
    )


@router.post("/two-factor")
async def two_factor_roles(request: Request, roles: list[str] = Form([])) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to("/maintenance/users#two-factor"):
        await two_factor.set_required_roles(b.db, b.clock.now(), actor_of(request), set(roles))
    saved = "Saved: the roles ticked use two-step sign-in from their next sign-in."
    return redirect("/maintenance/users#two-factor", saved)


@router.get("/users/new")
async def user_new(request: Request) -> Response:
    return await _user_form(request, None)


@router.post("/users")
async def user_create(
    request: Request,
    name: str = Form("", max_length=200),
    email: str = Form("", max_length=254),
    role: str = Form(users.DEFAULT_ROLE, max_length=20),
    all_offices: bool = Form(False),
    office_ids: list[Id] = Form([]),
    partner_name: str = Form("", max_length=120),
    password: str = Form("", max_length=1024),
) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    form = {
        "name": name,
        "email": email,
        "role": role,
        "all_offices": all_offices,
        "office_ids": office_ids,
        "partner_name": partner_name,
    }
    async with refusals_show(lambda exc: _user_form(request, None, 400, exc.message, **form)):
        profile = users.check_profile(name, role, all_offices, office_ids, partner_name)
        created = await users.create_user(
            b.db, b.clock.now(), actor.actor, email=email, password=password, profile=profile
        )
    return redirect(f"/maintenance/users/{created.id}", f"{created.name} can now sign in.")


@router.get("/users/{user_id}")
async def user_edit(request: Request, user_id: Id) -> Response:
    return await _user_form(request, await lookup.user(request, user_id))


@router.post("/users/{user_id}")
async def user_update(
    request: Request,
    user_id: Id,
    name: str = Form("", max_length=200),
    role: str = Form(users.DEFAULT_ROLE, max_length=20),
    all_offices: bool = Form(False),
    office_ids: list[Id] = Form([]),
    partner_name: str = Form("", max_length=120),
) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    target = await lookup.user(request, user_id)
    async with refusals_show(lambda exc: _user_form(request, target, 400, exc.message)):
        profile = users.check_profile(name, role, all_offices, office_ids, partner_name)
        await users.update_user(b.db, b.clock.now(), actor.actor, target, profile)
    return redirect(f"/maintenance/users/{user_id}", "Saved.")


@router.post("/users/{user_id}/active")
async def user_active(request: Request, user_id: Id, active: bool = Form(...)) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    target = await lookup.user(request, user_id)
    async with refusals_show(lambda exc: _user_form(request, target, 400, exc.message)):
        await users.set_active(b.db, b.clock.now(), actor.actor, target, active)
    return redirect(f"/maintenance/users/{user_id}", f"{target.name} {'reactivated' if active else 'deactivated'}.")


@router.post("/users/{user_id}/password")
async def user_password(request: Request, user_id: Id, password: str = Form("", max_length=1024)) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    target = await lookup.user(request, user_id)
    async with refusals_show(lambda exc: _user_form(request, target, 400, exc.message)):
        if not authz.may_reset_credentials(actor, target):
            raise Invalid("Change your own password under Account security.", field="password")
        await users.reset_password(b.db, b.clock.now(), actor.actor, target, password)
    return redirect(
        f"/maintenance/users/{user_id}", "Password reset; their sessions ended and they choose a new one at sign-in."
    )


# --- offices ---------------------------------------------------------------------------------


async def _offices_page(request: Request, status: int = 200, error: str = "", **form) -> Response:
    db = bindings_of(request).db
    rows = await offices.with_member_counts(db)
    return render(
        request,
        "maintenance/offices.html",
        status_code=status,
        rows=rows,
        error=error,
        form=form,
        zones=sorted(offices.time_zones()),
    )


@router.get("/offices")
async def office_list(request: Request) -> Response:
    return await _offices_page(request)


@router.post("/offices")
async def office_create(
    request: Request,
    name: str = Form("", max_length=200),
    time_zone: str = Form("America/New_York", max_length=64),
    jobs_enabled: bool = Form(False),
) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    async with refusals_show(lambda exc: _offices_page(request, 400, exc.message, name=name, time_zone=time_zone)):
        office = await offices.create_office(
            b.db, b.clock.now(), actor.actor, name=name, time_zone=time_zone, jobs_enabled=jobs_enabled
        )
    return redirect("/maintenance/offices", f"Office {office.name} added.")


def _office_form(request: Request, office: offices.Office, status: int = 200, error: str = "") -> Response:
    return render(
        request,
        "maintenance/office_form.html",
        status_code=status,
        office=office,
        zones=sorted(offices.time_zones()),
        error=error,
    )


@router.get("/offices/{office_id}")
async def office_edit(request: Request, office_id: Id) -> Response:
    return _office_form(request, await lookup.office(request, office_id))


@router.post("/offices/{office_id}")
async def office_update(
    request: Request,
    office_id: Id,
    name: str = Form("", max_length=200),
    time_zone: str = Form("", max_length=64),
    jobs_enabled: bool = Form(False),
    active: bool = Form(False),
) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    office = await lookup.office(request, office_id)
    async with refusals_show(lambda exc: _office_form(request, office, 400, exc.message)):
        await offices.update_office(
            b.db,
            b.clock.now(),
            actor.actor,
            office,
            name=name,
            time_zone=time_zone,
            jobs_enabled=jobs_enabled,
            active=active,
        )
    return redirect("/maintenance/offices", "Office saved.")


@router.post("/offices/{office_id}/delete")
async def office_delete(request: Request, office_id: Id) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    office = await lookup.office(request, office_id)
    async with refusals_show(lambda exc: _office_form(request, office, exc.status, exc.message)):
        await offices.delete_office(b.db, b.clock.now(), actor.actor, office)
    return redirect("/maintenance/offices", f"Office {office.name} deleted.")


# --- audit log -------------------------------------------------------------------------------


@router.get("/audit")
async def audit(
    request: Request,
    action: str = Query("", max_length=60),
    since: str = Query("", max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$"),
    until: str = Query("", max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$"),
    actor: str = Query("", max_length=12, pattern=r"^\d*$"),
    office: str = Query("", max_length=12, pattern=r"^\d*$"),
    before: str = Query("", max_length=12, pattern=r"^\d*$"),
) -> Response:
    db = bindings_of(request).db
    zone = localtime.zone(current_user(request).time_zone)  # the days are the viewer's, as the times shown
    try:
        start = iso(datetime.fromisoformat(since).replace(tzinfo=zone)) if since else None
        end = iso(datetime.fromisoformat(until).replace(tzinfo=zone) + timedelta(days=1)) if until else None
    except ValueError:
        raise HTTPException(400, "Dates must be real calendar days (YYYY-MM-DD).") from None
    rows = await records.audit_page(
        db,
        action=action or None,
        since=start,
        until=end,
        actor_user_id=int(actor) if actor else None,
        office_id=int(office) if office else None,
        before_id=int(before) if before else None,
    )
    return render(
        request,
        "maintenance/audit.html",
        rows=rows,
        actions=await records.audit_actions(db),
        people=await users.all_users(db),
        offices=await offices.all_offices(db),
        filters={
            "action": action,
            "since": since,
            "until": until,
            "actor": int(actor) if actor else None,
            "office": int(office) if office else None,
        },
        next_before=rows[-1]["id"] if len(rows) == records.AUDIT_PAGE else None,
    )


# --- intake quarantine --------------------------------------------------------------------------


@router.get("/quarantine")
async def quarantine_list(request: Request, all: bool = False) -> Response:
    db = bindings_of(request).db
    return render(
        request, "maintenance/quarantine.html", rows=await intake.quarantined(db, include_resolved=all), show_all=all
    )


@router.post("/quarantine/{item_id}/resolve")
async def quarantine_resolve(request: Request, item_id: Id) -> Response:
    actor = current_user(request)
    b = bindings_of(request)
    done = await intake.resolve_quarantined(b.db, b.clock.now(), actor.actor, item_id)
    return redirect("/maintenance/quarantine", "Marked resolved." if done else "That delivery was already resolved.")
