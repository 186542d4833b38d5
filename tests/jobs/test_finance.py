"""Finance (FIN-1…FIN-11): the list, exact-cent payouts, inline edits, paid toggles, house-brand
auto-K, finance-cancel and undo, roles, 409 on a lost race; each change writes its job_events row."""

from __future__ import annotations

import pytest

from jobs import finance
from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def _done(client, net, closing=100000, parts=20000, **job):
    created = await new_job(client, net, **job)
    r = await client.post(
        f"/api/jobs/{created['display_id']}/status",
        json={"status": "done", "closing_cents": closing, "parts_cents": parts},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _events(people, display_id):
    return [
        r["type"]
        for r in await people.db.all("SELECT type FROM job_events WHERE display_id = ? ORDER BY id", display_id)
    ]


@pytest.mark.parametrize(
    ("closing", "parts", "bp", "payout"),
    [
        (100000, 20000, 3000, 56000),  # FIN-3's example: $1,000, $200, 30 % → $560.00
        (0, 0, 3000, 0),
        (100, 0, 3333, 67),  # 66.67 → 67 (half up)
        (1, 0, 5000, 1),  # 0.5 → 1: half away from zero
        (3, 0, 5000, 2),  # 1.5 → 2
        (1000, 2000, 3000, -700),  # parts above closing: a negative payout, not hidden
        (1, 2, 5000, -1),  # −0.5 → −1
        (99999999, 1, 1, 99989999),  # 99999998 × 0.9999 = 99989998.0002 → 99989998? see below
    ],
)
def test_payout_is_exact_integer_cents(closing, parts, bp, payout):
    row = {"closing_cents": closing, "parts_cents": parts, "profit_bp": bp, "profit_share_bp": None}
    exact = (closing - parts) * (10000 - bp)  # in 1/10000 cents
    expected = (abs(exact) + 5000) // 10000 * (1 if exact >= 0 else -1)
    assert finance.payout_cents(row) == expected
    if (closing, parts) != (99999999, 1):
        assert expected == payout
    else:
        assert expected == 99989998  # no float drift at large amounts


async def test_list_shows_deposit_and_done_only_with_payout(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])  # Joe: 30 %
    await new_job(client, net)  # submitted: not on Finance
    await sign_in_api(client, bindings, people.finance)
    body = (await client.get("/api/finance")).json()
    assert [j["display_id"] for j in body["items"]] == [done["display_id"]]  # FIN-2
    item = body["items"][0]
    assert (item["profit_bp"], item["payout_cents"]) == (3000, 56000)  # FIN-3
    assert body["totals"]["closing_cents"] == 100000 and body["totals"]["payout_cents"] == 56000


@pytest.mark.parametrize(("who", "code"), [("admin", 403), ("agent", 403), ("partner", 403), ("viewer", 200)])
async def test_roles_on_finance(client, bindings, people, net, who, code):
    await sign_in_api(client, bindings, getattr(people, who))
    assert (await client.get("/api/finance")).status_code == code  # FIN-1
    assert (await client.get("/finance")).status_code == code


async def test_viewer_reads_but_cannot_write(client, bindings, people, net, db_path):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])
    await sign_in_api(client, bindings, people.viewer)
    page = await client.get("/finance")
    assert done["display_id"] in page.text and "disabled" in page.text and "data-cancel-form" not in page.text
    before = snapshot_file(db_path)
    jid = done["display_id"]
    for method, url, body in [
        ("PATCH", f"/api/finance/{jid}", {"closing_cents": 1}),
        ("PUT", f"/api/finance/{jid}/paid", {"flag": "contractor_paid", "paid": True}),
        ("POST", f"/api/finance/{jid}/cancel", {"reason": "Refund"}),
    ]:
        assert (await client.request(method, url, json=body)).status_code == 403  # FIN-11
    assert snapshot_file(db_path) == before


async def test_inline_edit_recomputes_payout_and_writes_event(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])
    await sign_in_api(client, bindings, people.finance)
    jid = done["display_id"]
    r = await client.patch(
        f"/api/finance/{jid}", json={"closing_cents": 125050, "profit_bp": 3500, "version": done["version"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["payout_cents"] == 68283  # (1250.50 − 200) × 0.65 = 682.825 → 682.83
    assert (await _events(people, jid))[-1] == "job.finance_updated"
    timeline = (await client.get(f"/api/jobs/{jid}")).json()["timeline"]
    assert timeline[0]["body"] == "💵 Finance: Closing $1,000.00 → $1,250.50 · Profit % 30% → 35% · payout $682.83"
    stale = await client.patch(f"/api/finance/{jid}", json={"parts_cents": 1, "version": done["version"]})
    assert stale.status_code == 409  # a lost race changes nothing
    bad = await client.patch(f"/api/finance/{jid}", json={"profit_bp": 10001})
    assert bad.status_code == 422 and "profit_bp" in bad.json()["fields"]
    neg = await client.patch(f"/api/finance/{jid}", json={"parts_cents": -5})
    assert neg.status_code == 422 and "parts_cents" in neg.json()["fields"]
    unknown = await client.patch(f"/api/finance/{jid}", json={"payout_cents": 5})
    assert unknown.status_code == 422


async def test_a_job_not_in_deposit_or_done_is_refused(client, bindings, people, net, db_path):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    await sign_in_api(client, bindings, people.finance)
    before = snapshot_file(db_path)
    r = await client.patch(f"/api/finance/{job['display_id']}", json={"closing_cents": 5})
    assert r.status_code == 422 and "status" in r.json()["fields"]
    assert snapshot_file(db_path) == before


async def test_paid_toggles_stamp_who_and_when_and_clear(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])
    await sign_in_api(client, bindings, people.finance)
    jid = done["display_id"]
    on = (await client.put(f"/api/finance/{jid}/paid", json={"flag": "contractor_paid", "paid": True})).json()
    assert on["contractor_paid"] and on["contractor_paid_by_label"] == people.finance.name
    assert on["contractor_paid_at"] is not None
    off = (await client.put(f"/api/finance/{jid}/paid", json={"flag": "contractor_paid", "paid": False})).json()
    assert not off["contractor_paid"] and off["contractor_paid_at"] is None and off["contractor_paid_by_label"] is None
    assert (await _events(people, jid))[-2:] == ["job.paid_changed", "job.paid_changed"]  # FIN-4


async def test_house_brand_is_auto_partner_paid_and_can_be_cleared(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, partner_id=net.house, contractor_id=net.joe["id"])
    await sign_in_api(client, bindings, people.owner)
    item = (await client.get("/api/finance")).json()["items"][0]
    assert item["partner_paid"] and item["partner_paid_auto"] and item["partner_paid_by_label"] == "System"  # FIN-5
    page = await client.get("/finance")
    assert ">Auto<" in page.text.replace('pill pill-muted">Auto', ">Auto")
    cleared = (
        await client.put(f"/api/finance/{done['display_id']}/paid", json={"flag": "partner_paid", "paid": False})
    ).json()
    assert not cleared["partner_paid"] and not cleared["partner_paid_auto"]


async def test_finance_cancel_and_undo(client, bindings, people, net, db_path):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])
    jid = done["display_id"]
    await sign_in_api(client, bindings, people.finance)
    before = snapshot_file(db_path)
    missing = await client.post(f"/api/finance/{jid}/cancel", json={"reason": "  "})
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    assert snapshot_file(db_path) == before
    c = (await client.post(f"/api/finance/{jid}/cancel", json={"reason": "Chargeback", "note": "Card disputed"})).json()
    assert c["finance_cancelled"] and c["status"] == "done"  # FIN-7: the job's status stays Done
    assert (c["finance_cancel_reason"], c["finance_cancel_note"]) == ("Chargeback", "Card disputed")
    ev = await people.db.first(
        "SELECT payload FROM job_events WHERE display_id = ? AND type = 'job.finance_cancelled'", jid
    )
    assert '"FinanceCancelReason": "Chargeback"' in ev["payload"] and "FinanceCancelledBy" in ev["payload"]
    totals = (await client.get("/api/finance")).json()["totals"]
    assert totals["cancelled"] == 1 and totals["payout_cents"] == 0
    u = (await client.post(f"/api/finance/{jid}/undo-cancel", json={})).json()
    assert not u["finance_cancelled"] and u["finance_cancel_reason"] == ""
    assert (await _events(people, jid))[-2:] == ["job.finance_cancelled", "job.finance_uncancelled"]
    again = await client.post(f"/api/finance/{jid}/undo-cancel", json={})
    assert again.status_code == 422


async def test_cancelled_job_leaves_and_returns_with_its_stamp(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    done = await _done(client, net, contractor_id=net.joe["id"])
    jid = done["display_id"]
    await sign_in_api(client, bindings, people.owner)
    await client.post(f"/api/finance/{jid}/cancel", json={"reason": "Refund"})
    await client.post(f"/api/jobs/{jid}/status", json={"status": "in_progress"})
    assert (await client.get("/api/finance")).json()["items"] == []  # FIN-9: leaves the list
    await client.post(f"/api/jobs/{jid}/status", json={"status": "done", "closing_cents": 100000, "parts_cents": 0})
    item = (await client.get("/api/finance")).json()["items"][0]
    assert item["finance_cancelled"] and item["finance_cancel_reason"] == "Refund"  # …and returns with it


async def test_office_scope(client, bindings, people, net):
    await sign_in_api(client, bindings, people.owner)
    await _done(client, net, contractor_id=net.joe["id"])
    await sign_in_api(client, bindings, people.viewer)  # viewer of office A: the job is in office A
    assert len((await client.get("/api/finance")).json()["items"]) == 1
