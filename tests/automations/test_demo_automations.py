"""The demo's automations (issue 22): rules through the verbs, log rows from really running them."""

from __future__ import annotations

from ops import demo_automations
from tests.sms_support import make_lines


async def test_demo_rules_run_and_are_idempotent(bindings, people):
    await make_lines(bindings, people)
    said = await demo_automations.seed(bindings, bindings.clock.now(), people.owner)
    assert said == ("automations: 4 rules, 2 log rows", 1)
    logged = await bindings.db.all("SELECT rule_name, status FROM automation_log ORDER BY rule_name")
    assert [(r["rule_name"], r["status"]) for r in logged] == [
        ("Tell the on-call desk", "sent"),
        ("Thank every new lead", "sent"),
    ]
    assert await demo_automations.seed(bindings, bindings.clock.now(), people.owner) is None
    assert len(await bindings.db.all("SELECT id FROM automation_rules")) == 4
