"""The Workiz-shaped payload (WHO-16…WHO-20) and the fan-out request builder (WHO-10…WHO-15).

Every event sends the same keys (a single Zap consumes any of them, WHO-3); lead events fill the job
keys they have and leave the rest empty (WHO-19). `Office` is on every event (WHO-18); `Team` is a
contractor's name only (WHO-17). Never in a payload: secure-access items, billing tokens, contractor
phone or email, private notes — the payload is built from a fixed list of columns, never a whole row,
and card-shaped numbers in free text are redacted (WHO-20). Bodies stop at 20 KB.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from core import cardcheck
from core.clock import parse

MAX_BYTES = 20 * 1024
JOB_KEYS = (
    "UUID",
    "SerialId",
    "JobDateTime",
    "JobEndDateTime",
    "CreatedDate",
    "Status",
    "Phone",
    "Email",
    "FirstName",
    "LastName",
    "Company",
    "Address",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Unit",
    "Latitude",
    "Longitude",
    "JobType",
    "JobSource",
    "ServiceArea",
    "Tags",
    "Team",
    "AreaCode",
    "OfficeAddress",
    "DepositAmount",
    "DisplayId",
)
LEAD_KEYS = ("LeadId", "Office", "Urgency", "Campaign", "FbLeadId", "IrrelevantReason")
FINANCE_KEYS = ("FinanceCancelReason", "FinanceCancelNote", "FinanceCancelledAt", "FinanceCancelledBy")
EXTRA_KEYS = ("ExpectedCompletionDate", "Event", "EventId")
VARIABLES = (*JOB_KEYS, *LEAD_KEYS, *FINANCE_KEYS, *EXTRA_KEYS)
STATUS_LABELS = {
    "fresh": "Fresh",
    "not_yet_scheduled": "Not yet scheduled",
    "needs_follow_up": "Needs a follow up",
    "consultation_call": "Consultation call",
    "converted": "Converted",
    "irrelevant": "Irrelevant",
}
VAR = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")


def _created(text: str | None) -> str:
    if not text:
        return ""
    return parse(text).strftime("%Y-%m-%dT%H:%M:%SZ")  # UTC ISO with Z (WHO-19)


def _clean(value: Any) -> str:
    return cardcheck.redact("" if value is None else str(value))


def lead_payload(event: str, event_id: str, lead: dict[str, Any]) -> dict[str, str]:
    """The standard payload of a lead event from a lead row joined with its office's name and address."""
    first, _, last = (lead.get("name") or "").strip().partition(" ")
    values: dict[str, Any] = {k: "" for k in (*JOB_KEYS, *LEAD_KEYS)}
    values.update(
        UUID=lead.get("display_id"),
        SerialId=lead.get("id"),
        CreatedDate=_created(lead.get("received_at") or lead.get("created_at")),
        Status=STATUS_LABELS.get(lead.get("status") or "", lead.get("status")),
        Phone=lead.get("phone") or lead.get("phone_raw"),
        Email=lead.get("email"),
        FirstName=first,
        LastName=last.strip(),
        Address=lead.get("address"),
        PostalCode=lead.get("zip"),
        Country="US",
        JobType=lead.get("service"),
        JobSource=lead.get("source_label") or lead.get("source_key"),
        AreaCode=(lead.get("phone") or "")[2:5] if (lead.get("phone") or "").startswith("+1") else "",
        OfficeAddress=lead.get("office_address"),
        DisplayId=lead.get("display_id"),
        LeadId=lead.get("display_id"),
        Office=lead.get("office_name"),
        Urgency=lead.get("how_soon"),
        Campaign=lead.get("campaign"),
        FbLeadId=lead.get("external_id") if (lead.get("source_key") or "").startswith("facebook") else "",
        IrrelevantReason=lead.get("irrelevant_reason") if event == "lead.cancelled" else "",
        Event=event,
        EventId=event_id,
    )
    return {k: _clean(v) for k, v in values.items()}


def standard_body(payload: dict[str, str]) -> str:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return _fit(body, payload)


def _fit(body: str, payload: dict[str, str]) -> str:
    """≤ 20 KB: the longest values are shortened until it fits (W-OUT-7)."""
    if len(body.encode()) <= MAX_BYTES:
        return body
    trimmed = dict(payload)
    for key in sorted(trimmed, key=lambda k: -len(trimmed[k])):
        trimmed[key] = trimmed[key][:500]
        body = json.dumps(trimmed, separators=(",", ":"), ensure_ascii=False)
        if len(body.encode()) <= MAX_BYTES:
            break
    return body


def substitute(template: str, payload: dict[str, str], escape_for: str) -> str:
    """`{{Variable}}` → the payload's value escaped for the format; unknown or missing → empty. No
    expressions: `{{7*7}}` is not a variable and stays as typed text (it is not evaluated)."""

    def one(match: re.Match[str]) -> str:
        value = payload.get(match.group(1), "")
        if escape_for == "xml":
            return escape(value)
        if escape_for == "header":
            return value.replace("\r", " ").replace("\n", " ")
        return value

    return VAR.sub(one, template)


def build(endpoint: dict[str, Any], payload: dict[str, str]) -> tuple[str, str, list[tuple[str, str]]]:
    """A fan-out's (content type, body, extra headers) — or the standard JSON for a main URL (WHO-14)."""
    if endpoint["kind"] == "main":
        return "application/json", standard_body(payload), []
    kind = endpoint["payload_type"]
    data = [tuple(p) for p in json.loads(endpoint["data"])] if isinstance(endpoint["data"], str) else endpoint["data"]
    headers = (
        [tuple(p) for p in json.loads(endpoint["headers"])]
        if isinstance(endpoint["headers"], str)
        else endpoint["headers"]
    )
    extra = [(k, substitute(v, payload, "header")) for k, v in headers]
    custom_type = next((v for k, v in extra if k.lower() == "content-type"), None)
    extra = [(k, v) for k, v in extra if k.lower() != "content-type"]
    if kind == "raw":
        body = substitute(endpoint["raw_body"], payload, "raw")
        return custom_type or "text/plain; charset=utf-8", body.encode()[:MAX_BYTES].decode(errors="ignore"), extra
    pairs = [(k, substitute(v, payload, "raw")) for k, v in data] if data else list(payload.items())
    if kind == "form":
        body = urlencode(pairs)
        content = "application/x-www-form-urlencoded"
    elif kind == "xml":
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in pairs)  # keys are XML names (checked at save)
        body = f'<?xml version="1.0"?><payload>{inner}</payload>'
        content = "application/xml"
    else:
        body = json.dumps(dict(pairs), separators=(",", ":"), ensure_ascii=False)
        content = "application/json"
    return custom_type or content, body.encode()[:MAX_BYTES].decode(errors="ignore"), extra


def matches(filters: dict[str, list[Any]], facts: dict[str, Any]) -> bool:
    """WHO-7: OR within a dimension, AND across; an empty dimension is any value."""
    for dim, wanted in filters.items():
        if wanted and facts.get(dim) not in wanted:
            return False
    return True


JOB_STATUS_LABELS = {
    "submitted": "Submitted",
    "in_progress": "In Progress",
    "deposit": "Deposit",
    "pending": "Pending",
    "done": "Done",
    "cancelled": "Cancelled",
}


def _local(date: str | None, time: str | None, zone: str | None) -> str:
    """`2026-05-03T09:00:00-04:00` in the job's own zone (WHO-19)."""
    if not date or not time:
        return ""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        when = datetime.fromisoformat(f"{date}T{time}").replace(tzinfo=ZoneInfo(zone or "UTC"))
    except (ValueError, KeyError):
        return ""
    return when.isoformat(timespec="seconds")


def job_payload(event: str, event_id: str, job: dict[str, Any]) -> dict[str, str]:
    """The standard payload of a job event from a job row (+ office name/address). `Team` is the
    contractor's name only (WHO-17): no contractor phone or email is ever read here."""
    values: dict[str, Any] = {k: "" for k in (*JOB_KEYS, *LEAD_KEYS)}
    cents = job.get("deposit_cents")
    values.update(
        UUID=job.get("uuid"),
        SerialId=job.get("id"),
        JobDateTime=_local(job.get("date_start"), job.get("time_start"), job.get("time_zone")),
        JobEndDateTime=_local(job.get("date_end"), job.get("time_end"), job.get("time_zone")),
        CreatedDate=_created(job.get("created_at")),
        Status=JOB_STATUS_LABELS.get(job.get("status") or "", job.get("status")),
        Phone=job.get("phone"),
        Email=job.get("email"),
        FirstName=job.get("first_name"),
        LastName=job.get("last_name"),
        Company=job.get("company"),
        Address=job.get("address"),
        City=job.get("city"),
        State=job.get("state"),
        PostalCode=job.get("postal_code"),
        Country=job.get("country"),
        Unit=job.get("unit"),
        Latitude=job.get("lat"),
        Longitude=job.get("lng"),
        JobType=job.get("job_type_label"),
        JobSource=job.get("partner_label"),
        ServiceArea=job.get("area_label"),
        Tags=job.get("tags") or "",
        Team=job.get("contractor_name"),
        AreaCode=job.get("area_code"),
        OfficeAddress=job.get("area_office_address") or job.get("office_address"),
        DepositAmount=f"{cents / 100:.2f}" if isinstance(cents, int) else "",
        DisplayId=job.get("display_id"),
        Office=job.get("office_name"),
        ExpectedCompletionDate=job.get("expected_completion_date") or "",
        Event=event,
        EventId=event_id,
    )
    if event == "job.finance_cancelled":
        values.update(
            FinanceCancelReason=job.get("finance_cancel_reason"),
            FinanceCancelNote=job.get("finance_cancel_note"),
            FinanceCancelledAt=_created(job.get("finance_cancelled_at")),
            FinanceCancelledBy=job.get("finance_cancelled_by_label"),
        )
    return {k: _clean(v) for k, v in values.items()}
