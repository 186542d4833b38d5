"""Resolving duplicate groups from the duplicates page: one group ("Resolve") or every group shown
("Resolve all", seed 002), confirmed first.

The page is one GET form to /leads/duplicates/resolve whose fields carry each group's choice
(`keeper-N`, `member-N` = "L-1234:version" for every lead shown, `merge-N` for the ticked ones) and the
button pressed (`resolve` = N or "all"). Without JavaScript that GET is the confirmation page, listing
what each group will do, whose form POSTs the same fields; static/confirm.js asks in a dialog and POSTs
directly. Each group is its own merge (one batch each): a group that lost a race is reported, the others
still go through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core.errors import Invalid, Refused
from core.inputs import parse_int
from leads import duplicates as lead_duplicates
from routes.duplicates import merge_selected
from routes.pages import redirect, render

router = APIRouter(include_in_schema=False)

FIELDS = ("keeper", "member", "merge")


@dataclass
class Choice:
    keeper: str = ""
    versions: dict[str, int] = field(default_factory=dict)
    ticked: list[str] = field(default_factory=list)

    @property
    def others(self) -> list[str]:
        return [t for t in self.ticked if t != self.keeper][: lead_duplicates.MAX_MERGE + 1]


def _choices(items: Iterable[tuple[str, str]]) -> tuple[dict[int, Choice], str, str, list[tuple[str, str]]]:
    """The groups' choices by index, the button pressed, the cursor, and the fields to carry on."""
    groups: dict[int, Choice] = {}
    resolve = after = ""
    carried: list[tuple[str, str]] = []
    for name, value in items:
        value = str(value)[:60]
        if name == "resolve":
            resolve = value
            continue
        if name == "after":
            after = value
            continue
        kind, _, index = name.partition("-")
        number = parse_int(index)
        if kind not in FIELDS or number is None or not 0 <= number < lead_duplicates.GROUPS_PER_PAGE:
            continue
        choice = groups.setdefault(number, Choice())
        carried.append((name, value))
        if kind == "keeper":
            choice.keeper = value[:20]
        elif kind == "merge":
            choice.ticked.append(value[:20])
        elif (version := parse_int(value.partition(":")[2])) is not None and len(choice.versions) <= 21:
            choice.versions[value.partition(":")[0][:20]] = version
    return groups, resolve, after, carried


def _chosen(groups: dict[int, Choice], resolve: str) -> list[Choice]:
    if resolve == "all":
        picked = [groups[i] for i in sorted(groups)]
    else:
        number = parse_int(resolve)
        picked = [groups[number]] if number is not None and number in groups else []
    picked = [c for c in picked if c.keeper and c.others]
    if not picked:
        raise Invalid({"keeper": "Choose the lead to keep and tick at least one other lead to merge."})
    return picked


def _back(after: str) -> str:
    return "/leads/duplicates" + (f"?after={after}" if lead_duplicates.parse_cursor(after) else "")


@router.get("/leads/duplicates/resolve")
async def confirm_resolve(request: Request) -> Response:
    groups, resolve, after, carried = _choices(request.query_params.multi_items())
    try:
        picked = _chosen(groups, resolve)
    except Invalid as exc:
        return redirect(_back(after), exc.message)
    plan = "; ".join(f"keep {c.keeper}, archive {', '.join(c.others)} into it" for c in picked)
    count = f"{len(picked)} groups" if len(picked) != 1 else "this group"
    return render(
        request,
        "confirm.html",
        title="Resolve duplicates?",
        heading=f"Resolve {count}?",
        message=plan[0].upper() + plan[1:] + ". Their timelines are copied onto the kept lead.",
        button="Resolve all" if resolve == "all" else "Resolve",
        action=request.url.path,
        back=_back(after),
        hidden=[*carried, ("resolve", resolve), ("after", after)],
        word="",
        danger=True,
    )


@router.post("/leads/duplicates/resolve")
async def resolve(request: Request) -> Response:
    form = await request.form()
    groups, pressed, after, _ = _choices((k, str(v)) for k, v in form.multi_items())
    back = _back(after)
    try:
        picked = _chosen(groups, pressed)
    except Invalid as exc:
        return redirect(back, exc.message)
    done: list[str] = []
    failed: list[str] = []
    for choice in picked:
        try:
            merged = await merge_selected(request, choice.keeper, choice.others, choice.versions)
            done.append(f"kept {choice.keeper} (archived {', '.join(merged)})")
        except Refused as exc:  # a stale or lost group is reported; the others stay resolved
            failed.append(f"{choice.keeper}: {exc.message}")
    message = ("Resolved: " + "; ".join(done) + ".") if done else ""
    if failed:
        message += (" " if message else "") + "Not resolved — " + "; ".join(failed)
    return redirect(back, message)
