"""Reports: the `/reports` page, its CSV exports and `GET /api/reports/summary`, all from one
`reports.summary` call with the same filters."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from core.errors import NotFound
from core.inputs import parse_id
from reports import charts as report_charts
from reports import periods as report_periods
from reports import summary as reports
from reports import tables as report_tables
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter()


class Filters:
    """period=today|week|month|year|custom (custom takes start and end, YYYY-MM-DD) and offices, as
    ids repeated or comma-separated; no offices means every office the caller may see."""

    def __init__(
        self,
        period: str = Query("month", max_length=10),
        start: date | None = None,
        end: date | None = None,
        offices: list[str] = Query([], max_length=40),
    ):
        if period not in report_periods.PERIODS:
            raise HTTPException(422, f"Period must be one of: {', '.join(report_periods.PERIODS)}.")
        parts = [part for value in offices for part in value.split(",") if part.strip()]
        self.office_ids = [office_id for part in parts if (office_id := parse_id(part)) is not None]
        if len(self.office_ids) != len(parts):
            raise HTTPException(422, "Offices are office ids, e.g. offices=1,2.")
        self.period, self.start, self.end = period, start, end


async def _summary(request: Request, f: Filters) -> dict[str, Any]:
    b = bindings_of(request)
    return await reports.summary(
        b.db,
        current_user(request),
        b.clock.now(),
        f.period,
        office_ids=f.office_ids,
        start=f.start,
        end=f.end,
        accounts=(b.settings.qbo_checking_account, b.settings.qbo_card_account),
    )


@router.get("/reports", include_in_schema=False)
async def page(request: Request, f: Filters = Depends()) -> Response:
    user = current_user(request)
    # gathered: on D1 the offices read shares a round trip with the report's first reads
    summary, visible = await asyncio.gather(
        _summary(request, f), reports.visible_offices(bindings_of(request).db, user)
    )
    return render(
        request,
        "reports/page.html",
        title="Reports",
        s=summary,
        t=report_tables.tables(summary),
        charts=report_charts.charts(summary),
        filters=f,
        periods=report_periods.PERIODS,
        visible=visible,
        selected={o["id"] for o in summary["offices"]},
        query=request.url.query,
        money=report_tables.money,
        duration=report_tables.duration,
        percent=report_tables.percent,
    )


@router.get("/reports/definitions", include_in_schema=False)
async def definitions(request: Request) -> Response:
    return render(request, "reports/definitions.html", title="Report definitions")


@router.get("/reports/export/{table}.csv", include_in_schema=False)
async def export(request: Request, table: str, f: Filters = Depends()) -> Response:
    if table not in report_tables.NAMES:
        raise NotFound("There is no such report table.")
    chosen = report_tables.tables(await _summary(request, f))[table]
    return Response(
        report_tables.to_csv(chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="porchlight-{table}-{f.period}.csv"'},
    )


_SUMMARY_DOC = (
    "Every figure of `/reports` for the period and offices asked (definitions: docs/reports.md). Money is"
    " integer cents (`*_cents`). `jobs` (null without the Jobs tab: no selected office with Jobs on, or a"
    " partner) has `tiles` (`jobs`, `done`, `done_rate`, `cancelled`, `cancel_rate`, `revenue_cents`,"
    " `deposits`, `deposit_cents`, `rebooked`, `k_accepted`, `parts_cents`), `jobs_by_status`,"
    " `jobs_by_office`, `jobs_by_type`, `jobs_by_source`, `jobs_by_day` (`date`, `done`, `open`,"
    " `cancelled`) and `top_contractors` (`contractor_id`, `name`, `jobs`, `done`, `cancelled`,"
    " `revenue_cents`, `done_rate`)."
)


@router.get(
    "/api/reports/summary", tags=["reports"], summary="Every figure of the reports page", description=_SUMMARY_DOC
)
async def api_summary(request: Request, f: Filters = Depends()) -> dict[str, Any]:
    return await _summary(request, f)
