"""Export the list you are looking at (issue 17): /clients and /leads as CSV and XLSX with the page's
own filters, office scope as on screen, one row per record with its primary contact, and text a
spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import sign_in
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


async def seed_clients(bindings, people):
    a, b = people.office_a, people.office_b
    await make_customer(bindings, a, "Ada Garage", phone="3055550101", email="ada@example.test", zip="33101")
    await make_customer(bindings, a, '=HYPERLINK("http://evil","x")', phone="3055550102", status="dormant")
    await make_customer(bindings, b, "Bea Sliding", phone="3055550103", email="bea@example.test")


async def test_clients_export_follows_the_filters_and_the_users_offices(client, bindings, people, database):
    await seed_clients(bindings, people)
    await sign_in(client, bindings, people.agent)  # office A only
    r = await client.get("/clients/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="porchlight-clients-')
    rows = read_csv(r.content)
    assert sorted(x["Name"] for x in rows) == ['\'=HYPERLINK("http://evil","x")', "Ada Garage"]  # no Bea: office B
    ada = next(x for x in rows if x["Name"] == "Ada Garage")
    assert (ada["Primary contact"], ada["Phone"], ada["Email"], ada["ZIP"], ada["Office"]) == (
        "Ada Garage", "+13055550101", "ada@example.test", "33101", "Garage",
    )  # fmt: skip
    filtered = read_csv((await client.get("/clients/export.csv?status=active&q=ada")).content)
    assert [x["Name"] for x in filtered] == ["Ada Garage"]
    # Asking for another office's customers gives nothing, as on the page.
    assert read_csv((await client.get(f"/clients/export.csv?office={people.office_b.id}")).content) == []
    audit = await database.first(
        "SELECT action, meta FROM audit_log WHERE action = 'clients.exported' ORDER BY id DESC"
    )
    assert audit and '"rows": 0' in audit["meta"]


async def test_clients_export_as_xlsx_is_read_back_with_openpyxl(client, bindings, people):
    await seed_clients(bindings, people)
    await sign_in(client, bindings, people.owner)
    r = await client.get("/clients/export.xlsx?sort=name")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(r.content)
    assert [x["Name"] for x in rows] == ['\'=HYPERLINK("http://evil","x")', "Ada Garage", "Bea Sliding"]
    assert [x["Office"] for x in rows] == ["Garage", "Garage", "Sliding"]
    book = load_workbook(io.BytesIO(r.content))
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)  # no formula anywhere
    assert (await client.get("/clients/export.pdf")).status_code == 404


async def test_leads_export_follows_the_filters_scope_and_hidden_phones(client, bindings, people):
    a, b = people.office_a, people.office_b
    await make_lead(bindings, a, name="Greta Garage", phone="3055550111", service_type="Opener beeping")
    await make_lead(bindings, a, name="@SUM(1+1)", phone="3055550112", service_type="-2+3")
    await make_lead(bindings, b, name="Sid Sliding", phone="3055550113")
    await sign_in(client, bindings, people.agent)
    rows = read_csv((await client.get("/leads/export.csv")).content)
    assert sorted(x["Name"] for x in rows) == ["'@SUM(1+1)", "Greta Garage"]
    greta = next(x for x in rows if x["Name"] == "Greta Garage")
    assert greta["What they need"] == "Opener beeping" and greta["Office"] == "Garage"
    assert "0111" not in greta["Phone"]  # a fresh lead's phone stays hidden until claimed, as on the page
    assert next(x for x in rows if x["Name"] == "'@SUM(1+1)")["What they need"] == "'-2+3"
    searched = read_xlsx((await client.get("/leads/export.xlsx?q=opener")).content)
    assert [x["Name"] for x in searched] == ["Greta Garage"] and searched[0]["Time zone"]
    await sign_in(client, bindings, people.owner)
    everyone = read_csv((await client.get(f"/leads/export.csv?office={b.id}")).content)
    assert [x["Name"] for x in everyone] == ["Sid Sliding"] and "0113" not in everyone[0]["Phone"]


async def test_partners_export_only_their_own_leads_and_never_clients(client, bindings, people):
    await make_lead(bindings, people.office_a, name="Mine", partner="GDQ")
    await make_lead(bindings, people.office_a, name="Not mine")
    await sign_in(client, bindings, people.partner)
    assert [x["Name"] for x in read_csv((await client.get("/leads/export.csv")).content)] == ["Mine"]
    assert (await client.get("/clients/export.csv")).status_code == 403


async def test_the_list_pages_carry_their_query_string_to_the_export_buttons(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    page = await client.get("/clients?status=active&q=ada&page=2")
    assert 'href="/clients/export.csv?status=active&amp;q=ada"' in page.text
    assert 'href="/clients/export.xlsx?status=active&amp;q=ada"' in page.text
    page = await client.get("/leads?view=today&q=opener")
    assert 'href="/leads/export.xlsx?view=today&amp;q=opener"' in page.text
