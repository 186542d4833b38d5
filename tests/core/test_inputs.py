"""Integers past what storage binds, and bodies past their limits, are refused where they enter.

Issue 16 items 1 and 5: an id above 2^53 was a 500 (storage.BindError) on about 13 operations, and
the JSON API read a 20 MB body whole before answering 422.
"""

from __future__ import annotations

from typing import Any

import pytest

from core import inputs
from core.storage import MAX_SAFE_INT
from tests.conftest import TEST_ENV, sign_in_api, snapshot_file
from tests.customers_support import make_customer

BIG = 288230376151711744  # 2^58: past 2^53, still a 64-bit integer

# Every operation the probe found answering 500, and the others that take an id or an integer.
BIG_INT_REQUESTS = [
    ("GET", f"/api/offices/{BIG}", None),
    ("GET", "/api/audit?before=1997986368590215680", None),
    ("GET", "/api/customers?office=48790430914798864", None),
    ("GET", "/api/leads?office=48790430914798864", None),
    ("GET", f"/api/customers/{{customer}}/files/{BIG}", None),
    ("DELETE", f"/api/customers/{{customer}}/files/{BIG}", None),
    ("PATCH", f"/api/customers/{{customer}}/contacts/{BIG}", {"name": "X"}),
    ("POST", f"/api/customers/{{customer}}/contacts/{BIG}/primary", None),
    ("DELETE", f"/api/customers/{{customer}}/contacts/{BIG}", None),
    ("DELETE", "/api/customers/{customer}/contacts/{contact}?version=" + str(BIG), None),
    ("PATCH", f"/api/customers/{{customer}}/addresses/{BIG}", {"line1": "1 Main St"}),
    ("DELETE", f"/api/customers/{{customer}}/addresses/{BIG}", None),
    ("PATCH", f"/api/customers/{{customer}}/notes/{BIG}", {"pinned": True}),
    ("DELETE", f"/api/customers/{{customer}}/notes/{BIG}", None),
    ("PATCH", f"/api/customers/{{customer}}/secure-access/{BIG}", {"label": "WiFi"}),
    ("DELETE", f"/api/customers/{{customer}}/secure-access/{BIG}", None),
    ("POST", f"/api/customers/{{customer}}/secure-access/{BIG}/reveal", None),
    ("DELETE", f"/api/leads/{{lead}}/photos/{BIG}", None),
    ("POST", "/api/customers", {"name": "Big Office", "office_id": BIG}),
    ("PATCH", "/api/customers/{customer}", {"name": "Renamed", "version": BIG}),
    ("PATCH", "/api/customers/{customer}/billing", {"credit_limit_cents": BIG}),
    ("POST", "/api/leads", {"name": "Big Lead", "phone": "3055550100", "office_id": BIG}),
    (
        "POST",
        "/api/users",
        {"email": "b@example.test", "name": "B", "role": "agent", "office_ids": [BIG], "password": "x" * 20},
    ),
]


@pytest.fixture
async def records(client, bindings, people) -> dict[str, str]:
    customer = await make_customer(bindings, people.office_a, "Ida Integer", phone="+13055550123")
    r = await client.post(
        "/webhook/leads",
        json={"full_name": "Lee Lead", "phone": "3055550124", "office": "Garage"},
        headers={"x-webhook-secret": TEST_ENV["WEBHOOK_SECRET"]},
    )
    contact = await bindings.db.first("SELECT id FROM customer_contacts WHERE customer_id = ?", customer["id"])
    return {"customer": customer["display_id"], "lead": r.json()["lead_id"], "contact": str(contact["id"])}


@pytest.mark.parametrize(("method", "path", "body"), BIG_INT_REQUESTS)
async def test_an_integer_past_2_to_the_53_is_a_4xx_naming_it(
    client, bindings, people, db_path, records, method, path, body
):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    r = await client.request(method, path.format(**records), json=body)
    assert r.status_code in (404, 422), r.text
    if r.status_code == 422:
        assert str(MAX_SAFE_INT) in r.text or "less than or equal" in r.text
    assert snapshot_file(db_path) == before


async def test_ids_in_range_still_work(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    r = await client.get(f"/api/offices/{people.office_a.id}")
    assert r.status_code == 200 and r.json()["name"] == "Garage"
    assert (await client.get(f"/api/offices/{MAX_SAFE_INT}")).status_code == 404
    assert (await client.get(f"/api/customers?office={people.office_a.id}")).status_code == 200


def _integer_schemas(node: Any, components: dict[str, Any], where: str, seen: frozenset[str] = frozenset()):
    """(where, schema) for every integer schema reachable from NODE, following $refs."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _integer_schemas(item, components, f"{where}[{i}]", seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            yield from _integer_schemas(components[name], components, f"{where}->{name}", seen | {name})
        return
    if node.get("type") == "integer":
        yield where, node
    for key, value in node.items():
        if key not in ("example", "examples", "default"):
            yield from _integer_schemas(value, components, f"{where}.{key}", seen)


async def test_every_integer_the_api_takes_is_bounded_for_storage(client):
    """Structural: a new parameter or body field declared as a bare `int` fails here (use inputs.Id/Int)."""
    schema = (await client.get("/openapi.json")).json()
    components = schema.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            inputs_of = {"parameters": operation.get("parameters", []), "body": operation.get("requestBody", {})}
            for where, node in _integer_schemas(inputs_of, components, f"{method.upper()} {path}"):
                low, high = node.get("minimum", node.get("exclusiveMinimum")), node.get("maximum")
                if low is None or high is None or low < -MAX_SAFE_INT or high > MAX_SAFE_INT:
                    unbounded.append(where)
    assert unbounded == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 7 ", 7), ("0", None), ("", None), ("²", None), ("³³¹", None), ("12a", None), (str(BIG), None)],
)
def test_parse_id_takes_only_ascii_digits_in_range(text, expected):
    assert inputs.parse_id(text) == expected


async def test_a_form_field_id_past_2_to_the_53_is_ignored_not_a_500(client, bindings, people, records):
    csrf = await sign_in_api(client, bindings, people.owner)
    form = {"csrf_token": csrf, "kind": "site", "line1": "2 Elm St", "occupier": str(BIG)}
    r = await client.post(f"/clients/{records['customer']}/addresses", data=form)
    assert r.status_code < 500


# --- body limits ----------------------------------------------------------------------------------


@pytest.fixture
async def owner_app(app, bindings, people):
    """The app as a partner's script would call it: the owner's API token on every request."""
    from accounts import api_tokens

    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), people.owner.actor, people.owner, "t")

    async def with_token(scope, receive, send):
        scope = {**scope, "headers": [*scope["headers"], (b"authorization", f"Bearer {token}".encode())]}
        await app(scope, receive, send)

    return with_token


async def _send(app, path: str, total: int, *, declare: bool, content_type: bytes = b"application/json"):
    """Drive the ASGI app with a TOTAL-byte body in 64 KB chunks; (status, bytes the app pulled)."""
    chunk = b" " * 65536
    pulled = 0
    status: list[int] = []
    headers = [(b"host", b"testserver"), (b"content-type", content_type)]
    if declare:
        headers.append((b"content-length", str(total).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }

    async def receive() -> dict:
        nonlocal pulled
        size = min(len(chunk), total - pulled)
        pulled += size
        return {"type": "http.request", "body": chunk[:size], "more_body": pulled < total}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0], pulled


async def test_the_api_refuses_a_declared_20_mb_body_without_reading_it(owner_app):
    status, pulled = await _send(owner_app, "/api/customers", 20 * 1024 * 1024, declare=True)
    assert (status, pulled) == (413, 0)


async def test_the_api_stops_reading_an_undeclared_body_at_its_limit(owner_app):
    status, pulled = await _send(owner_app, "/api/customers", 20 * 1024 * 1024, declare=False)
    assert status == 413
    assert pulled <= inputs.MAX_BODY_BYTES + 65536


async def test_multipart_may_be_bigger_than_json_but_is_capped_too(owner_app):
    assert inputs.MAX_UPLOAD_BODY_BYTES > 10 * 1024 * 1024 > inputs.MAX_BODY_BYTES
    multipart = b"multipart/form-data; boundary=x"
    status, pulled = await _send(
        owner_app, "/api/customers", inputs.MAX_UPLOAD_BODY_BYTES + 1, declare=True, content_type=multipart
    )
    assert (status, pulled) == (413, 0)


async def test_a_declared_oversize_json_body_to_the_api_is_413_json(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    big = b'{"name": "' + b"x" * (inputs.MAX_BODY_BYTES + 10) + b'"}'
    r = await client.post("/api/customers", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]


async def test_a_page_form_past_the_limit_is_a_413_page(client, bindings, people, records):
    csrf = await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        f"/clients/{records['customer']}/notes", data={"csrf_token": csrf, "body": "x" * (inputs.MAX_BODY_BYTES + 1)}
    )
    assert r.status_code == 413 and "text/html" in r.headers["content-type"]


async def test_a_body_within_the_limit_is_read_as_before(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    r = await client.post("/api/customers", json={"name": "Within Limit", "office_id": people.office_a.id})
    assert r.status_code == 201, r.text


async def test_a_new_customers_billing_address_cannot_name_an_occupier(client, bindings, people, db_path):
    # Found by `make fuzz`: the occupier id reached the insert and failed its foreign key (500).
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    body = {"name": "Otto Occupier", "office_id": people.office_a.id, "billing_address": {"line1": "1 Main St"}}
    r = await client.post(
        "/api/customers", json={**body, "billing_address": {"line1": "1 Main St", "occupier_contact_id": 99}}
    )
    assert r.status_code == 422 and "occupier" in r.json()["detail"]
    assert snapshot_file(db_path) == before
    assert (await client.post("/api/customers", json=body)).status_code == 201
