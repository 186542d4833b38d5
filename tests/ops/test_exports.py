"""The owner's exports: the full workbook and CSV zip (every table, nothing secret), and the
secure-access audit (grouped by secret, masked unless explicitly revealed, which is audited)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from accounts import api_tokens
from customers import secure_access
from ops import exports
from tests.conftest import sign_in_api
from tests.customers.test_secure_access import CANARY, OTHER, add_item, audit_rows, make_customer

FORMULA = '=HYPERLINK("http://evil.test","click")'


async def seed(client, bindings, people, database) -> dict[str, str]:
    """Two customers sharing one router password, a third with its own; an API token; a session."""
    a1 = await make_customer(database, people.office_a.id, FORMULA)
    a2 = await make_customer(database, people.office_a.id, "Second Client")
    b1 = await make_customer(database, people.office_b.id, "Bea West")
    await database.run("UPDATE customers SET phone = '+13055550100' WHERE display_id = ?", a2)
    await add_item(client, bindings, people.owner, a1, CANARY, "Home WiFi")
    await add_item(client, bindings, people.owner, a2, CANARY, "Shop router")
    await add_item(client, bindings, people.owner, b1, OTHER, "Alarm panel")
    token = await api_tokens.create_token(
        database, bindings.clock.now(), people.owner.actor, people.owner, "export test"
    )
    await sign_in_api(client, bindings, people.owner)
    return {"a1": a1, "a2": a2, "b1": b1, "token": token}


async def forbidden_values(database, seeded: dict[str, str]) -> list[str]:
    values = [CANARY, OTHER, seeded["token"]]
    values += [r["webhook_token"] for r in await database.all("SELECT webhook_token FROM lead_sources")]
    values += [r["password_hash"] for r in await database.all("SELECT password_hash FROM users") if r["password_hash"]]
    values += [r["token_hash"] for r in await database.all("SELECT token_hash FROM sessions")]
    values += [r["csrf_token"] for r in await database.all("SELECT csrf_token FROM sessions")]
    values += [r["secret_sealed"] for r in await database.all("SELECT secret_sealed FROM customer_secure_access")]
    return values


def cells(book) -> list[str]:
    return [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]


async def test_the_workbook_has_a_sheet_per_table_and_nothing_secret(client, bindings, people, database):
    seeded = await seed(client, bindings, people, database)
    response = await client.get("/api/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == exports.XLSX_TYPE
    assert response.headers["content-disposition"].startswith('attachment; filename="porchlight-export-')
    assert response.headers["cache-control"] == "no-store"
    book = load_workbook(io.BytesIO(response.content), read_only=False)
    names = book.sheetnames
    assert names[0] == "About"
    for table in ("offices", "users", "user_offices", "audit_log", "timeline_entries", "lead_sources", "leads"):
        assert table in names, table
    for table in ("customers", "customer_contacts", "customer_secure_access", "customer_files"):
        assert table in names, table
    for table in ("sessions", "api_tokens", "rate_counters", "d1_migrations", "lead_terms", "lead_terms_data"):
        assert table not in names, table
    users = list(book["users"].iter_rows(values_only=True))
    assert "password_hash" not in users[0] and "email" in users[0]
    assert len(users) == 1 + len(await database.all("SELECT id FROM users"))
    assert len(list(book["user_offices"].iter_rows())) > 1  # a WITHOUT ROWID table pages too
    items = list(book["customer_secure_access"].iter_rows(values_only=True))
    column = items[0].index("secret_sealed")
    assert {row[column] for row in items[1:]} == {secure_access.MASK}
    text = "\n".join(cells(book))
    for value in await forbidden_values(database, seeded):
        assert value not in text
    # a formula-looking name stays text, never a formula
    customers = book["customers"]
    header = [c.value for c in customers[1]]
    name_cell = customers.cell(row=2, column=header.index("name") + 1)
    assert name_cell.value == FORMULA and name_cell.data_type == "s"
    exported = await audit_rows(database, "export.xlsx")
    assert len(exported) == 1 and exported[0]["actor_user_id"] == people.owner.id


async def test_the_csv_zip_holds_the_same_tables(client, bindings, people, database):
    seeded = await seed(client, bindings, people, database)
    response = await client.get("/api/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "README.txt" in names and "customers.csv" in names and "customer_secure_access.csv" in names
    assert "sessions.csv" not in names and "api_tokens.csv" not in names
    everything = "\n".join(archive.read(n).decode("utf-8-sig") for n in names)
    for value in await forbidden_values(database, seeded):
        assert value not in everything
    rows = list(csv.DictReader(io.StringIO(archive.read("customers.csv").decode("utf-8-sig"))))
    by_id = {r["display_id"]: r for r in rows}
    assert by_id[seeded["a1"]]["name"] == "'" + FORMULA  # neutralised for spreadsheets
    assert by_id[seeded["a2"]]["phone"] == "+13055550100"  # a phone number is left alone
    users = next(csv.reader(io.StringIO(archive.read("users.csv").decode("utf-8-sig"))))
    assert "password_hash" not in users
    assert len(await audit_rows(database, "export.zip")) == 1


async def test_exports_page_through_large_tables(client, bindings, people, database):
    await sign_in_api(client, bindings, people.owner)
    await database.run(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1234)"
        " INSERT INTO audit_log (created_at, actor_label, action, summary) SELECT '2026-11-22T15:00:00.000Z',"
        " 'bulk', 'bulk.row', 'row ' || x FROM n"
    )
    zipped = zipfile.ZipFile(io.BytesIO((await client.get("/api/export.zip")).content))
    total = len(await database.all("SELECT id FROM audit_log"))  # the export's own row included
    lines = list(csv.reader(io.StringIO(zipped.read("audit_log.csv").decode("utf-8-sig"))))
    assert len(lines) == 1 + total and total > 1234
    assert [int(line[0]) for line in lines[1:]] == sorted(
        r["id"] for r in await database.all("SELECT id FROM audit_log")
    )
    book = load_workbook(io.BytesIO((await client.get("/api/export.xlsx")).content), read_only=True)
    assert sum(1 for _ in book["audit_log"].iter_rows()) >= 1 + total


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    for risky in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", "+1 (555) x"):
        assert exports.csv_cell(risky) == "'" + risky
    for safe in ("+13055550100", "-12", "-3.5", "Plain", "", 5, None):
        assert exports.csv_cell(safe) == safe


async def test_the_secure_access_audit_groups_identical_secrets_masked(client, bindings, people, database):
    seeded = await seed(client, bindings, people, database)
    response = await client.get("/api/export/secure-access.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["Unique secrets"].iter_rows(values_only=True))
    header, groups = rows[1], rows[2:]
    assert len(groups) == 2  # two unique secrets among three items
    shared = dict(zip(header, groups[0], strict=True))
    assert shared["Items"] == 2 and shared["Customers"] == 2 and shared["Secret"] == secure_access.MASK
    assert seeded["a1"] in shared["Used by"] and seeded["a2"] in shared["Used by"]
    assert shared["Where (labels)"] == "Home WiFi; Shop router"
    items = list(book["Items"].iter_rows(values_only=True))
    assert len(items) == 1 + 3
    text = "\n".join(cells(book))
    assert CANARY not in text and OTHER not in text
    assert await audit_rows(database, "secure_access.audit_reveal") == []
    # the page form without the reveal box gives the same masked workbook
    masked = await client.post("/maintenance/export/secure-access", data={"confirm": "REVEAL"})
    assert masked.status_code == 200 and CANARY not in "\n".join(cells(load_workbook(io.BytesIO(masked.content))))


async def test_revealing_the_audit_needs_the_box_and_the_word_and_is_recorded(client, bindings, people, database):
    await seed(client, bindings, people, database)
    refused = await client.post("/maintenance/export/secure-access", data={"reveal": "1", "confirm": "yes"})
    assert refused.status_code == 422 and "type REVEAL" in refused.text
    assert await audit_rows(database, "secure_access.audit_reveal") == []
    response = await client.post("/maintenance/export/secure-access", data={"reveal": "1", "confirm": "reveal"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    book = load_workbook(io.BytesIO(response.content))
    secrets = [row[1] for row in list(book["Unique secrets"].iter_rows(values_only=True))[2:]]
    assert secrets == [CANARY, OTHER]
    rows = await audit_rows(database, "secure_access.audit_reveal")
    assert len(rows) == 1 and rows[0]["actor_user_id"] == people.owner.id
    assert CANARY not in rows[0]["summary"] + rows[0]["meta"]


async def test_an_unreadable_secret_is_listed_not_fatal(client, bindings, people, database):
    await seed(client, bindings, people, database)
    await database.run("UPDATE customer_secure_access SET key_id = 'k0' WHERE label = 'Alarm panel'")
    book = load_workbook(io.BytesIO((await client.get("/api/export/secure-access.xlsx")).content))
    items = list(book["Items"].iter_rows(values_only=True))
    unreadable = [r for r in items if r[0] == "unreadable"]
    assert len(unreadable) == 1 and "not in the key ring" in unreadable[0][-1]


@pytest.mark.parametrize("persona", ["admin", "finance", "agent", "viewer", "partner"])
async def test_only_the_owner_exports(client, bindings, people, persona):
    await sign_in_api(client, bindings, getattr(people, persona))
    for url in ("/api/export.xlsx", "/api/export.zip", "/api/export/secure-access.xlsx", "/maintenance/export"):
        assert (await client.get(url)).status_code == 403, url
    refused = await client.post("/maintenance/export/secure-access", data={"reveal": "1", "confirm": "REVEAL"})
    assert refused.status_code == 403


async def test_the_export_page_offers_the_downloads(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    page = await client.get("/maintenance/export")
    assert page.status_code == 200
    for piece in ('href="/api/export.xlsx"', 'href="/api/export.zip"', 'name="reveal"', "/static/exports.js"):
        assert piece in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    assert 'href="/maintenance/export"' in (await client.get("/maintenance")).text


async def test_a_quickbooks_sync_token_is_exported_while_credentials_stay_masked(client, bindings, people, database):
    """A SyncToken is QuickBooks' version number of an object, not a credential: the export keeps it.
    Everything that is one stays masked or left out, whatever its table."""
    seeded = await seed(client, bindings, people, database)
    stamp = "2026-11-22T15:00:00.000Z"
    access, refresh, processor = "sealed-access-C4NARY", "sealed-refresh-C4NARY", "tok_processor_C4NARY"
    await database.run(
        "INSERT INTO quickbooks_connection (id, realm_id, environment, status, access_sealed, refresh_sealed,"
        " token_version, connected_at, updated_at) VALUES (1, '9130', 'sandbox', 'connected', ?, ?, 3, ?, ?)",
        access,
        refresh,
        stamp,
        stamp,
    )
    await database.run(
        "INSERT INTO quickbooks_objects (realm_id, entity, qbo_id, sync_token, raw, first_seen_at, synced_at)"
        " VALUES ('9130', 'Estimate', '77', '14', '{}', ?, ?)",
        stamp,
        stamp,
    )
    await database.run("UPDATE customers SET payment_token = ? WHERE display_id = ?", processor, seeded["a1"])
    book = load_workbook(io.BytesIO((await client.get("/api/export.xlsx")).content), read_only=True)
    objects = list(book["quickbooks_objects"].iter_rows(values_only=True))
    assert objects[1][objects[0].index("sync_token")] == "14"
    connection = list(book["quickbooks_connection"].iter_rows(values_only=True))
    for column in ("access_sealed", "refresh_sealed"):
        assert connection[1][connection[0].index(column)] == secure_access.MASK
    customers = list(book["customers"].iter_rows(values_only=True))
    assert secure_access.MASK in {row[customers[0].index("payment_token")] for row in customers[1:]}
    text = "\n".join(cells(book))
    for value in [access, refresh, processor, *await forbidden_values(database, seeded)]:
        assert value not in text
    lead_sources = list(book["lead_sources"].iter_rows(values_only=True))
    assert {row[lead_sources[0].index("webhook_token")] for row in lead_sources[1:]} == {secure_access.MASK}
