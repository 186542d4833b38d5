"""The Anthropic Messages API, reached with the `anthropic` SDK through the outbound chokepoint: the
SDK's `http_client` is a client from `bindings.http` (core/outbound.py), with a longer read timeout for
streams. The key is the Worker secret `ANTHROPIC_API_KEY`; without it `configured` is False and every
AI control says "AI is not configured". `ANTHROPIC_BASE_URL` points it elsewhere (the fake in tests).
The SDK retries 429 and 529 twice, honouring `retry-after`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

NOT_CONFIGURED = "AI is not configured"
MAX_RETRIES = 2
STREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def configured(bindings: Any) -> bool:
    return bindings.settings.secret("ANTHROPIC_API_KEY") is not None


@asynccontextmanager
async def client(bindings: Any) -> AsyncIterator[Any]:
    """An AsyncAnthropic on a fresh outbound client, closed afterwards. Imported here, not at module
    import: the Worker snapshots modules before any request."""
    import anthropic

    key = bindings.settings.secret("ANTHROPIC_API_KEY")
    async with bindings.http() as http:
        http.timeout = STREAM_TIMEOUT
        yield anthropic.AsyncAnthropic(
            api_key=key.reveal() if key else "",
            base_url=bindings.settings.anthropic_base_url or None,
            http_client=http,
            max_retries=MAX_RETRIES,
        )


def failure_message(exc: BaseException) -> tuple[str, str]:
    """(stored reason, what the person sees) for an error from the SDK or the stream."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        if status in (429, 529):
            return f"HTTP {status}: overloaded", "The AI service is busy right now. Try again in a minute."
        if status in (401, 403):
            return f"HTTP {status}: key refused", "The AI service refused our key. Ask the owner to check it."
        return f"HTTP {status}: {str(exc)[:200]}", "The AI service answered with an error. Try again."
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection failed", "We couldn't reach the AI service. Try again."
    return f"{type(exc).__name__}: {str(exc)[:200]}", "The answer stopped part-way because the AI service failed."
