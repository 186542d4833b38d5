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
    """A globally routable unicast address: not private, loopback, link-local (the cloud metadata
    address 169.254.169.254 included), CGNAT 100.64/10, multicast, reserved or unspecified, and an
    IPv6-mapped/compatible IPv4 is judged by the IPv4 inside it (issue 22, WHO-26)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return _is_public(str(inner))
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def check_public_url(url: str, *, allow_hosts: frozenset[str] = frozenset()) -> None:
    """Raise BlockedDestination unless every address the host resolves to is public. ALLOW_HOSTS is a
    test-only allowance (the local receiver on 127.0.0.1): `check_user_url` refuses it in production."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BlockedDestination(f"only http(s) URLs with a host are allowed: {url!r}")
    host = parts.hostname
    if host in allow_hosts:
        return
    try:
        addresses = [host] if _literal(host) else [str(i[4][0]) for i in socket.getaddrinfo(host, None)]
    except socket.gaierror as exc:
        raise BlockedDestination(f"cannot resolve {host}: {exc}") from None
    for address in addresses:
        if not _is_public(address.split("%")[0].strip("[]")):
            raise BlockedDestination(f"{host} resolves to a non-public address")


def check_user_url(url: str, *, production: bool, allow_hosts: frozenset[str] = frozenset()) -> None:
    """The guard for a URL a user typed (outbound webhooks): at save and again at send, resolving the
    host afresh each time. https only in production, where no allowance applies."""
    if production:
        allow_hosts = frozenset()
        if urlsplit(url).scheme != "https":
            raise BlockedDestination("only https URLs are allowed")
    check_public_url(url, allow_hosts=allow_hosts)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class _GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, allow_hosts: frozenset[str] = frozenset()):
        self.inner = inner
        self.allow_hosts = allow_hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_public_url(str(request.url), allow_hosts=self.allow_hosts)
        return await self.inner.handle_async_request(request)


@functools.cache
def _tls() -> Any:
    """One verifying TLS context per process, made on first use (loading the CA bundle cost ~60 ms per
    client, more than a delivery to a nearby API: issue 21's outbox opens a client per drain)."""
    return httpx.create_ssl_context()


def client(
    *,
    guard_private: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    allow_hosts: frozenset[str] = frozenset(),
    timeout: float | None = None,
) -> httpx.AsyncClient:
    """A new AsyncClient. Create it inside a handler (never at import: the Worker snapshots modules)."""
    inner = transport or httpx.AsyncHTTPTransport(retries=0, verify=_tls())
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=5.0) if timeout else DEFAULT_TIMEOUT,
        follow_redirects=False,
        transport=_GuardedTransport(inner, allow_hosts) if guard_private else inner,
        headers={"User-Agent": "Porchlight/0.1"},
    )
