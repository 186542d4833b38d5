"""Customer files: type by content, size limits, download headers, audit, roles and offices."""

from __future__ import annotations

import logging

import pytest

from core import attachments
from customers import actions as customer_actions
from customers import record as customers
from tests.conftest import sign_in_api
from tests.customers.test_secure_access import audit_rows, make_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


async def upload(client, customer: str, name: str, data: bytes, content_type: str = "application/octet-stream"):
    return await client.post(f"/api/customers/{customer}/files", files={"file": (name, data, content_type)})


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("router.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 16, "image/gif"),
        ("shot.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("phone.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 8, "image/heic"),
        ("invoice.pdf", PDF, "application/pdf"),
        ("notes.txt", "Gate code by the shed. Zoë's note ✓\n".encode(), "text/plain"),
        ("devices.csv", b"name,mac\nTV,aa:bb\n", "text/csv"),
        ("scan.pdf.png", PDF, "application/pdf"),  # the bytes decide, not the name
        ("page.png", b"<html><script>alert(1)</script></html>", None),
        ("page.html", b"<html><script>alert(1)</script></html>", None),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, None),
        ("binary.txt", b"abc\x00def", None),
        ("latin1.txt", "café".encode("latin-1"), None),
        ("noext", b"plain words", None),
    ],
)
def test_it_decides_the_type_from_the_bytes(name, data, expected):
    assert attachments.sniff(data, name) == expected


def test_names_are_cleaned_for_display_and_headers():
    assert attachments.clean_name("C:\\Users\\x\\..\\report\x00.pdf") == "report.pdf"
    assert attachments.clean_name("../../etc/passwd") == "passwd"
    assert attachments.ascii_name('Zoë "quote"; x.pdf') == "Zoe _quote__ x.pdf"


async def test_it_uploads_lists_and_downloads_with_safe_headers(client, bindings, people, database, tmp_path):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.agent)
    response = await upload(client, customer, "Router label.png", PNG, "text/html")  # the claimed type is ignored
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["content_type"] == "image/png" and item["size_bytes"] == len(PNG)
    listing = (await client.get(f"/api/customers/{customer}/files")).json()["items"]
    assert [f["filename"] for f in listing] == ["Router label.png"]
    for url in (f"/api/customers/{customer}/files/{item['id']}", f"/clients/{customer}/files/{item['id']}"):
        got = await client.get(url)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith('attachment; filename="Router label.png"')
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in got.headers["content-security-policy"]
    text = await upload(client, customer, "notes.txt", b"hello\n")
    got = await client.get(f"/api/customers/{customer}/files/{text.json()['id']}")
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    # the bytes live under a random key, not under the uploaded name
    row = await database.first("SELECT storage_key FROM customer_files WHERE id = ?", item["id"])
    assert "Router" not in row["storage_key"] and (tmp_path / "files" / row["storage_key"]).read_bytes() == PNG
    uploads = await audit_rows(database, "customer_file.upload")
    assert len(uploads) == 2 and uploads[0]["office_id"] == people.office_a.id


async def test_it_refuses_too_large_with_413_and_wrong_types_with_415(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.agent)
    big = PNG + b"\x00" * attachments.MAX_BYTES
    assert (await upload(client, customer, "big.png", big)).status_code == 413
    wrong = await upload(client, customer, "page.png", b"<html><script>alert(1)</script></html>", "image/png")
    assert wrong.status_code == 415
    assert "Only images" in wrong.json()["detail"]
    assert (await upload(client, customer, "empty.txt", b"")).status_code == 422
    missing = await client.post(f"/api/customers/{customer}/files", data={"nothing": "here"})
    assert missing.status_code == 422
    # the page form answers the same statuses without htmx, and shows the refusal in the panel with it
    page = await client.post(f"/clients/{customer}/files", files={"file": ("x.exe", b"MZ\x90\x00", "image/png")})
    assert page.status_code == 415
    hx = await client.post(
        f"/clients/{customer}/files", files={"file": ("x.exe", b"MZ\x90\x00", "image/png")}, headers={"hx-request": "1"}
    )
    assert hx.status_code == 200 and "Only images" in hx.text
    assert await database.all("SELECT * FROM customer_files") == []
    assert await audit_rows(database, "customer_file.upload") == []


async def test_a_declared_length_over_the_limit_is_refused_before_reading(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.agent)
    response = await client.post(
        f"/api/customers/{customer}/files",
        content=b"--x\r\n",
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(attachments.MAX_BYTES * 2),
        },
    )
    assert response.status_code == 413


async def test_the_panel_uploads_and_deletes(client, bindings, people, database, tmp_path):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.admin)
    hx = {"hx-request": "true"}
    added = await client.post(f"/clients/{customer}/files", files={"file": ("plan.pdf", PDF, "")}, headers=hx)
    assert added.status_code == 200 and "plan.pdf" in added.text
    row = await database.first("SELECT * FROM customer_files")
    plain = await client.post(f"/clients/{customer}/files", files={"file": ("two.pdf", PDF, "")})
    assert plain.status_code == 303
    gone = await client.post(f"/clients/{customer}/files/{row['id']}/delete", headers=hx)
    assert gone.status_code == 200 and "plan.pdf" not in gone.text and "two.pdf" in gone.text
    assert not (tmp_path / "files" / row["storage_key"]).exists()
    assert len(await audit_rows(database, "customer_file.delete")) == 1


async def test_roles_and_offices(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.agent)
    file_id = (await upload(client, customer, "a.pdf", PDF)).json()["id"]
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get(f"/api/customers/{customer}/files/{file_id}")).status_code == 200  # read-only may read
    assert (await upload(client, customer, "b.pdf", PDF)).status_code == 403
    assert (await client.delete(f"/api/customers/{customer}/files/{file_id}")).status_code == 403
    panel = await client.get(f"/clients/{customer}/files")
    assert "a.pdf" in panel.text and 'type="file"' not in panel.text
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get(f"/api/customers/{customer}/files/{file_id}")).status_code == 403
    await sign_in_api(client, bindings, people.agent_b)
    other = await client.get(f"/api/customers/{customer}/files/{file_id}")
    missing = await client.get(f"/api/customers/{customer}/files/999999")
    assert other.status_code == missing.status_code == 404
    assert (await upload(client, customer, "b.pdf", PDF)).status_code == 404
    assert (await client.delete(f"/api/customers/{customer}/files/{file_id}")).status_code == 404
    assert len(await database.all("SELECT * FROM customer_files")) == 1


# --- the owner's hard delete takes the bytes along ----------------------------------------------------


async def test_a_hard_delete_removes_the_customers_stored_bytes(client, bindings, people, database, tmp_path):
    doomed = await make_customer(database, people.office_a.id, "Doomed Client")
    by_page = await make_customer(database, people.office_a.id, "Page Deleted")
    kept = await make_customer(database, people.office_a.id, "Kept Client")
    await sign_in_api(client, bindings, people.owner)
    for customer, name in ((doomed, "a.pdf"), (doomed, "b.png"), (by_page, "c.pdf"), (kept, "d.pdf")):
        assert (await upload(client, customer, name, PNG if name.endswith("png") else PDF)).status_code == 201
    rows = await database.all("SELECT filename, storage_key FROM customer_files")
    stored = {r["filename"]: tmp_path / "files" / r["storage_key"] for r in rows}
    assert all(path.exists() for path in stored.values())

    assert (await client.delete(f"/api/customers/{doomed}?confirm={doomed}")).status_code == 204
    assert not stored["a.pdf"].exists() and not stored["b.png"].exists()
    gone = await database.first("SELECT meta FROM audit_log WHERE action = 'customer.deleted'")
    assert '"files": 2' in gone["meta"]
    page = await client.post(f"/clients/{by_page}/delete", data={"confirm": by_page})
    assert page.status_code == 303 and not stored["c.pdf"].exists()
    assert stored["d.pdf"].read_bytes() == PDF  # another customer's file is untouched
    assert [r["filename"] for r in await database.all("SELECT filename FROM customer_files")] == ["d.pdf"]


class BrokenStore:
    """A file store whose deletes fail, with an error text that must not reach the log."""

    LEAK = "https://key-id:S3CR3T@r2.example/bucket"

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        raise AssertionError("not used")

    async def get(self, key: str) -> bytes | None:
        raise AssertionError("not used")

    async def delete(self, key: str) -> None:
        self.asked.append(key)
        raise ConnectionError(f"delete {key} failed at {self.LEAK}")


async def test_a_store_that_fails_does_not_undo_the_delete_and_is_logged(client, bindings, people, database, caplog):
    customer = await make_customer(database, people.office_a.id, "Doomed Client")
    await sign_in_api(client, bindings, people.owner)
    for name in ("a.pdf", "b.pdf"):
        assert (await upload(client, customer, name, PDF)).status_code == 201
    keys = [r["storage_key"] for r in await database.all("SELECT storage_key FROM customer_files ORDER BY id")]
    row = await customers.customer_for_user(database, people.owner, customer)
    store = BrokenStore()
    caplog.set_level(logging.WARNING, logger="porchlight.customers")
    await customer_actions.delete_customer(database, bindings.clock.now(), people.owner, row, customer, files=store)
    assert sorted(store.asked) == sorted(keys)  # every file was tried, not only the first
    assert await customers.customer_for_user(database, people.owner, customer) is None
    assert await database.all("SELECT * FROM customer_files") == []
    assert len(await audit_rows(database, "customer.deleted")) == 1
    assert f"customer {customer} (id {row['id']}) deleted; 2 of 2 stored files" in caplog.text
    assert "ConnectionError" in caplog.text
    assert BrokenStore.LEAK not in caplog.text and not any(key in caplog.text for key in keys)
