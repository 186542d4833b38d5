"""The one outbound HTTP chokepoint.

Every call to a third party goes through a client made here: bounded timeouts, no redirects
followed by default, and — for URLs a user typed (outbound webhooks, say) — a guard that refuses
loopback, private, link-local and metadata addresses. Operator-configured endpoints (QuickBooks
overrides, test fakes) use `client()` without the guard.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class BlockedDestination(Exception):
    """The URL points at an address user-entered URLs may not reach."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def check_public_url(url: str) -> None:
    """Raise BlockedDestination unless every address the host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BlockedDestination(f"only http(s) URLs with a host are allowed: {url!r}")
    host = parts.hostname
    try:
        addresses = [host] if _literal(host) else [str(i[4][0]) for i in socket.getaddrinfo(host, None)]
    except socket.gaierror as exc:
        raise BlockedDestination(f"cannot resolve {host}: {exc}") from None
    for address in addresses:
        if not _is_public(address.split("%")[0]):
            raise BlockedDestination(f"{host} resolves to a non-public address")


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class _GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_public_url(str(request.url))
        return await self.inner.handle_async_request(request)


@functools.cache
def _tls() -> Any:
    """One verifying TLS context per process, made on first use (loading the CA bundle cost ~60 ms per
    client, more than a delivery to a nearby API: issue 21's outbox opens a client per drain)."""
    return httpx.create_ssl_context()


def client(*, guard_private: bool = False, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A new AsyncClient. Create it inside a handler (never at import: the Worker snapshots modules)."""
    inner = transport or httpx.AsyncHTTPTransport(retries=0, verify=_tls())
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=False,
        transport=_GuardedTransport(inner) if guard_private else inner,
        headers={"User-Agent": "Porchlight/0.1"},
    )
