"""Photos on a lead: sniffed images only, a size limit, access-checked inline serving with nosniff,
delete by the uploader or admin+, audit and timeline rows, and refusals that change nothing."""

from __future__ import annotations

import struct
import zlib

import pytest

from leads import photos as lead_photos
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_lead_actions import timeline
from tests.leads.test_leads_queue import make_lead


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny, valid PNG (grey pixels)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


async def upload(client, display, name="porch.png", data=None, kind="image/png"):
    return await client.post(f"/api/leads/{display}/photos", files={"photo": (name, data or png(), kind)})


def stored_files(bindings) -> list[str]:
    root = bindings.files.root
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_it_stores_lists_and_serves_a_photo(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.agent)
    r = await upload(client, display, name="front door.png")
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["filename"] == "front door.png" and photo["content_type"] == "image/png"
    assert photo["uploaded_by"] == "Agent" and photo["url"] == f"/leads/{display}/photos/{photo['id']}"
    assert (await upload(client, display, name="IMG_1.jpg", data=JPEG, kind="application/octet-stream")).json()[
        "content_type"
    ] == "image/jpeg"  # the bytes decide, not what the browser said
    listed = (await client.get(f"/api/leads/{display}/photos")).json()["items"]
    assert [p["filename"] for p in listed] == ["IMG_1.jpg", "front door.png"]

    image = await client.get(photo["url"])
    assert image.status_code == 200 and image.content == png()
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in image.headers["content-security-policy"]
    assert image.headers["content-disposition"].startswith("inline;")

    assert (await timeline(database, display))[-2:] == ["Photo “front door.png” added", "Photo “IMG_1.jpg” added"]
    audit = await database.all("SELECT summary FROM audit_log WHERE action = 'lead.photo_added' ORDER BY id")
    assert [a["summary"] for a in audit] == [
        f"{display}: photo “front door.png” added",
        f"{display}: photo “IMG_1.jpg” added",
    ]
    assert len(stored_files(bindings)) == 2 and all(f.startswith("leads/") for f in stored_files(bindings))
    assert "front door" not in "".join(stored_files(bindings))  # the name is metadata, never the key

    page = await client.get(f"/leads/{display}")
    assert f'<img src="{photo["url"]}"' in page.text and 'action="/leads/' + display + '/photos"' in page.text


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("evil.png", b"<html><script>alert(1)</script></html>", 415),  # a page dressed as a picture
        ("doc.png", b"%PDF-1.7\n" + b"x" * 40, 415),  # customer files take PDFs; photos do not
        ("notes.txt", b"just text", 415),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', 415),
        ("empty.png", b"", 422),
    ],
)
async def test_it_refuses_what_is_not_a_photo_and_changes_nothing(
    client, bindings, people, db_path, name, data, status
):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.post(f"/api/leads/{display}/photos", files={"photo": (name, data, "image/png")})
    assert r.status_code == status, r.text
    assert snapshot_file(db_path) == before and stored_files(bindings) == []


async def test_it_refuses_a_photo_over_the_limit_and_a_missing_one(client, bindings, people, db_path, monkeypatch):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.agent)
    monkeypatch.setattr(lead_photos, "MAX_BYTES", 100)
    before = snapshot_file(db_path)
    r = await upload(client, display, data=png() + b"\x00" * 200)
    assert r.status_code == 413 and "at most" in r.json()["detail"]
    r = await client.post(f"/api/leads/{display}/photos", files={"other": ("a.png", png(), "image/png")})
    assert r.status_code == 422
    assert snapshot_file(db_path) == before and stored_files(bindings) == []


async def test_it_keeps_photos_to_the_leads_office_and_viewers_read_only(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.agent)
    photo = (await upload(client, display)).json()

    await sign_in_api(client, bindings, people.agent_b)
    before = snapshot_file(db_path)
    for method, url in (
        ("GET", f"/api/leads/{display}/photos"),
        ("GET", photo["url"]),
        ("DELETE", f"/api/leads/{display}/photos/{photo['id']}"),
    ):
        assert (await client.request(method, url)).status_code == 404, url
    assert (await upload(client, display)).status_code == 404
    assert snapshot_file(db_path) == before

    await sign_in_api(client, bindings, people.viewer)
    before = snapshot_file(db_path)
    assert (await client.get(photo["url"])).status_code == 200
    assert len((await client.get(f"/api/leads/{display}/photos")).json()["items"]) == 1
    assert (await upload(client, display)).status_code == 403
    assert (await client.delete(f"/api/leads/{display}/photos/{photo['id']}")).status_code == 403
    page = await client.get(f"/leads/{display}")
    assert f'<img src="{photo["url"]}"' in page.text and "Add photo" not in page.text and "btn-remove" not in page.text
    assert snapshot_file(db_path) == before
    # another office's photo id under this lead's number is simply not there
    other = await make_lead(bindings, people.office_a, name="Other")
    assert (await client.get(f"/leads/{other}/photos/{photo['id']}")).status_code == 404


async def test_the_uploader_or_an_admin_deletes(client, bindings, people, database, db_path):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.admin)
    admins = (await upload(client, display, name="admin.png")).json()
    await sign_in_api(client, bindings, people.agent)
    agents = (await upload(client, display, name="agent.png")).json()
    assert "btn-remove" in (await client.get(f"/leads/{display}")).text  # on their own photo only
    before = snapshot_file(db_path)
    r = await client.delete(f"/api/leads/{display}/photos/{admins['id']}")
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    assert snapshot_file(db_path) == before and len(stored_files(bindings)) == 2
    assert (await client.delete(f"/api/leads/{display}/photos/{agents['id']}")).json() == {"deleted": agents["id"]}
    await sign_in_api(client, bindings, people.admin)
    assert (await client.delete(f"/api/leads/{display}/photos/{admins['id']}")).status_code == 200
    assert (await client.get(f"/api/leads/{display}/photos")).json()["items"] == []
    assert stored_files(bindings) == []
    assert (await client.get(admins["url"])).status_code == 404
    assert (await timeline(database, display))[-2:] == ["Photo “agent.png” deleted", "Photo “admin.png” deleted"]
    deleted = await database.all("SELECT actor_label FROM audit_log WHERE action = 'lead.photo_deleted' ORDER BY id")
    assert [a["actor_label"] for a in deleted] == ["Agent", "Admin"]
    assert (await client.delete(f"/api/leads/{display}/photos/{admins['id']}")).status_code == 404


async def test_the_page_forms_upload_and_delete(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Porch")
    csrf = await sign_in_api(client, bindings, people.agent)
    del client.headers["x-csrf-token"]  # a plain form post carries its token in the body
    r = await client.post(
        f"/leads/{display}/photos", data={"csrf_token": csrf}, files={"photo": ("yard.png", png(), "image/png")}
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#photos")
    photo_id = (await database.first("SELECT id FROM lead_photos"))["id"]
    refused = await client.post(
        f"/leads/{display}/photos", data={"csrf_token": csrf}, files={"photo": ("x.png", b"GIF8", "image/png")}
    )
    assert refused.status_code == 303  # back to the record with the reason in the flash
    assert (await database.first("SELECT COUNT(*) AS n FROM lead_photos"))["n"] == 1
    r = await client.post(f"/leads/{display}/photos/{photo_id}/delete", data={"csrf_token": csrf})
    assert r.status_code == 303 and (await database.first("SELECT COUNT(*) AS n FROM lead_photos"))["n"] == 0


async def test_an_archived_lead_takes_no_new_photos(client, bindings, people, database, db_path):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await database.run("UPDATE leads SET archived_at = '2026-11-22T14:00:00.000Z' WHERE display_id = ?", display)
    await sign_in_api(client, bindings, people.admin)
    before = snapshot_file(db_path)
    assert (await upload(client, display)).status_code == 409
    assert snapshot_file(db_path) == before and stored_files(bindings) == []


async def test_deleting_the_lead_for_good_removes_its_photos_bytes(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Porch")
    await sign_in_api(client, bindings, people.owner)
    await upload(client, display)
    assert (await client.delete(f"/api/leads/{display}")).status_code == 422  # archive first
    assert len(stored_files(bindings)) == 1
    await client.post(f"/api/leads/{display}/archive")
    assert (await client.delete(f"/api/leads/{display}")).status_code == 204
    assert stored_files(bindings) == [] and (await database.first("SELECT COUNT(*) AS n FROM lead_photos"))["n"] == 0
