"""Lead settings (owner, under Maintenance): the escalation timer, snooze sequences and which
source uses which sequence.

The step editor works without JavaScript: "Add a step" and "Remove" post the form back and get it
re-rendered with the change, unsaved; htmx (when loaded) swaps just the editor instead of the page.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from core.inputs import parse_int
from leads import settings as lead_settings
from leads import snooze as snooze_sequences
from leads import sources as lead_sources
from leads.snooze import Sequence
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import form_status, redirect, refusals_show, render

router = APIRouter(prefix="/maintenance/lead-settings", include_in_schema=False)

HOME = "/maintenance/lead-settings"


async def _page(request: Request, status: int = 200, error: str = "") -> Response:
    db = bindings_of(request).db
    sequences = await snooze_sequences.all_sequences(db)
    return render(
        request,
        "maintenance/lead_settings.html",
        status_code=status,
        error=error,
        escalation=await lead_settings.escalation_minutes(db),
        max_escalation=lead_settings.MAX_ESCALATION_MINUTES,
        sequences=sequences,
        sources=await lead_sources.all_sources(db),
        describe=snooze_sequences.describe,
    )


@router.get("")
async def page(request: Request) -> Response:
    return await _page(request)


@router.post("/escalation")
async def set_escalation(request: Request, minutes: str = Form("", max_length=6)) -> Response:
    b = bindings_of(request)
    if parse_int(minutes) is None:
        return await _page(request, 400, "The escalation timer is a whole number of minutes.")
    async with refusals_show(lambda exc: _page(request, 400, exc.message)):
        await lead_settings.set_escalation_minutes(b.db, b.clock.now(), current_user(request).actor, int(minutes))
    return redirect(HOME, f"Fresh leads unclaimed for {int(minutes)} minutes now show as escalated.")


@router.post("/sources")
async def assign(request: Request) -> Response:
    """One select per source, named `seq.<source key>`; only the ones that changed are saved, all in one
    batch (an unknown sequence saves none)."""
    b = bindings_of(request)
    form = await request.form()
    choices = []
    for source in await lead_sources.all_sources(b.db):
        chosen = form.get(f"seq.{source.key}")
        if isinstance(chosen, str) and chosen:
            choices.append((source, chosen[:40]))
    async with refusals_show(lambda exc: _page(request, 400, exc.message)):
        saved = await lead_sources.assign_sequences(b.db, b.clock.now(), current_user(request).actor, choices)
    changed = [source.label for source in saved]
    return redirect(HOME, f"Sequences saved for {', '.join(changed)}." if changed else "Nothing changed.")


@router.post("/sequences")
async def create(
    request: Request, label: str = Form("", max_length=60), start_from: str = Form("", max_length=40)
) -> Response:
    b = bindings_of(request)
    template = await snooze_sequences.get(b.db, start_from) if start_from else None
    async with refusals_show(lambda exc: _page(request, 400, exc.message)):
        created = await snooze_sequences.create_sequence(
            b.db,
            b.clock.now(),
            current_user(request).actor,
            label=label,
            steps=list(template.steps if template else [60]),
        )
    return redirect(f"{HOME}/sequences/{created.key}", f"{created.label} added; set its steps below.")


# --- the step editor ------------------------------------------------------------------------------


def _editor(
    request: Request,
    sequence: Sequence,
    rows: list[tuple[str, str]],
    *,
    label: str,
    seen: str,
    status: int = 200,
    error: str = "",
) -> Response:
    return render(
        request,
        "maintenance/snooze_sequence.html",
        status_code=status,
        error=error,
        sequence=sequence,
        rows=rows,
        label=label,
        seen=seen,
        units=snooze_sequences.UNITS,
        max_steps=snooze_sequences.MAX_STEPS,
    )


@router.get("/sequences/{sequence}")
async def edit(request: Request, sequence: str) -> Response:
    found = await lookup.sequence(request, sequence)
    rows = [(str(a), u) for a, u in map(snooze_sequences.split, found.steps)]
    return _editor(request, found, rows, label=found.label, seen=found.updated_at)


@router.post("/sequences/{sequence}")
async def save(
    request: Request,
    sequence: str,
    label: str = Form("", max_length=60),
    seen: str = Form("", max_length=40),
    amount: list[str] = Form([]),
    unit: list[str] = Form([]),
    action: str = Form("save", max_length=20),
) -> Response:
    """`action` is "save", "add", or "remove-N" (N counts from 1)."""
    b = bindings_of(request)
    found = await lookup.sequence(request, sequence)
    amount = [a[:9] for a in amount[: snooze_sequences.MAX_STEPS + 1]]
    unit = [u[:3] for u in unit[: snooze_sequences.MAX_STEPS + 1]]
    rows = list(zip(amount, unit, strict=False))
    if action == "add":
        return _editor(request, found, [*rows, ("", rows[-1][1] if rows else "h")], label=label, seen=seen)
    if action.startswith("remove-") and (number := parse_int(action[7:])) is not None:
        index = number - 1
        return _editor(request, found, [r for i, r in enumerate(rows) if i != index], label=label, seen=seen)
    async with refusals_show(
        lambda exc: _editor(request, found, rows, label=label, seen=seen, status=form_status(exc), error=exc.message)
    ):
        steps = snooze_sequences.parse_steps(amount, unit)
        await snooze_sequences.update_sequence(
            b.db, b.clock.now(), current_user(request).actor, found, label=label, steps=steps, seen=seen
        )
    return redirect(HOME, f"{' '.join(label.split())} saved: {len(steps)} steps.")
