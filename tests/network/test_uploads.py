"""Bulk uploads: service areas (SA-4, SA-5) and contractors (CTR-7…CTR-10). Rows with errors are
listed, the rest imported, nothing of a refused row stored; the same file again gives the same data."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook

from ops import exports
from tests.conftest import sign_in, sign_in_api, snapshot_file
from tests.network.support import area, contractor, job_type


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client, path: str, data: bytes, name: str = "sheet.csv"):
    return await client.post(path, files={"file": (name, data, "application/octet-stream")})


AREAS = [
    ["Label", "Main ZIP", "Area code", "Office address"],
    ["Hialeah", "33010", "305", ""],
    ["Bad ZIP", "3301", "", ""],
    ["Unknown ZIP", "99999", "", ""],
    ["Fort Lauderdale", "33301", "954", "100 Las Olas Blvd"],
    ["hialeah", "33012", "", ""],
    ["Orlando", "32801", "40", ""],
]


async def test_area_upload_imports_good_rows_and_lists_the_rest(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    first = (await _upload(client, "/api/service-areas/import", _csv(AREAS))).json()
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    assert [(e["row"], e["column"]) for e in first["errors"]] == [(3, "B"), (4, "B"), (6, "A"), (7, "C")]
    labels = sorted(a["label"] for a in (await client.get("/api/service-areas")).json()["items"])
    assert labels == ["Fort Lauderdale", "Hialeah"]
    before = snapshot_file(db_path)["service_areas"]
    again = (await _upload(client, "/api/service-areas/import", _csv(AREAS))).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert again["errors"] == first["errors"]
    assert snapshot_file(db_path)["service_areas"] == before


async def test_area_upload_refuses_a_label_that_exists_with_other_values(client, bindings, people):
    """SA-5: against existing areas too."""
    await sign_in_api(client, bindings, people.owner)
    await area(client, "Hialeah", "33010")
    report = (await _upload(client, "/api/service-areas/import", _csv([["HIALEAH", "33012"]]))).json()
    assert report["created"] == 0 and report["errors"][0]["message"].endswith("already exists.")


async def test_area_upload_reads_xlsx(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    report = (await _upload(client, "/api/service-areas/import", _xlsx([["Hialeah", 33010, 305]]), "a.xlsx")).json()
    assert report["created"] == 1
    made = (await client.get("/api/service-areas")).json()["items"][0]
    assert (made["zip"], made["area_code"]) == ("33010", "305")


async def test_area_upload_over_500_rows_is_refused_whole(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    rows = [[f"Area {i}", "33010"] for i in range(501)]
    before = snapshot_file(db_path)
    response = await _upload(client, "/api/service-areas/import", _csv(rows))
    assert response.status_code == 422 and "file" in response.json()["fields"]
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_wrong_file_types_are_refused(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    fake_zip = io.BytesIO()
    with zipfile.ZipFile(fake_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("xl/workbook.xml", "<not a workbook")
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00", fake_zip.getvalue(), broken.getvalue(), b"", "é".encode("latin-1")):
        response = await _upload(client, "/api/contractors/import", data)
        assert response.status_code == 422, data[:8]


CONTRACTORS = [
    [
        "Contractor Name",
        "Contact",
        "Phone",
        "2nd contact",
        "2nd phone",
        "Email",
        "Profit %",
        "2nd %",
        "ZIPs",
        "Partners",
        "Notes",
    ],
    [
        "Acme Doors",
        "Mike",
        "(305) 794-2213",
        "",
        "",
        "ops@acme.test",
        "40",
        "50",
        "33010, 33012",
        "GDQ Leads, nehoray leads",
        "Good",
    ],
    ["Bad Percent", "", "", "", "", "", "140", "", "", "", ""],
    ["Bad Zip", "", "", "", "", "", "10", "", "3301", "", ""],
    ['=HYPERLINK("http://evil.test","click")', "", "", "", "", "", "", "", "", "", ""],
    ["ACME DOORS", "", "", "", "", "", "", "", "", "", ""],
]


async def test_contractor_upload_upserts_by_name_and_never_touches_types_or_areas(client, bindings, people):
    """CTR-7, CTR-8, CTR-9, CTR-10."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    existing = await contractor(client, "acme doors", [kind], area_ids=[place["id"]], notes="old")
    report = (await _upload(client, "/api/contractors/import", _csv(CONTRACTORS))).json()
    assert (report["created"], report["updated"]) == (1, 1)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "G"), (4, "I"), (6, "A")]
    acme = (await client.get(f"/api/contractors/{existing['id']}")).json()
    assert acme["name"] == "acme doors"  # the key keeps its stored spelling
    assert (acme["contact_name"], acme["phone"], acme["email"], acme["notes"]) == (
        "Mike",
        "+13057942213",
        "ops@acme.test",
        "Good",
    )
    assert (acme["profit_share_percent"], acme["secondary_share_percent"]) == (40, 50)
    assert acme["secondary_zips"] == ["33010", "33012"]
    assert acme["secondary_partners"] == ["GDQ Leads", "nehoray leads"]
    assert acme["job_type_ids"] == [kind] and acme["area_ids"] == [place["id"]]
    listed = (await client.get("/api/contractors")).json()["items"]
    new = next(c for c in listed if c["name"].startswith("="))
    assert new["job_type_ids"] == [] and new["area_count"] == 0
    eligible = (
        await client.get("/api/contractors/eligible", params={"job_type": kind, "service_area": place["id"]})
    ).json()
    assert [c["name"] for c in eligible["items"]] == ["acme doors"]  # CTR-9: the new row matches nothing


async def test_contractor_upload_again_changes_nothing(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    first = (await _upload(client, "/api/contractors/import", _csv(CONTRACTORS))).json()
    before = snapshot_file(db_path)
    again = (await _upload(client, "/api/contractors/import", _csv(CONTRACTORS))).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
    assert again["errors"] == first["errors"]
    after = snapshot_file(db_path)
    for table in ("contractors", "contractor_secondary_zips", "contractor_secondary_partners"):
        assert after[table] == before[table]


async def test_blank_cells_clear_fields_on_update(client, bindings, people):
    """CTR-10 [A]: an upload is a refresh."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    made = await contractor(
        client, "Acme", [kind], contact_name="Mike", profit_share_percent=40, secondary_zips=["33010"]
    )
    await _upload(client, "/api/contractors/import", _csv([["Acme"]]))
    now = (await client.get(f"/api/contractors/{made['id']}")).json()
    assert (now["contact_name"], now["profit_share_percent"], now["secondary_zips"]) == ("", None, [])
    assert now["job_type_ids"] == [kind]


async def test_contractor_upload_over_1000_rows_is_refused_whole(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    rows = [["Contractor Name"], *([f"C {i}"] for i in range(1001))]
    response = await _upload(client, "/api/contractors/import", _csv(rows))
    assert response.status_code == 422 and "1000" in response.text
    ok = await _upload(client, "/api/contractors/import", _csv(rows[:1001]))
    assert ok.json()["created"] == 1000


async def test_a_formula_cell_is_kept_as_text_and_neutralised_on_export(client, bindings, people, clock):
    await sign_in_api(client, bindings, people.owner)
    await _upload(client, "/api/contractors/import", _csv(CONTRACTORS))
    chunks = [c async for c in exports.csv_zip(bindings.db, clock.now())]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    text = archive.read(next(n for n in archive.namelist() if n.endswith("contractors.csv"))).decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


async def test_uploads_are_for_editors_only(client, bindings, people, db_path):
    for persona in ("admin", "agent", "viewer", "partner"):
        await sign_in_api(client, bindings, getattr(people, persona))
        for path in ("/api/contractors/import", "/api/service-areas/import"):
            assert (await _upload(client, path, _csv([["X", "33010"]]))).status_code == 403, (persona, path)


async def test_the_pages_show_the_upload_report(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.post(
        "/contractors/import", data={"csrf_token": csrf}, files={"file": ("c.csv", _csv(CONTRACTORS), "text/csv")}
    )
    assert page.status_code == 200 and "Upload result" in page.text and "percentage must be from 0 to 100" in page.text
    areas_page = await client.post(
        "/service-areas/import", data={"csrf_token": csrf}, files={"file": ("a.csv", _csv(AREAS), "text/csv")}
    )
    assert areas_page.status_code == 200 and "2</strong> added" in areas_page.text


async def test_an_upload_over_the_size_limit_is_refused_whole(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    huge = b"Acme," + b"x" * (2 * 1024 * 1024) + b"\n"
    response = await _upload(client, "/api/contractors/import", huge)
    assert response.status_code == 413
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before
