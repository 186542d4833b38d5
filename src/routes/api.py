"""JSON API for people and scope. Same gate and rules as the pages; Bearer token or session."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz, offices, users
from core import records
from core.inputs import Id
from routes import lookup
from routes.guard import bindings_of, current_user

router = APIRouter(prefix="/api")


class OfficeOut(BaseModel):
    id: int
    slug: str
    name: str
    time_zone: str
    jobs_enabled: bool
    active: bool


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    all_offices: bool
    office_ids: list[Id]
    partner_name: str | None
    active: bool


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: users.Role
    all_offices: bool = False
    office_ids: list[Id] = Field(default_factory=list, max_length=200)
    partner_name: str | None = Field(default=None, max_length=120)
    password: str = Field(min_length=1, max_length=1024)


def _user_out(u: users.User) -> UserOut:
    return UserOut(
        id=u.id,
        email=u.email,
        name=u.name,
        role=u.role,
        all_offices=u.all_offices,
        office_ids=sorted(u.office_ids),
        partner_name=u.partner_name,
        active=u.active,
    )


def _office_out(o: offices.Office) -> OfficeOut:
    return OfficeOut(**{k: getattr(o, k) for k in OfficeOut.model_fields})


@router.get("/me", tags=["people"], summary="The caller's own user")
async def me(request: Request) -> UserOut:
    return _user_out(current_user(request))


@router.get("/offices", tags=["people"], summary="Offices the caller may see")
async def office_list(request: Request) -> list[OfficeOut]:
    user = current_user(request)
    everything = await offices.all_offices(bindings_of(request).db)
    return [_office_out(o) for o in everything if authz.visible_office(user, o.id)]


@router.get("/offices/{office_id}", tags=["people"], summary="One office (404 outside the caller's offices)")
async def office_detail(request: Request, office_id: Id) -> OfficeOut:
    return _office_out(await lookup.office(request, office_id))


@router.get("/users", tags=["people"], summary="All users (owner)")
async def user_list(request: Request) -> list[UserOut]:
    return [_user_out(u) for u in await users.all_users(bindings_of(request).db)]


@router.post("/users", tags=["people"], summary="Create a user (owner)", status_code=201)
async def user_create(request: Request, body: UserIn) -> UserOut:
    actor = current_user(request)
    b = bindings_of(request)
    profile = users.check_profile(body.name, body.role, body.all_offices, body.office_ids, body.partner_name)
    created = await users.create_user(
        b.db, b.clock.now(), actor.actor, email=body.email, password=body.password, profile=profile
    )
    return _user_out(created)


class AuditOut(BaseModel):
    id: int
    created_at: str
    actor_label: str
    actor_user_id: int | None
    office_id: int | None
    office_name: str | None
    action: str
    summary: str
    meta: str


@router.get("/audit", tags=["audit"], summary="Audit log, newest first (owner)")
async def audit(
    request: Request,
    action: str | None = Query(None, max_length=60),
    before: Id | None = Query(None),
    limit: int = Query(50, ge=1, le=200),
) -> list[AuditOut]:
    rows = await records.audit_page(bindings_of(request).db, action=action, before_id=before, limit=limit)
    return [AuditOut(**{k: r[k] for k in AuditOut.model_fields}) for r in rows]
