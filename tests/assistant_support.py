"""The fake Anthropic server and settings pointing the app at it (issue 24 tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.fakes.anthropic import API_KEY, FakeAnthropic


@pytest.fixture
def fake_ai() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def settings(request: pytest.FixtureRequest):
    """The app pointed at the fake; a test marked `no_ai` gets no key (AI is not configured)."""
    if request.node.get_closest_marker("no_ai"):
        return make_settings()
    fake = request.getfixturevalue("fake_ai")
    return make_settings(ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=fake.base_url)


def sse_events(response: httpx.Response) -> list[dict]:
    """The SSE answer's events, parsed."""
    events = []
    for block in response.text.split("\n\n"):
        data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


async def ask(client: httpx.AsyncClient, message: str, **extra) -> tuple[httpx.Response, list[dict]]:
    response = await client.post("/api/assistant/messages", json={"message": message, **extra})
    return response, (sse_events(response) if response.status_code == 200 else [])
