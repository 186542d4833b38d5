"""Chart geometry for the report's server-rendered SVG: plain numbers a template turns into shapes.

Two shapes cover every chart: horizontal bars (one row per category) and columns per day (stacked
or side by side). Everything is computed here so templates stay dumb and the SVG reads without
JavaScript; each chart's data table (report_tables) sits beside it for screen readers and export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH = 460
WIDE = 1000  # the per-day charts span the page
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 150
VALUE_WIDTH = 84
COLUMN_HEIGHT = 200
AXIS_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str
    y: int
    width: float


@dataclass(frozen=True)
class Bars:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    empty: bool = False


def bars(items: list[tuple[str, int, str]]) -> Bars:
    """(label, value, value as shown) → one bar per item, the longest filling the plot width."""
    top = max((v for _, v, _ in items), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    out = [
        Bar(label, value, text, n * (BAR_HEIGHT + BAR_GAP), room * value / top if top > 0 else 0.0)
        for n, (label, value, text) in enumerate(items)
    ]
    height = max(len(items) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return Bars(out, height, empty=top <= 0)


@dataclass(frozen=True)
class Segment:
    series: str
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Columns:
    segments: list[Segment]
    ticks: list[Tick]
    series: list[tuple[str, str]]  # (key, label) in drawing order, for the legend
    top: int
    height: int = COLUMN_HEIGHT + AXIS_HEIGHT
    plot_height: int = COLUMN_HEIGHT
    width: int = WIDE
    gridlines: list[tuple[float, int]] = field(default_factory=list)
    empty: bool = False


def columns(rows: list[dict[str, Any]], series: list[tuple[str, str]], *, stacked: bool) -> Columns:
    """One column (or group) per row of `rows` (each with a `date` and a value per series key)."""
    n = max(len(rows), 1)
    slot = WIDE / n
    totals = [sum(int(r[k]) for k, _ in series) if stacked else max(int(r[k]) for k, _ in series) for r in rows]
    top = max(totals, default=0)
    scale = COLUMN_HEIGHT / top if top > 0 else 0.0
    gap = min(slot * 0.2, 4.0)
    segments: list[Segment] = []
    for i, r in enumerate(rows):
        x0 = i * slot + gap / 2
        inner = slot - gap
        base = float(COLUMN_HEIGHT)
        for j, (key, label) in enumerate(series):
            value = int(r[key])
            if value <= 0:
                continue
            h = value * scale
            title = f"{r['date']}: {value:,} {label.lower()}"
            if stacked:
                base -= h
                segments.append(Segment(key, x0, base, inner, h, title))
            else:
                w = inner / len(series)
                segments.append(Segment(key, x0 + j * w, COLUMN_HEIGHT - h, w, h, title))
    every = max(1, round(n / 8))
    ticks = [Tick(i * slot + slot / 2, _short(rows[i]["date"])) for i in range(0, len(rows), every)]
    grid = [(COLUMN_HEIGHT - COLUMN_HEIGHT * f, round(top * f)) for f in (0.5, 1.0)] if top > 0 else []
    return Columns(segments, ticks, series, top, gridlines=grid, empty=top <= 0)


def _short(day: str) -> str:
    """'2026-11-03' → 'Nov 3'."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{months[int(day[5:7]) - 1]} {int(day[8:10])}"


def charts(s: dict[str, Any]) -> dict[str, Bars | Columns]:
    """Every chart of the page from the summary."""

    def share(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:,}" + (f" ({r['share']:.0f}%)" if r.get("share") is not None else "")

    return {
        "source_mix": bars([(r["label"], r["leads"], share(r, "leads")) for r in s["source_mix"]]),
        "pipeline": bars([(r["label"], r["leads"], f"{r['leads']:,}") for r in s["pipeline"]]),
        "leads_by_status": bars([(r["label"], r["leads"], share(r, "leads")) for r in s["leads_by_status"]]),
        "customers_by_source": bars(
            [(r["label"], r["customers"], share(r, "customers")) for r in s["customers_by_source"]["rows"]]
        ),
        "conversion_by_attempt": bars(
            [
                (r["label"], r["converted"], f"{r['converted']:,} of {r['leads']:,}")
                for r in s["conversion_by_attempt"]
                if r["leads"]
            ]
        ),
        "status_by_day": columns(
            s["status_by_day"],
            [("converted", "Converted"), ("open", "Open"), ("irrelevant", "Irrelevant")],
            stacked=True,
        ),
        "reactivation_by_day": columns(
            s["reactivation_by_day"],
            [("detected", "Detected"), ("reactivated", "Reactivated"), ("converted", "Converted")],
            stacked=False,
        ),
        "follow_up_by_day": columns(
            s["follow_up_by_day"],
            [("call_attempts", "Call attempts"), ("conversions", "Conversions of earlier leads")],
            stacked=False,
        ),
        # the Jobs tab (issue 20): empty when the user has none
        **job_charts(s.get("jobs")),
    }


JOB_SERIES = [("done", "Done"), ("open", "Open"), ("cancelled", "Cancelled")]


def job_charts(jobs: dict[str, Any] | None) -> dict[str, Bars | Columns]:
    """The Jobs tab's charts (issue 20): bars by status, office, type and source, and jobs per day."""
    j = jobs or {}

    def share(r: dict[str, Any]) -> str:
        return f"{r['jobs']:,}" + (f" ({r['share']:.0f}%)" if r.get("share") is not None else "")

    return {
        "jobs_by_status": bars([(r["label"], r["jobs"], share(r)) for r in j.get("jobs_by_status", [])]),
        "jobs_by_office": bars([(r["office"], r["jobs"], share(r)) for r in j.get("jobs_by_office", [])]),
        "jobs_by_type": bars([(r["label"], r["jobs"], share(r)) for r in j.get("jobs_by_type", [])]),
        "jobs_by_source": bars([(r["label"], r["jobs"], share(r)) for r in j.get("jobs_by_source", [])]),
        "jobs_by_day": columns(j.get("jobs_by_day", []), JOB_SERIES, stacked=True),
    }
