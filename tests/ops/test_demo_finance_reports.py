"""The demo's Finance settings (FIN-8, FIN-10): a usable line, the weekly summaries on, partner report
emails; a second run changes nothing."""

from __future__ import annotations

from ops import demo_finance_reports
from tasks import finance_settings
from tests.jobs.support import make_network
from tests.sms_support import make_lines


async def test_demo_sets_finance_up_once(client, bindings, people):
    await make_network(client, bindings, people.owner)
    made = await make_lines(bindings, people)
    now = bindings.clock.now()
    said = await demo_finance_reports.seed(bindings, now, people.owner)
    assert "2 job partner report emails" in said
    config = await finance_settings.settings(bindings.db)
    assert config["weekly_enabled"] and config["sms_line_id"] == made.a["id"]  # not toll-free / no-reply
    emails = [r["report_email"] for r in await bindings.db.all("SELECT report_email FROM job_partners ORDER BY id")]
    assert emails == ["payouts@gdq.example", "payouts@housebrand.example"]
    assert "0 job partner" in await demo_finance_reports.seed(bindings, now, people.owner)
    assert (await finance_settings.settings(bindings.db))["version"] == config["version"]
