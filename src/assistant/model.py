"""The Anthropic Messages API, reached with the `anthropic` SDK through the outbound chokepoint. The SDK
speaks `httpx2` (its own fork of httpx) and refuses an `httpx.AsyncClient`, so its `http_client` is an
`httpx2.AsyncClient` whose only transport, `_Outbound`, sends every request through a client from
`bindings.http` (core/outbound.py: timeouts, no redirects, the address guard when asked), with a
longer read timeout for streams, and streams the answer back unbuffered. The key is the Worker secret
`ANTHROPIC_API_KEY`; without it `configured` is False and every AI control says "AI is not configured".
`ANTHROPIC_BASE_URL` points it elsewhere (the fake in tests). The SDK retries 429 and 529 twice,
honouring `retry-after`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from core import outbound
from core.errors import Conflict

NOT_CONFIGURED = "AI is not configured"


class NotConfigured(Conflict):
    """No ANTHROPIC_API_KEY: a 409 naming it (not a 5xx: nothing failed, the feature is off)."""

    default = NOT_CONFIGURED


MAX_RETRIES = 2
STREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def configured(bindings: Any) -> bool:
    return bindings.settings.secret("ANTHROPIC_API_KEY") is not None


def _outbound_transport(http: httpx.AsyncClient) -> Any:
    """An httpx2 transport over our outbound httpx client (built per call: httpx2 is imported lazily)."""
    import httpx2

    class _Body(httpx2.AsyncByteStream):
        def __init__(self, response: httpx.Response):
            self.response = response

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self.response.aiter_raw():
                yield chunk

        async def aclose(self) -> None:
            await self.response.aclose()

    class _Outbound(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: Any) -> Any:
            outgoing = http.build_request(
                request.method, str(request.url), headers=list(request.headers.raw), content=await request.aread()
            )
            try:
                response = await http.send(outgoing, stream=True)
            except httpx.TimeoutException as exc:
                raise httpx2.TimeoutException(str(exc), request=request) from None
            except (httpx.TransportError, OSError, outbound.BlockedDestination) as exc:
                raise httpx2.ConnectError(str(exc), request=request) from None
            return httpx2.Response(
                response.status_code, headers=list(response.headers.raw), stream=_Body(response), request=request
            )

    return _Outbound()


@asynccontextmanager
async def client(bindings: Any) -> AsyncIterator[Any]:
    """An AsyncAnthropic on a fresh outbound client, closed afterwards. Imported here, not at module
    import: the Worker snapshots modules before any request."""
    import anthropic
    import httpx2

    key = bindings.settings.secret("ANTHROPIC_API_KEY")
    async with bindings.http() as http:
        http.timeout = STREAM_TIMEOUT
        async with httpx2.AsyncClient(transport=_outbound_transport(http), timeout=60.0) as bridge:
            yield anthropic.AsyncAnthropic(
                api_key=key.reveal() if key else "",
                base_url=bindings.settings.anthropic_base_url or None,
                http_client=bridge,
                max_retries=MAX_RETRIES,
            )


def failure_message(exc: BaseException, *, part_way: bool = False) -> tuple[str, str]:
    """(stored reason, what the person sees) for an error from the SDK or the stream. `part_way`: the
    answer had started streaming (an `error` event mid-stream)."""
    import anthropic

    if part_way:
        return (
            f"stream failed: {str(exc)[:200]}",
            "The answer stopped part-way because the AI service failed. Try again.",
        )
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
