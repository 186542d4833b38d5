"""authz's scope rules, asked directly on a real database: which leads, customers, offices and staff
each persona may see. The pages and the API reach records only through these (see
tests/test_architecture_scope.py), so a leak here is a leak everywhere."""

from __future__ import annotations

from accounts import authz, offices
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead


async def _lead_names(db, user) -> set[str]:
    scope, params = authz.lead_scope(user, "x")
    return {r["name"] for r in await db.all(f"SELECT x.name FROM leads x WHERE {scope}", *params)}


async def _customer_names(db, user) -> set[str]:
    scope, params = authz.customer_scope(user, "k")
    return {r["name"] for r in await db.all(f"SELECT k.name FROM customers k WHERE {scope}", *params)}


async def test_each_persona_sees_its_offices_leads_and_a_partner_only_its_own(bindings, people):
    a, b = people.office_a, people.office_b
    await make_lead(bindings, a, name="A plain", phone="3057942213")
    await make_lead(bindings, a, name="A from GDQ", phone="3057942214", partner="GDQ")
    await make_lead(bindings, a, name="A from Angi", phone="3057942215", partner="Angi")
    await make_lead(bindings, b, name="B from GDQ", phone="3057942216", partner="GDQ")
    db = bindings.db
    office_a = {"A plain", "A from GDQ", "A from Angi"}
    assert await _lead_names(db, people.owner) == office_a | {"B from GDQ"}
    for key in ("admin", "finance", "agent", "viewer"):
        assert await _lead_names(db, getattr(people, key)) == office_a, key
    assert await _lead_names(db, people.agent_b) == {"B from GDQ"}
    assert await _lead_names(db, people.partner) == {"A from GDQ"}  # its partner's, in its office


async def test_customers_follow_the_office_and_partners_see_none(bindings, people):
    await make_customer(bindings, people.office_a, "Cara A")
    await make_customer(bindings, people.office_b, "Cole B")
    db = bindings.db
    assert await _customer_names(db, people.owner) == {"Cara A", "Cole B"}
    assert await _customer_names(db, people.agent) == {"Cara A"}
    assert await _customer_names(db, people.agent_b) == {"Cole B"}
    assert await _customer_names(db, people.partner) == set()
    assert not authz.sees_customers(people.partner) and authz.sees_customers(people.viewer)


async def test_offices_a_user_sees_and_asks_for(bindings, people):
    a, b = people.office_a, people.office_b
    every = await offices.all_offices(bindings.db)
    assert authz.visible_offices(people.owner, every) == every
    assert authz.visible_offices(people.agent, every) == [a]
    assert authz.visible_offices(people.agent_b, every) == [b]
    assert authz.requested_offices(people.agent, []) == []  # no filter: the scope alone bounds the list
    assert authz.requested_offices(people.agent, [a.id, b.id]) == [a.id]
    assert authz.requested_offices(people.agent, [b.id]) == [-1]  # only another office's: nothing
    assert authz.scope_office_ids(people.owner) is None and authz.sees_every_office(people.owner)
    assert authz.scope_office_ids(people.agent) == [a.id] and not authz.sees_every_office(people.agent)


async def test_office_staff_are_active_non_partner_members_or_all_office_users(bindings, people):
    a = people.office_a
    staff, params = authz.office_staff(a.id)
    found = {r["email"] for r in await bindings.db.all(f"SELECT u.email FROM users u WHERE {staff}", *params)}
    assert found == {f"{k}@example.test" for k in ("owner", "admin", "finance", "agent", "viewer")}
    members, params = authz.office_staff(a.id, all_office_users=False)
    found = {r["email"] for r in await bindings.db.all(f"SELECT u.email FROM users u WHERE {members}", *params)}
    assert found == {f"{k}@example.test" for k in ("admin", "finance", "agent", "viewer")}


async def test_own_record_checks(people):
    agent, other = people.agent, people.admin
    fresh = {"status": "fresh", "claimed_by": other.id}
    assert not authz.sees_lead_phone(agent, fresh) and authz.sees_lead_phone(other, fresh)
    assert authz.sees_lead_phone(agent, {"status": "consultation_call", "claimed_by": other.id})
    photo = {"uploaded_by": other.id}
    assert not authz.may_delete_photo(agent, photo) and authz.may_delete_photo(agent, {"uploaded_by": agent.id})
    assert authz.may_delete_photo(people.finance, photo)  # leads.photos.delete_any
    note = {"author_user_id": other.id}
    assert not authz.may_manage_note(agent, note) and authz.may_manage_note(people.owner, note)
    assert not authz.chooses_office(agent) and authz.chooses_office(other)
