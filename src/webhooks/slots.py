"""The per-event slots of WHO-2 and the fan-out filter dimensions of WHO-6/WHO-9."""

from __future__ import annotations

from dataclasses import dataclass

JOB_DIMENSIONS = ("offices", "partners", "job_types")
LEAD_DIMENSIONS = ("offices", "sources", "partners")


@dataclass(frozen=True)
class Slot:
    key: str
    label: str
    fires: str
    dimensions: tuple[str, ...]
    has_main: bool = True


SLOTS: tuple[Slot, ...] = (
    Slot("job.created", "Jobs Webhook URL (Workiz format)", "Job created (Submitted) only", JOB_DIMENSIONS),
    Slot("job.done", "Done Jobs Webhook URL", "Job → Done", JOB_DIMENSIONS),
    Slot("job.deposit", "Deposit Jobs Webhook URL", "Job → Deposit", JOB_DIMENSIONS),
    Slot("job.cancelled", "Cancelled Jobs Webhook URL", "Job → Cancelled", JOB_DIMENSIONS),
    Slot(
        "job.finance_cancelled",
        "Finance-Cancelled Jobs Webhook URL",
        "Finance Admin cancels a Done/Deposit job (its status stays)",
        JOB_DIMENSIONS,
    ),
    Slot(
        "job.expected_completion_changed",
        "Expected Completion Changed",
        "The deposit's Expected Completion Date is set or edited — filtered fan-outs only",
        JOB_DIMENSIONS,
        has_main=False,
    ),
    Slot(
        "lead.created",
        "New Lead Webhook URL",
        "Any new lead — manual, bulk, inbound webhook, online booking",
        LEAD_DIMENSIONS,
    ),
    Slot("lead.cancelled", "Cancelled Leads Webhook URL", "Lead → Irrelevant", LEAD_DIMENSIONS),
    Slot(
        "job.created.bookback",
        "BookBack Jobs Webhook URL",
        "Job creation only (the extra job-created URL)",
        (),
        has_main=True,
    ),
)
BY_KEY = {s.key: s for s in SLOTS}
DIMENSION_LABELS = {"offices": "Office", "partners": "Partner", "job_types": "Job Type", "sources": "Source"}


def slot(key: str) -> Slot | None:
    return BY_KEY.get(key)
