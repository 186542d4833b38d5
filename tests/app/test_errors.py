"""The one error path: each of errors.NotFound/Forbidden/Conflict/Invalid answered by the app-wide handler
(registered in app.py) as its status with `{"detail": message}` for the API, the error page for a browser;
and page forms that answer a refusal by going back with a flash message."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app import create_app
from core import errors
from routes.pages import FLASH_COOKIE, refusals_go_back_to, refusals_show
from tests.conftest import sign_in_api

CASES = [
    (errors.NotFound("We couldn't find that lead."), 404, "Not found"),
    (errors.Forbidden("Only the owner may do that."), 403, "Not allowed"),
    (errors.Conflict("Someone else changed this lead a moment ago."), 409, "Something went wrong"),
    (errors.Invalid("Status must be one of: fresh, working."), 422, "Please check your input"),
]


@pytest.fixture
def app(bindings):
    """An app of their own: these tests add routes, which the session's shared app must never keep."""
    return create_app(bindings)


@pytest.fixture
def raising_app(app):
    """The real app with two plain routes (ahead of the gate, like the webhooks) that raise what they're told."""
    raised: list[Exception] = []

    async def endpoint(request: Request):
        raise raised[-1]

    async def go_back(request: Request):
        with refusals_go_back_to("/leads/L-1001"):
            raise raised[-1]

    async def again(request: Request):
        async with refusals_show(lambda exc: PlainTextResponse(f"form again: {exc.message}", status_code=400)):
            raise raised[-1]

    app.router.routes[:0] = [
        Route("/raise/again", again, methods=["POST"]),
        Route("/api/raise", endpoint, methods=["GET"]),
        Route("/raise", endpoint, methods=["GET"]),
        Route("/raise/back", go_back, methods=["POST"]),
    ]
    app.state.raised = raised
    return app


@pytest.mark.parametrize(("error", "status", "heading"), CASES, ids=lambda v: type(v).__name__)
async def test_each_refusal_answers_its_status_and_message_as_json_for_the_api(
    raising_app, client, error, status, heading
):
    raising_app.state.raised.append(error)
    r = await client.get("/api/raise")
    assert r.status_code == status
    assert r.json() == {"detail": error.message}  # the shape every API test and docs/api.md expect


@pytest.mark.parametrize(("error", "status", "heading"), CASES, ids=lambda v: type(v).__name__)
async def test_each_refusal_answers_the_error_page_with_its_message_for_a_browser(
    raising_app, client, error, status, heading
):
    raising_app.state.raised.append(error)
    r = await client.get("/raise")
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert f'<p class="status-code">{status}</p>' in r.text and heading in r.text
    assert error.message.replace("'", "&#39;") in r.text
    as_json = await client.get("/raise", headers={"accept": "application/json"})  # a page asked for JSON
    assert as_json.status_code == status and as_json.json() == {"detail": error.message}


async def test_an_invalid_naming_fields_lists_them_for_the_api_and_joins_them_for_the_page(raising_app, client):
    raising_app.state.raised.append(errors.Invalid({"slug": "Use lowercase letters.", "name": "Give it a name."}))
    r = await client.get("/api/raise")
    assert r.status_code == 422
    assert r.json() == {
        "detail": "Use lowercase letters.; Give it a name.",
        "fields": {"slug": "Use lowercase letters.", "name": "Give it a name."},
    }
    page = await client.get("/raise")
    assert page.status_code == 422 and "Use lowercase letters.; Give it a name." in page.text


def test_the_four_are_one_family_with_their_statuses_and_defaults():
    assert [e.status for e, _, _ in CASES] == [404, 403, 409, 422]
    assert all(isinstance(e, errors.Refused) for e, _, _ in CASES)
    assert isinstance(errors.Invalid("x"), ValueError)  # parsers that raised ValueError still do
    assert str(errors.Conflict()) == errors.Conflict.default and errors.NotFound().message == "Not found."
    one = errors.Invalid("Pick a day.", field="day")
    assert one.fields == {"day": "Pick a day."} and one.message == "Pick a day."
    assert errors.Invalid("No field.").fields == {}


@pytest.mark.parametrize("error", [errors.Invalid("Next contact must be a date."), errors.Conflict("Changed.")])
async def test_a_page_form_goes_back_with_the_refusal_as_a_flash(raising_app, client, error):
    raising_app.state.raised.append(error)
    r = await client.post("/raise/back")
    assert r.status_code == 303 and r.headers["location"] == "/leads/L-1001"
    assert r.cookies[FLASH_COOKIE] == quote(error.message)


@pytest.mark.parametrize(("error", "status"), [(errors.NotFound(), 404), (errors.Forbidden(), 403)])
async def test_a_page_form_still_shows_the_error_page_for_missing_or_forbidden(raising_app, client, error, status):
    raising_app.state.raised.append(error)
    r = await client.post("/raise/back")
    assert r.status_code == status and "set-cookie" not in r.headers


async def test_a_page_form_shown_again_answers_what_the_page_renders(raising_app, client):
    raising_app.state.raised.append(errors.Invalid("Name must be 1–120 characters."))
    r = await client.post("/raise/again")
    assert r.status_code == 400 and r.text == "form again: Name must be 1–120 characters."
    raising_app.state.raised.append(errors.Forbidden("Owners only."))  # not a refused change: the handler
    r = await client.post("/raise/again")
    assert r.status_code == 403 and "Owners only." in r.text and "form again" not in r.text


# --- the same answers through real routes ------------------------------------------------------


async def test_real_routes_answer_each_refusal_through_the_handler(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    missing = await client.get("/api/leads/L-999999")
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    new_user = {"name": "Dup", "email": people.agent.email, "password": "a long enough passphrase 1"}
    taken = await client.post("/api/users", json=new_user | {"role": "agent", "all_offices": True})
    assert taken.status_code == 409
    assert taken.json() == {"detail": f"A user with email {people.agent.email} already exists."}
    bad = await client.post("/api/sources", json={"key": "Bad Key!", "label": "x"})
    assert bad.status_code == 422 and "Key must be" in bad.json()["detail"]
    await sign_in_api(client, bindings, people.agent)
    refused = await client.get("/api/users")
    assert refused.status_code == 403 and refused.json() == {"detail": "You don't have access to this page."}
    page = await client.get("/leads/L-999999")
    assert page.status_code == 404 and "Not found" in page.text and "Back to Porchlight" in page.text
