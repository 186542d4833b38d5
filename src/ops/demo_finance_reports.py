"""Demo Finance settings (FIN-8, FIN-10): the Finance outbound SMS line (the first synced line that can
send), the weekly payment summaries switched on, and a report email on each active job partner that
has none, so `make dev` shows Maintenance → 💰 Finance settings ready and Send now fills the development
mailbox with the week's summaries. Through the owning verbs; a second run changes nothing. The
contractors' Email (Reports) come from demo_network."""

from __future__ import annotations

from datetime import datetime

from accounts.users import User
from core.bindings import Bindings
from messaging import lines
from network import settings as job_settings
from tasks import finance_settings


async def seed(bindings: Bindings, now: datetime, owner: User | None) -> str:
    db = bindings.db
    if owner is None:
        return ""
    partners = job_settings.KINDS["job_partners"]
    named = 0
    for row in await job_settings.all_values(db, partners, active_only=True):
        if not row["report_email"]:
            slug = "".join(ch for ch in row["name"].lower() if ch.isalnum())[:30] or f"payouts{row['id']}"
            await job_settings.update_value(
                db, now, owner.actor, partners, row, {"report_email": f"payouts@{slug}.example"}
            )
            named += 1
    config = await finance_settings.settings(db)
    fields: dict[str, object] = {}
    if config["sms_line_id"] is None:
        usable = [r for r in await lines.all_lines(db) if lines.refusal(r) is None]
        if usable:
            fields["sms_line_id"] = usable[0]["id"]
    if not config["weekly_enabled"]:
        fields["weekly_enabled"] = True
    if fields:
        await finance_settings.save(db, now, owner.actor, fields)
    return f"Finance settings: weekly payment summaries on, {named} job partner report emails"
