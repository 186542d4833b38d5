"""The Workiz import (IMP-1…IMP-10): headers by name in any order, .csv and .xlsx, the client's name,
the +2 h end, the status table, matching and mapping each value once, the skip list, idempotent
re-import on the Workiz number, no events, chunked commits, bad files, roles."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from jobs import workiz
from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import make_network

HEADER = [
    "Type",
    "Job #",
    "Client",
    "Scheduled",
    "Phone",
    "Status",
    "Tech",
    "Address",
    "City",
    "State",
    "Zip",
    "Source",
]
ROWS = [
    [
        "garage  door",
        "W-1",
        "Mary Ann Smith",
        "11/24/2026 9:00 AM",
        "(305) 794-2213",
        "Done",
        "joe smith",
        "1 Main St",
        "Hialeah",
        "FL",
        "33012",
        "GDQ",
    ],
    [
        "Garage Door",
        "W-2",
        "Cher",
        "2026-11-25 13:30",
        "786-555-0101",
        "Pending",
        "Bob Unknown",
        "2 Oak Ave",
        "Miami",
        "FL",
        "33101",
        "GDQ",
    ],
    [
        "Garage Door",
        "W-3",
        "Al Jones",
        "not a date",
        "786-555-0102",
        "Scheduled",
        "",
        "3 Elm St",
        "Miami",
        "FL",
        "33101",
        "GDQ",
    ],
    [
        "Garage Door",
        "W-4",
        "Bo Diaz",
        "11/26/2026 4:15 PM",
        "786-555-0103",
        "Weird",
        "",
        "4 Pine St",
        "Los Angeles",
        "CA",
        "90012",
        "Yelp",
    ],
    [
        "Garage Door",
        "W-5",
        "Cy Ray",
        "11/27/2026 10:00 AM",
        "786-555-0104",
        "Canceled",
        "",
        "5 Ash St",
        "Miami",
        "FL",
        "33101",
        "",
    ],
]


def _csv(rows=ROWS, header=HEADER) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows=ROWS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(reversed(HEADER)))  # IMP-1: column order does not matter
    for r in rows:
        r = list(r)
        if r[1] == "W-1":
            r[3] = datetime(2026, 11, 24, 9, 0)  # a real date cell
        sheet.append(list(reversed(r)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def _preview(client, people, data, name="workiz.csv", **form):
    fields = {"office_id": str(people.office_a.id)} | form
    return await client.post("/api/jobs/import", files={"file": (name, data)}, data=fields)


async def _run(client, batch_id, mapping=None):
    body = {"mapping": mapping} if mapping is not None else {}
    while True:
        r = await client.post(f"/api/jobs/import/{batch_id}/commit", json=body)
        assert r.status_code == 200, r.text
        if r.json()["state"] == "done":
            return r.json()
        body = {}


async def test_preview_map_import_and_reimport(client, bindings, people, net):
    p = await _preview(client, people, _csv())
    assert p.status_code == 201, p.text
    p = p.json()
    assert p["total_rows"] == 5 and p["company"] == people.office_a.name
    assert p["unmatched"] == {"tech": ["Bob Unknown"], "source": ["Yelp"], "type": []}  # IMP-6
    assert {w["row"] for w in p["warnings"]} == {4, 5}  # unreadable date; unknown status
    done = await _run(client, p["id"], {"tech": {"Bob Unknown": net.mike["id"]}, "source": {"Yelp": None}})
    assert (done["created"], done["skipped"]) == (2, 3)
    assert done["skipped_rows"] == [
        {"row": 4, "reason": "unreadable date 'not a date'"},
        {"row": 5, "reason": "partner 'Yelp' not mapped"},
        {"row": 6, "reason": "no partner (Source)"},
    ]  # IMP-3
    jobs = {r["workiz_number"]: r for r in await people.db.all("SELECT * FROM jobs ORDER BY id")}
    one, two = jobs["W-1"], jobs["W-2"]
    assert (one["first_name"], one["last_name"]) == ("Mary Ann", "Smith")  # IMP-2
    assert (one["date_start"], one["time_start"], one["time_end"]) == ("2026-11-24", "09:00", "11:00")
    assert (one["status"], one["contractor_name"], one["job_type_label"]) == ("done", "Joe Smith", "Garage Door")
    assert one["closing_cents"] is None  # IMP-5: required fields waived
    assert (two["first_name"], two["last_name"], two["contractor_name"]) == ("Cher", "", "Mike Hernandez")
    assert two["status"] == "pending" and two["follow_up_at"] == "2026-11-22T16:00:00.000Z"  # now + 1 h
    assert one["display_id"].startswith("JOB-") and one["phone"] == "+13057942213"
    events = await people.db.all("SELECT type FROM job_events")
    assert events == []  # IMP-4: no webhooks or automations
    note = await people.db.first(
        "SELECT body FROM timeline_entries WHERE subject_type = 'job' AND subject_id = ?", one["id"]
    )
    assert note["body"] == "📥 Imported from Workiz (Job # W-1)"
    # IMP-7: the same file again creates nothing
    again = (await _preview(client, people, _csv())).json()
    second = await _run(client, again["id"], {"source": {"Yelp": net.partner}})
    assert second["created"] == 1  # W-4, now mapped; W-1 and W-2 are already imported
    assert {"row": 2, "reason": f"already imported as {one['display_id']}"} in second["skipped_rows"]
    assert await people.db.first("SELECT COUNT(*) AS n FROM jobs") == {"n": 3}
    la = await people.db.first("SELECT time_zone, time_start FROM jobs WHERE workiz_number = 'W-4'")
    assert dict(la) == {"time_zone": "America/Los_Angeles", "time_start": "16:15"}


async def test_xlsx_and_column_order(client, bindings, people, net):
    p = (await _preview(client, people, _xlsx(), name="export.xlsx", company="Acme Doors")).json()
    assert p["total_rows"] == 5 and p["company"] == "Acme Doors"
    done = await _run(client, p["id"], {})
    assert (done["created"], done["skipped"]) == (2, 3)
    rows = await people.db.all(
        "SELECT workiz_number, company, contractor_name, date_start, time_start FROM jobs ORDER BY id"
    )
    assert [dict(r) for r in rows] == [
        {
            "workiz_number": "W-1",
            "company": "Acme Doors",
            "contractor_name": "Joe Smith",
            "date_start": "2026-11-24",
            "time_start": "09:00",
        },
        # an unmapped Tech leaves the job unassigned (IMP-2)
        {
            "workiz_number": "W-2",
            "company": "Acme Doors",
            "contractor_name": "",
            "date_start": "2026-11-25",
            "time_start": "13:30",
        },
    ]


async def test_commits_in_chunks_with_progress(client, bindings, people, net, monkeypatch):
    monkeypatch.setattr(workiz, "CHUNK", 2)
    monkeypatch.setattr(workiz, "PER_CALL", 2)
    rows = [
        ["Garage Door", f"N-{i}", f"P {i}", "11/24/2026 9:00 AM", "", "Done", "", "", "", "", "", "GDQ"]
        for i in range(7)
    ]
    p = (await _preview(client, people, _csv(rows))).json()
    first = (await client.post(f"/api/jobs/import/{p['id']}/commit", json={"mapping": {}})).json()
    assert (first["state"], first["done_rows"], first["created"]) == ("running", 2, 2)
    progress = (await client.get(f"/api/jobs/import/{p['id']}")).json()
    assert progress["done_rows"] == 2
    other = await client.post(f"/api/jobs/import/{p['id']}/commit", json={"mapping": {"source": {"X": 1}}})
    assert other.status_code == 409  # the mapping is fixed once the import started
    done = await _run(client, p["id"])
    assert (done["created"], done["done_rows"]) == (7, 7)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 binary\x00stuff", "upload a .xlsx workbook or a UTF-8 .csv file"),
        (b"just,some,cells\n1,2,3\n", "no header row found"),
        (_csv([]), "no jobs under it"),
    ],
)
async def test_bad_files_get_one_clear_message(client, bindings, people, net, db_path, data, message):
    before = snapshot_file(db_path)
    r = await _preview(client, people, data)
    assert r.status_code == 422 and message in r.json()["fields"]["file"], r.text
    assert snapshot_file(db_path) == before


async def test_too_many_rows_and_too_big(client, bindings, people, net):
    rows = [
        ["Garage Door", str(i), "A B", "11/24/2026 9:00 AM", "", "", "", "", "", "", "", "GDQ"] for i in range(5001)
    ]
    r = await _preview(client, people, _csv(rows))
    assert r.status_code == 422 and "5,000" in r.json()["fields"]["file"]
    big = _csv() + b"#" * (10 * 1024 * 1024)
    r = await _preview(client, people, big)
    assert r.status_code in (413, 422) and "10 MB" in r.text


@pytest.mark.parametrize(("who", "code"), [("agent", 403), ("viewer", 403), ("admin", 201), ("finance", 201)])
async def test_roles(client, bindings, people, net, who, code):
    await sign_in_api(client, bindings, getattr(people, who))
    assert (await _preview(client, people, _csv())).status_code == code  # IMP-10


async def test_office_must_be_mine(client, bindings, people, net):
    await sign_in_api(client, bindings, people.admin)
    r = await _preview(client, people, _csv(), office_id=str(people.office_b.id))
    assert r.status_code == 422 and "office_id" in r.json()["fields"]


def test_parsing_helpers():
    assert workiz.split_name("  Mary   Ann  Smith ") == ("Mary Ann", "Smith")
    assert workiz.split_name("Cher") == ("Cher", "")
    assert workiz.status_of("COMPLETED") == ("done", True)
    assert workiz.status_of("In  Progress") == ("in_progress", True)
    assert workiz.status_of("On hold") == ("submitted", False)
    assert str(workiz.scheduled("Nov 24, 2026 9:00 AM")) == "2026-11-24 09:00:00"
    assert str(workiz.scheduled("11/24/2026 9:00AM")) == "2026-11-24 09:00:00"
    assert workiz.scheduled("yesterday") is None
    assert str(workiz.scheduled("2026-11-24 21:05:00")) == "2026-11-24 21:05:00"
    assert str(workiz.scheduled("11/24/26 12:30 AM")) == "2026-11-24 00:30:00"
    assert str(workiz.scheduled("11/24/2026 12:00 PM")) == "2026-11-24 12:00:00"
    assert workiz.scheduled("13/45/2026 9:00 AM") is None
    assert workiz.scheduled("11/24/2026 13:00 PM") is None
