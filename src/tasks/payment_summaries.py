"""Weekly payment summaries (FIN-8; seed 002 › Reports: "weekly per-contractor and per-partner payment
summaries, with reimbursement line items for finance-cancelled jobs").

The week is Sunday–Saturday on the America/New_York calendar; its summaries go on the Sunday after,
at 23:00 New York (like the weekly emailed report). One email per contractor (to its Email (Reports))
and one per job partner (to its report email) that has anything that week:

- **jobs**: the week's Deposit and Done jobs (by the job's date), not archived (ARC-6), with closing,
  parts, profit %, the payout from the same function Finance uses (`jobs.finance.payout_cents`, exact
  integer cents) and the paid flags; totals leave finance-cancelled jobs out, as Finance's strip does;
- **reimbursements**: the jobs finance-cancelled during the week (whatever their date), with reason,
  note and the amount to reclaim: the contractor payout when the contractor was already paid, else 0
  ("not paid"). A partner's summary lists the same lines with its Partner paid flag and no amount:
  no partner payout formula exists (FIN-6).

The tick sends the latest week whose send time has passed, within `GRACE` of it (no back-fill of old
weeks), at most `BATCH` recipients per tick. Each recipient's stamp in `finance_summary_sends`
(week, kind, id) is in the same batch as its outbox email, behind the write guard, so overlapping
ticks send each one once. A recipient without an address gets a stamp with outcome `skipped` and
the reason. Emails go through the outbox from the Finance identity (FIN-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from core import email as mail
from core import records
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, LostRace, Row, Statement, q
from jobs import finance
from messaging import email as messaging_email
from tasks import finance_settings

ZONE = ZoneInfo("America/New_York")
SEND_AT = time(23, 0)
GRACE = timedelta(hours=12)
BATCH = 40  # recipients per tick; a 12-hour grace at one tick per 15 minutes covers 1,920
MAX_PREVIEW = 25
NO_CONTRACTOR_EMAIL = "The contractor has no Email (Reports) address."
NO_PARTNER_EMAIL = "The job partner has no report email."
BAD_EMAIL = "The report address is not a valid email address."
_COLUMNS = (
    "j.id, j.display_id, j.status, j.date_start, j.first_name, j.last_name, j.job_type_label, j.partner_id,"
    " j.partner_label, j.contractor_id, j.contractor_name, j.closing_cents, j.parts_cents, j.profit_bp,"
    " j.profit_share_bp, j.contractor_paid_at, j.partner_paid_at, j.finance_cancelled_at,"
    " j.finance_cancel_reason, j.finance_cancel_note"
)


@dataclass(frozen=True)
class Week:
    key: str  # the Sunday it starts, e.g. 2026-11-15
    start: date  # Sunday
    end: date  # Saturday
    fires_at: datetime

    @property
    def starts_at(self) -> str:
        return iso(datetime.combine(self.start, time(0), ZONE))

    @property
    def ends_at(self) -> str:
        return iso(datetime.combine(self.end + timedelta(days=1), time(0), ZONE))

    @property
    def label(self) -> str:
        return f"{self.start.strftime('%a %b %-d')} – {self.end.strftime('%a %b %-d, %Y')}"


def _sunday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def latest_week(now: datetime) -> Week:
    """The most recent complete week whose summaries' send time (Sunday 23:00 New York) is at or before NOW."""
    sunday = _sunday_on_or_before(now.astimezone(ZONE).date())
    fires = datetime.combine(sunday, SEND_AT, ZONE)
    if fires > now:
        sunday -= timedelta(days=7)
        fires = datetime.combine(sunday, SEND_AT, ZONE)
    start = sunday - timedelta(days=7)
    return Week(start.isoformat(), start, sunday - timedelta(days=1), fires)


def current_week(now: datetime) -> Week:
    """The week NOW is in (what "Send now" previews by default)."""
    start = _sunday_on_or_before(now.astimezone(ZONE).date())
    end = start + timedelta(days=6)
    return Week(start.isoformat(), start, end, datetime.combine(end + timedelta(days=1), SEND_AT, ZONE))


# --- what a summary holds --------------------------------------------------------------------------


@dataclass
class Summary:
    kind: str  # contractor | job_partner
    id: int
    name: str
    email: str
    jobs: list[Row] = field(default_factory=list)
    reimbursements: list[Row] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        live = [j for j in self.jobs if not j["finance_cancelled_at"]]
        payouts = [(finance.payout_cents(j) or 0, j["contractor_paid_at"] is not None) for j in live]
        return {
            "jobs": len(self.jobs),
            "closing_cents": sum(j["closing_cents"] or 0 for j in live),
            "parts_cents": sum(j["parts_cents"] or 0 for j in live),
            "payout_cents": sum(p for p, _ in payouts),
            "paid_cents": sum(p for p, paid in payouts if paid),
            "unpaid_cents": sum(p for p, paid in payouts if not paid),
            "reclaim_cents": sum(reclaim_cents(j) for j in self.reimbursements) if self.kind == "contractor" else 0,
        }


def reclaim_cents(job: Row) -> int:
    """What a finance-cancelled job asks back from its contractor: the payout if it was paid, else 0."""
    return (finance.payout_cents(job) or 0) if job["contractor_paid_at"] else 0


async def gather(db: Database, week: Week) -> list[Summary]:
    """Every contractor and job partner with a job or a finance-cancel in WEEK, each with its lines."""
    jobs = await db.all(
        f"SELECT {_COLUMNS} FROM jobs j WHERE j.status IN ('deposit', 'done') AND j.archived_at IS NULL"
        " AND j.date_start >= ? AND j.date_start <= ? ORDER BY j.date_start, j.time_start, j.id",
        week.start.isoformat(),
        week.end.isoformat(),
    )
    cancelled = await db.all(
        f"SELECT {_COLUMNS} FROM jobs j WHERE j.finance_cancelled_at >= ? AND j.finance_cancelled_at < ?"
        " AND j.archived_at IS NULL ORDER BY j.finance_cancelled_at, j.id",
        week.starts_at,
        week.ends_at,
    )
    contractors = {
        r["id"]: r for r in await db.all("SELECT id, name, email FROM contractors WHERE id IN (SELECT value FROM"
        " json_each(?))", _ids(jobs + cancelled, "contractor_id"))
    }  # fmt: skip
    partners = {
        r["id"]: r for r in await db.all("SELECT id, name, report_email FROM job_partners WHERE id IN (SELECT value"
        " FROM json_each(?))", _ids(jobs + cancelled, "partner_id"))
    }  # fmt: skip
    out: dict[tuple[str, int], Summary] = {}
    for rows, attr in ((jobs, "jobs"), (cancelled, "reimbursements")):
        for job in rows:
            for kind, key, found, address in (
                ("contractor", "contractor_id", contractors, "email"),
                ("job_partner", "partner_id", partners, "report_email"),
            ):
                who = found.get(job[key])
                if who is None:
                    continue
                s = out.setdefault((kind, who["id"]), Summary(kind, who["id"], who["name"], who[address].strip()))
                getattr(s, attr).append(job)
    return sorted(out.values(), key=lambda s: (s.kind, s.name.lower(), s.id))


def _ids(rows: list[Row], key: str) -> str:
    import json

    return json.dumps(sorted({r[key] for r in rows if r[key] is not None}))


# --- the email -------------------------------------------------------------------------------------


def _customer(job: Row) -> str:
    last = (job["last_name"] or "").strip()
    return " ".join(p for p in ((job["first_name"] or "").strip(), last[:1] + "." if last else "") if p) or "—"


def _profit(job: Row) -> int | None:
    return job["profit_bp"] if job["profit_bp"] is not None else job["profit_share_bp"]


def _yes(stamp: Any) -> str:
    return "yes" if stamp else "no"


def _job_cells(job: Row) -> list[str]:
    payout = finance.money(finance.payout_cents(job))
    if job["finance_cancelled_at"]:
        payout += " (finance-cancelled, not in totals)"
    return [
        job["display_id"], job["date_start"], _customer(job), "Done" if job["status"] == "done" else "Deposit",
        finance.money(job["closing_cents"]), finance.money(job["parts_cents"]), finance.percent(_profit(job)), payout,
        _yes(job["contractor_paid_at"]), _yes(job["partner_paid_at"]),
    ]  # fmt: skip


def _reimbursement_cells(s: Summary, job: Row) -> list[str]:
    if s.kind == "contractor":
        amount = finance.money(reclaim_cents(job)) if job["contractor_paid_at"] else "$0.00 (not paid)"
    else:
        amount = "— (partner paid: " + _yes(job["partner_paid_at"]) + ")"
    when = datetime.fromisoformat(job["finance_cancelled_at"].replace("Z", "+00:00")).astimezone(ZONE)
    return [
        job["display_id"],
        when.strftime("%b %-d"),
        job["finance_cancel_reason"],
        job["finance_cancel_note"],
        amount,
    ]


JOB_HEAD = (
    "Job",
    "Date",
    "Customer",
    "Status",
    "Closing",
    "Parts",
    "Profit %",
    "Payout",
    "Contractor paid",
    "Partner paid",
)
REIMB_HEAD = ("Job", "Cancelled", "Reason", "Note", "To reclaim")


def _total_lines(s: Summary) -> list[tuple[str, str]]:
    t = s.totals()
    rows = [
        ("Jobs", str(t["jobs"])),
        ("Closing", finance.money(t["closing_cents"])),
        ("Parts", finance.money(t["parts_cents"])),
        ("Contractor payout", finance.money(t["payout_cents"])),
        ("  paid", finance.money(t["paid_cents"])),
        ("  not paid yet", finance.money(t["unpaid_cents"])),
    ]
    if s.kind == "contractor" and s.reimbursements:
        rows.append(("To reclaim (finance-cancelled)", finance.money(t["reclaim_cents"])))
    return rows


def _phone(number: str) -> str:
    if number.startswith("+1") and len(number) == 12:
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def build(s: Summary, week: Week, line_number: str | None) -> tuple[str, str, str]:
    """(subject, text, html) of S's summary for WEEK."""
    who = "contractor" if s.kind == "contractor" else "job partner"
    subject = f"Weekly payment summary — {s.name} — {week.label}"
    contact = f"Questions? Text Finance at {_phone(line_number)}." if line_number else ""
    text = [f"Weekly payment summary for {s.name} ({who})", f"{week.label} (America/New_York)", ""]
    text += ["Jobs (Deposit and Done)"]
    text += ["  " + " · ".join(f"{h}: {v}" for h, v in zip(JOB_HEAD, _job_cells(j), strict=True)) for j in s.jobs] or [
        "  None this week."
    ]
    text += ["", "Totals (finance-cancelled jobs left out)"] + [f"  {k}: {v}" for k, v in _total_lines(s)]
    if s.reimbursements:
        text += ["", "Reimbursements (jobs finance-cancelled this week)"]
        text += [
            "  " + " · ".join(f"{h}: {v}" for h, v in zip(REIMB_HEAD, _reimbursement_cells(s, j), strict=True) if v)
            for j in s.reimbursements
        ]
    if contact:
        text += ["", contact]
    return subject, "\n".join(text), _html(s, week, who, contact)


_CELL = "padding:4px 6px;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:top;"
_H2 = "<h2 style='font-size:16px;margin:20px 0 6px'>"


def _table(head: tuple[str, ...], rows: list[list[str]]) -> str:
    th = "".join(f"<th style='{_CELL}'>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    table = f"<table style='border-collapse:collapse;font-size:13px'><tr>{th}</tr>{body}</table>"
    return f"<div style='overflow-x:auto'>{table}</div>"  # a phone scrolls the wide job table


def _html(s: Summary, week: Week, who: str, contact: str) -> str:
    jobs = _table(JOB_HEAD, [_job_cells(j) for j in s.jobs]) if s.jobs else "<p>None this week.</p>"
    totals = _table(("", "Amount"), [[k.strip(), v] for k, v in _total_lines(s)])
    reimb = (
        f"{_H2}Reimbursements</h2><p style='color:#5b6475'>Jobs finance-cancelled this week.</p>"
        + _table(REIMB_HEAD, [_reimbursement_cells(s, j) for j in s.reimbursements])
        if s.reimbursements
        else ""
    )
    return (
        '<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#1d2430;'
        'max-width:860px;margin:0 auto;padding:16px">'
        f"<h1 style='font-size:20px;margin:0 0 4px'>Weekly payment summary — {escape(s.name)}</h1>"
        f"<p style='color:#5b6475;margin:0 0 16px'>{escape(who.capitalize())} · {escape(week.label)}"
        " · America/New_York</p>"
        f"{_H2}Jobs (Deposit and Done)</h2>{jobs}{_H2}Totals</h2>"
        "<p style='color:#5b6475'>Finance-cancelled jobs are left out of the totals.</p>"
        f"{totals}{reimb}" + (f"<p style='margin-top:20px'>{escape(contact)}</p>" if contact else "") + "</body></html>"
    )


# --- sending ---------------------------------------------------------------------------------------


def _stamp(now: datetime, week: Week, s: Summary, outcome: str, reason: str = "") -> Statement:
    return q(
        "INSERT INTO finance_summary_sends (week_key, recipient_kind, recipient_id, recipient_name, email, outcome,"
        " reason, jobs, reimbursements, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (week_key, recipient_kind, recipient_id) DO NOTHING",
        week.key, s.kind, s.id, s.name, s.email, outcome, reason, len(s.jobs), len(s.reimbursements), iso(now),
    )  # fmt: skip


def _missing(s: Summary) -> str:
    if not s.email:
        return NO_CONTRACTOR_EMAIL if s.kind == "contractor" else NO_PARTNER_EMAIL
    return "" if mail.valid_address(s.email) else BAD_EMAIL


def due_probe() -> Statement:
    """A row when the weekly summaries are on, so `tick` may have work (the cron dispatcher's probe; the
    same test as the start of `tick`)."""
    return q("SELECT 1 AS due FROM finance_settings WHERE id = 1 AND weekly_enabled = 1")


async def tick(db: Database, now: datetime) -> dict[str, int]:
    """Send the latest week's summaries once per recipient, at most BATCH a tick."""
    config = await finance_settings.settings(db)
    if not config["weekly_enabled"]:
        return {"payment_summaries": 0}
    week = latest_week(now)
    if now - week.fires_at > GRACE:
        return {"payment_summaries": 0}
    done = {
        (r["recipient_kind"], r["recipient_id"])
        for r in await db.all(
            "SELECT recipient_kind, recipient_id FROM finance_summary_sends WHERE week_key = ?", week.key
        )
    }
    pending = [s for s in await gather(db, week) if (s.kind, s.id) not in done][:BATCH]
    sent = skipped = 0
    for s in pending:
        reason = _missing(s)
        statements = [_stamp(now, week, s, "skipped" if reason else "sent", reason), records.guard_changed()]
        if not reason:
            subject, text, html = build(s, week, config["sms_line_number"])
            statements.append(
                messaging_email.queue(now, to=s.email, subject=subject, text=text, html=html, finance=True)[1]
            )
        try:
            await db.batch(statements)
        except LostRace:
            continue  # an overlapping tick stamped this recipient first
        sent, skipped = (sent, skipped + 1) if reason else (sent + 1, skipped)
    return {"payment_summaries": sent, "payment_summaries_skipped": skipped}


async def send_now(db: Database, now: datetime, actor: Actor, to: str, which: str = "current") -> int:
    """The "Send now" preview: WHICH week's summaries (`current` = this week so far, `last` = the week
    the next/last scheduled send covers), every one addressed to TO instead of its recipient, not
    stamped (the schedule still sends). At most MAX_PREVIEW emails; 422 when nothing is there."""
    to = to.strip()
    if mail.has_line_break(to) or not mail.valid_address(to):
        raise Invalid("to: the address to send the preview to.", "to")
    if which not in ("current", "last"):
        raise Invalid("week: current or last.", "week")
    week = current_week(now) if which == "current" else latest_week(now)
    summaries = (await gather(db, week))[:MAX_PREVIEW]
    if not summaries:
        raise Invalid(f"week: no Deposit or Done jobs and no finance-cancels in {week.label}.", "week")
    line = (await finance_settings.settings(db))["sms_line_number"]
    statements: list[Statement] = []
    for s in summaries:
        subject, text, html = build(s, week, line)
        goes = s.email or "no address: would be skipped"
        statements.append(
            messaging_email.queue(
                now, to=to, subject=f"[Preview → {goes}] {subject}"[:200], text=text, html=html, finance=True
            )[1]
        )
    statements.append(
        records.audit(
            now, actor, "finance.summaries_preview",
            f"{actor.label} sent {len(summaries)} weekly payment summary previews ({week.label}) to {to}",
            meta={"week": week.key, "to": to, "summaries": len(summaries)},
        )
    )  # fmt: skip
    await db.batch(statements)
    return len(summaries)


async def recent_sends(db: Database, limit: int = 30) -> list[Row]:
    return await db.all("SELECT * FROM finance_summary_sends ORDER BY sent_at DESC, recipient_name LIMIT ?", limit)
