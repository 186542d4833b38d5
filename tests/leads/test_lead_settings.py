"""Lead settings: the escalation timer (computed at read time), the snooze-sequence step editor,
new sequences, and which source uses which sequence."""

from __future__ import annotations

import json

from leads import snooze as snooze_sequences
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_lead_duplicates import unchanged
from tests.leads.test_leads_queue import make_lead

EDITOR = "/maintenance/lead-settings/sequences"


def test_waits_show_in_the_largest_whole_unit():
    assert [snooze_sequences.split(m) for m in (5, 90, 180, 1620, 1440, 28800)] == [
        (5, "min"),
        (90, "min"),
        (3, "h"),
        (27, "h"),
        (1, "d"),
        (20, "d"),
    ]
    assert snooze_sequences.parse_steps(["5", "", "2", "1"], ["min", "h", "h", "d"]) == [5, 120, 1440]


async def test_a_fresh_lead_escalates_when_the_timer_runs_out(client, bindings, people, clock):
    display = await make_lead(bindings, people.office_a, name="Waiting")
    claimed = await make_lead(bindings, people.office_a, name="Taken")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{claimed}/claim")

    async def escalated() -> dict[str, bool]:
        return {i["name"]: i["escalated"] for i in (await client.get("/api/leads")).json()["items"]}

    clock.advance(minutes=14, seconds=59)
    assert await escalated() == {"Waiting": False, "Taken": False}
    clock.advance(seconds=1)  # 15 minutes, the default
    assert await escalated() == {"Waiting": True, "Taken": False}
    assert "escalated</span>" in (await client.get("/leads")).text

    await sign_in_api(client, bindings, people.owner)
    csrf = client.headers["x-csrf-token"]
    r = await client.post("/maintenance/lead-settings/escalation", data={"csrf_token": csrf, "minutes": "30"})
    assert r.status_code == 303
    assert (await escalated())["Waiting"] is False  # 15 minutes old; the timer is 30 now
    await sign_in_api(client, bindings, people.agent)
    await client.patch(
        f"/api/leads/{display}", json={"status": "needs_follow_up", "next_contact_at": "2026-11-23T15:00"}
    )
    clock.advance(minutes=30)
    await sign_in_api(client, bindings, people.agent)  # the jump outlived the idle timeout
    assert (await escalated())["Waiting"] is False  # no longer fresh


async def test_the_escalation_timer_refuses_bad_values(client, bindings, people, db_path, database):
    csrf = await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    for value in ("0", "1441", "abc", "-5", ""):
        r = await client.post("/maintenance/lead-settings/escalation", data={"csrf_token": csrf, "minutes": value})
        assert r.status_code == 400, value
    assert unchanged(before, snapshot_file(db_path))
    await client.post("/maintenance/lead-settings/escalation", data={"csrf_token": csrf, "minutes": "45"})
    await client.post("/maintenance/lead-settings/escalation", data={"csrf_token": csrf, "minutes": "45"})
    audits = await database.all("SELECT summary FROM audit_log WHERE action = 'lead_settings.updated'")
    assert [a["summary"] for a in audits] == ["Escalation timer set to 45 minutes"]  # a repeat is no change
    page = await client.get("/maintenance/lead-settings")
    assert page.status_code == 200 and 'value="45"' in page.text


async def test_the_step_editor_adds_and_removes_rows_without_saving(client, bindings, people, db_path):
    csrf = await sign_in_api(client, bindings, people.owner)
    page = await client.get(f"{EDITOR}/aggressive")
    assert page.status_code == 200 and page.text.count('name="amount"') == 14
    assert 'value="20"' in page.text  # the last step, 28800 minutes, shows as 20 d
    before = snapshot_file(db_path)
    form = {"csrf_token": csrf, "label": "Aggressive", "seen": "x", "amount": ["5", "10"], "unit": ["min", "min"]}
    added = await client.post(f"{EDITOR}/aggressive", data={**form, "action": "add"})
    assert added.status_code == 200 and added.text.count('name="amount"') == 3
    removed = await client.post(f"{EDITOR}/aggressive", data={**form, "action": "remove-1"})
    assert removed.status_code == 200 and removed.text.count('name="amount"') == 1 and 'value="10"' in removed.text
    assert unchanged(before, snapshot_file(db_path))


async def test_saving_steps_in_units_and_a_call_uses_them(client, bindings, people, database, clock):
    csrf = await sign_in_api(client, bindings, people.owner)
    seen = (await database.first("SELECT updated_at FROM snooze_sequences WHERE key = 'aggressive'"))["updated_at"]
    form = {
        "csrf_token": csrf,
        "label": "Aggressive  plus",
        "seen": seen,
        "amount": ["7", "2", "", "1"],
        "unit": ["min", "h", "h", "d"],
        "action": "save",
    }
    r = await client.post(f"{EDITOR}/aggressive", data=form)
    assert r.status_code == 303, r.text
    row = await database.first("SELECT * FROM snooze_sequences WHERE key = 'aggressive'")
    assert json.loads(row["steps"]) == [7, 120, 1440] and row["label"] == "Aggressive plus"
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'snooze_sequence.updated'")
    assert json.loads(audit["meta"])["steps"] == [7, 120, 1440]

    clock.set("2026-11-22T17:00:00.000Z")  # noon in Miami: inside calling hours
    display = await make_lead(bindings, people.office_a, name="Yelper", source="yelp", zip="33130")
    await sign_in_api(client, bindings, people.agent)
    lead = (await client.post(f"/api/leads/{display}/call-attempts")).json()
    assert lead["next_contact_at"] == "2026-11-22T17:07:00.000Z"


async def test_bad_steps_and_stale_forms_change_nothing(client, bindings, people, db_path, database):
    csrf = await sign_in_api(client, bindings, people.owner)
    seen = (await database.first("SELECT updated_at FROM snooze_sequences WHERE key = 'standard'"))["updated_at"]
    before = snapshot_file(db_path)
    base = {"csrf_token": csrf, "label": "Standard", "seen": seen, "action": "save"}
    bad = [
        (["0"], ["h"], "above zero"),
        (["-5"], ["h"], "above zero"),
        (["1.5"], ["h"], "above zero"),
        (["abc"], ["min"], "above zero"),
        (["3"], ["w"], "min, h or d"),
        (["91"], ["d"], "at most 90 days"),
        ([""], ["h"], "at least one step"),
        ([], [], "at least one step"),
        (["1"] * 51, ["h"] * 51, "at most 50 steps"),
    ]
    for amounts, units, message in bad:
        r = await client.post(f"{EDITOR}/standard", data={**base, "amount": amounts, "unit": units})
        assert r.status_code == 400 and message in r.text, (amounts, units, r.text[-500:])
    r = await client.post(f"{EDITOR}/standard", data={**base, "label": "  ", "amount": ["1"], "unit": ["h"]})
    assert r.status_code == 400
    stale = await client.post(f"{EDITOR}/standard", data={**base, "seen": "2020-01-01", "amount": ["1"], "unit": ["h"]})
    assert stale.status_code == 409 and "Someone else saved" in stale.text
    assert (await client.post(f"{EDITOR}/nope", data={**base, "amount": ["1"], "unit": ["h"]})).status_code == 404
    assert unchanged(before, snapshot_file(db_path))


async def test_new_sequences_and_assigning_them_to_sources(client, bindings, people, database, db_path):
    csrf = await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        "/maintenance/lead-settings/sequences",
        data={"csrf_token": csrf, "label": "Weekend push", "start_from": "bookback"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"{EDITOR}/weekend_push"
    row = await database.first("SELECT * FROM snooze_sequences WHERE key = 'weekend_push'")
    assert len(json.loads(row["steps"])) == 14
    before = snapshot_file(db_path)
    again = await client.post(
        "/maintenance/lead-settings/sequences", data={"csrf_token": csrf, "label": "Weekend Push"}
    )
    assert again.status_code == 400 and "already exists" in again.text
    wrong = await client.post("/maintenance/lead-settings/sources", data={"csrf_token": csrf, "seq.yelp": "nope"})
    assert wrong.status_code == 400
    assert unchanged(before, snapshot_file(db_path))
    # One request, one batch: a good choice for the first source and an unknown one for the last save neither
    keys = [r["key"] for r in await database.all("SELECT key FROM lead_sources ORDER BY position, id")]
    mixed = {"csrf_token": csrf, f"seq.{keys[0]}": "weekend_push", f"seq.{keys[-1]}": "nope"}
    assert (await client.post("/maintenance/lead-settings/sources", data=mixed)).status_code == 400
    assert unchanged(before, snapshot_file(db_path))

    r = await client.post(
        "/maintenance/lead-settings/sources",
        data={"csrf_token": csrf, "seq.yelp": "weekend_push", "seq.google": "standard"},  # google: no change
    )
    assert r.status_code == 303
    assert (await database.first("SELECT snooze_sequence FROM lead_sources WHERE key = 'yelp'"))[
        "snooze_sequence"
    ] == "weekend_push"
    audits = await database.all("SELECT meta FROM audit_log WHERE action = 'source.sequence_assigned'")
    assert [json.loads(a["meta"])["key"] for a in audits] == ["yelp"]
    page = await client.get("/maintenance/lead-settings")
    assert "Weekend push" in page.text and "14 over" in page.text


async def test_only_the_owner_reaches_lead_settings(client, bindings, people, db_path):
    for persona in (people.admin, people.agent):
        csrf = await sign_in_api(client, bindings, persona)
        assert (await client.get("/maintenance/lead-settings")).status_code == 403
        before = snapshot_file(db_path)
        r = await client.post("/maintenance/lead-settings/escalation", data={"csrf_token": csrf, "minutes": "5"})
        assert r.status_code == 403 and unchanged(before, snapshot_file(db_path))
