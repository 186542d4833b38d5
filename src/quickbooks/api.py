"""Calls for the connected company: `Api` puts the connection's access token on each call and retries
once after a 401 with a refreshed token (`oauth.access_token`, single-flight per company).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from core.bindings import Bindings
from quickbooks import oauth
from quickbooks.client import (
    Endpoints,
    QuickBooksError,
    Unauthorized,
    call,
    count_statement,
    qbo_time,
)


class Api:
    """Calls for the connected company. One per job tick or request; the HTTP client is the caller's."""

    def __init__(self, bindings: Bindings, http: httpx.AsyncClient):
        self.bindings = bindings
        self.http = http
        self.endpoints = Endpoints.from_settings(bindings.settings)

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, **kwargs: Any) -> dict:
        token, realm = await oauth.access_token(self.bindings, self.http)
        try:
            return await self._once(token, realm, method, path, params, **kwargs)
        except Unauthorized:
            token, realm = await oauth.access_token(self.bindings, self.http, rejected=token)
            return await self._once(token, realm, method, path, params, **kwargs)

    async def _once(
        self, token: str, realm: str, method: str, path: str, params: dict[str, str] | None, **kwargs: Any
    ) -> dict:
        return await call(self.http, self.endpoints, token, realm, method, path, params, **kwargs)

    async def query(self, statement: str) -> list[dict[str, Any]]:
        """Rows of one page. An empty page is `"QueryResponse": {}` (no entity key)."""
        data = await self._call(
            "POST", "query", content=statement.encode(), headers={"Content-Type": "application/text"}
        )
        envelope = data.get("QueryResponse")
        if not isinstance(envelope, dict):
            raise QuickBooksError("QuickBooks answered a query without a QueryResponse")
        rows = next((v for k, v in envelope.items() if isinstance(v, list)), [])
        return [r for r in rows if isinstance(r, dict)]

    async def count(self, entity: str) -> int:
        data = await self._call(
            "POST", "query", content=count_statement(entity).encode(), headers={"Content-Type": "application/text"}
        )
        return int((data.get("QueryResponse") or {}).get("totalCount") or 0)

    async def cdc(self, entities: Sequence[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
        """Changed objects per entity since `since` (≤ 30 days back); deletions are `status: Deleted` stubs."""
        data = await self._call("GET", "cdc", params={"entities": ",".join(entities), "changedSince": qbo_time(since)})
        found: dict[str, list[dict[str, Any]]] = {}
        for response in data.get("CDCResponse") or []:
            for group in (response or {}).get("QueryResponse") or []:
                for key, value in (group or {}).items():
                    if isinstance(value, list):
                        found.setdefault(key, []).extend(v for v in value if isinstance(v, dict))
        return found

    async def company_info(self, realm: str) -> dict[str, Any]:
        data = await self._call("GET", f"companyinfo/{realm}")
        return data.get("CompanyInfo") or {}

    async def read(self, entity: str, qbo_id: str) -> dict[str, Any]:
        data = await self._call("GET", f"{entity.lower()}/{qbo_id}")
        return data.get(entity) or {}

    async def update(self, entity: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        """A sparse update; needs the current SyncToken (StaleObject otherwise). `request_id` makes a
        retried call apply once."""
        data = await self._call(
            "POST", entity.lower(), params={"requestid": request_id[:50]}, json={**body, "sparse": True}
        )
        return data.get(entity) or {}
