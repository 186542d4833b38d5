"""Helpers for the contractor network's tests: make job types, areas and contractors through the API."""

from __future__ import annotations

from typing import Any

import httpx


async def job_type(client: httpx.AsyncClient, label: str) -> int:
    response = await client.post("/api/job-types", json={"label": label})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def area(client: httpx.AsyncClient, label: str, zip_code: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/service-areas", json={"label": label, "zip": zip_code, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def contractor(client: httpx.AsyncClient, name: str, job_type_ids: list[int], **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/contractors", json={"name": name, "job_type_ids": job_type_ids, **extra})
    assert response.status_code == 201, response.text
    return response.json()
