"""Reports that email themselves (seed 002 "Auto-emailed reports", issue 23).

The owner keeps the recipients and which periods auto-send (Control Panel → General settings → Email
reports). The schedule is America/New_York: daily at 23:00 (that day), weekly on Sunday at 23:00 (the
seven days ending that Sunday), monthly on the 1st at 23:00 (the month before). The tick sends the
latest window whose send time has passed, if within `GRACE` of it (a tick that runs late still sends;
a cron dead for longer skips rather than mailing stale news). The `report_email_sends` stamp
(period, window) goes in the same batch as the outbox rows, behind the write guard, so overlapping
ticks send each window once. The email mirrors the on-screen report from the same rollups
(`reports.summary`): KPIs, breakdown bars, the daily chart as inline SVG (a PNG for Outlook, which
blocks SVG), agent performance and the Jobs section."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz, users
from core import email as mail
from core import records
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, LostRace, Statement, q
from messaging import email as messaging_email
from reports import charts as report_charts
from reports import summary as report_summary
from tasks import png

ZONE = ZoneInfo("America/New_York")
PERIODS = ("daily", "weekly", "monthly")
SEND_AT = time(23, 0)
GRACE = timedelta(hours=12)
MAX_RECIPIENTS = 20


@dataclass(frozen=True)
class Window:
    period: str
    key: str
    start: date
    end: date
    fires_at: datetime

    @property
    def label(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%A, %B %-d, %Y")
        return f"{self.start.strftime('%B %-d')} – {self.end.strftime('%B %-d, %Y')}"


def _fire(day: date) -> datetime:
    return datetime.combine(day, SEND_AT, ZONE)


def latest_window(period: str, now: datetime) -> Window:
    """The most recent window of PERIOD whose send time (New York) is at or before NOW."""
    today = now.astimezone(ZONE).date()
    if period == "daily":
        day = today if _fire(today) <= now else today - timedelta(days=1)
        return Window(period, day.isoformat(), day, day, _fire(day))
    if period == "weekly":
        sunday = today - timedelta(days=(today.weekday() + 1) % 7)
        if _fire(sunday) > now:
            sunday -= timedelta(days=7)
        year, week, _ = sunday.isocalendar()
        return Window(period, f"{year:04d}-W{week:02d}", sunday - timedelta(days=6), sunday, _fire(sunday))
    first = today.replace(day=1)
    if _fire(first) > now:
        first = (first - timedelta(days=1)).replace(day=1)
    last = first - timedelta(days=1)
    start = last.replace(day=1)
    return Window(period, f"{start.year:04d}-{start.month:02d}", start, last, _fire(first))


def current_window(period: str, now: datetime) -> Window:
    """What "Send now" previews: the window the next scheduled send will cover, so far."""
    today = now.astimezone(ZONE).date()
    if period == "daily":
        return Window(period, today.isoformat(), today, today, now)
    if period == "weekly":
        sunday = today + timedelta(days=(6 - today.weekday()))
        return Window(period, "preview", sunday - timedelta(days=6), today, now)
    return Window(period, "preview", today.replace(day=1), today, now)


# --- settings ------------------------------------------------------------------------------------


async def settings(db: Database) -> dict[str, Any]:
    row = await db.first("SELECT * FROM report_email_settings WHERE id = 1")
    if row is None:
        return {"recipients": [], "daily": False, "weekly": False, "monthly": False}
    return {"recipients": json.loads(row["recipients"]), **{p: bool(row[p]) for p in PERIODS}}


def check_recipients(values: list[str] | str) -> list[str]:
    items = values.replace(";", ",").replace("\n", ",").split(",") if isinstance(values, str) else list(values)
    cleaned = [str(v).strip() for v in items if str(v).strip()]
    bad = [v for v in cleaned if not mail.valid_address(v)]
    if bad:
        raise Invalid(f"Not an email address: {', '.join(bad[:3])}", "recipients")
    if len(cleaned) > MAX_RECIPIENTS:
        raise Invalid(f"At most {MAX_RECIPIENTS} recipients.", "recipients")
    return list(dict.fromkeys(c.lower() for c in cleaned))


async def save(
    db: Database, now: datetime, actor: Actor, recipients: list[str] | str, periods: dict[str, bool]
) -> None:
    chosen = check_recipients(recipients)
    if any(periods.get(p) for p in PERIODS) and not chosen:
        raise Invalid("Add at least one recipient before turning on a period.", "recipients")
    flags = [1 if periods.get(p) else 0 for p in PERIODS]
    await db.batch(
        [
            q(
                "INSERT INTO report_email_settings (id, recipients, daily, weekly, monthly, updated_at)"
                " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET recipients = excluded.recipients,"
                " daily = excluded.daily, weekly = excluded.weekly, monthly = excluded.monthly,"
                " updated_at = excluded.updated_at",
                json.dumps(chosen),
                *flags,
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "reports.email_settings",
                "Emailed reports: " + (", ".join(p for p, f in zip(PERIODS, flags, strict=True) if f) or "none"),
                meta={"recipients": len(chosen)},
            ),
        ]
    )


# --- the email ---------------------------------------------------------------------------------


async def _reader(db: Database) -> users.User | None:
    """The report is the owner's view (every office)."""
    return next((u for u in await users.all_users(db) if authz.reads_whole_report(u)), None)


async def build(db: Database, now: datetime, window: Window) -> tuple[str, str, str]:
    """(subject, text, html) for WINDOW, from the report rollups."""
    reader = await _reader(db)
    if reader is None:
        raise Invalid("There is no active owner to build the report for.")
    s = await report_summary.summary(db, reader, now, "custom", start=window.start, end=window.end)
    subject = f"Porchlight {window.period} report — {window.label}"
    return subject, _text(s, window), _html(s, window)


def _kpis(s: dict[str, Any]) -> list[tuple[str, str]]:
    t = s["tiles"]
    rate = f"{t['conversion_rate']:.1f}%" if t["conversion_rate"] is not None else "—"
    avg = t["avg_response_seconds"]
    response = "—" if avg is None else (f"{avg // 60} min" if avg >= 60 else f"{avg} s")
    return [
        ("Total leads", f"{t['leads']:,}"),
        ("Converted", f"{t['converted']:,}"),
        ("Irrelevant", f"{t['irrelevant']:,}"),
        ("Conversion rate", rate),
        ("Fresh", f"{t['fresh']:,}"),
        ("Not yet scheduled", f"{t['not_yet_scheduled']:,}"),
        ("Needs follow-up", f"{t['needs_follow_up']:,}"),
        ("Avg response time", response),
        ("New customers", f"{t['customers']:,}"),
    ]


def _breakdowns(s: dict[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        ("Leads by status", [(r["label"], r["leads"]) for r in s["leads_by_status"]]),
        ("Leads by source", [(r["label"], r["leads"]) for r in s["source_mix"]]),
        ("Leads by office", [(r["office"], r["leads"]) for r in s["leads_by_office"]]),
    ]


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def jobs_section(s: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The Jobs tab's tiles (the summary's `jobs`, seed 002 "Jobs tab") as the email shows them; None
    when no office has Jobs on."""
    j = s.get("jobs")
    if not j:
        return None
    t = j["tiles"]

    def share(rate: float | None) -> str:
        return f" ({rate:.0f}%)" if rate is not None else ""

    return [
        ("Total jobs", f"{t['jobs']:,}"),
        ("Completed", f"{t['done']:,}{share(t['done_rate'])}"),
        ("Cancelled", f"{t['cancelled']:,}{share(t['cancel_rate'])}"),
        ("Revenue", _money(t["revenue_cents"])),
        ("Deposits", f"{_money(t['deposit_cents'])} ({t['deposits']:,} job{'' if t['deposits'] == 1 else 's'})"),
        ("Rebooked", f"{t['rebooked']:,}"),
        ("K-accepted", f"{t['k_accepted']:,}"),
        ("Parts cost", _money(t["parts_cents"])),
    ]


def _job_breakdowns(s: dict[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    j = s.get("jobs") or {}
    if not j:
        return []
    return [
        ("Jobs by status", [(r["label"], r["jobs"]) for r in j["jobs_by_status"]]),
        ("Jobs by office", [(r["office"], r["jobs"]) for r in j["jobs_by_office"]]),
        ("Jobs by type", [(r["label"], r["jobs"]) for r in j["jobs_by_type"]]),
        ("Jobs by source", [(r["label"], r["jobs"]) for r in j["jobs_by_source"]]),
    ]


def _text(s: dict[str, Any], w: Window) -> str:
    lines = [f"Porchlight {w.period} report: {w.label} (America/New_York)", ""]
    lines += [f"{k}: {v}" for k, v in _kpis(s)]
    for title, rows in _breakdowns(s):
        lines += ["", title] + [f"  {label}: {n:,}" for label, n in rows]
    lines += ["", "Agent performance (calls / claims / conversions)"]
    lines += [f"  {a['name']}: {a['calls']:,} / {a['claims']:,} / {a['conversions']:,}" for a in s["agents"]] or ["  —"]
    jobs = jobs_section(s)
    lines += ["", "Jobs"] + ([f"  {k}: {v}" for k, v in jobs] if jobs else ["  No office has Jobs turned on."])
    for title, rows in _job_breakdowns(s):
        lines += ["", title] + [f"  {label}: {n:,}" for label, n in rows]
    if jobs:
        lines += ["", "Top contractors (jobs / done / cancelled / revenue)"]
        lines += [
            f"  {c['name']}: {c['jobs']:,} / {c['done']:,} / {c['cancelled']:,} / {_money(c['revenue_cents'])}"
            for c in s["jobs"]["top_contractors"]
        ] or ["  —"]
    return "\n".join(lines)


_COLORS = {
    "converted": (30, 142, 90),
    "open": (36, 86, 201),
    "irrelevant": (160, 167, 180),
    "done": (30, 142, 90),  # the Jobs section's daily chart (issue 20), as app.css's .s-done / .s-cancelled
    "cancelled": (194, 65, 12),
}
_HEX = {k: "#{:02x}{:02x}{:02x}".format(*v) for k, v in _COLORS.items()}
_H2 = "<h2 style='font-size:16px;margin:20px 0 6px'>"
_TABLE = "<table style='border-collapse:collapse;font-size:14px'>"
_CELL = "padding:4px 8px;border-bottom:1px solid #e3e6ec;"


def _bars_html(rows: list[tuple[str, int]]) -> str:
    top = max((n for _, n in rows), default=0) or 1
    out = []
    for label, n in rows:
        width = max(1, round(200 * n / top)) if n else 0
        out.append(
            f'<tr><td style="{_CELL}">{escape(label)}</td><td style="{_CELL}">'
            f'<span style="display:inline-block;height:12px;width:{width}px;background:#2456c9;border-radius:2px">'
            f'</span></td><td style="{_CELL}text-align:right">{n:,}</td></tr>'
        )
    return '<table style="border-collapse:collapse;font-size:14px">' + "".join(out) + "</table>"


def _column_svg(chart: report_charts.Columns, label: str = "Lead status by day") -> str:
    rects = "".join(
        f'<rect x="{g.x:.1f}" y="{g.y:.1f}" width="{g.width:.1f}" height="{g.height:.1f}"'
        f' fill="{_HEX.get(g.series, "#2456c9")}"/>'
        for g in chart.segments
    )
    ticks = "".join(
        f'<text x="{t.x:.0f}" y="{chart.plot_height + 16}" font-size="11" text-anchor="middle" fill="#5b6475">'
        f"{escape(t.label)}</text>"
        for t in chart.ticks
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="600" viewBox="0 0 {chart.width} {chart.height}"'
        f' aria-label="{escape(label)}">{rects}<line x1="0" x2="{chart.width}" y1="{chart.plot_height}"'
        f' y2="{chart.plot_height}" stroke="#9aa1ad"/>{ticks}</svg>'
    )


def _column_png(chart: report_charts.Columns) -> str:
    canvas = png.Canvas(chart.width // 2, chart.plot_height // 2 + 2)
    for g in chart.segments:
        canvas.rect(g.x / 2, g.y / 2, max(g.width / 2, 1), g.height / 2, _COLORS.get(g.series, (36, 86, 201)))
    canvas.rect(0, chart.plot_height // 2, chart.width // 2, 1, (154, 161, 173))
    return canvas.data_uri()


def _daily(chart: report_charts.Bars | report_charts.Columns, label: str) -> str:
    """A daily chart as inline SVG, with its PNG for Outlook (which blocks SVG)."""
    assert isinstance(chart, report_charts.Columns)
    legend = " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{_HEX[k]}"></span> {name}'
        for k, name in chart.series
    )
    if chart.empty:
        return f"<p style='font-size:12px'>{legend}</p><p style='color:#5b6475'>Nothing in this period.</p>"
    return (
        f"<p style='font-size:12px'>{legend}</p><!--[if !mso]><!-->{_column_svg(chart, label)}<!--<![endif]-->"
        f'<!--[if mso]><img src="{_column_png(chart)}" width="500" alt="{escape(label)}"><![endif]-->'
    )


def _jobs_html(s: dict[str, Any]) -> str:
    """The full Jobs section: tiles, the four breakdowns, the daily chart and the top contractors."""
    jobs = jobs_section(s)
    if not jobs:
        return f"{_H2}Jobs</h2><p style='color:#5b6475'>No office has Jobs turned on.</p>"
    tiles = "".join(
        f"<tr><td style='{_CELL}'>{escape(k)}</td><td style='{_CELL}text-align:right'>{escape(v)}</td></tr>"
        for k, v in jobs
    )
    bars = "".join(f"{_H2}{escape(t)}</h2>{_bars_html(rows)}" for t, rows in _job_breakdowns(s))
    chart = report_charts.job_charts(s["jobs"])["jobs_by_day"]
    head = "".join(
        f"<th style='{_CELL}text-align:left'>{h}</th>" for h in ("Contractor", "Jobs", "Done", "Cancelled", "Revenue")
    )
    right = f"{_CELL}text-align:right"
    rows = (
        "".join(
            f'<tr><td style="{_CELL}">{escape(c["name"])}</td><td style="{right}">{c["jobs"]:,}</td>'
            f'<td style="{right}">{c["done"]:,}</td><td style="{right}">{c["cancelled"]:,}</td>'
            f'<td style="{right}">{_money(c["revenue_cents"])}</td></tr>'
            for c in s["jobs"]["top_contractors"]
        )
        or f'<tr><td style="{_CELL}" colspan="5">No job with a contractor.</td></tr>'
    )
    return (
        f"{_H2}Jobs</h2>{_TABLE}{tiles}</table>{bars}{_H2}Daily jobs created</h2>{_daily(chart, 'Daily jobs created')}"
        f"{_H2}Top contractors</h2>{_TABLE}<tr>{head}</tr>{rows}</table>"
    )


def _html(s: dict[str, Any], w: Window) -> str:
    tiles = [
        f'<td style="padding:8px 10px;border:1px solid #e3e6ec;border-radius:6px;width:33%">'
        f'<div style="font-size:20px;font-weight:700">{escape(v)}</div><div style="color:#5b6475;font-size:12px">'
        f"{escape(k)}</div></td>"
        for k, v in _kpis(s)
    ]
    kpis = "</tr><tr>".join("".join(tiles[i : i + 3]) for i in range(0, len(tiles), 3))  # three to a row
    sections = [f"{_H2}{escape(t)}</h2>{_bars_html(rows)}" for t, rows in _breakdowns(s)]
    daily = _daily(report_charts.charts(s)["status_by_day"], "Lead status by day")
    agents = (
        "".join(
            f'<tr><td style="{_CELL}">{escape(a["name"])}</td><td style="{_CELL}text-align:right">{a["calls"]:,}</td>'
            f'<td style="{_CELL}text-align:right">{a["claims"]:,}</td>'
            f'<td style="{_CELL}text-align:right">{a["conversions"]:,}</td></tr>'
            for a in s["agents"]
        )
        or f'<tr><td style="{_CELL}" colspan="4">No agent activity.</td></tr>'
    )
    head = "".join(f"<th style='{_CELL}text-align:left'>{h}</th>" for h in ("Agent", "Calls", "Claims", "Conversions"))
    return (
        '<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#1d2430;'
        'max-width:680px;margin:0 auto;padding:16px">'
        f"<h1 style='font-size:20px;margin:0 0 4px'>Porchlight {w.period} report</h1>"
        f"<p style='color:#5b6475;margin:0 0 16px'>{escape(w.label)} · America/New_York</p>"
        f'<table style="border-collapse:separate;border-spacing:6px;width:100%"><tr>{kpis}</tr></table>'
        + "".join(sections)
        + f"{_H2}Lead status by day</h2>{daily}"
        + f"{_H2}Agent performance</h2>{_TABLE}"
        f"<tr>{head}</tr>{agents}</table>" + _jobs_html(s) + "</body></html>"
    )


def _messages(now: datetime, recipients: list[str], subject: str, text: str, html: str) -> list[Statement]:
    """One outbox email per recipient, from the Finance (owner) identity."""
    return [
        messaging_email.queue(now, to=r, subject=subject, text=text, html=html, finance=True)[1] for r in recipients
    ]


async def send_now(db: Database, now: datetime, actor: Actor, period: str) -> int:
    """The "Send now" preview: this period so far, to the recipients, not stamped (the schedule still
    sends its window)."""
    if period not in PERIODS:
        raise Invalid("Choose daily, weekly or monthly.", "period")
    config = await settings(db)
    if not config["recipients"]:
        raise Invalid("Add at least one recipient first.", "recipients")
    subject, text, html = await build(db, now, current_window(period, now))
    await db.batch(
        [
            *_messages(now, config["recipients"], f"[Preview] {subject}", text, html),
            records.audit(now, actor, "reports.emailed", f"{period.capitalize()} report sent now (preview)"),
        ]
    )
    return len(config["recipients"])


def due_probe() -> Statement:
    """A row when some period is on and has recipients, so `tick` may have work (the cron dispatcher's
    probe; the same test as the start of `tick`)."""
    return q(
        "SELECT 1 AS due FROM report_email_settings WHERE id = 1 AND json_array_length(recipients) > 0"
        " AND (daily = 1 OR weekly = 1 OR monthly = 1)"
    )


async def tick(db: Database, now: datetime) -> dict[str, int]:
    """Send each enabled period's latest window once (the stamp and the outbox rows are one batch)."""
    config = await settings(db)
    sent = 0
    if not config["recipients"]:
        return {"reports_emailed": 0}
    for period in PERIODS:
        if not config[period]:
            continue
        window = latest_window(period, now)
        if now - window.fires_at > GRACE:
            continue
        if await db.first("SELECT 1 FROM report_email_sends WHERE period = ? AND window_key = ?", period, window.key):
            continue
        subject, text, html = await build(db, now, window)
        try:
            await db.batch(
                [
                    q(
                        "INSERT INTO report_email_sends (period, window_key, sent_at, recipients) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (period, window_key) DO NOTHING",
                        period,
                        window.key,
                        iso(now),
                        len(config["recipients"]),
                    ),
                    records.guard_changed(),
                    *_messages(now, config["recipients"], subject, text, html),
                ]
            )
        except LostRace:
            continue  # an overlapping tick sent this window first
        sent += 1
    return {"reports_emailed": sent}
